"""The operator's eligibility policies over HTTP and in Chromium: each tier's current rules,
a tier's history with a diff in words, the next version refused field by field as the PUT
refuses it or saved as the PUT saves it, and a what-if over stored reputations that
writes nothing.

Each test has a tier (and, where candidates count, an organization) of its own: see
tests/service/test_policy_preview.py for who is eligible under which version.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from scoring.eligibility import PolicyRules
from service.db.pool import init_connection
from tests.service.test_policy_preview import (
    CURRENT,
    DRAFT,
    NOW,
    PEOPLE,
    WITH_DRAFT,
    Standing,
    store_standings,
)
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import People, Person, csrf_token, sign_in

__all__ = ["browser", "screenshots"]  # fixtures used below


async def _stored(database_url: str, admin: Person, **kwargs: object) -> Standing:
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    try:
        async with conn.transaction():
            return await store_standings(
                conn,
                tier=f"pp-{uuid4().hex[:8]}",
                created_by=admin.key_id,
                **kwargs,  # type: ignore[arg-type]
            )
    finally:
        await conn.close()


@pytest.fixture
async def standing(database_url: str, people: People) -> Standing:
    return await _stored(database_url, people.admin)


async def _count(database_url: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        found: int = await conn.fetchval(sql, *args)
        return found
    finally:
        await conn.close()


async def _versions(database_url: str, tier: str) -> int:
    return await _count(database_url, "SELECT count(*) FROM policies WHERE tier = $1", tier)


def _form(rules: PolicyRules, token: str, **extra: str) -> dict[str, str]:
    """The edit form's fields as a person fills them in for `rules`."""
    fields = {
        "_csrf_token": token,
        "min_score": f"{rules.min_score:g}",
        "min_lower_bound": f"{rules.min_lower_bound:g}",
        "min_evidence": str(rules.min_evidence),
    }
    if rules.no_open_disputes:
        fields["no_open_disputes"] = "on"
    if rules.allow_prior:
        fields["allow_prior"] = "on"
    for i, need in enumerate(rules.required_trials):
        row = f"required_trials[{i}]."
        fields |= {
            row + "skill": need.skill,
            row + "min_count": str(need.min_count),
            row + "min_score": f"{need.min_score:g}",
            row + "window_days": f"{need.window_days:g}",
        }
    return fields | extra


def _text(page: str, element_id: str, end: str) -> str:
    part = page.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", part))


def _items(page: str, element_id: str) -> list[str]:
    listed = page.split(f'id="{element_id}"', 1)[1].split("</ul>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
        for item in re.findall(r"<li>(.*?)</li>", listed, flags=re.S)
    ]


def _number(page: str, element_id: str) -> int:
    return int(re.search(rf'id="{element_id}">(\d+)<', page).group(1))


def test_the_list_shows_every_tier_with_its_current_version_in_words(
    site: TestClient, people: People, standing: Standing
):
    sign_in(site, people.admin)
    page = site.get("/operator/policies")
    assert page.status_code == 200, page.text
    card = page.text.split(f'data-tier="{standing.tier}"', 1)[1].split("</li>\n", 1)[0]
    assert "Version 1" in card
    assert f'href="/operator/policies/{standing.tier}"' in card
    assert "Score at least 50" in card and "At least 5 pieces of evidence" in card
    assert 'data-tier="standard"' in page.text  # the seeded tiers are listed too


