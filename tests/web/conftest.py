"""The web pages over the session's database: a TestClient app for plain HTTP checks,
and the same app served by uvicorn (with its worker on the real engine) for the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support import SESSION_ATTEMPTS, Caller, import_example, new_caller, serving

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


Person = Caller  # a web session stands for the person's key


class People(msgspec.Struct, frozen=True, kw_only=True):
    admin: Person
    platform: Person
    candidate: Person
    other_candidate: Person
    client: Person
    other_client: Person


@pytest.fixture(scope="session")
def web_settings(settings: Settings, database_url: str) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url=database_url,
        docker_host=settings.docker_host,
        sandbox_pool_size=1,
        worker_concurrency=1,
        web_secret="test-secret-for-csrf-tokens",
        candidate_submissions_per_minute=10_000,
        candidate_practice_runs_per_minute=10_000,
    )


@pytest.fixture(scope="session")
def site(web_settings: Settings) -> Iterator[TestClient]:
    """The app without a worker: pages and API answer; nothing gets graded."""
    with TestClient(create_app(web_settings, embedded_worker=False), timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
async def people(database_url: str) -> People:
    conn = await asyncpg.connect(database_url)
    try:
        return People(
            admin=await new_caller(conn, "admin", None, "Ops"),
            platform=await new_caller(conn, "platform", None, "Marketplace"),
            candidate=await new_caller(conn, "candidate", "candidate", "Grace Hopper"),
            other_candidate=await new_caller(conn, "candidate", "candidate", "Bob"),
            client=await new_caller(conn, "client", "client", "Acme Ltd"),
            other_client=await new_caller(conn, "client", "client", "Globex"),
        )
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def lru_trial(site: TestClient, people: People) -> str:
    return import_example(
        site, people.admin, "lru-cache", attempt=SESSION_ATTEMPTS, trial_id="lru-cache-web"
    )


def open_milestone(site: TestClient, people: People, candidate: Person, client: Person) -> str:
    """A milestone between the two with an outcome, ready to be rated; its uuid."""
    platform = people.platform.headers
    engagement = site.post(
        "/v1/engagements",
        json={"client": str(client.actor_id), "candidate": str(candidate.actor_id)},
        headers=platform,
    )
    assert engagement.status_code == 201, engagement.text
    opened = datetime.now(UTC) - timedelta(days=10)
    milestone = site.post(
        "/v1/milestones",
        json={
            "engagement": engagement.json()["id"],
            "tier": "standard",
            "skills": ["python"],
            "amount": 1200,
            "due": (opened + timedelta(days=7)).isoformat(),
            "at": opened.isoformat(),
        },
        headers=platform,
    )
    assert milestone.status_code == 201, milestone.text
    milestone_id = milestone.json()["id"]
    outcome = site.post(
        f"/v1/milestones/{milestone_id}/outcome",
        json={"outcome": "accepted", "on_time": True},
        headers=platform,
    )
    assert outcome.status_code == 201, outcome.text
    return milestone_id


def csrf_token(page_html: str) -> str:
    found = CSRF_FIELD.search(page_html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, person: Person) -> None:
    client.cookies.clear()
    token = csrf_token(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"api_key": person.key, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture(scope="session")
def live_server(web_settings: Settings, lru_trial: str) -> Iterator[str]:
    """The whole service on a real port, grading with its embedded worker on the real engine."""
    with serving(create_app(web_settings, embedded_worker=True)) as base:
        yield base
