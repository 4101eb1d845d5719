"""Shared fixtures: the real PostgreSQL and Docker engine that `make test` brought up.

Each test session gets a throwaway database built from the project's migrations.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import docker
import pytest

from service.db.migrations import apply_pending
from service.db.pool import init_connection
from service.settings import Settings, settings_from_environment


@pytest.fixture(scope="session")
def settings() -> Settings:
    found = settings_from_environment()
    if not found.database_url or not found.docker_host:
        pytest.exit(
            "run `trialgate infra up` (or `make test`) first: no PostgreSQL/Docker configured", 2
        )
    return found


def _with_database(url: str, database: str) -> str:
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{database}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
async def admin_url(settings: Settings) -> str:
    return _with_database(settings.database_url, "postgres")


async def _migrated_database(admin_url: str) -> AsyncIterator[str]:
    name = f"trialgate_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await apply_pending(conn)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(admin_url: str) -> AsyncIterator[str]:
    """A fresh database for this test session, migrated from migrations/."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture
async def isolated_database(admin_url: str) -> AsyncIterator[str]:
    """A database of its own, for tests whose workers must not meet anyone else's."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    tx = conn.transaction()
    await tx.start()
    try:
        yield conn
    finally:
        await tx.rollback()
        await conn.close()


def _ours_or_orphaned(owner: str, host: str) -> bool:
    owner_host, _, pid = owner.rpartition(":")
    if owner_host != host or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True  # its process ended without removing it
    except PermissionError:
        return False
    return False


@pytest.fixture(scope="session", autouse=True)
def no_sandbox_container_left_behind(settings: Settings) -> Iterator[None]:
    """After the whole suite, no sandbox container remains that this process made, or that
    a process that has since ended made (a test's worker, server or CLI). Containers of
    other live processes (another suite, a developer's server) are theirs, not leaks."""
    yield
    client = docker.DockerClient(base_url=settings.docker_host, timeout=60)
    try:
        host = socket.gethostname()
        deadline = time.monotonic() + 30  # used containers are removed in the background
        while True:
            # sparse: a container removed between listing and inspecting is not an error
            left = [
                c.attrs["Names"][0].lstrip("/")
                for c in client.containers.list(
                    all=True, sparse=True, filters={"label": "trialgate.owner"}
                )
                if _ours_or_orphaned(c.attrs["Labels"]["trialgate.owner"], host)
            ]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        client.close()
    assert left == [], f"sandbox containers left behind: {left}"


@pytest.fixture(scope="session")
def docker_client(settings: Settings) -> Iterator[docker.DockerClient]:
    client = docker.DockerClient(base_url=settings.docker_host, timeout=120)
    try:
        yield client
    finally:
        client.close()
