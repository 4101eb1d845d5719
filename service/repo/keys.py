from __future__ import annotations

from uuid import UUID

import msgspec

from service.auth_types import Role
from service.db.connection import Connection


class StoredKey(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    secret_hash: bytes
    role: Role
    actor_id: UUID | None
    organization_id: UUID | None


async def insert_key(
    conn: Connection,
    *,
    prefix: str,
    secret_hash: bytes,
    role: Role,
    actor_id: UUID | None,
    name: str,
    organization_id: UUID | None,
) -> UUID:
    """A key acting as an actor belongs to the actor's organization, whatever is passed."""
    key_id: UUID = await conn.fetchval(
        "INSERT INTO api_keys (prefix, secret_hash, role, actor_id, name, organization_id) "
        "VALUES ($1, $2, $3, $4, $5, coalesce("
        "(SELECT organization_id FROM actors WHERE id = $4), $6)) RETURNING id",
        prefix,
        secret_hash,
        role,
        actor_id,
        name,
        organization_id,
    )
    return key_id


async def find_active_key(conn: Connection, *, prefix: str) -> StoredKey | None:
    row = await conn.fetchrow(
        "SELECT id, secret_hash, role, actor_id, organization_id FROM api_keys "
        "WHERE prefix = $1 AND revoked_at IS NULL",
        prefix,
    )
    return msgspec.convert(dict(row), StoredKey) if row else None


class RevokedKey(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    prefix: str
    role: Role
    name: str


async def revoke_keys(
    conn: Connection,
    *,
    prefixes: list[str],
    key_ids: list[UUID],
    actor_id: UUID | None,
) -> list[RevokedKey]:
    """Revoke the keys named by prefix or id, and every key acting as `actor_id`."""
    rows = await conn.fetch(
        "UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL "
        "AND (prefix = ANY($1::text[]) OR id = ANY($2::uuid[]) OR actor_id = $3) "
        "RETURNING id, prefix, role, name",
        prefixes,
        key_ids,
        actor_id,
    )
    return [msgspec.convert(dict(r), RevokedKey) for r in rows]
