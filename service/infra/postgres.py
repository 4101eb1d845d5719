"""The embedded PostgreSQL: a private cluster under the data folder, on a unix socket."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import asyncpg

from service.infra import processes
from service.infra.errors import InfraError
from service.settings import Settings

DATABASE = "trialgate"
SUPERUSER = "trialgate"
SYSTEM_USER = "postgres"  # PostgreSQL refuses to run as root
PORT = 5432


def find_bin(tool: str) -> str:
    """`tool` from the newest /usr/lib/postgresql/*/bin, else from PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    found = shutil.which(tool)
    if found:
        return found
    raise InfraError(
        f"PostgreSQL's {tool} was not found: install PostgreSQL 15+ "
        "(Debian: apt-get install postgresql) or set DATABASE_URL"
    )


def cluster_dir(settings: Settings) -> Path:
    """Under the data folder, unless the postgres user cannot reach it (then beside the sockets)."""
    preferred = settings.data_dir / "postgres"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if processes.is_root() and not processes.user_can_traverse(SYSTEM_USER, settings.data_dir):
        return settings.socket_dir / "postgres"
    return preferred


def socket_path(settings: Settings) -> Path:
    return settings.socket_dir / "pg"


def database_url(settings: Settings, database: str = DATABASE) -> str:
    return f"postgresql://{SUPERUSER}@/{database}?host={socket_path(settings)}&port={PORT}"


def _as_owner() -> str | None:
    return SYSTEM_USER if processes.is_root() else None


def is_running(pgdata: Path) -> bool:
    if not (pgdata / "PG_VERSION").exists():
        return False
    try:
        processes.run(
            [find_bin("pg_ctl"), "-D", str(pgdata), "status"], user=_as_owner(), timeout=30
        )
    except InfraError:
        return False
    return True


def _prepare_dirs(settings: Settings, pgdata: Path) -> None:
    sock = socket_path(settings)
    settings.socket_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    sock.mkdir(mode=0o700, exist_ok=True)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if processes.is_root():
        if not _postgres_user_exists():
            raise InfraError(f"the system user {SYSTEM_USER!r} is missing: install PostgreSQL")
        processes.chown(sock, SYSTEM_USER)
        processes.chown(pgdata, SYSTEM_USER)


def _postgres_user_exists() -> bool:
    import pwd  # noqa: PLC0415 - only needed on the root path

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        return False
    return True


def start(settings: Settings, log: Callable[[str], None]) -> tuple[str, Path, bool]:
    """Make and start the cluster when needed. Returns (url, data folder, started now)."""
    pgdata = cluster_dir(settings)
    if is_running(pgdata):
        asyncio.run(_ensure_database(settings))
        return database_url(settings), pgdata, False
    _prepare_dirs(settings, pgdata)
    if not (pgdata / "PG_VERSION").exists():
        log(f"postgres: initdb {pgdata}")
        processes.run(
            [
                find_bin("initdb"),
                "-D",
                str(pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user=_as_owner(),
        )
    logfile = pgdata / "server.log"
    options = f"-k {socket_path(settings)} -c listen_addresses='' -p {PORT}"
    log(f"postgres: starting, socket in {socket_path(settings)}")
    processes.run(
        [
            find_bin("pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(logfile),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        user=_as_owner(),
        timeout=90,
    )
    asyncio.run(_ensure_database(settings))
    return database_url(settings), pgdata, True


async def _ensure_database(settings: Settings) -> None:
    conn = await asyncpg.connect(database_url(settings, "postgres"), timeout=30)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()


def stop(pgdata: Path) -> None:
    if is_running(pgdata):
        processes.run(
            [find_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            user=_as_owner(),
            timeout=90,
        )


async def answers(url: str, wait_seconds: float = 3.0) -> str | None:
    """None when PostgreSQL at `url` accepts a query, else why not."""
    try:
        conn = await asyncpg.connect(url, timeout=wait_seconds)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return str(exc) or type(exc).__name__
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()
    return None
