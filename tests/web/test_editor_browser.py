"""The trial page's editor in a real headless Chromium: indenting with Tab, drafts that
survive a reload and an ended session, "Discard draft", a phone's width, errors shown
where the action was, and a syntax error's file and line first on the result page.

Each test takes a candidate of its own (their attempts never collide) and submits its own
code, never the trial's reference solution, which the similarity check would flag.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support import INDEPENDENT_LRU, STARTER_LRU, Caller
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.test_editor_pages import fresh_candidate

__all__ = ["browser", "screenshots"]  # fixtures used below

pytestmark = pytest.mark.docker

FILE = "lru_cache.py"
STARTER = STARTER_LRU[FILE]
# In a script, the CodeMirror instance over the textarea of the file named by arguments[0].
EDITOR = (
    "document.querySelector('textarea[data-path=\"' + arguments[0] + '\"]')"
    ".nextElementSibling.CodeMirror"
)


def _sign_in_here(driver: WebDriver, person: Caller) -> None:
    """Signs in on the sign-in page the browser is on, as a person would."""
    wait_for(driver, lambda d: d.find_elements(By.ID, "api_key"))[0].send_keys(person.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.signout"))


def _open_trial(driver: WebDriver, base: str, trial: str, person: Caller) -> None:
    """Signed in as `person`, an attempt started, the editor ready."""
    driver.delete_all_cookies()
    driver.get(f"{base}/sign-in")
    driver.execute_script("localStorage.clear(); sessionStorage.clear();")
    _sign_in_here(driver, person)
    driver.get(f"{base}/trials/{trial}")
    wait_for(driver, lambda d: d.find_elements(By.ID, "start-attempt"))[0].click()
    _wait_editor(driver)


def _wait_editor(driver: WebDriver) -> None:
    ready = f"try {{ return !!{EDITOR}; }} catch (e) {{ return false; }}"
    wait_for(driver, lambda d: d.execute_script(ready, FILE))


def _code(driver: WebDriver) -> str:
    return str(driver.execute_script(f"return {EDITOR}.getValue();", FILE))


def _cm(driver: WebDriver, call: str, *args: Any) -> Any:
    """Calls a CodeMirror method on the file's editor (`call` may use args[1]…)."""
    return driver.execute_script(f"var cm = {EDITOR}; return cm.{call};", FILE, *args)


def _type_at_end(driver: WebDriver, text: str) -> None:
    """Real key presses at the end of the file, after a click into the editor."""
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror .CodeMirror-lines").click()
    _cm(driver, "setCursor(cm.lineCount(), 0)")
    ActionChains(driver).send_keys(text).perform()
    wait_for(driver, lambda d: _code(d).endswith(text))


def _drafts(driver: WebDriver) -> dict[str, str]:
    stored = driver.execute_script(
        "var out = {}; for (var i = 0; i < localStorage.length; i++) {"
        " var k = localStorage.key(i); if (k.indexOf('tg:draft:') === 0)"
        " out[k] = JSON.parse(localStorage.getItem(k)).text; } return out;"
    )
    return dict(stored)


def _in_editor(driver: WebDriver) -> bool:
    return bool(
        driver.execute_script(
            "return !!(document.activeElement && document.activeElement.closest('.CodeMirror'))"
        )
    )


def test_tab_indents_in_the_editor_and_esc_then_tab_leaves_it(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str, screenshots: Path
):
    driver = browser
    _open_trial(driver, live_server, lru_trial, fresh_candidate(database_url))
    hint = driver.find_element(By.ID, "editor-hint")
    assert hint.is_displayed() and "Esc, then Tab" in hint.text
    assert driver.find_elements(By.CSS_SELECTOR, ".CodeMirror-linenumber")
    assert driver.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-keyword"), "no highlighting"
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror .CodeMirror-lines").click()
    _cm(driver, "setCursor(0, 0)")
    first = _cm(driver, "getLine(0)")

    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert _cm(driver, "getLine(0)") == "    " + first
    assert _in_editor(driver), "Tab left the editor"
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert _cm(driver, "getLine(0)") == first
    assert _in_editor(driver)
    # Esc, then Tab: the keyboard moves on, and the code is untouched
    ActionChains(driver).send_keys(Keys.ESCAPE).send_keys(Keys.TAB).perform()
    wait_for(driver, lambda d: not _in_editor(d))
    assert _cm(driver, "getLine(0)") == first
    # back in, Tab indents again
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror .CodeMirror-lines").click()
    _cm(driver, "setCursor(0, 0)")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert _cm(driver, "getLine(0)") == "    " + first
    capture(driver, screenshots, "trial-editor")


