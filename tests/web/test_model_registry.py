"""The operator's model registry over HTTP and in Chromium: every version side by side with
its back-test figures and the version it was compared with, one version in full, promotion
and rollback from the page (audited, with the admin's key), refusals that change nothing,
and no way in for anyone but an admin.

The module has a database of its own: promoting re-scores everyone, which must not move
the scores other web tests read.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.testing import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from service.app import create_app
from service.settings import Settings
from service.web import models_page
from service.web.security import secure
from service.web.sessions import provide_viewer
from tests.conftest import _migrated_database
from tests.service.test_events_import import jsonl
from tests.service.test_model_promotions import promotions, serving_version, train
from tests.service.test_reputation_model import market
from tests.support import Caller, new_caller, serving
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import csrf_token, sign_in

__all__ = ["browser", "market", "screenshots"]  # fixtures used below


def with_registry_pages(app: Litestar) -> Litestar:
    """The app with the registry's pages, as service/web/__init__.py will route them (with
    the pages' viewer and security headers); a no-op once it does."""
    if not any(route.path == "/operator/models" for route in app.routes):
        app.register(
            Router(
                path="/",
                route_handlers=models_page.ROUTES,
                dependencies={"viewer": Provide(provide_viewer)},
                after_request=secure,
                include_in_schema=False,
            )
        )
    return app


class People(msgspec.Struct, frozen=True, kw_only=True):
    admin: Caller
    platform: Caller
    candidate: Caller


class Trained(msgspec.Struct, frozen=True, kw_only=True):
    versions: list[dict]  # GET /v1/models after training twice: newest first


