"""Browser sessions and one-time sign-in links, both found by the sha256 of a random token."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.auth_types import Role
from service.db.connection import Connection


class SessionKey(msgspec.Struct, frozen=True, kw_only=True):
    """The API key a live session stands for."""

    key_id: UUID
    role: Role
    actor_id: UUID | None
    name: str  # the actor's display name, else the key's name
    organization_id: UUID | None = None  # None only for admin keys


async def insert_session(
    conn: Connection, *, token_hash: bytes, key_id: UUID, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO web_sessions (token_hash, key_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        key_id,
        expires_at,
    )


async def find_session(conn: Connection, *, token_hash: bytes) -> SessionKey | None:
    """A session that has not ended or expired, whose key is not revoked."""
    row = await conn.fetchrow(
        "SELECT k.id AS key_id, k.role, k.actor_id, k.organization_id, "
        "coalesce(nullif(a.display_name, ''), k.name) AS name FROM web_sessions s "
        "JOIN api_keys k ON k.id = s.key_id LEFT JOIN actors a ON a.id = k.actor_id "
        "WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() "
        "AND k.revoked_at IS NULL",
        token_hash,
    )
    return msgspec.convert(dict(row), SessionKey) if row else None


async def end_session(conn: Connection, *, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE web_sessions SET ended_at = now() WHERE token_hash = $1 AND ended_at IS NULL",
        token_hash,
    )


async def insert_link(
    conn: Connection,
    *,
    token_hash: bytes,
    key_id: UUID,
    created_by: UUID | None,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO sign_in_links (token_hash, key_id, created_by, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        token_hash,
        key_id,
        created_by,
        expires_at,
    )


async def peek_link(conn: Connection, *, token_hash: bytes) -> SessionKey | None:
    """Who an unused, unexpired link signs in as, without using it up."""
    row = await conn.fetchrow(
        "SELECT k.id AS key_id, k.role, k.actor_id, k.organization_id, "
        "coalesce(nullif(a.display_name, ''), k.name) AS name FROM sign_in_links l "
        "JOIN api_keys k ON k.id = l.key_id LEFT JOIN actors a ON a.id = k.actor_id WHERE l.token_hash = $1 AND l.used_at IS NULL "
        "AND l.expires_at > now() AND k.revoked_at IS NULL",
        token_hash,
    )
    return msgspec.convert(dict(row), SessionKey) if row else None


async def use_link(conn: Connection, *, token_hash: bytes) -> SessionKey | None:
    """Mark the link used and say who it signs in as; None if it was used, expired or unknown.

    One UPDATE decides: two browsers racing on the same link cannot both win.
    """
    row = await conn.fetchrow(
        "UPDATE sign_in_links l SET used_at = now() FROM api_keys k "
        "WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() "
        "AND k.id = l.key_id AND k.revoked_at IS NULL "
        "RETURNING k.id AS key_id, k.role, k.actor_id, k.organization_id, k.name",
        token_hash,
    )
    return msgspec.convert(dict(row), SessionKey) if row else None
