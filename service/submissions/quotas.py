"""Rate limits on submissions: per candidate (graded and practice apart) and per
organization, over a sliding minute, answered with 429 and Retry-After."""

from __future__ import annotations

import math
from uuid import UUID

import msgspec

from service.db.connection import Connection
from service.errors import TooManyRequestsError
from service.settings import Settings

WINDOW_SECONDS = 60


class Quotas(msgspec.Struct, frozen=True, kw_only=True):
    candidate_submissions: int  # per minute
    candidate_practice_runs: int  # per minute
    organization_submissions: int  # per minute, graded and practice together

    @classmethod
    def from_settings(cls, settings: Settings) -> Quotas:
        return cls(
            candidate_submissions=settings.candidate_submissions_per_minute,
            candidate_practice_runs=settings.candidate_practice_runs_per_minute,
            organization_submissions=settings.organization_submissions_per_minute,
        )


async def check_quotas(
    conn: Connection,
    quotas: Quotas,
    *,
    candidate_id: UUID,
    organization_id: UUID,
    practice: bool,
) -> None:
    """Refuse a submission past a limit, saying when the oldest one in the window leaves it.
    Holds the candidate's lock until the caller's transaction ends, so a burst of
    concurrent requests from one candidate is counted one by one."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('submission-quota:' || $1::uuid::text, 0))",
        candidate_id,
    )
    kind = "practice runs" if practice else "submissions"
    limit = quotas.candidate_practice_runs if practice else quotas.candidate_submissions
    wait = await _wait(
        conn,
        "SELECT created_at FROM submissions WHERE candidate_id = $1 AND practice = $2 "
        "AND created_at > clock_timestamp() - make_interval(secs => $3)",
        (candidate_id, practice, WINDOW_SECONDS),
        limit,
    )
    if wait is not None:
        raise TooManyRequestsError(
            f"At most {limit} {kind} per candidate per minute; try again in {wait} s.",
            field="candidate_id",
            headers={"Retry-After": str(wait)},
        )
    wait = await _wait(
        conn,
        "SELECT s.created_at FROM submissions s JOIN actors c ON c.id = s.candidate_id "
        "WHERE c.organization_id = $1 "
        "AND s.created_at > clock_timestamp() - make_interval(secs => $2)",
        (organization_id, WINDOW_SECONDS),
        quotas.organization_submissions,
    )
    if wait is not None:
        raise TooManyRequestsError(
            f"At most {quotas.organization_submissions} submissions per organization per "
            f"minute; try again in {wait} s.",
            field="organization",
            headers={"Retry-After": str(wait)},
        )


async def _wait(conn: Connection, recent: str, args: tuple[object, ...], limit: int) -> int | None:
    """Seconds until one more fits under `limit` among the `recent` rows (their
    created_at), or None when it fits now: the wait for enough of the oldest to leave the
    window, rounded up."""
    n = len(args)
    found = await conn.fetchrow(
        f"WITH recent AS ({recent}) SELECT (SELECT count(*) FROM recent) AS count, "  # noqa: S608 - constants
        f"(SELECT extract(epoch FROM created_at + make_interval(secs => {WINDOW_SECONDS}) "
        f"  - clock_timestamp()) FROM recent ORDER BY created_at "
        f"  OFFSET greatest(0, (SELECT count(*) FROM recent) - ${n + 1}) LIMIT 1) AS wait",
        *args,
        limit,
    )
    assert found is not None  # an aggregate always has a row
    if found["count"] < limit:
        return None
    return max(1, math.ceil(found["wait"] or 1))
