"""Model versions: the stored bytes, their hold-out metrics, and which one serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
