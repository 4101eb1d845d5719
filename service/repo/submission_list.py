"""Every submission for the operator's console: filtered, newest first, keyset-paged."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from service.db.connection import Connection
from service.repo.submissions import SubmissionStatus

TimedBy = Literal["sent", "graded"]


class SubmissionFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which submissions the console lists; None everywhere lists them all."""

    verdict: str | None = None
    trial_id: str | None = None
    candidate_id: UUID | None = None
    candidate_name: str | None = None  # a part of the name, in any case
    status: SubmissionStatus | None = None
    practice: bool | None = None
    # The time range, on when the submission was sent or when its result was stored.
    timed_by: TimedBy = "sent"
    start: datetime | None = None  # included
    end: datetime | None = None  # excluded


class ConsoleRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    created_at: datetime
    candidate_id: UUID
    candidate_name: str
    trial_id: str
    trial_title: str
    status: SubmissionStatus
    practice: bool
    verdict: str | None
    score: float | None
    graded_at: datetime | None  # when the result was stored
    job_state: str | None  # None: no job (a submission made before the queue kept them)
    attempts: int | None
    max_attempts: int | None


async def list_submissions(
    conn: Connection,
    *,
    where: SubmissionFilter,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[ConsoleRow]:
    """Submissions matching `where`, newest sent first, after the keyset `after`."""
    rows = await conn.fetch(
        "SELECT s.id, s.created_at, s.candidate_id, c.display_name AS candidate_name, "
        "v.trial_id, t.title AS trial_title, s.status, s.practice, r.verdict, r.score, "
        "r.created_at AS graded_at, j.state AS job_state, j.attempts, j.max_attempts "
        "FROM submissions s JOIN trial_versions v ON v.id = s.trial_version_id "
        "JOIN trials t ON t.id = v.trial_id JOIN actors c ON c.id = s.candidate_id "
        "LEFT JOIN results r ON r.submission_id = s.id "
        "LEFT JOIN LATERAL (SELECT state, attempts, max_attempts FROM jobs "
        "  WHERE jobs.submission_id = s.id ORDER BY jobs.id DESC LIMIT 1) j ON true "
        "WHERE ($1::text IS NULL OR r.verdict = $1) "
        "AND ($2::text IS NULL OR v.trial_id = $2) "
        "AND ($3::uuid IS NULL OR s.candidate_id = $3) "
        # the name part is matched literally: % and _ in it are no wildcards
        "AND ($4::text IS NULL OR c.display_name ILIKE '%' || "
        "  replace(replace(replace($4, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') "
        "AND ($5::text IS NULL OR s.status = $5) "
        "AND ($6::boolean IS NULL OR s.practice = $6) "
        "AND ($7::timestamptz IS NULL OR (CASE WHEN $8 = 'graded' THEN r.created_at "
        "  ELSE s.created_at END) >= $7) "
        "AND ($9::timestamptz IS NULL OR (CASE WHEN $8 = 'graded' THEN r.created_at "
        "  ELSE s.created_at END) < $9) "
        "AND ($10::timestamptz IS NULL OR (s.created_at, s.id) < ($10, $11)) "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT $12",
        where.verdict,
        where.trial_id,
        where.candidate_id,
        where.candidate_name,
        where.status,
        where.practice,
        where.start,
        where.timed_by,
        where.end,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(r), ConsoleRow) for r in rows]


class TrialChoice(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str


async def trial_choices(conn: Connection) -> list[TrialChoice]:
    """Every trial, by id: what the console's trial filter offers and accepts."""
    rows = await conn.fetch("SELECT id, title FROM trials ORDER BY id")
    return [msgspec.convert(dict(r), TrialChoice) for r in rows]
