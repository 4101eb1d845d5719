"""The client's matching page over HTTP, and once in Chromium at phone width: the form, the
ranking the API gives (names linking to profiles, chance with its interval, eligibility
with the rules failed, reasons with signed points), and every input the API refuses
refused on the page with the API's own message, naming the field.

The candidates are a small simulated market imported into an organization of this
module's own, so the ranking depends on nothing another test stores.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from scoring.simulator.simulate import MarketSpec, simulate
from service.app import create_app
from service.repo.organizations import insert_organization
from service.settings import Settings
from tests.service.test_events_import import jsonl
from tests.support import Caller, new_caller, serving
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import People, sign_in

__all__ = ["browser", "screenshots"]  # fixtures used below

MARKET = MarketSpec(n_candidates=30, n_clients=8, n_milestones=300, seed=21)
ROW = re.compile(r'<tr data-candidate="([0-9a-f-]{36})">')


class Org(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    client: Caller
    candidate: Caller


async def _org(database_url: str) -> Org:
    conn = await asyncpg.connect(database_url)
    try:
        org = await insert_organization(conn, slug=f"mp-{uuid4().hex[:8]}", name="Matching page")
        return Org(
            slug=org.slug,
            client=await new_caller(conn, "client", "client", "Hooli", organization_id=org.id),
            candidate=await new_caller(
                conn, "candidate", "candidate", "Mae Jemison", organization_id=org.id
            ),
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def org(site: TestClient, people: People, database_url: str) -> Org:
    made = asyncio.run(_org(database_url))
    imported = site.post(
        "/v1/events:import",
        params={"organization": made.slug},
        content=jsonl(list(simulate(MARKET).events)),
        headers=people.admin.headers,
    )
    assert imported.status_code == 200, imported.text  # every candidate scored before it answers
    return made


def _page(site: TestClient, **params: str):
    return site.get("/client/matches", params=params)


def test_the_form_offers_the_tiers_with_a_policy_and_the_nav_links_it(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = _page(site)
    assert page.status_code == 200
    text = page.text
    assert '<form class="card match-form" method="get" action="/client/matches"' in text
    for tier in ("entry", "standard", "expert"):
        assert f'<option value="{tier}"' in text
    assert '<a href="/client/matches">Find candidates</a>' in text  # the client's navigation
    assert 'id="matches"' not in text and 'role="alert"' not in text
    # A candidate is not a client; without a session the page asks to sign in first.
    sign_in(site, org.candidate)
    assert _page(site).status_code == 403
    site.cookies.clear()
    away = site.get("/client/matches", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/sign-in")


def test_the_results_are_the_apis_ranking_shown_for_a_person(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = _page(site, skills="python, sql", tier="standard", amount="1200", limit="6")
    assert page.status_code == 200, page.text
    api = site.post(
        "/v1/matches",
        json={"skills": ["python", "sql"], "tier": "standard", "amount": 1200, "limit": 6},
        headers=org.client.headers,
    ).json()
    shown = ROW.findall(page.text)
    assert shown == [m["candidate_id"] for m in api["matches"]] and len(shown) == 6
    text = html.unescape(page.text)
    for m in api["matches"]:
        assert f'href="/candidates/{m["candidate_id"]}?tier=standard"' in text
        lower, upper = round(m["interval"]["lower"]), round(m["interval"]["upper"])
        assert f"{m['chance']:.0f}%</strong> <small>likely {lower}–{upper}" in text
        for failed in m["eligibility"]["failed"]:
            assert failed["message"] in text
        for r in m["reasons"][:3]:
            sign = "+" if r["effect"] > 0 else "−"
            assert f"{sign}{abs(r['effect']):.1f}</span> {r['text']}" in text
    assert 'class="pill pill-' in text
    assert 'value="python, sql"' in text  # the form keeps what was asked
    assert "6 of" in text and "for python, sql, amount 1,200." in text


def test_an_admin_picks_the_organization(site: TestClient, people: People, org: Org):
    sign_in(site, people.admin)
    form = _page(site)
    assert f'<option value="{org.slug}"' in form.text  # beside the default organization
    page = _page(site, tier="standard", amount="500", limit="4", organization=org.slug)
    assert page.status_code == 200, page.text
    api = site.post(
        "/v1/matches",
        json={"tier": "standard", "amount": 500, "limit": 4, "organization": org.slug},
        headers=people.admin.headers,
    ).json()
    assert ROW.findall(page.text) == [m["candidate_id"] for m in api["matches"]]
    unknown = _page(site, tier="standard", amount="500", organization="no-such-org")
    assert unknown.status_code == 422 and 'data-field="organization"' in unknown.text


BAD = [
    ({"amount": "abc"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "1e10"}, "amount"),
    ({"amount": "nan"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"skills": "python, " + "x" * 65}, "skills[1]"),
    ({"skills": ", ".join(f"s{i}" for i in range(33))}, "skills"),
    ({"skills": "py\x01thon"}, "skills[0]"),
    ({"tier": ""}, "tier"),
    ({"tier": "t" * 65}, "tier"),
    ({"tier": "no-such-tier"}, "tier"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_what_the_api_refuses_the_page_refuses_naming_the_field(
    site: TestClient, org: Org, change: dict[str, str], field: str
):
    sign_in(site, org.client)
    asked = {"skills": "python", "tier": "standard", "amount": "800", "limit": "5"} | change
    page = _page(site, **asked)
    assert page.status_code == 422, page.text
    alert = re.search(
        r'<p class="alert" id="match-error" role="alert" data-field="([^"]*)">([^<]*)</p>',
        page.text,
    )
    assert alert, page.text
    assert html.unescape(alert.group(1)) == field
    # The API's message for the same values, word for word.
    body: dict[str, object] = {
        "tier": asked["tier"],
        "skills": [s.strip() for s in asked["skills"].split(",") if s.strip()],
        "limit": asked["limit"],
    }
    if asked["amount"]:
        body["amount"] = asked["amount"]
    api = site.post("/v1/matches", json=body, headers=org.client.headers).json()
    assert api["field"] == field
    assert html.unescape(alert.group(2)).endswith(": " + api["detail"])
    assert 'aria-invalid="true"' in page.text  # the field at fault is marked
    assert 'id="matches"' not in page.text


def test_a_nul_in_the_query_is_refused_naming_the_parameter(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = site.get("/client/matches?tier=standard&amount=1&skills=py%00thon")
    assert page.status_code == 400 and "skills" in page.text


@pytest.fixture(scope="module")
def server(web_settings: Settings, org: Org) -> Iterator[str]:
    with serving(create_app(web_settings, embedded_worker=False)) as base:
        yield base


def test_the_results_fit_a_phone_without_scrolling_sideways(
    server: str, org: Org, browser: WebDriver, screenshots: Path
):
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{server}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(org.client.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.signout"))
    driver.set_window_size(*PHONE)
    driver.get(f"{server}/client/matches")
    driver.find_element(By.ID, "m-skills").send_keys("python, go")
    driver.find_element(By.ID, "m-amount").send_keys("900")
    driver.find_element(By.CSS_SELECTOR, "#match-form button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#matches tbody tr"))
    assert driver.execute_script("return window.innerWidth") <= PHONE[0]
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "the matching page scrolls sideways at phone width"
    rows = driver.find_elements(By.CSS_SELECTOR, "#matches tbody tr")
    assert len(rows) == 10
    first = rows[0].find_element(By.CSS_SELECTOR, "td.who a")
    assert first.is_displayed() and first.get_attribute("href").startswith(f"{server}/candidates/")
    capture(driver, screenshots, "client-matches-phone", size=PHONE)
    capture(driver, screenshots, "client-matches")
