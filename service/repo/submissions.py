from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from scoring.grading.verdicts import Grade
from service.db.connection import Connection

SubmissionStatus = Literal["queued", "running", "graded", "failed"]


class SubmissionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trial_version_id: UUID
    trial_id: str
    trial_version: str
    candidate_id: UUID
    archive_sha256: str
    file_count: int
    status: SubmissionStatus
    created_at: datetime
    graded_at: datetime | None
    organization_id: UUID  # the candidate's
    attempt_id: UUID | None  # None only for submissions made before attempts existed
    practice: bool  # public tests only; never counted, never shown to clients
    hidden_tests: Literal["labels", "count"]  # how results show the hidden tests


_COLUMNS = (
    "s.id, s.trial_version_id, v.trial_id, v.version AS trial_version, s.candidate_id, "
    "s.archive_sha256, s.file_count, s.status, s.created_at, s.graded_at, c.organization_id, "
    "s.attempt_id, s.practice, coalesce(v.manifest ->> 'hidden_tests', 'labels') AS hidden_tests "
)
_FROM = (
    "FROM submissions s JOIN trial_versions v ON v.id = s.trial_version_id "
    "JOIN actors c ON c.id = s.candidate_id "
)
_SELECT = "SELECT " + _COLUMNS + _FROM


async def insert_submission(
    conn: Connection,
    *,
    trial_version_id: UUID,
    candidate_id: UUID,
    submitted_by: UUID,
    archive: bytes,
    archive_sha256: str,
    file_count: int,
    attempt_id: UUID | None,
    practice: bool,
) -> UUID:
    # The candidate gets a turn in the fair queue (see jobs.claim) with their first one.
    submission_id: UUID = await conn.fetchval(
        "WITH turn AS (INSERT INTO candidate_turns (candidate_id) VALUES ($2) "
        "ON CONFLICT DO NOTHING) "
        "INSERT INTO submissions (trial_version_id, candidate_id, submitted_by, archive, "
        "archive_sha256, file_count, attempt_id, practice, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp()) RETURNING id",
        trial_version_id,
        candidate_id,
        submitted_by,
        archive,
        archive_sha256,
        file_count,
        attempt_id,
        practice,
    )
    return submission_id


async def get_submission(conn: Connection, *, submission_id: UUID) -> SubmissionRow | None:
    row = await conn.fetchrow(_SELECT + "WHERE s.id = $1", submission_id)
    return msgspec.convert(dict(row), SubmissionRow) if row else None


async def get_submission_with_result(
    conn: Connection, *, submission_id: UUID
) -> tuple[SubmissionRow, Grade | None] | None:
    """The submission and, once graded, its result: one round trip for the hot read path."""
    row = await conn.fetchrow(
        "SELECT " + _COLUMNS + ", r.verdict, r.score, r.summary, r.tests, r.flags, "
        "r.duration_ms, r.cpu_ms, r.peak_memory_mb, r.output " + _FROM + "LEFT JOIN results r "
        "ON r.submission_id = s.id WHERE s.id = $1",
        submission_id,
    )
    if row is None:
        return None
    values = dict(row)
    # A result is stored as the judge's Grade and read back as one: no shape in between.
    result = msgspec.convert(values, Grade) if values["verdict"] is not None else None
    return msgspec.convert(values, SubmissionRow), result


async def list_for_candidate(
    conn: Connection,
    *,
    candidate_id: UUID,
    after: tuple[datetime, UUID] | None,
    limit: int,
    counted_only: bool = False,
) -> list[SubmissionRow]:
    """`counted_only`: only submissions that are a counted result (what a client sees),
    never practice runs or the tries before the result."""
    rows = await conn.fetch(
        _SELECT + "WHERE s.candidate_id = $1 "  # noqa: S608 - constants
        "AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2, $3)) "
        "AND (NOT $5 OR EXISTS (SELECT 1 FROM trial_results t WHERE t.submission_id = s.id)) "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT $4",
        candidate_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        counted_only,
    )
    return [msgspec.convert(dict(r), SubmissionRow) for r in rows]


async def is_counted_result(conn: Connection, *, submission_id: UUID) -> bool:
    """Whether the submission is a counted result (an attempt's, or one recorded before
    attempts existed): all a client may see. A result withdrawn for review is not."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM trial_results WHERE submission_id = $1)",
            submission_id,
        )
    )


async def get_archive(conn: Connection, *, submission_id: UUID) -> bytes | None:
    archive: bytes | None = await conn.fetchval(
        "SELECT archive FROM submissions WHERE id = $1", submission_id
    )
    return archive


async def set_status(conn: Connection, *, submission_id: UUID, status: SubmissionStatus) -> None:
    """Graded is final: a late write from a worker that lost its job cannot take it back."""
    await conn.execute(
        "UPDATE submissions SET status = $2, "
        "graded_at = CASE WHEN $2 = 'graded' THEN now() ELSE graded_at END "
        "WHERE id = $1 AND status <> 'graded'",
        submission_id,
        status,
    )


async def insert_result(conn: Connection, *, submission_id: UUID, grade: Grade) -> bool:
    """False when the submission already has a result (it is graded exactly once)."""
    inserted = await conn.fetchval(
        "INSERT INTO results (submission_id, verdict, score, summary, tests, flags, duration_ms, "
        "peak_memory_mb, output, cpu_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
        "ON CONFLICT (submission_id) DO NOTHING RETURNING true",
        submission_id,
        grade.verdict,
        grade.score,
        grade.summary,
        msgspec.to_builtins(grade.tests),
        list(grade.flags),
        grade.duration_ms,
        grade.peak_memory_mb,
        grade.output,
        grade.cpu_ms,
    )
    return bool(inserted)