@pytest.fixture(scope="module")
async def registry_db(admin_url: str) -> AsyncIterator[str]:
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def people(registry_db: str) -> People:
    conn = await asyncpg.connect(registry_db)
    try:
        return People(
            admin=await new_caller(conn, "admin", None, "Ops Registry"),
            platform=await new_caller(conn, "platform", None, "Marketplace"),
            candidate=await new_caller(conn, "candidate", "candidate", "Grace Hopper"),
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def registry_settings(web_settings: Settings, registry_db: str) -> Settings:
    return msgspec.structs.replace(web_settings, database_url=registry_db)


@pytest.fixture(scope="module")
def site(registry_settings: Settings, people: People, market) -> Iterator[TestClient]:
    app = with_registry_pages(create_app(registry_settings, embedded_worker=False))
    with TestClient(app, timeout=120) as client:
        imported = client.post(
            "/v1/events:import", content=jsonl(list(market.events)), headers=people.admin.headers
        )
        assert imported.status_code == 200, imported.text
        yield client


@pytest.fixture(scope="module")
def trained(site: TestClient, people: People) -> Trained:
    train(site, people.admin, 0)
    train(site, people.admin, 7)
    return Trained(versions=site.get("/v1/models", headers=people.admin.headers).json())


@pytest.fixture
async def conn(registry_db: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(registry_db)
    try:
        yield connection
    finally:
        await connection.close()


def _state(site: TestClient, people: People) -> tuple[str | None, list[dict]]:
    return serving_version(site, people.admin), promotions(site, people.admin)


def _other(site: TestClient, people: People, trained: Trained) -> tuple[str, str]:
    """The serving version and the other one trained."""
    now = serving_version(site, people.admin)
    assert now is not None
    [other] = [m["version"] for m in trained.versions if m["version"] != now]
    return now, other


def test_the_registry_shows_every_version_side_by_side_with_its_figures(
    site: TestClient, people: People, trained: Trained
):
    sign_in(site, people.admin)
    response = site.get("/operator/models")
    assert response.status_code == 200, response.text
    page = response.text
    shown = [m["version"] for m in trained.versions]
    positions = [page.index(f'data-version="{v}"') for v in shown]
    assert positions == sorted(positions), "newest first"
    serving = serving_version(site, people.admin)
    assert f'data-version="{serving}" class="serving"' in page
    assert 'id="serving-version"><code>' + str(serving) in page
    for key in ("roc_auc", "brier", "ece", "n", "positive_rate"):
        assert f'data-figure="{key}"' in page
    assert 'data-figure="log_loss"' not in page  # no version stored one: no row made up
    newer, older = trained.versions
    assert newer["compared_with"] == older["version"]
    for model in trained.versions:
        assert f"{model['metrics']['brier']:.4f}" in page
        assert html.escape(model["decision"]) in page
    # the newer one beside the serving one's figures on the very same hold-out rows
    assert f"vs {newer['compared_metrics']['roc_auc']:.4f}" in page
    # each version trained now keeps its reliability table: one plot per version, a dot a band
    assert page.count('<svg class="reliability"') == len(shown)
    assert "No reliability table stored." not in page
    for model in trained.versions:
        assert page.count("<circle") >= len(model["metrics"]["reliability"]) > 0
    assert 'id="reliability-note"' in page
    assert page.count('class="promote-form"') == len(shown) - 1
    assert f'data-promote="{serving}"' not in page
    assert ('id="rollback-form"' in page) == newer["promoted"]  # the older one served before
    assert "trained and promoted" in page and "Ops Registry" in page


def test_one_version_is_shown_in_full(site: TestClient, people: People, trained: Trained):
    sign_in(site, people.admin)
    newer, older = trained.versions
    response = site.get(f"/operator/models/{newer['version']}")
    assert response.status_code == 200, response.text
    page = response.text
    assert f"<code>{older['version']}</code> <small>same rows</small>" in page
    assert f"{newer['metrics']['roc_auc']:.4f}" in page
    assert f"{newer['compared_metrics']['roc_auc']:.4f}" in page
    assert html.escape(newer["decision"]) in page
    bands = newer["metrics"]["reliability"]
    assert 'id="no-reliability"' not in page and '<svg class="reliability"' in page
    assert page.count("<circle") == len(bands)
    table = page.split('id="reliability-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == len(bands) + 1  # a row per band, and the header
    assert sum(b["count"] for b in bands) == newer["metrics"]["n"]
    assert f"<dd>{newer['n_holdout']}</dd>" in page and f"<dd>{newer['calibration']}</dd>" in page
    assert ('id="serving-mark"' in page) == newer["promoted"]
    assert ('id="promote-version"' in page) != newer["promoted"]
    missing = site.get("/operator/models/gbm-nothing-here")
    assert missing.status_code == 404 and "gbm-nothing-here" in missing.text


async def test_an_admin_promotes_and_rolls_back_from_the_page_each_change_audited(
    site: TestClient, people: People, trained: Trained, conn: asyncpg.Connection
):
    sign_in(site, people.admin)
    start, other = _other(site, people, trained)
    token = csrf_token(site.get(f"/operator/models/{other}").text)
    promoted = site.post(
        f"/operator/models/{other}/promote",
        data={"note": "recent work <scores> better", "_csrf_token": token},
        follow_redirects=False,
    )
    assert promoted.status_code == 303, promoted.text
    assert promoted.headers["location"].startswith("/operator/models?refreshed=")
    page = site.get(promoted.headers["location"]).text
    assert f"<code>{other}</code> now serves;" in page
    assert f'data-version="{other}" class="serving"' in page
    assert "recent work &lt;scores&gt; better" in page  # shown escaped
    assert serving_version(site, people.admin) == other
    row = await conn.fetchrow("SELECT * FROM model_promotions ORDER BY id DESC LIMIT 1")
    assert (row["kind"], row["from_version"], row["to_version"]) == ("promotion", start, other)
    assert row["changed_by"] == people.admin.key_id
    assert row["note"] == "recent work <scores> better"
    served = await conn.fetchval(
        "SELECT count(*) FROM reputations WHERE model_version = $1 AND source = 'model'", other
    )
    assert served > 0
    assert (
        await conn.fetchval("SELECT count(*) FROM reputations WHERE model_version = $1", start) == 0
    )

    token = csrf_token(page)
    back = site.post(
        "/operator/models/rollback",
        data={"note": "", "_csrf_token": token},
        follow_redirects=False,
    )
    assert back.status_code == 303, back.text
    assert serving_version(site, people.admin) == start
    row = await conn.fetchrow("SELECT * FROM model_promotions ORDER BY id DESC LIMIT 1")
    assert (row["kind"], row["from_version"], row["to_version"], row["note"]) == (
        "rollback",
        other,
        start,
        None,
    )
    page = site.get("/operator/models").text
    assert f'data-version="{start}" class="serving"' in page and "rolled back" in page


def test_refused_changes_from_the_page_say_why_and_change_nothing(
    site: TestClient, people: People, trained: Trained
):
    sign_in(site, people.admin)
    start, other = _other(site, people, trained)
    before = _state(site, people)
    token = csrf_token(site.get("/operator/models").text)

    long_note = site.post(
        f"/operator/models/{other}/promote", data={"note": "x" * 2001, "_csrf_token": token}
    )
    assert long_note.status_code == 400, long_note.text
    assert 'data-field="note"' in long_note.text and "at most 2000 characters" in long_note.text
    already = site.post(f"/operator/models/{start}/promote", data={"_csrf_token": token})
    assert already.status_code == 409 and "already serving" in already.text
    unknown = site.post("/operator/models/gbm-nope/promote", data={"_csrf_token": token})
    assert unknown.status_code == 404 and 'data-field="version"' in unknown.text
    forged = site.post(f"/operator/models/{other}/promote", data={"note": "no token"})
    assert forged.status_code == 403
    assert _state(site, people) == before


def test_only_admins_open_or_change_the_registry(
    site: TestClient, people: People, trained: Trained
):
    before = _state(site, people)
    version = trained.versions[0]["version"]
    site.cookies.clear()
    anonymous = site.get("/operator/models", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in")
    for person, landing in ((people.candidate, "/trials"), (people.platform, "/candidates")):
        sign_in(site, person)
        assert site.get("/operator/models").status_code == 403
        assert site.get(f"/operator/models/{version}").status_code == 403
        token = csrf_token(site.get(landing).text)
        for path in (f"/operator/models/{version}/promote", "/operator/models/rollback"):
            refused = site.post(path, data={"_csrf_token": token}, follow_redirects=False)
            assert refused.status_code == 403, (person.role, path)
    assert _state(site, people) == before


@pytest.fixture(scope="module")
def registry_server(registry_settings: Settings, site: TestClient) -> Iterator[str]:
    app = with_registry_pages(create_app(registry_settings, embedded_worker=False))
    with serving(app) as base:
        yield base


def test_the_registry_reads_on_a_desktop_and_a_phone(
    registry_server: str,
    site: TestClient,
    people: People,
    trained: Trained,
    browser: WebDriver,
    screenshots: Path,
):
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{registry_server}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(people.admin.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.current_url.endswith("/operator"))
    driver.get(f"{registry_server}/operator/models")
    table = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "table.registry"))
    assert table.is_displayed()
    serving = driver.find_element(By.CSS_SELECTOR, "thead th.serving").get_attribute("data-version")
    assert serving == serving_version(site, people.admin)
    capture(driver, screenshots, "operator-models")
    capture(driver, screenshots, "operator-models-phone", size=PHONE)

    driver.set_window_size(*PHONE)
    try:
        # the versions scroll sideways inside their box; the page itself never does
        page_width, view_width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert page_width <= view_width + 1, (page_width, view_width)
        name = driver.find_element(By.CSS_SELECTOR, "tbody th.figure-name")
        assert name.is_displayed() and name.value_of_css_property("position") == "sticky"

        other = next(m["version"] for m in trained.versions if m["version"] != serving)
        driver.find_element(By.ID, f"note-{other}").send_keys("tried on a phone")
        driver.find_element(By.CSS_SELECTOR, f"button[data-promote='{other}']").click()
        done = wait_for(driver, lambda d: d.find_element(By.ID, "registry-done"))
        assert other in done.text
        capture(driver, screenshots, "operator-models-promoted-phone", size=PHONE)
        driver.find_element(By.CSS_SELECTOR, f"thead a[href='/operator/models/{serving}']").click()
        wait_for(driver, lambda d: d.find_elements(By.ID, "promote-version"))
        capture(driver, screenshots, "operator-model-phone", size=PHONE)
    finally:
        driver.set_window_size(1280, 900)
    assert serving_version(site, people.admin) == other
    assert promotions(site, people.admin)[0]["note"] == "tried on a phone"
