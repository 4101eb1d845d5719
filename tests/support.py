"""Helpers the service and web suites share: keys per role, archives, example trials."""

from __future__ import annotations

import contextlib
import io
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import msgspec
import uvicorn
from litestar import Litestar
from litestar.testing import TestClient

from service.auth import create_key
from service.people.service import register
from service.repo.organizations import default_organization_id, insert_organization

EXAMPLES = Path(__file__).resolve().parents[1] / "trials" / "examples"


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    key: str
    key_id: UUID
    actor_id: UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def new_caller(
    conn: asyncpg.Connection,
    role: str,
    kind: str | None,
    name: str,
    organization_id: UUID | None = None,
) -> Caller:
    """A key of `role`; for a candidate or client `kind`, a new actor it acts as. Platform
    keys and people belong to `organization_id` (default: the default organization)."""
    if organization_id is None:
        organization_id = await default_organization_id(conn)
    actor_id = None
    if kind:
        actor = await register(  # as the API does: a candidate is queued for scoring
            conn,
            kind=kind,  # type: ignore[arg-type]
            external_ref=None,
            display_name=name,
            skills=["python"],
            created_by=None,
            organization_id=organization_id,
        )
        actor_id = actor.id
    key, key_id = await create_key(
        conn,
        role=role,  # type: ignore[arg-type]
        actor_id=actor_id,
        name=name,
        organization_id=organization_id,
    )
    return Caller(role=role, key=key, key_id=key_id, actor_id=actor_id)


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


# A correct lru-cache written apart from the trial's reference solution: the reference
# itself is what the similarity check flags, and the starter never counts as similar.
INDEPENDENT_LRU = {
    "lru_cache.py": (Path(__file__).parent / "service" / "independent" / "lru_cache.py").read_text()
}
STARTER_LRU = {k: v.decode() for k, v in folder_files(EXAMPLES / "lru-cache" / "starter").items()}


# For a session of tests sharing one candidate: attempts that take every submission of it.
SESSION_ATTEMPTS = {"minutes": 1440, "submissions": 100, "cooldown_hours": 0}


def import_example(
    client: TestClient,
    admin: Caller,
    name: str,
    *,
    attempt: dict[str, float] | None = None,
    trial_id: str | None = None,
    extra_toml: str = "",
) -> str:
    """An example trial imported through the API; its id. `attempt` replaces its
    `[attempt]` rules (the examples keep the defaults); `trial_id` imports it as a trial
    of its own; `extra_toml` is appended to its trial.toml."""
    files = folder_files(EXAMPLES / name)
    toml = files["trial.toml"].decode()
    if trial_id is not None:
        toml = toml.replace(f'id = "{name}"', f'id = "{trial_id}"', 1)
    if attempt is not None:
        toml += "\n[attempt]\n" + "".join(f"{key} = {value}\n" for key, value in attempt.items())
    files["trial.toml"] = (toml + extra_toml).encode()
    package = tar_gz(files)
    response = client.post(
        "/v1/trials",
        files={"package": (f"{name}.tar.gz", package, "application/gzip")},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    imported: str = response.json()["trial_id"]
    return imported


def wait_scored(client: TestClient, headers: dict[str, str], candidate_id: object) -> dict:
    """The candidate's reputation once the refresher has stored it (reads never score)."""
    deadline = time.monotonic() + 20
    while True:
        response = client.get(f"/v1/candidates/{candidate_id}/reputation", headers=headers)
        if response.status_code != 409 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            body: dict = response.json()
            return body
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """The app on a real loopback port, with its lifespan; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=60)


class TwoOrganizations(msgspec.Struct, frozen=True, kw_only=True):
    """Callers of an organization A (a platform, a client, a candidate), an admin, and a
    platform of a second organization B: for what one tenant must never see of another."""

    admin: Caller
    platform: Caller  # A's
    client: Caller  # A's
    candidate: Caller  # A's
    other_platform: Caller  # B's
    a: UUID
    b: UUID
    a_slug: str
    b_slug: str


async def two_organizations(conn: asyncpg.Connection, *, prefix: str) -> TwoOrganizations:
    """Two fresh organizations, slugs `{prefix}a-…` and `{prefix}b-…`, and their callers."""
    tag = uuid4().hex[:8]
    a = await insert_organization(conn, slug=f"{prefix}a-{tag}", name=f"{prefix.upper()} A")
    b = await insert_organization(conn, slug=f"{prefix}b-{tag}", name=f"{prefix.upper()} B")
    return TwoOrganizations(
        admin=await new_caller(conn, "admin", None, "ops"),
        platform=await new_caller(conn, "platform", None, "A", organization_id=a.id),
        client=await new_caller(conn, "client", "client", "Acme", organization_id=a.id),
        candidate=await new_caller(conn, "candidate", "candidate", "Ada", organization_id=a.id),
        other_platform=await new_caller(conn, "platform", None, "B", organization_id=b.id),
        a=a.id,
        b=b.id,
        a_slug=a.slug,
        b_slug=b.slug,
    )
