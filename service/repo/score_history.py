"""Reputation scores over time: a point each time a refresh moves a stored score."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection
from service.repo.reputation import ReputationWrite

# Smaller moves are the decay of old events between refreshes, not news worth a point.
MIN_CHANGE = 0.05


class ScorePoint(msgspec.Struct, frozen=True, kw_only=True):
    score: float
    lower_bound: float
    upper_bound: float
    computed_at: datetime


async def append_changed(
    conn: Connection, rows: Sequence[ReputationWrite], *, computed_at: datetime
) -> None:
    """A point for each row whose score differs from the stored one; run before the upsert."""
    if not rows:
        return
    await conn.execute(
        "INSERT INTO reputation_history (candidate_id, tier, score, lower_bound, upper_bound, "
        "source, model_version, computed_at) "
        "SELECT u.c, u.t, u.s, u.lo, u.hi, u.src, u.mv, $8::timestamptz "
        "FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[], $5::float8[], "
        "$6::text[], $7::text[]) AS u(c, t, s, lo, hi, src, mv) "
        "LEFT JOIN reputations r ON r.candidate_id = u.c AND r.tier = u.t "
        "WHERE r.score IS NULL OR abs(r.score - u.s) >= $9",
        [r.candidate_id for r in rows],
        [r.tier for r in rows],
        [r.score for r in rows],
        [r.lower_bound for r in rows],
        [r.upper_bound for r in rows],
        [r.source for r in rows],
        [r.model_version for r in rows],
        computed_at,
        MIN_CHANGE,
    )


async def without_history(conn: Connection, *, candidate_ids: Sequence[UUID]) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT c FROM unnest($1::uuid[]) AS c WHERE NOT EXISTS "
        "(SELECT 1 FROM reputation_history h WHERE h.candidate_id = c)",
        list(candidate_ids),
    )
    return [r["c"] for r in rows]


async def insert_points(
    conn: Connection, points: Sequence[tuple[datetime, ReputationWrite]]
) -> None:
    """Points as they stood at their own time (a history drawn after an import)."""
    if not points:
        return
    await conn.execute(
        "INSERT INTO reputation_history (candidate_id, tier, score, lower_bound, upper_bound, "
        "source, model_version, computed_at) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[], "
        "$5::float8[], $6::text[], $7::text[], $8::timestamptz[])",
        [r.candidate_id for _, r in points],
        [r.tier for _, r in points],
        [r.score for _, r in points],
        [r.lower_bound for _, r in points],
        [r.upper_bound for _, r in points],
        [r.source for _, r in points],
        [r.model_version for _, r in points],
        [at for at, _ in points],
    )


async def points(
    conn: Connection, *, candidate_id: UUID, tier: str, limit: int = 200
) -> list[ScorePoint]:
    """The latest `limit` points, oldest first."""
    rows = await conn.fetch(
        "SELECT score, lower_bound, upper_bound, computed_at FROM (SELECT * FROM "
        "reputation_history WHERE candidate_id = $1 AND tier = $2 "
        "ORDER BY computed_at DESC, id DESC LIMIT $3) latest ORDER BY computed_at, id",
        candidate_id,
        tier,
        limit,
    )
    return [msgspec.convert(dict(r), ScorePoint) for r in rows]