def test_a_draft_survives_a_reload_and_discard_brings_the_starter_back(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str
):
    driver = browser
    candidate = fresh_candidate(database_url)
    _open_trial(driver, live_server, lru_trial, candidate)
    assert _code(driver) == STARTER
    _type_at_end(driver, "# kept across a reload\n")
    key = f"tg:draft:{candidate.actor_id}:{lru_trial}:{FILE}"
    assert _drafts(driver) == {key: STARTER + "# kept across a reload\n"}

    driver.refresh()
    _wait_editor(driver)
    assert _code(driver) == STARTER + "# kept across a reload\n"

    discard = driver.find_element(By.ID, "discard-draft")
    assert discard.is_displayed()
    discard.click()
    assert _code(driver) == STARTER
    assert _drafts(driver) == {}
    assert "Draft discarded" in driver.find_element(By.ID, "draft-status").text
    driver.refresh()
    _wait_editor(driver)
    assert _code(driver) == STARTER


def test_after_the_session_ends_signing_in_again_returns_to_the_trial_with_the_draft(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str
):
    driver = browser
    candidate = fresh_candidate(database_url)
    _open_trial(driver, live_server, lru_trial, candidate)
    _type_at_end(driver, "# before the session ended\n")
    driver.delete_cookie("tg_session")  # what the session expiring does to the browser
    _type_at_end(driver, "# after it ended\n")
    driver.find_element(By.ID, "practice-edited").click()  # the form goes to sign-in
    wait_for(driver, lambda d: d.find_elements(By.ID, "api_key"))
    _sign_in_here(driver, candidate)
    wait_for(driver, lambda d: d.current_url.endswith(f"/trials/{lru_trial}"))
    _wait_editor(driver)
    assert _code(driver) == STARTER + "# before the session ended\n# after it ended\n"

    # a page opened after the session ended comes back the same way (the server's `next`)
    driver.delete_cookie("tg_session")
    driver.refresh()
    _sign_in_here(driver, candidate)
    assert driver.current_url.endswith(f"/trials/{lru_trial}")
    _wait_editor(driver)
    assert _code(driver) == STARTER + "# before the session ended\n# after it ended\n"


def test_signing_out_leaves_no_draft_for_the_next_person(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str
):
    driver = browser
    first = fresh_candidate(database_url, "First")
    _open_trial(driver, live_server, lru_trial, first)
    _type_at_end(driver, "# first's own code\n")
    assert _drafts(driver)
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "api_key"))
    assert _drafts(driver) == {}

    second = fresh_candidate(database_url, "Second")
    _sign_in_here(driver, second)
    assert driver.current_url.endswith("/trials")  # signed out: no page to return to
    driver.get(f"{live_server}/trials/{lru_trial}")
    driver.find_element(By.ID, "start-attempt").click()
    _wait_editor(driver)
    assert _code(driver) == STARTER


