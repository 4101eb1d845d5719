"""`trialgate keys`, `trialgate worker` and `trialgate jobs`."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
from uuid import UUID

import msgspec

from service import logs
from service.auth import KEY_SCHEME
from service.auth import create_key as make
from service.auth_types import Role
from service.cli.output import fail, say
from service.db.connection import Connection
from service.db.pool import create_pool, open_connection
from service.errors import ConflictError
from service.grading.sandboxes import SandboxProvider
from service.repo import jobs as jobs_repo
from service.repo import organizations as organizations_repo
from service.repo.actors import ActorKind, get_actor, list_actors
from service.repo.keys import revoke_keys
from service.reputation.refresher import run_refresher
from service.reputation.scorers import Scorers
from service.settings import Settings
from service.submissions.worker import Worker, WorkerConfig
from service.webhooks import delivery as webhooks


async def create_key(
    database_url: str,
    *,
    role: Role,
    actor: str | None,
    name: str,
    organization: str | None = None,
) -> str:

    conn = await open_connection(database_url)
    try:
        organization_id = None
        if organization is not None:
            if role == "admin":
                raise ValueError(
                    "an admin key belongs to no organization; leave out --organization"
                )
            found = await organizations_repo.find_organization(conn, slug=organization)
            if found is None:
                raise ValueError(f"no organization {organization!r} (see `organizations list`)")
            organization_id = found.id
        actor_id = None
        if role in ("candidate", "client"):  # the roles whose keys act as an actor of that kind
            if actor is None:
                raise ValueError(f"a {role} key needs --actor (the {role}'s uuid or platform id)")
            kind: ActorKind = "candidate" if role == "candidate" else "client"
            actor_id = await _actor_named(conn, kind, actor, organization_id)
        elif actor is not None:
            raise ValueError(f"a {role} key is not bound to an actor; leave out --actor")
        key, _ = await make(
            conn, role=role, actor_id=actor_id, name=name, organization_id=organization_id
        )
        return key
    finally:
        await conn.close()


async def _actor_named(
    conn: Connection, kind: ActorKind, actor: str, organization_id: UUID | None
) -> UUID:
    """A candidate or client by uuid, or by the platform's id within the organization."""
    try:
        actor_id: UUID | None = UUID(actor)
    except ValueError:
        actor_id = None
    if actor_id is not None:
        found = await get_actor(conn, kind=kind, actor_id=actor_id, scope=organization_id)
        if found is not None:
            return found.id
    scope = organization_id or await organizations_repo.default_organization_id(conn)
    rows = await list_actors(
        conn,
        kind=kind,
        external_ref=actor,
        after=None,
        limit=1,
        scope=scope,
    )
    if not rows:
        raise ValueError(f"no {kind} {actor!r} (by uuid, or platform id in that organization)")
    return rows[0].id


def create_key_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    role: Role = msgspec.convert(args.role, Role)  # argparse held it to the same choices
    try:
        key = asyncio.run(
            create_key(
                settings.database_url,
                role=role,
                actor=args.actor,
                name=args.name,
                organization=args.organization,
            )
        )
    except ValueError as exc:
        return fail(str(exc), 2)
    print(key)
    if role == "platform" and args.organization is None:
        say("the key belongs to the `default` organization (--organization names another)")
    say("store it now: it is not shown again")
    return 0


def _key_refs(refs: list[str]) -> tuple[list[str], list[UUID]] | str:
    """(prefixes, ids) from whole keys, prefixes and ids; or what is wrong with one."""

    prefixes: list[str] = []
    ids: list[UUID] = []
    for ref in refs:
        scheme, _, rest = ref.strip().partition("_")
        if scheme == KEY_SCHEME and rest:  # a whole key or just its public prefix
            prefixes.append(rest.split("_", 1)[0])
            continue
        try:
            ids.append(UUID(ref))
        except ValueError:
            return f"{ref!r} is not a key, a key prefix (tg_xxxx) or a key id"
    return prefixes, ids


def revoke_keys_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    refs = _key_refs(args.keys)
    if isinstance(refs, str):
        return fail(refs, 2)
    if not args.keys and args.actor is None:
        return fail("name the keys to revoke, or --actor", 2)

    async def run() -> int:
        conn = await open_connection(settings.database_url)
        try:
            revoked = await revoke_keys(
                conn, prefixes=refs[0], key_ids=refs[1], actor_id=args.actor
            )
        finally:
            await conn.close()
        for key in revoked:
            print(f"revoked tg_{key.prefix} ({key.role}, {key.name}, id {key.id})")
        if not revoked:
            return fail("no such active key")
        return 0

    return asyncio.run(run())


