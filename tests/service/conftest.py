"""The real app over the session's database and the real engine, and one key per role."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.auth import create_key
from service.repo.actors import insert_actor
from service.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "trials" / "examples"


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    key: str
    key_id: UUID
    actor_id: UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


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
    )


@pytest.fixture(scope="session")
def api(app_settings: Settings) -> Iterator[TestClient]:
    """The whole service, with its embedded worker grading in the background."""
    with TestClient(create_app(app_settings, embedded_worker=True), timeout=60) as client:
        yield client


async def new_caller(conn: asyncpg.Connection, role: str, kind: str | None, name: str) -> Caller:
    """A key of `role`; for a candidate or client `kind`, a new actor it acts as."""
    actor_id = None
    if kind:
        actor = await insert_actor(
            conn,
            kind=kind,
            external_ref=None,
            display_name=name,
            skills=["python"],
            created_by=None,  # type: ignore[arg-type]
        )
        actor_id = actor.id
    key, key_id = await create_key(conn, role=role, actor_id=actor_id, name=name)  # type: ignore[arg-type]
    return Caller(role=role, key=key, key_id=key_id, actor_id=actor_id)


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


def tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def folder_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="session")
def lru_trial(api: TestClient, callers: Callers) -> str:
    """The lru-cache example, imported through the API."""
    package = tar_gz(folder_files(EXAMPLES / "lru-cache"))
    response = api.post(
        "/v1/trials",
        files={"package": ("lru.tar.gz", package, "application/gzip")},
        headers=callers.admin.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["trial_id"]
