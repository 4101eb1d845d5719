from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection, returned_row
from service.errors import ConflictError

ActorKind = Literal["candidate", "client", "platform"]


class ActorRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: ActorKind
    external_ref: str | None
    display_name: str
    skills: list[str]
    created_at: datetime
    organization_id: UUID
    joined_at: datetime | None = None  # from an imported history: when they joined the platform


_COLUMNS = "id, kind, external_ref, display_name, skills, created_at, organization_id, joined_at"
# Every read below takes `scope`: the caller's organization, or None for an admin. A row of
# another organization is not there, exactly as if it did not exist.
_IN_SCOPE = "($S::uuid IS NULL OR organization_id = $S)"


async def insert_actor(
    conn: Connection,
    *,
    kind: ActorKind,
    external_ref: str | None,
    display_name: str,
    skills: list[str],
    created_by: UUID | None,
    organization_id: UUID,
) -> ActorRow:
    try:
        async with conn.transaction():  # a savepoint: the look-up below runs after a conflict
            row = await conn.fetchrow(
                "INSERT INTO actors (kind, external_ref, display_name, skills, created_by, "  # noqa: S608 - constants
                f"organization_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
                kind,
                external_ref,
                display_name,
                skills,
                created_by,
                organization_id,
            )
    except asyncpg.UniqueViolationError as exc:
        # The caller may see the one that exists: same organization, same platform id.
        existing = await conn.fetchval(
            "SELECT id FROM actors WHERE kind = $1 AND external_ref = $2 AND organization_id = $3",
            kind,
            external_ref,
            organization_id,
        )
        raise ConflictError(
            f"A {kind} with external_ref {external_ref!r} already exists: {existing}.",
            field="external_ref",
            headers={"Location": f"/v1/{kind}s/{existing}"},
        ) from exc
    return msgspec.convert(dict(returned_row(row)), ActorRow)


async def get_actor(
    conn: Connection, *, kind: ActorKind, actor_id: UUID, scope: UUID | None
) -> ActorRow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM actors WHERE kind = $1 AND id = $2 AND "  # noqa: S608 - constants
        + _IN_SCOPE.replace("$S", "$3"),
        kind,
        actor_id,
        scope,
    )
    return msgspec.convert(dict(row), ActorRow) if row else None


async def list_actors(
    conn: Connection,
    *,
    kind: ActorKind,
    external_ref: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
    scope: UUID | None,
) -> list[ActorRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM actors WHERE kind = $1 "  # noqa: S608 - constants
        "AND ($2::text IS NULL OR external_ref = $2) "
        "AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4)) AND "
        + _IN_SCOPE.replace("$S", "$6")
        + " ORDER BY created_at DESC, id DESC LIMIT $5",
        kind,
        external_ref,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        scope,
    )
    return [msgspec.convert(dict(r), ActorRow) for r in rows]


async def find_by_ref(
    conn: Connection, *, kind: ActorKind, ref: str, ref_id: UUID | None, scope: UUID | None
) -> list[ActorRow]:
    """Actors named by our uuid (`ref_id`) or by the platform's id (`ref`), in `scope`.

    The platform's ids are unique within an organization only: an admin's look-up (scope
    None) may find one per organization. At most three rows; the caller decides.
    """
    # Two index probes, not an OR across both columns (which would read every actor).
    rows = await conn.fetch(
        f"(SELECT {_COLUMNS} FROM actors WHERE kind = $1 AND id = $3 AND "  # noqa: S608 - constants
        + _IN_SCOPE.replace("$S", "$4")
        + f") UNION ALL (SELECT {_COLUMNS} FROM actors WHERE kind = $1 AND external_ref = $2 AND "  # noqa: S608 - constants
        + _IN_SCOPE.replace("$S", "$4")
        + ") LIMIT 3",
        kind,
        ref,
        ref_id,
        scope,
    )
    return [msgspec.convert(dict(r), ActorRow) for r in rows]
