"""Submissions: taking them in, and who may see what of them (the API and the pages alike)."""

from __future__ import annotations

import itertools
from typing import Literal
from uuid import UUID

import asyncpg
from cachetools import FIFOCache

from scoring.grading.verdicts import Grade
from service.attempts.service import attempt_for_submission, practice_attempt, require_opened
from service.auth_types import Principal
from service.db.connection import Connection
from service.errors import NotFoundError, UnprocessableError
from service.people.service import acting_candidate
from service.repo import jobs as jobs_repo
from service.repo import submissions as repo
from service.repo.submissions import SubmissionRow
from service.repo.trials import TrialRow
from service.submissions.quotas import Quotas, check_quotas
from service.submissions.schemas import HiddenCount, ResultOut, SubmissionOut, TestOut
from trials.archives import write_tar
from trials.submissions import refuse_harness_files, submission_sha256

MAX_SUBMISSION_BYTES = 8 * 1024 * 1024


# Graded submissions with their results, by id. A result is written once (results
# are keyed by submission) and never changes, so a graded entry can be kept for the
# life of the process; queued and running ones are never cached. Oldest out first.
graded_cache: FIFOCache[UUID, tuple[SubmissionRow, Grade | None]] = FIFOCache(maxsize=20_000)


def result_view(
    result: Grade, principal: Principal, hidden_tests: Literal["labels", "count"] = "labels"
) -> ResultOut:
    """What `principal` may see of a result. Hidden tests never show their names, which
    say what is checked, nor their messages: anyone but an operator may be the candidate
    or pass it on. By the trial's setting each shows its outcome under a neutral label
    ("hidden test 3 of 21"), or only the count passed shows. Operators see everything."""
    operator = principal.role == "admin"
    hidden = [t for t in result.tests if not t.visible]
    hidden_number = itertools.count(1)
    tests = [
        TestOut(
            id=t.id
            if operator or t.visible
            else f"hidden test {next(hidden_number)} of {len(hidden)}",
            outcome=t.outcome,
            visible=t.visible,
            weight=t.weight,
            message=t.message if (operator or t.visible) else "",
        )
        for t in result.tests
        if operator or t.visible or hidden_tests == "labels"
    ]
    return ResultOut(
        verdict=result.verdict,
        score=result.score,
        summary=result.summary,
        tests=tests,
        duration_ms=result.duration_ms,
        cpu_ms=result.cpu_ms,
        peak_memory_mb=result.peak_memory_mb,
        hidden=HiddenCount(passed=sum(t.outcome == "passed" for t in hidden), total=len(hidden))
        if hidden
        else None,
        flags=list(result.flags) if operator else None,
        output=result.output if operator else None,
    )


def submission_out(
    row: SubmissionRow, result: ResultOut | None = None, error: str | None = None
) -> SubmissionOut:
    return SubmissionOut(
        id=row.id,
        trial_id=row.trial_id,
        trial_version=row.trial_version,
        candidate_id=row.candidate_id,
        status=row.status,
        attempt_id=row.attempt_id,
        practice=row.practice,
        archive_sha256=row.archive_sha256,
        file_count=row.file_count,
        created_at=row.created_at,
        graded_at=row.graded_at,
        result=result,
        error=error,
    )


def may_see_candidate(principal: Principal, candidate_id: UUID) -> bool:
    """Within the caller's organization, which the caller checks first."""
    return principal.role in {"admin", "platform", "client"} or principal.actor_id == candidate_id


async def create_submission(
    conn: Connection,
    principal: Principal,
    *,
    trial: TrialRow,
    files: dict[str, bytes],
    candidate_id: UUID | None,
    quotas: Quotas,
    practice: bool = False,
) -> UUID:
    """Store checked files for the trial's current version and queue them for grading.

    A graded submission joins the candidate's open attempt (one starts if none is
    going); a practice run grades the public tests only and counts nowhere."""
    refuse_harness_files(files)
    candidate, organization = await acting_candidate(conn, principal, candidate_id)
    await check_quotas(
        conn, quotas, candidate_id=candidate, organization_id=organization, practice=practice
    )
    if practice:
        if not trial.public_tests:
            raise UnprocessableError(
                f"Trial {trial.id!r} has no public tests to practise on.", field="trial_id"
            )
        await require_opened(conn, principal, trial.id)  # its results show the public tests
        attempt_id = await practice_attempt(conn, trial, candidate)
    else:
        attempt_id = await attempt_for_submission(conn, trial, candidate, organization)
    submission_id = await repo.insert_submission(
        conn,
        trial_version_id=trial.version_id,
        candidate_id=candidate,
        submitted_by=principal.key_id,
        archive=write_tar(files),
        archive_sha256=submission_sha256(files),
        file_count=len(files),
        attempt_id=attempt_id,
        practice=practice,
    )
    await jobs_repo.enqueue(conn, kind="grade", submission_id=submission_id)
    return submission_id


async def visible_submission(
    pool: asyncpg.Pool, principal: Principal, submission_id: UUID
) -> tuple[SubmissionRow, Grade | None]:
    """The submission and its result, if the principal may see it; otherwise not found.

    Only those who may see a submission are answered from the cache: anyone else takes
    the database's time, as for an id that does not exist, so timing tells nothing."""
    found = graded_cache.get(submission_id)
    if found is None or not _may_see(principal, found[0]):
        async with pool.acquire() as conn:
            found = await repo.get_submission_with_result(conn, submission_id=submission_id)
        if found is not None and found[0].status == "graded" and _may_see(principal, found[0]):
            graded_cache[submission_id] = found
    if found is not None and principal.role == "client" and _may_see(principal, found[0]):
        # a client sees the result an attempt counted, never the tries or practice before it
        async with pool.acquire() as conn:
            if not await repo.is_counted_result(conn, submission_id=submission_id):
                found = None
    if found is None or not _may_see(principal, found[0]):
        raise NotFoundError(f"No submission {submission_id}.", field="submission_id")
    return found


def _may_see(principal: Principal, row: SubmissionRow) -> bool:
    return principal.sees(row.organization_id) and may_see_candidate(principal, row.candidate_id)