async def test_the_history_lists_each_version_and_the_diff_says_what_changed(
    site: TestClient, people: People, standing: Standing
):
    saved = site.put(
        f"/v1/policies/{standing.tier}",
        json={
            "min_score": 60,
            "min_evidence": 0,
            "required_trials": [{"skill": "python", "min_count": 2, "min_score": 0.7}],
            "no_open_disputes": False,
        },
        headers=people.admin.headers,
    )
    assert saved.status_code == 201, saved.text
    sign_in(site, people.admin)
    page = site.get(f"/operator/policies/{standing.tier}")
    assert page.status_code == 200, page.text
    versions = re.findall(r'data-version="(\d+)"', page.text)
    assert versions == ["2", "1"]  # newest first
    newest = _text(page.text, "version-2", "</li>\n")
    assert "current" in newest and "by the key “Ops”" in newest
    assert "2 trials in python scored 70% or more within 365 days" in newest
    assert "Score at least 50" in _text(page.text, "version-1", "</li>\n")
    # by default the last change, field by field in words
    assert "Version 1 → version 2" in page.text
    assert _items(page.text, "changes") == [
        "min score 50 → 60",
        "min evidence 5 → 0",
        "required trials: + 2 trials in python scored 70% or more within 365 days",
        "open disputes: refused → allowed",
    ]
    back = site.get(f"/operator/policies/{standing.tier}", params={"from": 2, "to": 1})
    assert "Version 2 → version 1" in back.text
    assert "min score 60 → 50" in _items(back.text, "changes")
    assert "required trials: − 2 trials in python scored 70% or more within 365 days" in _items(
        back.text, "changes"
    )
    same = site.get(f"/operator/policies/{standing.tier}", params={"from": 1, "to": 1})
    assert "The two versions ask the same." in same.text
    missing = site.get(f"/operator/policies/{standing.tier}", params={"from": 7})
    assert missing.status_code == 404
    assert site.get("/operator/policies/no-such-tier").status_code == 404
    assert site.get("/operator/policies/Not%20A%20Tier").status_code == 400


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"min_score": "150"}, "min_score", "Minimum score: Must be &lt;= 100.0"),
        ({"min_evidence": "lots"}, "min_evidence", "Minimum pieces of evidence: Enter a number"),
        (
            {"required_trials[0].skill": "go", "required_trials[0].min_count": "0"},
            "required_trials[0].min_count",
            "Required trials, row 1: Trials needed: Must be &gt;= 1",
        ),
        (
            {"required_trials[0].min_score": "80"},  # a row with no skill
            "required_trials[0].skill",
            "Required trials, row 1: Skill: Must not be empty",
        ),
        (
            {"required_trials[0].skill": "python", "required_trials[0].min_score": "80"},
            "required_trials[0].min_score",
            "Must be &lt;= 1.0",
        ),
    ],
)
async def test_a_bad_field_is_a_422_naming_it_and_nothing_is_saved(
    site: TestClient,
    people: People,
    database_url: str,
    standing: Standing,
    fields: dict[str, str],
    field: str,
    words: str,
):
    sign_in(site, people.admin)
    token = csrf_token(site.get(f"/operator/policies/{standing.tier}").text)
    form = _form(CURRENT, token) | fields
    for action in ("", "/what-if"):
        response = site.post(f"/operator/policies/{standing.tier}{action}", data=form)
        assert response.status_code == 422, (action, response.text[:2000])
        assert f'data-field="{field}"' in response.text
        assert words in response.text
        assert "Nothing was saved." in response.text
        marked = re.search(rf'name="{re.escape(field)}"[^>]*aria-invalid="true"', response.text)
        assert marked, f"{field} is not marked invalid"
        for value in fields.values():  # what was typed is kept, to correct
            assert f'value="{value}"' in response.text
        assert 'id="what-if-coverage"' not in response.text
    assert await _versions(database_url, standing.tier) == 1


