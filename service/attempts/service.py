"""Attempts: a candidate's timed session at a trial (API, pages and CLI alike).

An attempt has a time box, a limit on graded submissions and a cool-down before the
next one at the same trial, all from the trial's `[attempt]` rules. Its result is its
last graded submission before the deadline: what the candidate chose to hand in, as a
delivery would be, so a late regression counts and spraying variants for a lucky best
does not. Only settled attempts are trial results; practice runs never are.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from service.attempts.schemas import AttemptOut, AttemptResultOut, AttemptStatus
from service.auth_types import Principal
from service.db.connection import Connection
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.people.service import acting_candidate
from service.repo import attempts as repo
from service.repo.attempts import AttemptRow
from service.repo.trials import TrialRow
from trials.manifest import AttemptRules


def attempt_rules(trial: TrialRow) -> AttemptRules:
    """The trial's `[attempt]` rules; versions stored before they existed get the defaults."""
    return msgspec.convert(trial.manifest.get("attempt") or {}, AttemptRules)


async def trial_opened(conn: Connection, principal: Principal, trial_id: str) -> bool:
    """Whether the caller may read the trial's statement, starter and public tests. A
    candidate opens them by starting an attempt, so the time box times the work, not a
    second look at a task studied beforehand. Everyone else reads them at any time."""
    if principal.role != "candidate":
        return True
    assert principal.actor_id is not None  # a database constraint on candidate keys
    return await repo.has_attempted(conn, candidate_id=principal.actor_id, trial_id=trial_id)


async def require_opened(conn: Connection, principal: Principal, trial_id: str) -> None:
    if not await trial_opened(conn, principal, trial_id):
        raise ConflictError(
            f"Start an attempt at {trial_id!r} first: the statement, the starter files and "
            "the public tests open with it.",
            field="trial_id",
            headers={"Location": f"/v1/trials/{trial_id}/attempts"},
        )


def attempt_status(row: AttemptRow) -> AttemptStatus:
    # While it runs, an attempt is open or grading whatever a flag says: a flag is for an
    # operator, and telling the candidate mid-attempt would teach them to evade it.
    if row.closed_at is None:
        return "open" if row.accepting else "grading"
    if row.review == "rejected":
        return "rejected"
    if row.review == "pending":
        return "under_review"
    return "counted" if row.result_submission_id is not None else "no_result"


def attempt_out(row: AttemptRow, principal: Principal | None = None) -> AttemptOut:
    """`principal` a client: without the practice runs, which clients never see."""
    result = None
    if (
        row.result_submission_id is not None
        and row.result_verdict is not None
        and row.result_score is not None
        and row.result_submitted_at is not None
    ):
        result = AttemptResultOut(
            submission_id=row.result_submission_id,
            verdict=row.result_verdict,
            score=row.result_score,
            time_taken_seconds=int((row.result_submitted_at - row.started_at).total_seconds()),
        )
    left = (row.deadline - row.as_of).total_seconds() if row.accepting else 0.0
    ends = min(row.ended_at or row.deadline, row.deadline)
    return AttemptOut(
        id=row.id,
        trial_id=row.trial_id,
        trial_title=row.trial_title,
        candidate_id=row.candidate_id,
        status=attempt_status(row),
        started_at=row.started_at,
        deadline=row.deadline,
        seconds_left=max(0, math.ceil(left)),
        ended_at=row.ended_at,
        closed_at=row.closed_at,
        submission_limit=row.submission_limit,
        submissions_used=row.submissions_used,
        practice_runs=None
        if principal is not None and principal.role == "client"
        else row.practice_runs,
        next_attempt_at=ends + row.cooldown,
        result=result,
    )


def _visible(principal: Principal, row: AttemptRow) -> bool:
    """Within the organization: the candidate their own, platforms and operators every
    one, a client only those that count (never one going, held or rejected)."""
    if not principal.sees(row.organization_id):
        return False
    if principal.role == "client":
        return attempt_status(row) == "counted"
    return principal.role != "candidate" or principal.actor_id == row.candidate_id


async def visible_attempt(conn: Connection, principal: Principal, attempt_id: UUID) -> AttemptRow:
    row = await repo.get_attempt(conn, attempt_id=attempt_id)
    if row is None or not _visible(principal, row):
        raise NotFoundError(f"No attempt {attempt_id}.", field="attempt_id")
    return row


def _private_elsewhere(trial: TrialRow, organization: UUID) -> None:
    if trial.organization_id not in (None, organization):  # only an admin gets this far
        raise UnprocessableError(
            f"Trial {trial.id!r} is private to another organization than the candidate's.",
            field="candidate_id",
        )


