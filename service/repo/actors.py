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
    joined_at: datetime | None = None  # from an imported history: when they joined the platform


async def insert_actor(
    conn: Connection,
    *,
    kind: ActorKind,
    external_ref: str | None,
    display_name: str,
    skills: list[str],
    created_by: UUID | None,
) -> ActorRow:
    try:
        row = await conn.fetchrow(
            "INSERT INTO actors (kind, external_ref, display_name, skills, created_by) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id, kind, external_ref, display_name, skills, created_at, joined_at",
            kind,
            external_ref,
            display_name,
            skills,
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"A {kind} with external_ref {external_ref!r} already exists.", field="external_ref"
        ) from exc
    return msgspec.convert(dict(returned_row(row)), ActorRow)


async def get_actor(conn: Connection, *, kind: ActorKind, actor_id: UUID) -> ActorRow | None:
    row = await conn.fetchrow(
        "SELECT id, kind, external_ref, display_name, skills, created_at, joined_at FROM actors WHERE kind = $1 AND id = $2",
        kind,
        actor_id,
    )
    return msgspec.convert(dict(row), ActorRow) if row else None


async def list_actors(
    conn: Connection,
    *,
    kind: ActorKind,
    external_ref: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[ActorRow]:
    rows = await conn.fetch(
        "SELECT id, kind, external_ref, display_name, skills, created_at, joined_at FROM actors WHERE kind = $1 "
        "AND ($2::text IS NULL OR external_ref = $2) "
        "AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4)) "
        "ORDER BY created_at DESC, id DESC LIMIT $5",
        kind,
        external_ref,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(r), ActorRow) for r in rows]