async def _admin_exists(database_url: str) -> bool:
    conn = await open_connection(database_url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1"
            )
        )
    finally:
        await conn.close()


def bootstrap_key_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    """First run of `make run`: an admin key, written where only its owner can read it."""
    keyfile = settings.data_dir / "admin.key"
    if asyncio.run(_admin_exists(settings.database_url)):
        where = f" (kept in {keyfile})" if keyfile.exists() else ""
        say(f"an admin key already exists{where}")
        return 0
    key = asyncio.run(create_key(settings.database_url, role="admin", actor=None, name="bootstrap"))
    keyfile.parent.mkdir(parents=True, exist_ok=True)
    keyfile.touch(mode=0o600)
    keyfile.write_text(key + "\n")
    say(f"admin key (also kept in {keyfile}):")
    print(key)
    return 0


def worker_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    logs.configure(settings.log_level, json=settings.log_json)
    concurrency = args.concurrency

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # SIGTERM drains: no new claims, running jobs finish
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        pool = await create_pool(settings.database_url)
        provider = SandboxProvider(settings.docker_host, pool_size=settings.sandbox_pool_size)
        try:
            worker = Worker(pool, provider, WorkerConfig.from_settings(settings, concurrency))
            # The same background work the API's embedded worker does: grading, webhook
            # deliveries, and keeping materialised reputations current.
            await asyncio.gather(
                worker.run(stop),
                webhooks.run_deliveries(pool, stop, allow_private=settings.webhook_private_targets),
                run_refresher(pool, Scorers(), stop),
            )
        finally:
            await asyncio.to_thread(provider.close)
            await pool.close()

    asyncio.run(run())
    return 0


def parked_jobs_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if not 1 <= args.limit <= 10_000:
        return fail("--limit must be between 1 and 10000", 2)

    async def listing() -> list[jobs_repo.ParkedJob]:
        conn = await open_connection(settings.database_url)
        try:
            return await jobs_repo.parked(conn, limit=args.limit)
        finally:
            await conn.close()

    found = asyncio.run(listing())
    for job in found:
        print(f"{job.submission_id}\t{job.finished_at}\tattempts {job.attempts}\t{job.last_error}")
    say(f"{len(found)} parked job(s)")
    return 0


def retry_jobs_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if bool(args.submissions) == bool(args.all):
        return fail("name parked submissions, or give --all (not both)", 2)

    async def retry() -> list[UUID]:
        conn = await open_connection(settings.database_url)
        try:
            async with conn.transaction():
                return await jobs_repo.retry_parked(
                    conn, submission_ids=None if args.all else list(args.submissions)
                )
        finally:
            await conn.close()

    queued = asyncio.run(retry())
    for submission_id in queued:
        print(submission_id)
    missing = set(args.submissions) - set(queued)
    for submission_id in sorted(missing, key=str):
        say(f"{submission_id}: no parked job (running, done, or unknown); left alone")
    say(f"{len(queued)} job(s) queued again")
    return 1 if missing else 0


def create_organization_command(
    args: argparse.Namespace, settings: Settings, env: dict[str, str]
) -> int:
    async def create() -> organizations_repo.OrganizationRow:
        conn = await open_connection(settings.database_url)
        try:
            return await organizations_repo.insert_organization(
                conn, slug=args.slug, name=args.name or args.slug
            )
        finally:
            await conn.close()

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", args.slug):
        return fail("an organization's slug is 2-63 of a-z, 0-9 and '-', not starting with '-'", 2)
    if args.name is not None and not 1 <= len(args.name) <= 200:
        return fail("--name must be 1-200 characters", 2)
    try:
        created = asyncio.run(create())
    except ConflictError as exc:
        return fail(exc.detail, 1)
    print(created.id)
    say(
        f"organization {created.slug!r} created; give it a platform key with "
        f"`trialgate keys create --role platform --organization {created.slug} --name ...`"
    )
    return 0


def list_organizations_command(
    args: argparse.Namespace, settings: Settings, env: dict[str, str]
) -> int:
    async def listing() -> list[organizations_repo.OrganizationRow]:
        conn = await open_connection(settings.database_url)
        try:
            return await organizations_repo.list_organizations(conn)
        finally:
            await conn.close()

    for organization in asyncio.run(listing()):
        print(f"{organization.slug}\t{organization.id}\t{organization.name}")
    return 0