def test_on_a_phone_the_editor_scrolls_sideways_and_the_page_does_not(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str, screenshots: Path
):
    driver = browser
    _open_trial(driver, live_server, lru_trial, fresh_candidate(database_url))
    long_line = "LIMITS = {" + ", ".join(f"'k{i}': {i}" for i in range(40)) + "}\n"
    _cm(driver, "setValue(arguments[1])", long_line + STARTER)
    driver.set_window_size(*PHONE)
    try:
        scroller = driver.find_element(By.CSS_SELECTOR, ".CodeMirror-scroll")
        wait_for(driver, lambda d: d.execute_script("return window.innerWidth") <= PHONE[0])
        assert _cm(driver, "lineCount()") == STARTER.count("\n") + 2  # not wrapped, one line
        sizes = driver.execute_script(
            "var s = arguments[0]; s.scrollLeft = 200;"
            "return {scroll: s.scrollWidth, client: s.clientWidth, left: s.scrollLeft,"
            " page: document.documentElement.scrollWidth, window: window.innerWidth};",
            scroller,
        )
        assert sizes["scroll"] > sizes["client"] and sizes["left"] > 0, sizes
        assert sizes["page"] <= sizes["window"], sizes
    finally:
        driver.set_window_size(1280, 900)
    capture(driver, screenshots, "trial-editor-phone", size=PHONE)


def test_a_refused_submission_shows_its_error_in_focus_and_the_code_sent(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str
):
    driver = browser
    candidate = fresh_candidate(database_url)
    _open_trial(driver, live_server, lru_trial, candidate)
    # a file over the 1 MiB limit: the server refuses it and sends the page back
    sent = (
        STARTER
        + "DATA = [\n"
        + "    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n" * 22_000
        + "]\n"
    )
    _cm(driver, "setValue(arguments[1])", sent)
    # another tab's older draft must not win over what this page sent
    key = f"tg:draft:{candidate.actor_id}:{lru_trial}:{FILE}"
    driver.execute_script(
        "localStorage.setItem(arguments[0], arguments[1])", key, json.dumps({"text": "stale"})
    )
    driver.find_element(By.ID, "practice-edited").click()
    error = wait_for(driver, lambda d: d.find_elements(By.ID, "submit-error"))[0]
    assert "over 1048576 bytes" in error.text
    assert driver.execute_script("return document.activeElement.id") == "submit-error"
    top = driver.execute_script("return arguments[0].getBoundingClientRect().top", error)
    assert 0 <= top < driver.execute_script("return window.innerHeight")
    _wait_editor(driver)
    assert _code(driver) == sent
    assert _drafts(driver)[key] == sent

    # an upload refused: the editor keeps the draft
    driver.find_element(By.ID, "submit-archive").click()
    error = wait_for(driver, lambda d: d.find_elements(By.ID, "submit-error"))[0]
    wait_for(driver, lambda d: "archive" in d.find_element(By.ID, "submit-error").text)
    assert driver.execute_script("return document.activeElement.id") == "submit-error"
    _wait_editor(driver)
    assert _code(driver) == sent


def test_a_syntax_error_shows_the_file_and_line_first(
    live_server: str, lru_trial: str, browser: WebDriver, database_url: str, screenshots: Path
):
    driver = browser
    _open_trial(driver, live_server, lru_trial, fresh_candidate(database_url))
    source = INDEPENDENT_LRU[FILE]
    broken = source.replace("class LRUCache:", "class LRUCache", 1)
    line = source[: source.index("class LRUCache:")].count("\n") + 1
    _cm(driver, "setValue(arguments[1])", broken)
    driver.find_element(By.ID, "practice-edited").click()
    verdict = wait_for(driver, lambda d: d.find_elements(By.ID, "verdict"))[0]
    assert verdict.get_attribute("data-verdict") == "compile_error"
    card = driver.find_element(By.CSS_SELECTOR, "section.result")
    lines = card.text.splitlines()
    assert lines[0] == "Did not load"
    assert re.match(rf"{FILE}, line {line}: ", lines[1]), lines[:3]
    # the long traceback is there, folded
    folded = card.find_elements(By.CSS_SELECTOR, "details.test-message")
    assert folded and not folded[0].find_element(By.TAG_NAME, "pre").is_displayed()
    assert "_pytest" not in card.text
    folded[0].find_element(By.TAG_NAME, "summary").click()
    assert "SyntaxError" in folded[0].find_element(By.TAG_NAME, "pre").text
    capture(driver, screenshots, "result-syntax-error")
    capture(driver, screenshots, "result-syntax-error-phone", size=PHONE)
