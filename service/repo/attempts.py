"""Attempts: a candidate's timed session at a trial, and the trial result it settles into."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

import msgspec

from service.db.connection import Connection

Review = Literal["none", "pending", "cleared", "rejected"]


class AttemptRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trial_id: str
    trial_title: str
    candidate_id: UUID
    organization_id: UUID  # the candidate's
    started_at: datetime
    deadline: datetime
    submission_limit: int
    cooldown: timedelta
    ended_at: datetime | None
    closed_at: datetime | None
    result_submission_id: UUID | None
    review: Review
    submissions_used: int  # graded submissions that count against the limit
    practice_runs: int
    result_verdict: str | None
    result_score: float | None
    result_submitted_at: datetime | None
    accepting: bool  # open for submissions now: started, not ended, before the deadline
    as_of: datetime  # the database's clock when read: what `accepting` was judged against


_COLUMNS = (
    "a.id, a.trial_id, t.title AS trial_title, a.candidate_id, c.organization_id, a.started_at, "
    "a.deadline, a.submission_limit, a.cooldown, a.ended_at, a.closed_at, "
    "a.result_submission_id, a.review, "
    "(SELECT count(*) FROM submissions s WHERE s.attempt_id = a.id AND NOT s.practice "
    "  AND s.status <> 'failed') AS submissions_used, "
    "(SELECT count(*) FROM submissions s WHERE s.attempt_id = a.id AND s.practice) "
    "  AS practice_runs, "
    "r.verdict AS result_verdict, r.score AS result_score, "
    "rs.created_at AS result_submitted_at, "
    "(a.ended_at IS NULL AND a.closed_at IS NULL AND a.deadline > clock_timestamp()) "
    "AS accepting, clock_timestamp() AS as_of "
)
_FROM = (
    "FROM attempts a JOIN trials t ON t.id = a.trial_id JOIN actors c ON c.id = a.candidate_id "
    "LEFT JOIN results r ON r.submission_id = a.result_submission_id "
    "LEFT JOIN submissions rs ON rs.id = a.result_submission_id "
)
_SELECT = "SELECT " + _COLUMNS + _FROM


def _row(record: object) -> AttemptRow:
    return msgspec.convert(dict(record), AttemptRow)  # type: ignore[call-overload]


async def get_attempt(conn: Connection, *, attempt_id: UUID) -> AttemptRow | None:
    found = await conn.fetchrow(_SELECT + "WHERE a.id = $1", attempt_id)
    return _row(found) if found else None


async def unsettled_attempt(
    conn: Connection, *, candidate_id: UUID, trial_id: str, lock: bool = False
) -> AttemptRow | None:
    """The candidate's attempt at the trial that has not settled yet (at most one).
    `lock` holds it until the transaction ends, so submissions to it queue one by one."""
    if lock:
        await conn.execute(
            "SELECT 1 FROM attempts WHERE candidate_id = $1 AND trial_id = $2 "
            "AND closed_at IS NULL FOR UPDATE",
            candidate_id,
            trial_id,
        )
    found = await conn.fetchrow(
        _SELECT + "WHERE a.candidate_id = $1 AND a.trial_id = $2 AND a.closed_at IS NULL",
        candidate_id,
        trial_id,
    )
    return _row(found) if found else None


async def has_attempted(conn: Connection, *, candidate_id: UUID, trial_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM attempts WHERE candidate_id = $1 AND trial_id = $2)",
            candidate_id,
            trial_id,
        )
    )


async def cooled_down_at(conn: Connection, *, candidate_id: UUID, trial_id: str) -> datetime | None:
    """When the cool-down after the candidate's attempts at the trial ends (None: none yet)."""
    ended: datetime | None = await conn.fetchval(
        "SELECT max(least(coalesce(ended_at, deadline), deadline) + cooldown) FROM attempts "
        "WHERE candidate_id = $1 AND trial_id = $2 AND closed_at IS NOT NULL",
        candidate_id,
        trial_id,
    )
    return ended


async def insert_attempt(
    conn: Connection,
    *,
    trial_id: str,
    candidate_id: UUID,
    time_box: timedelta,
    submission_limit: int,
    cooldown: timedelta,
) -> UUID | None:
    """None when the candidate already has an unsettled attempt at the trial (a racing start)."""
    attempt_id: UUID | None = await conn.fetchval(
        "INSERT INTO attempts (trial_id, candidate_id, started_at, deadline, submission_limit, "
        "cooldown) SELECT $1, $2, t, t + $3, $4, $5 FROM clock_timestamp() t "
        "ON CONFLICT DO NOTHING RETURNING id",
        trial_id,
        candidate_id,
        time_box,
        submission_limit,
        cooldown,
    )
    return attempt_id


async def end_attempt(conn: Connection, *, attempt_id: UUID) -> None:
    """No more submissions: the candidate finished, or used the last one."""
    await conn.execute(
        "UPDATE attempts SET ended_at = least(clock_timestamp(), deadline) "
        "WHERE id = $1 AND ended_at IS NULL AND closed_at IS NULL",
        attempt_id,
    )


