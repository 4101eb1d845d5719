"""Answering eligibility questions: one read, the policy's rules, one stored decision each.

The read brings the candidate, the tier's current policy, the materialised
reputation and the facts the rules need (trials, open disputes) in one query.
A candidate without a materialised reputation yet (registered a moment ago)
gets NotScoredYetError: answering never scores, the refresher does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from scoring.eligibility import Policy, evaluate
from service.db.connection import Connection
from service.eligibility.decisions import (
    disputes_since,
    facts_from,
    row_of,
    stored_reputation,
    write_of,
)
from service.errors import NotScoredYetError, ServiceError, UnprocessableError
from service.repo import eligibility as repo
from service.repo.eligibility import DecisionRow, DecisionWrite, SnapshotRow


class Question(msgspec.Struct, frozen=True, kw_only=True):
    candidate: str  # the platform's id or our uuid
    tier: str
    skills: tuple[str, ...]
    scope: UUID | None  # the asker's organization, where the candidate is looked up; None: any


def as_uuid(ref: str) -> UUID | None:
    try:
        return UUID(ref)
    except ValueError:
        return None


async def _read(
    conn: Connection, questions: Sequence[Question], now: datetime
) -> list[SnapshotRow]:
    return await repo.snapshots(
        conn,
        refs=[q.candidate for q in questions],
        ref_ids=[as_uuid(q.candidate) for q in questions],
        tiers=[q.tier for q in questions],
        scopes=[q.scope for q in questions],
        disputes_since=disputes_since(now),
    )


async def decide(
    conn: Connection,
    questions: Sequence[Question],
    *,
    requested_by: UUID,
    fields: Sequence[str],
    now: datetime | None = None,
) -> list[DecisionRow]:
    """Decide every question or none: an unknown candidate or tier refuses the whole call.

    `fields[i]` prefixes the field named in an error about question i (`requests[3].`).
    """
    now = now or datetime.now(UTC)
    snapshots = await _read(conn, questions, now)
    for prefix, question, snap in zip(fields, questions, snapshots, strict=True):
        problem = _unanswerable(question, snap, prefix)
        if problem is not None:
            raise problem
    answers = await _answer(
        conn,
        questions,
        snapshots=snapshots,
        requested_by=[requested_by] * len(questions),
        now=now,
    )
    return [a for a in answers if isinstance(a, DecisionRow)]


async def decide_each(
    conn: Connection,
    questions: Sequence[Question],
    *,
    requested_by: Sequence[UUID],
    now: datetime | None = None,
) -> list[DecisionRow | ServiceError]:
    """Decide each question on its own: one that cannot be answered gets its error, the rest
    their stored decisions. Questions from unrelated callers can share the reads and the write."""
    now = now or datetime.now(UTC)
    snapshots = await _read(conn, questions, now)
    return await _answer(conn, questions, snapshots=snapshots, requested_by=requested_by, now=now)


def _unanswerable(question: Question, snap: SnapshotRow, prefix: str) -> ServiceError | None:
    if snap.candidate_id is None:
        return UnprocessableError(
            f"No candidate {question.candidate!r} (by platform id or uuid).",
            field=prefix + "candidate",
        )
    if snap.same_ref > 1:
        return UnprocessableError(
            f"{question.candidate!r} names candidates in several organizations; name one by "
            "its uuid.",
            field=prefix + "candidate",
        )
    if snap.policy is None or snap.policy_version is None:
        return UnprocessableError(
            f"No eligibility policy for tier {question.tier!r}; an admin sets one with "
            f"PUT /v1/policies/{question.tier}.",
            field=prefix + "tier",
        )
    if snap.computed_at is None:
        return NotScoredYetError(
            f"Candidate {question.candidate!r} has not been scored for tier {question.tier!r} "
            "yet; new candidates are scored within seconds of registering.",
            field=prefix + "candidate",
        )
    return None


async def _answer(
    conn: Connection,
    questions: Sequence[Question],
    *,
    snapshots: list[SnapshotRow],
    requested_by: Sequence[UUID],
    now: datetime,
) -> list[DecisionRow | ServiceError]:
    problems = [_unanswerable(q, s, "") for q, s in zip(questions, snapshots, strict=True)]
    writes: list[DecisionWrite] = []
    answerable: list[int] = []
    for i, (question, snap, problem) in enumerate(zip(questions, snapshots, problems, strict=True)):
        if problem is not None:
            continue
        # checked by _unanswerable
        assert snap.candidate_id is not None
        assert snap.policy is not None
        assert snap.policy_version is not None
        assert snap.computed_at is not None
        assert snap.as_of is not None
        policy = Policy.of(question.tier, snap.policy_version, snap.policy)
        reputation = stored_reputation(snap, question.tier, snap.as_of)
        facts = facts_from(snap.candidate_id, question.skills, snap.trials, snap.open_disputes)
        decision = evaluate(policy, reputation, facts, now=now)
        writes.append(
            write_of(
                decision,
                candidate_id=snap.candidate_id,
                skills=question.skills,
                policy_version=snap.policy_version,
                reputation_computed_at=snap.computed_at,
                origin="request",
                previous_id=None,
                requested_by=requested_by[i],
            )
        )
        answerable.append(i)
    ids = await repo.insert_decisions(conn, writes)
    rows = {
        i: row_of(write, decision_id=decision_id, external_ref=snapshots[i].external_ref)
        for i, decision_id, write in zip(answerable, ids, writes, strict=True)
    }
    return [rows[i] if problem is None else problem for i, problem in enumerate(problems)]
