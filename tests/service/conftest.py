"""The real app over the session's database and the real engine, and one key per role."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support import SESSION_ATTEMPTS, Caller, import_example, new_caller


class Callers(msgspec.Struct, frozen=True, kw_only=True):
    admin: Caller
    platform: Caller
    candidate: Caller
    other_candidate: Caller
    client: Caller


@pytest.fixture(scope="session")
def app_settings(settings: Settings, database_url: str) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url=database_url,
        docker_host=settings.docker_host,
        sandbox_pool_size=1,
        worker_concurrency=2,
        webhook_private_targets=True,  # the fake receivers listen on loopback
        # a session's tests share candidates and submit in bursts; tests/service/
        # test_attempts.py checks the limits with an app of its own
        candidate_submissions_per_minute=10_000,
        candidate_practice_runs_per_minute=10_000,
    )


@pytest.fixture(scope="session")
def api(app_settings: Settings) -> Iterator[TestClient]:
    """The whole service, with its embedded worker grading in the background."""
    with TestClient(create_app(app_settings, embedded_worker=True), timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
async def callers(database_url: str) -> Callers:
    conn = await asyncpg.connect(database_url)
    try:
        return Callers(
            admin=await new_caller(conn, "admin", None, "operator"),
            platform=await new_caller(conn, "platform", None, "marketplace"),
            candidate=await new_caller(conn, "candidate", "candidate", "Ada"),
            other_candidate=await new_caller(conn, "candidate", "candidate", "Bob"),
            client=await new_caller(conn, "client", "client", "Acme"),
        )
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def lru_trial(api: TestClient, callers: Callers) -> str:
    """The lru-cache example, imported through the API."""
    return import_example(api, callers.admin, "lru-cache", attempt=SESSION_ATTEMPTS)