async def list_for_candidate(
    conn: Connection,
    *,
    candidate_id: UUID,
    trial_id: str | None = None,
    after: tuple[datetime, UUID] | None = None,
    limit: int = 50,
    counted_only: bool = False,
) -> list[AttemptRow]:
    """`counted_only`: only attempts whose result counts (what a client sees)."""
    rows = await conn.fetch(
        _SELECT + "WHERE a.candidate_id = $1 AND ($2::text IS NULL OR a.trial_id = $2) "  # noqa: S608 - constants
        "AND ($3::timestamptz IS NULL OR (a.started_at, a.id) < ($3, $4)) "
        "AND (NOT $6 OR EXISTS (SELECT 1 FROM trial_results t WHERE t.attempt_id = a.id)) "
        "ORDER BY a.started_at DESC, a.id DESC LIMIT $5",
        candidate_id,
        trial_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        counted_only,
    )
    return [_row(r) for r in rows]


async def settle(conn: Connection, *, attempt_ids: list[UUID] | None = None) -> list[UUID]:
    """Settle attempts that ended (finished, past their deadline, or with every submission
    used) once no submission of theirs is queued or running: the result is the last graded
    submission sent before the deadline. Those not under review become trial results at
    once. Returns the settled attempts' ids. A submission the infrastructure could not
    grade (parked) uses none of the limit, so its attempt stays open for another.

    Safe to run from every worker at once: each attempt is settled by one of them."""
    settled = await conn.fetch(
        "WITH due AS ("
        "  SELECT a.id FROM attempts a WHERE a.closed_at IS NULL "
        "  AND (a.ended_at IS NOT NULL OR a.deadline <= clock_timestamp() "
        "    OR (SELECT count(*) FROM submissions s WHERE s.attempt_id = a.id "
        "      AND NOT s.practice AND s.status <> 'failed') >= a.submission_limit) "
        "  AND ($1::uuid[] IS NULL OR a.id = ANY($1::uuid[])) "
        "  AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.attempt_id = a.id "
        "    AND NOT s.practice AND s.status IN ('queued', 'running')) "
        "  ORDER BY a.deadline LIMIT 500 FOR UPDATE SKIP LOCKED"
        ") UPDATE attempts a SET closed_at = now(), "
        "ended_at = coalesce(a.ended_at, least(clock_timestamp(), a.deadline)), "
        "result_submission_id = (SELECT s.id FROM submissions s "
        "  JOIN results r ON r.submission_id = s.id WHERE s.attempt_id = a.id "
        "  AND NOT s.practice AND r.verdict <> 'internal_error' AND s.created_at <= a.deadline "
        "  ORDER BY s.created_at DESC, s.id DESC LIMIT 1) "
        "FROM due WHERE a.id = due.id RETURNING a.id",
        attempt_ids,
    )
    ids = [r["id"] for r in settled]
    if ids:
        await record_results(conn, attempt_ids=ids)
    return ids


async def record_results(conn: Connection, *, attempt_ids: list[UUID]) -> int:
    """Settled attempts with a result and no open doubt as trial results (at their close),
    their candidates queued for a refresh. Recording twice records once."""
    recorded: int = await conn.fetchval(
        "WITH result AS ("
        "  INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at, "
        "  submission_id, attempt_id) "
        "  SELECT 'attempt:' || a.id, a.candidate_id, a.trial_id, t.skills, r.score, r.verdict, "
        "  a.closed_at, a.result_submission_id, a.id "
        "  FROM attempts a JOIN trials t ON t.id = a.trial_id "
        "  JOIN results r ON r.submission_id = a.result_submission_id "
        "  WHERE a.id = ANY($1::uuid[]) AND a.closed_at IS NOT NULL "
        "  AND a.review IN ('none', 'cleared') "
        "  ON CONFLICT DO NOTHING RETURNING candidate_id"
        "), marked AS ("
        "  INSERT INTO reputation_dirty (candidate_id, marked_at) "
        "  SELECT DISTINCT candidate_id, clock_timestamp() FROM result "
        "  ON CONFLICT (candidate_id) DO UPDATE SET marked_at = EXCLUDED.marked_at"
        ") SELECT count(*) FROM result",
        attempt_ids,
    )
    return recorded


async def set_review(conn: Connection, *, attempt_ids: list[UUID], review: Review) -> None:
    """Put attempts under review (a recorded trial result withdrawn until decided), or
    decide. A rejected attempt stays rejected: no later flag or clearing moves it. Clearing
    clears only doubt: it leaves attempts that were never under review alone."""
    await conn.execute(
        "UPDATE attempts SET review = $2 WHERE id = ANY($1::uuid[]) AND review <> 'rejected' "
        "AND ($2 <> 'cleared' OR review = 'pending')",
        attempt_ids,
        review,
    )
    if review in ("pending", "rejected"):
        await conn.execute(
            "WITH gone AS (DELETE FROM trial_results WHERE attempt_id = ANY($1::uuid[]) "
            "RETURNING candidate_id) INSERT INTO reputation_dirty (candidate_id, marked_at) "
            "SELECT DISTINCT candidate_id, clock_timestamp() FROM gone "
            "ON CONFLICT (candidate_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            attempt_ids,
        )
    else:
        await record_results(conn, attempt_ids=attempt_ids)


async def lock_attempts(conn: Connection, *, attempt_ids: list[UUID]) -> None:
    """Hold the attempts until the transaction ends: a decision and a new flag on the same
    attempt go one after the other."""
    await conn.execute(
        "SELECT 1 FROM attempts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        attempt_ids,
    )
