"""What an operator watches: the queue, grading throughput, verdicts and recent failures."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


class QueueDepth(msgspec.Struct, frozen=True, kw_only=True):
    queued: int
    running: int
    failed: int


class HourCount(msgspec.Struct, frozen=True, kw_only=True):
    hour: datetime
    runs: int


class VerdictCount(msgspec.Struct, frozen=True, kw_only=True):
    verdict: str
    runs: int


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    job_id: int
    submission_id: UUID | None
    state: str
    attempts: int
    error: str
    at: datetime


async def queue_depth(conn: Connection) -> QueueDepth:
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE state = 'queued') AS queued, "
        "count(*) FILTER (WHERE state = 'running') AS running, "
        "count(*) FILTER (WHERE state = 'failed') AS failed "
        "FROM jobs WHERE state IN ('queued', 'running', 'failed')"
    )
    return msgspec.convert(dict(returned_row(row)), QueueDepth)


async def runs_per_hour(conn: Connection, *, hours: int = 24) -> list[HourCount]:
    """Graded runs in each of the last `hours` hours, oldest first, empty hours included."""
    rows = await conn.fetch(
        "SELECT h.hour, count(r.submission_id)::int AS runs FROM generate_series("
        "  date_trunc('hour', now()) - make_interval(hours => $1 - 1), "
        "  date_trunc('hour', now()), interval '1 hour') AS h(hour) "
        "LEFT JOIN results r ON date_trunc('hour', r.created_at) = h.hour "
        "GROUP BY h.hour ORDER BY h.hour",
        hours,
    )
    return [msgspec.convert(dict(r), HourCount) for r in rows]


async def verdict_mix(conn: Connection, *, days: int = 7) -> list[VerdictCount]:
    rows = await conn.fetch(
        "SELECT verdict, count(*)::int AS runs FROM results "
        "WHERE created_at > now() - make_interval(days => $1) "
        "GROUP BY verdict ORDER BY runs DESC, verdict",
        days,
    )
    return [msgspec.convert(dict(r), VerdictCount) for r in rows]


async def recent_failures(conn: Connection, *, limit: int = 10) -> list[Failure]:
    """Jobs that hit an infrastructure error: parked for good, or waiting to be retried."""
    rows = await conn.fetch(
        "SELECT id AS job_id, submission_id, state, attempts, last_error AS error, "
        "coalesce(finished_at, run_after) AS at FROM jobs WHERE last_error IS NOT NULL "
        "ORDER BY coalesce(finished_at, run_after) DESC LIMIT $1",
        limit,
    )
    return [msgspec.convert(dict(r), Failure) for r in rows]
