"""Organizations: the platforms sharing this engine, each seeing only its own people."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection, returned_row
from service.errors import ConflictError

DEFAULT = "default"  # where data from before organizations lives, and admins' default


class OrganizationRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    slug: str
    name: str
    created_at: datetime


_COLUMNS = "id, slug, name, created_at"


async def insert_organization(conn: Connection, *, slug: str, name: str) -> OrganizationRow:
    try:
        row = await conn.fetchrow(
            f"INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING {_COLUMNS}",  # noqa: S608 - constants
            slug,
            name,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(f"An organization {slug!r} already exists.", field="slug") from exc
    return msgspec.convert(dict(returned_row(row)), OrganizationRow)


async def find_organization(conn: Connection, *, slug: str) -> OrganizationRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM organizations WHERE slug = $1", slug)  # noqa: S608 - constants
    return msgspec.convert(dict(row), OrganizationRow) if row else None


async def list_organizations(conn: Connection) -> list[OrganizationRow]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM organizations ORDER BY slug")  # noqa: S608 - constants
    return [msgspec.convert(dict(r), OrganizationRow) for r in rows]


async def default_organization_id(conn: Connection) -> UUID:
    found: UUID | None = await conn.fetchval(
        "SELECT id FROM organizations WHERE slug = $1", DEFAULT
    )
    if found is None:
        raise LookupError("the default organization is missing: run `trialgate migrate`")
    return found