async def _start(conn: Connection, trial: TrialRow, candidate: UUID) -> AttemptRow:
    """A new attempt, or a conflict naming why not (one is going; cooling down)."""
    going = await repo.unsettled_attempt(conn, candidate_id=candidate, trial_id=trial.id)
    if going is not None:
        raise ConflictError(
            f"The candidate's attempt {going.id} at {trial.id!r} has not ended yet.",
            field="trial_id",
            headers={"Location": f"/v1/attempts/{going.id}"},
        )
    rules = attempt_rules(trial)
    now: datetime = await conn.fetchval("SELECT clock_timestamp()")
    cooled = await repo.cooled_down_at(conn, candidate_id=candidate, trial_id=trial.id)
    if cooled is not None and cooled > now:
        wait = math.ceil((cooled - now).total_seconds())
        raise ConflictError(
            f"The next attempt at {trial.id!r} can start at {cooled.isoformat()} "
            f"(a cool-down of {rules.cooldown_hours:g} h follows each attempt).",
            field="trial_id",
            headers={"Retry-After": str(wait)},
        )
    attempt_id = await repo.insert_attempt(
        conn,
        trial_id=trial.id,
        candidate_id=candidate,
        time_box=timedelta(minutes=rules.minutes),
        submission_limit=rules.submissions,
        cooldown=timedelta(hours=rules.cooldown_hours),
    )
    if attempt_id is None:  # a start racing this one won
        raise ConflictError(
            f"The candidate already has an attempt at {trial.id!r} going.", field="trial_id"
        )
    row = await repo.get_attempt(conn, attempt_id=attempt_id)
    assert row is not None  # inserted above, same transaction
    return row


async def start_attempt(
    conn: Connection, principal: Principal, *, trial: TrialRow, candidate_id: UUID | None
) -> AttemptRow:
    candidate, organization = await acting_candidate(conn, principal, candidate_id)
    _private_elsewhere(trial, organization)
    return await _start(conn, trial, candidate)


async def attempt_for_submission(
    conn: Connection, trial: TrialRow, candidate: UUID, organization: UUID
) -> UUID:
    """The open attempt a graded submission joins, started now if the candidate has none
    (the clock then starts with the first submission). Locks the attempt until the
    caller's transaction ends, so racing submissions count against the limit one by one.
    The attempt settles once its last allowed submission is graded."""
    _private_elsewhere(trial, organization)
    row = await repo.unsettled_attempt(conn, candidate_id=candidate, trial_id=trial.id, lock=True)
    if row is None:
        row = await _start(conn, trial, candidate)
    if row.submissions_used >= row.submission_limit:
        raise ConflictError(
            f"Attempt {row.id} has used all {row.submission_limit} of its submissions.",
            field="trial_id",
            headers={"Location": f"/v1/attempts/{row.id}"},
        )
    if not row.accepting:
        raise ConflictError(
            f"Attempt {row.id} ended at {min(row.ended_at or row.deadline, row.deadline).isoformat()}"
            "; it takes no more submissions.",
            field="trial_id",
            headers={"Location": f"/v1/attempts/{row.id}"},
        )
    return row.id


async def practice_attempt(conn: Connection, trial: TrialRow, candidate: UUID) -> UUID | None:
    """The open attempt a practice run belongs to, if any: practice needs none."""
    row = await repo.unsettled_attempt(conn, candidate_id=candidate, trial_id=trial.id)
    return row.id if row is not None and row.accepting else None


async def finish_attempt(conn: Connection, principal: Principal, attempt_id: UUID) -> AttemptRow:
    """The candidate hands in early: no more submissions; the result settles once the
    last one is graded. Finishing twice is finishing once."""
    row = await visible_attempt(conn, principal, attempt_id)
    if principal.role == "client":
        raise NotFoundError(f"No attempt {attempt_id}.", field="attempt_id")
    await repo.end_attempt(conn, attempt_id=row.id)
    await repo.settle(conn, attempt_ids=[row.id])
    found = await repo.get_attempt(conn, attempt_id=row.id)
    assert found is not None
    return found


async def attempts_of(
    conn: Connection,
    principal: Principal,
    candidate_id: UUID,
    *,
    trial_id: str | None = None,
    after: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[AttemptRow]:
    """A candidate's attempts, newest first (the caller checked the candidate is theirs)."""
    if principal.role == "candidate" and principal.actor_id != candidate_id:
        raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
    return await repo.list_for_candidate(
        conn,
        candidate_id=candidate_id,
        trial_id=trial_id,
        after=after,
        limit=limit,
        counted_only=principal.role == "client",
    )
