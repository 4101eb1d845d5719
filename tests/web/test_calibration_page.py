"""The operator's models page shows calibration on new outcomes: per organization, the
reliability table and its plot, the drift verdict, and the stored shifts with who and when.

A database of its own: the promoted version and the shift stored here must not meet the
other web tests' refresher.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.db.pool import init_connection
from service.reputation.calibration import recalibrate
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.service.test_calibration import add_outcomes, new_organization, promote_fake_version
from tests.support import Caller, new_caller
from tests.web.conftest import sign_in


class People(msgspec.Struct, frozen=True, kw_only=True):
    admin: Caller
    platform: Caller


@pytest.fixture(scope="module")
async def page_db(admin_url: str) -> AsyncIterator[str]:
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def people(page_db: str) -> People:
    """`page-drifted`: 400 outcomes served 15 points too high, and a shift the admin stored;
    `page-calm`: 250 outcomes served as they turned out."""
    conn = await asyncpg.connect(page_db)
    await init_connection(conn)
    try:
        admin = await new_caller(conn, "admin", None, "Ops Calibration")
        platform = await new_caller(conn, "platform", None, "Marketplace")
        async with conn.transaction():
            await promote_fake_version(conn)
            served_at = datetime.now(UTC) - timedelta(days=60)
            await add_outcomes(
                conn,
                organization_id=await new_organization(conn, "page-drifted"),
                served_at=served_at,
            )
            await add_outcomes(
                conn,
                organization_id=await new_organization(conn, "page-calm"),
                served_at=served_at,
                truth=(0.4, 0.6),
                per_truth=125,
                bias=0.0,
            )
            await recalibrate(conn, organization="page-drifted", changed_by=admin.key_id)
        return People(admin=admin, platform=platform)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def site(settings: Settings, page_db: str, people: People) -> Iterator[TestClient]:
    app_settings = Settings(
        data_dir=settings.data_dir,
        database_url=page_db,
        docker_host=settings.docker_host,
        web_secret="test-secret-for-calibration-pages",
    )
    app = create_app(app_settings, embedded_worker=False, refresher=False)
    with TestClient(app, timeout=60) as client:
        yield client


def _article(page: str, organization: str) -> str:
    found = re.search(
        rf'<article class="calibration-org" data-organization="{organization}">(.*?)</article>',
        page,
        re.S,
    )
    assert found, f"no calibration section for {organization}"
    return found.group(1)


def test_the_models_page_shows_calibration_on_new_outcomes(site: TestClient, people: People):
    sign_in(site, people.admin)
    response = site.get("/operator/models")
    assert response.status_code == 200, response.text
    page = response.text
    assert '<section class="card" id="calibration">' in page
    assert "Calibration on new outcomes" in page

    drifted = _article(page, "page-drifted")
    assert "400 outcomes with a served score" in drifted
    assert drifted.count("<tr data-band=") == 11  # ten bands and the total
    assert re.search(r'<tr data-band="70">\s*<th scope="row">70–80</th>\s*<td>80</td>', drifted)
    assert '<svg class="reliability calibration-plot"' in drifted
    assert drifted.count('class="band"') == 5  # one dot per band holding outcomes
    assert 'data-drift="yes"' in drifted
    assert "Drift, scores too high" in html.unescape(drifted)
    # the shift the admin stored: who and when; recalibrating again would store nothing
    assert re.search(r'<tr data-shift="\d+">', drifted)
    assert "Ops Calibration" in drifted and str(people.admin.key_id) in drifted
    assert 'data-recalibration="nothing"' in drifted

    calm = _article(page, "page-calm")
    assert 'data-drift="no"' in calm
    assert "No shift stored for this organization." in calm
    assert "No outcome with a served score" in _article(page, "default")


def test_only_admins_see_the_page(site: TestClient, people: People):
    sign_in(site, people.platform)
    assert site.get("/operator/models").status_code == 403
