"""The candidate's and the client's journeys in a real headless Chromium, on the real service.

A correct solution is graded by the embedded worker in the Docker sandbox; the
result page turns `accepted` by itself. Screenshots of the main pages are saved
(see `screenshots` in tests/web/browser.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.service.test_api_roles import SOLUTION, wait_graded
from tests.support import INDEPENDENT_LRU as INDEPENDENT
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import People, Person, open_milestone

__all__ = ["browser", "screenshots"]  # fixtures used below

pytestmark = pytest.mark.docker
# The textarea is the form field; the code editor over it writes it back on submit.
SET_CODE = "arguments[0].nextElementSibling.CodeMirror.setValue(arguments[1]);"


def _sign_in(driver: WebDriver, base: str, person: Person) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(person.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: "/sign-in" not in d.current_url)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.signout"))


def _text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_candidate_submits_a_correct_solution_and_sees_it_accepted(
    live_server: str, people: People, lru_trial: str, browser: WebDriver, screenshots: Path
):
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{live_server}/sign-in")
    capture(driver, screenshots, "sign-in")
    _sign_in(driver, live_server, people.candidate)
    assert driver.current_url.endswith("/trials")
    capture(driver, screenshots, "trials")

    wait_for(driver, lambda d: d.find_elements(By.LINK_TEXT, "python"))[0].click()  # skill filter
    wait_for(driver, lambda d: "skill=python" in d.current_url)
    trial = f"a[href='/trials/{lru_trial}']"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, trial))[0].click()
    # before an attempt: the rules, not the task; the clock starts with the task
    wait_for(driver, lambda d: d.find_elements(By.ID, "start-attempt"))
    assert driver.find_elements(By.ID, "statement-locked")
    assert not driver.find_elements(By.CSS_SELECTOR, "textarea")
    assert "last graded submission before the deadline" in _text(driver)
    capture(driver, screenshots, "trial-before-attempt-phone", size=PHONE)
    driver.find_element(By.ID, "start-attempt").click()
    clock = wait_for(driver, lambda d: d.find_elements(By.ID, "countdown"))[0]
    first = clock.text
    assert re.fullmatch(r"\d+:\d\d:\d\d|\d+:\d\d", first), first
    wait_for(driver, lambda d: d.find_element(By.ID, "countdown").text != first)  # it counts down
    assert "0 of 100 used" in driver.find_element(By.ID, "submissions-left").text
    assert "Hidden tests" in _text(driver)
    # on a wide screen the editor sits beside the statement, not thousands of pixels below it
    driver.set_window_size(1400, 900)
    statement = driver.find_element(By.CSS_SELECTOR, ".statement")
    work = driver.find_element(By.ID, "submit")
    assert work.location["x"] >= statement.location["x"] + statement.size["width"], "not beside"
    assert driver.find_element(By.ID, "attempt").location["y"] < 900
    capture(driver, screenshots, "trial")
    capture(driver, screenshots, "trial-phone", size=PHONE)

    # "Run public tests" grades the public tests only, and counts nowhere
    (editor,) = driver.find_elements(By.CSS_SELECTOR, "textarea[name='file:lru_cache.py']")
    driver.execute_script(SET_CODE, editor, INDEPENDENT["lru_cache.py"])
    driver.find_element(By.ID, "practice-edited").click()
    wait_for(driver, lambda d: "/submissions/" in d.current_url)
    assert driver.find_elements(By.ID, "practice-note")
    verdict = wait_for(driver, lambda d: d.find_elements(By.ID, "verdict"))[0]
    assert verdict.get_attribute("data-verdict") == "accepted"  # the public tests, all passed
    assert "Hidden tests" not in _text(driver)  # they never ran
    driver.get(f"{live_server}/trials/{lru_trial}")
    assert "0 of 100 used" in driver.find_element(By.ID, "submissions-left").text

    (editor,) = driver.find_elements(By.CSS_SELECTOR, "textarea[name='file:lru_cache.py']")
    driver.execute_script(SET_CODE, editor, INDEPENDENT["lru_cache.py"])
    driver.find_element(By.ID, "submit-edited").click()
    wait_for(driver, lambda d: "/submissions/" in d.current_url)
    verdict = wait_for(driver, lambda d: d.find_elements(By.ID, "verdict"))[0]
    assert verdict.get_attribute("data-verdict") == "accepted"
    assert verdict.text == "Accepted"  # in words, once; the code is for operators
    assert driver.find_element(By.ID, "score").text == "100%"
    assert "Hidden tests" in _text(driver)
    capture(driver, screenshots, "result")
    capture(driver, screenshots, "result-phone", size=PHONE)

    driver.get(f"{live_server}/trials/{lru_trial}")
    driver.find_element(By.ID, "finish-attempt").click()
    wait_for(driver, lambda d: "counted" in d.find_element(By.ID, "past-attempts").text)
    table = driver.find_element(By.ID, "past-attempts").text
    assert "Accepted" in table and "100%" in table
    driver.get(f"{live_server}/submissions")
    attempts = driver.find_element(By.ID, "attempts").text
    assert "counted" in attempts and "Accepted" in attempts
    assert "practice" in _text(driver)  # every run is listed, practice marked
    capture(driver, screenshots, "attempts-phone", size=PHONE)


def test_a_candidate_cannot_open_another_candidates_result_in_the_browser(
    live_server: str, people: People, lru_trial: str, browser: WebDriver
):
    made = httpx.post(
        f"{live_server}/v1/trials/{lru_trial}/submissions",
        json={"files": SOLUTION, "candidate_id": str(people.other_candidate.actor_id)},
        headers=people.platform.headers,
        timeout=60,
    )
    assert made.status_code == 202, made.text
    _sign_in(browser, live_server, people.candidate)
    browser.get(f"{live_server}/submissions/{made.json()['id']}")
    text = _text(browser)
    assert "Error 404" in text and "Not found" in text
    assert not browser.find_elements(By.ID, "verdict")


def test_client_opens_a_profile_sees_the_chart_and_rates_a_milestone(
    live_server: str, people: People, browser: WebDriver, screenshots: Path
):
    with httpx.Client(base_url=live_server, timeout=60) as api:
        milestone = open_milestone(api, people, people.candidate, people.client)  # type: ignore[arg-type]
    driver = browser
    _sign_in(driver, live_server, people.client)
    assert driver.current_url.endswith("/candidates")
    link = f"a[href='/candidates/{people.candidate.actor_id}']"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, link))[0].click()
    chart = wait_for(driver, lambda d: d.find_elements(By.ID, "score-chart"))[0]
    assert chart.find_elements(By.CSS_SELECTOR, "circle.dot"), "the chart has no points"
    assert driver.find_element(By.ID, "rep-score").text.isdigit()

    form = driver.find_element(By.CSS_SELECTOR, f"form[action='/milestones/{milestone}/rating']")
    form.find_element(By.CSS_SELECTOR, "input[name='stars'][value='5']").click()
    form.find_element(By.CSS_SELECTOR, "input[name='communication'][value='4']").click()
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(driver, lambda d: "rated=" in d.current_url)
    assert "your rating is saved" in _text(driver)
    rated = driver.find_element(By.ID, f"milestone-{milestone}")
    assert "5/5" in rated.text
    capture(driver, screenshots, "client-profile")
    capture(driver, screenshots, "client-profile-phone", size=PHONE)


def test_operator_sees_the_queue_and_models(
    live_server: str, people: People, browser: WebDriver, screenshots: Path
):
    _sign_in(browser, live_server, people.admin)
    assert browser.current_url.endswith("/operator")
    text = _text(browser)
    assert "Runs per hour" in text and "Eligibility policies" in text
    capture(browser, screenshots, "operator")


def test_operator_reads_a_copied_pair_side_by_side_and_confirms_it(
    live_server: str, people: People, lru_trial: str, browser: WebDriver, screenshots: Path
):
    with httpx.Client(base_url=live_server, timeout=60) as api:
        # the trial's own solution, handed in as the other candidate's work
        made = api.post(
            f"/v1/trials/{lru_trial}/submissions",
            json={"files": SOLUTION, "candidate_id": str(people.other_candidate.actor_id)},
            headers=people.platform.headers,
        )
        assert made.status_code == 202, made.text
        wait_graded(api, made.json()["id"], people.platform.headers)  # type: ignore[arg-type]
        attempt = made.json()["attempt_id"]
        finished = api.post(f"/v1/attempts/{attempt}/finish", headers=people.platform.headers)
        assert finished.json()["status"] == "under_review"
    driver = browser
    _sign_in(driver, live_server, people.admin)
    driver.find_element(By.ID, "open-flags").click()
    row = "a[href^='/operator/similarity/']"
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, row))
    assert "the trial's own solution" in _text(driver)
    flags = driver.find_elements(By.CSS_SELECTOR, row)
    flags[0].click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "regions"))
    assert driver.find_elements(By.CSS_SELECTOR, "pre.numbered .match"), "no line marked"
    capture(driver, screenshots, "similarity")
    capture(driver, screenshots, "similarity-phone", size=PHONE)
    driver.find_element(By.ID, "note").send_keys("the reference solution, verbatim")
    driver.find_element(By.ID, "confirm-flag").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "flag-status").text == "confirmed")
    with httpx.Client(base_url=live_server, timeout=60) as api:
        now = api.get(f"/v1/attempts/{attempt}", headers=people.platform.headers).json()
    assert now["status"] == "rejected"
