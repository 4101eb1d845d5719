"""Model versions: the stored bytes, their hold-out metrics, which one serves, and every
change of the serving one (model_promotions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection, returned_row
from service.errors import ConflictError

# Any constant works; it only has to be the same in every process training against this database.
TRAINING_LOCK_ID = 7_214_530_213


class ModelVersionRow(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    meta: dict[str, Any]
    metrics: dict[str, Any]
    compared_with: str | None
    compared_metrics: dict[str, Any] | None
    promoted: bool
    decision: str
    promoted_at: datetime | None
    created_at: datetime


_SELECT = (
    "SELECT version, meta, metrics, compared_with, compared_metrics, promoted, decision, "
    "promoted_at, created_at FROM model_versions "
)


async def lock_training(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", TRAINING_LOCK_ID)


async def promoted_version(conn: Connection) -> str | None:
    version: str | None = await conn.fetchval("SELECT version FROM model_versions WHERE promoted")
    return version


async def model_bytes(conn: Connection, *, version: str) -> bytes | None:
    model: bytes | None = await conn.fetchval(
        "SELECT model FROM model_versions WHERE version = $1", version
    )
    return model


async def get_version(conn: Connection, *, version: str) -> ModelVersionRow | None:
    row = await conn.fetchrow(_SELECT + "WHERE version = $1", version)
    return msgspec.convert(dict(row), ModelVersionRow) if row else None


async def list_versions(conn: Connection, *, limit: int) -> list[ModelVersionRow]:
    rows = await conn.fetch(_SELECT + "ORDER BY created_at DESC LIMIT $1", limit)
    return [msgspec.convert(dict(r), ModelVersionRow) for r in rows]


async def demote_all(conn: Connection) -> None:
    await conn.execute("UPDATE model_versions SET promoted = false WHERE promoted")


async def insert_version(
    conn: Connection,
    *,
    version: str,
    model: bytes,
    meta: dict[str, Any],
    metrics: dict[str, Any],
    compared_with: str | None,
    compared_metrics: dict[str, Any] | None,
    promoted: bool,
    decision: str,
) -> ModelVersionRow:
    try:
        row = await conn.fetchrow(
            "INSERT INTO model_versions (version, model, meta, metrics, compared_with, "
            "compared_metrics, promoted, decision, promoted_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 THEN now() END) "
            "RETURNING version, meta, metrics, compared_with, compared_metrics, promoted, "
            "decision, promoted_at, created_at",
            version,
            model,
            meta,
            metrics,
            compared_with,
            compared_metrics,
            promoted,
            decision,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(f"Model version {version} is already stored.", field="version") from exc
    return msgspec.convert(dict(returned_row(row)), ModelVersionRow)


async def mark_promoted(conn: Connection, *, version: str) -> None:
    """`version` serves from now on; `demote_all` first, as one version is promoted at most.

    clock_timestamp(), not now(): two changes in one transaction still have an order.
    """
    await conn.execute(
        "UPDATE model_versions SET promoted = true, promoted_at = clock_timestamp() "
        "WHERE version = $1",
        version,
    )


async def previous_version(conn: Connection) -> str | None:
    """The version that served before the serving one: the latest promoted of the others."""
    version: str | None = await conn.fetchval(
        "SELECT version FROM model_versions WHERE NOT promoted AND promoted_at IS NOT NULL "
        "ORDER BY promoted_at DESC, version LIMIT 1"
    )
    return version


PromotionKind = Literal["training", "promotion", "rollback"]


class PromotionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: PromotionKind
    from_version: str | None
    to_version: str
    note: str | None
    changed_by: UUID | None
    changed_by_name: str | None  # the key's name, for pages
    created_at: datetime


_PROMOTION_COLUMNS = (
    "id, kind, from_version, to_version, note, changed_by, "
    "(SELECT name FROM api_keys k WHERE k.id = changed_by) AS changed_by_name, created_at "
)


async def insert_promotion(
    conn: Connection,
    *,
    kind: PromotionKind,
    from_version: str | None,
    to_version: str,
    note: str | None,
    changed_by: UUID | None,
) -> PromotionRow:
    row = await conn.fetchrow(
        "INSERT INTO model_promotions (kind, from_version, to_version, note, changed_by) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING " + _PROMOTION_COLUMNS,
        kind,
        from_version,
        to_version,
        note,
        changed_by,
    )
    return msgspec.convert(dict(returned_row(row)), PromotionRow)


async def list_promotions(
    conn: Connection, *, version: str | None = None, limit: int
) -> list[PromotionRow]:
    """Changes of the serving version, newest first; with `version`, those to or from it."""
    rows = await conn.fetch(
        "SELECT " + _PROMOTION_COLUMNS + "FROM model_promotions "
        "WHERE $1::text IS NULL OR $1 IN (from_version, to_version) ORDER BY id DESC LIMIT $2",
        version,
        limit,
    )
    return [msgspec.convert(dict(r), PromotionRow) for r in rows]