async def test_saving_from_the_page_stores_the_next_version_as_the_put_does(
    site: TestClient, people: People, database_url: str, standing: Standing
):
    sign_in(site, people.admin)
    token = csrf_token(site.get(f"/operator/policies/{standing.tier}").text)
    refused = site.post(
        f"/operator/policies/{standing.tier}", data=_form(DRAFT, "forged"), follow_redirects=False
    )
    assert refused.status_code == 403  # no valid CSRF token: nothing happens
    saved = site.post(
        f"/operator/policies/{standing.tier}", data=_form(DRAFT, token), follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/operator/policies/{standing.tier}?saved=2#history"
    stored = site.get(f"/v1/policies/{standing.tier}", headers=people.admin.headers).json()
    assert stored["version"] == 2
    rules = {k: v for k, v in stored.items() if k in PolicyRules.__struct_fields__}
    assert msgspec.convert(rules, PolicyRules) == DRAFT
    page = site.get(f"/operator/policies/{standing.tier}", params={"saved": 2})
    assert "Saved as version 2" in page.text
    assert re.findall(r'data-version="(\d+)"', page.text) == ["2", "1"]
    assert "by the key “Ops”" in _text(page.text, "version-2", "</li>\n")
    assert "Save as version 3" in page.text
    # the same rules again store nothing, as a PUT of the same body does
    again = site.post(
        f"/operator/policies/{standing.tier}", data=_form(DRAFT, token), follow_redirects=False
    )
    assert again.headers["location"] == f"/operator/policies/{standing.tier}?unchanged=2#history"
    assert await _versions(database_url, standing.tier) == 2
    # a blank number is the API's default, as an absent JSON field is
    blank = site.post(
        f"/operator/policies/{standing.tier}",
        data=_form(DRAFT, token, min_score="", min_lower_bound=""),
        follow_redirects=False,
    )
    assert blank.headers["location"].endswith("?saved=3#history")
    assert (
        site.get(f"/v1/policies/{standing.tier}", headers=people.admin.headers).json()["min_score"]
        == 0
    )


async def test_what_if_counts_who_the_draft_flips_each_way_and_writes_nothing(
    site: TestClient, people: People, database_url: str, standing: Standing
):
    sign_in(site, people.admin)
    page = site.get(f"/operator/policies/{standing.tier}")
    token = csrf_token(page.text)
    assert 'formaction="/operator/policies/' in page.text and 'id="what-if"' not in page.text
    decisions = await _count(database_url, "SELECT count(*) FROM eligibility_decisions")
    shown = site.post(
        f"/operator/policies/{standing.tier}/what-if",
        data=_form(DRAFT, token, organization=str(standing.organization_id)),
    )
    assert shown.status_code == 200, shown.text[:2000]
    text = shown.text
    assert _number(text, "eligible-now") == len(NOW) == 4
    assert _number(text, "eligible-draft") == len(WITH_DRAFT) == 3
    assert _number(text, "newly-eligible") == 2
    assert _number(text, "newly-ineligible") == 3
    assert _items(text, "gained-sample") == ["Dan Evidence pv003", "Fay Disputed pv005"]
    assert _items(text, "lost-sample") == [
        "Bea Lower pv001",
        "Eve Untried pv004",
        "Gus Failed pv006",
    ]
    assert f'href="/candidates/{standing.ids["Dan Evidence"]}"' in text
    coverage = " ".join(_text(text, "what-if-coverage", "</p>").split())
    assert f"Covered {len(PEOPLE)} candidates with a stored {standing.tier} reputation" in coverage
    assert re.search(r"in \d+(\.\d+)? ms", coverage) and "Nothing was saved." in coverage
    assert "min score 50 → 60" in _items(text, "draft-changes")
    # the draft stays in the form, with the organization chosen
    assert 'name="required_trials[0].skill" type="text" autocomplete="off" value="python"' in text
    assert f'<option value="{standing.organization_id}" selected>' in text
    assert await _versions(database_url, standing.tier) == 1
    assert await _count(database_url, "SELECT count(*) FROM eligibility_decisions") == decisions
    # over every organization: the tier is this test's own, so the same candidates
    everyone = site.post(f"/operator/policies/{standing.tier}/what-if", data=_form(DRAFT, token))
    assert _number(everyone.text, "covered") == len(PEOPLE)
    assert "every organization" in _text(everyone.text, "what-if-coverage", "</p>")
    gone = site.post(
        f"/operator/policies/{standing.tier}/what-if",
        data=_form(DRAFT, token, organization=str(uuid4())),
    )
    assert gone.status_code == 422 and 'data-field="organization"' in gone.text


def test_the_policy_pages_are_for_admins_only(site: TestClient, people: People, standing: Standing):
    for person in (people.platform, people.client, people.candidate):
        sign_in(site, person)
        token = csrf_token(site.get("/").text)  # the sign-out form carries one
        assert site.get("/operator/policies").status_code == 403, person.role
        assert site.get(f"/operator/policies/{standing.tier}").status_code == 403, person.role
        for action in ("", "/what-if"):
            response = site.post(
                f"/operator/policies/{standing.tier}{action}",
                data=_form(DRAFT, token),
                follow_redirects=False,
            )
            assert response.status_code == 403, (person.role, action)
    site.cookies.clear()
    anonymous = site.get("/operator/policies", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in")


@pytest.mark.docker
async def test_an_operator_tries_a_draft_then_saves_it_on_desktop_and_phone(
    live_server: str,
    people: People,
    database_url: str,
    browser: WebDriver,
    screenshots: Path,
):
    standing = await _stored(database_url, people.admin)
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{live_server}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(people.admin.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.current_url.endswith("/operator"))
    driver.get(f"{live_server}/operator/policies")
    driver.find_element(By.CSS_SELECTOR, f"a[href='/operator/policies/{standing.tier}']").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "policy-form"))

    def fill(element_id: str, value: str) -> None:
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)

    fill("p-min_score", "60")
    fill("p-min_evidence", "0")
    fill("t0-skill", "python")
    fill("t0-min_count", "1")
    fill("t0-min_score", "0.7")
    fill("t0-window_days", "365")
    driver.find_element(By.ID, "p-no_open_disputes").click()  # untick
    Select(driver.find_element(By.ID, "p-organization")).select_by_value(
        str(standing.organization_id)
    )
    driver.find_element(By.ID, "what-if-button").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "what-if"))
    assert driver.find_element(By.ID, "newly-eligible").text == "2"
    assert driver.find_element(By.ID, "newly-ineligible").text == "3"
    assert driver.find_element(By.ID, "covered").text == str(len(PEOPLE))
    assert driver.find_element(By.ID, "p-min_score").get_attribute("value") == "60"
    capture(driver, screenshots, "operator-policy-what-if")
    driver.set_window_size(*PHONE)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "the policy page scrolls sideways at phone width"
    capture(driver, screenshots, "operator-policy-what-if-phone", size=PHONE)

    driver.find_element(By.ID, "save-button").click()
    notice = wait_for(driver, lambda d: d.find_elements(By.ID, "policy-notice"))[0]
    assert "Saved as version 2" in notice.text
    assert driver.find_element(By.ID, "version-2").find_elements(By.CLASS_NAME, "pill")
    assert "min score 50 → 60" in driver.find_element(By.ID, "changes").text
