"""`trialgate migrate`, `trialgate serve` and `trialgate sandbox build-image`."""

from __future__ import annotations

import argparse
import asyncio
import shutil

import asyncpg
import msgspec
import uvicorn

from sandboxes.engine import connect
from sandboxes.images import build_image, image_status
from sandboxes.interfaces import SandboxError
from service import logs
from service.app import create_app
from service.cli.output import fail, say
from service.db.migrations import MigrationError, apply_pending
from service.db.pool import open_connection
from service.infra import processes
from service.infra.errors import InfraError
from service.settings import Settings, stored_secret


def _require_database(settings: Settings) -> str | None:
    if not settings.database_url:
        return "no database configured: run `trialgate infra up` or set DATABASE_URL"
    return None


async def migrate(database_url: str) -> list[str]:
    conn = await open_connection(database_url)
    try:
        return [m.path.name for m in await apply_pending(conn)]
    finally:
        await conn.close()


def migrate_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    problem = _require_database(settings)
    if problem:
        return fail(problem)
    try:
        applied = asyncio.run(migrate(settings.database_url))
    except MigrationError as exc:
        return fail(f"migration failed, database left as it was: {exc}")
    except (OSError, asyncpg.PostgresError) as exc:
        return fail(f"cannot reach PostgreSQL at {settings.database_url}: {exc}")
    say("migrations: " + (", ".join(applied) if applied else "nothing pending"))
    return 0


def serve_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    problem = _require_database(settings)
    if problem:
        return fail(problem)
    logs.configure(settings.log_level, json=settings.log_json)
    # Every process of a deployment signs CSRF tokens alike: the secret is kept on disk.
    web_secret = settings.web_secret or stored_secret(settings.data_dir)
    uvicorn.run(
        create_app(msgspec.structs.replace(settings, web_secret=web_secret)),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,
        access_log=False,
    )
    return 0


def build_image_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    try:
        client = connect(settings.docker_host)
        # No registry here: the offline recipe needs mmdebstrap, installed on first use.
        if image_status(client, args.runtime) != "present" and shutil.which("mmdebstrap") is None:
            say("sandbox: installing mmdebstrap to build the image offline")
            processes.apt_install("mmdebstrap")
        build_image(client, args.runtime, progress=say)
    except (SandboxError, InfraError) as exc:
        return fail(str(exc))
    return 0
