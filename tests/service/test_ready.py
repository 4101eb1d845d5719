"""/ready reports PostgreSQL and the Docker engine truthfully, and recovers by itself."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.cli.runtime import migrate
from service.infra import postgres
from service.settings import Settings


@pytest.fixture
def scratch_postgres(tmp_path: Path) -> Iterator[tuple[Settings, Path]]:
    """A private PostgreSQL cluster, migrated, that this test may stop and start at will."""
    scratch = Settings(data_dir=tmp_path / "data")
    url, pgdata, _ = postgres.start(scratch, lambda _msg: None)
    try:
        asyncio.run(migrate(url))
        yield scratch, pgdata
    finally:
        postgres.stop(pgdata)
        shutil.rmtree(scratch.socket_dir, ignore_errors=True)


def test_health_answers_without_dependencies(settings: Settings, database_url: str):
    app = create_app(
        Settings(
            data_dir=settings.data_dir, database_url=database_url, docker_host=settings.docker_host
        )
    )
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}


def test_ready_names_postgres_while_it_is_down_and_recovers(settings: Settings, scratch_postgres):
    scratch, pgdata = scratch_postgres
    app_settings = Settings(
        data_dir=scratch.data_dir,
        database_url=postgres.database_url(scratch),
        docker_host=settings.docker_host,
    )
    with TestClient(create_app(app_settings)) as client:
        first = client.get("/ready")
        assert first.status_code == 200, first.text
        assert first.json()["checks"] == {"postgres": "ok", "docker": "ok", "worker": "ok"}

        postgres.stop(pgdata)
        down = _ready_until(client, lambda checks: checks["worker"] != "ok")
        assert down.status_code == 503
        body = down.json()
        assert "postgres" in body["status"] and "worker" in body["status"]
        assert body["checks"]["postgres"].startswith("down")
        assert body["checks"]["worker"].startswith("degraded: claiming jobs failed")
        assert body["checks"]["docker"] == "ok"

        postgres.start(scratch, lambda _msg: None)
        back = _ready_until(client, lambda checks: checks["worker"] == "ok")  # by itself
        assert back.status_code == 200, back.text


def _ready_until(client: TestClient, predicate: Callable[[dict], bool], seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/ready")
        if predicate(response.json()["checks"]) or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_ready_names_docker_when_the_engine_does_not_answer(
    settings: Settings, database_url: str, tmp_path: Path
):
    app_settings = Settings(
        data_dir=settings.data_dir,
        database_url=database_url,
        docker_host=f"unix://{tmp_path}/no-engine.sock",
    )
    with TestClient(create_app(app_settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["docker"].startswith("down")
    assert response.json()["checks"]["postgres"] == "ok"


def test_unknown_routes_answer_problem_details(settings: Settings, database_url: str):
    app = create_app(
        Settings(
            data_dir=settings.data_dir, database_url=database_url, docker_host=settings.docker_host
        )
    )
    with TestClient(app) as client:
        response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_openapi_schema_is_served(settings: Settings, database_url: str):
    app = create_app(
        Settings(
            data_dir=settings.data_dir, database_url=database_url, docker_host=settings.docker_host
        )
    )
    with TestClient(app) as client:
        schema = client.get("/schema/openapi.json").json()
    assert "/ready" in schema["paths"]


def test_ready_says_the_worker_cannot_work_on_a_database_without_the_schema(
    settings: Settings, tmp_path: Path
):
    """Reachable is not ready: on an unmigrated database the embedded worker claims nothing."""
    scratch = Settings(data_dir=tmp_path / "data")
    url, pgdata, _ = postgres.start(scratch, lambda _msg: None)
    try:
        app_settings = Settings(
            data_dir=scratch.data_dir, database_url=url, docker_host=settings.docker_host
        )
        with TestClient(create_app(app_settings)) as client:
            response = _ready_until(client, lambda checks: checks["worker"] != "ok")
        assert response.status_code == 503
        assert "jobs" in response.json()["checks"]["worker"]
    finally:
        postgres.stop(pgdata)
        shutil.rmtree(scratch.socket_dir, ignore_errors=True)
