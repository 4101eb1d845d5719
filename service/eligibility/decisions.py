"""Eligibility decisions from stored rows, and re-deciding after a refresh (eligibility.changed).

A dispute is *open* while it is recent: the import format has no resolution
event, and platforms settle disputes within weeks, after which the dispute is
history that the reputation score already weighs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from scoring.eligibility import CandidateFacts, Decision, TrialFact, evaluate
from scoring.reputation.model import Reputation
from service.db.connection import Connection
from service.repo import eligibility as repo
from service.repo.eligibility import (
    DecisionOrigin,
    DecisionRow,
    DecisionWrite,
    SnapshotRow,
    TrialFactRow,
)
from service.repo.reputation import ReputationWrite
from service.webhooks import delivery as webhooks

DISPUTE_OPEN_DAYS = 60.0
ELIGIBILITY_CHANGED = "eligibility.changed"


def disputes_since(now: datetime) -> datetime:
    return now - timedelta(days=DISPUTE_OPEN_DAYS)


def facts_from(
    candidate_id: UUID, skills: Sequence[str], trials: Sequence[TrialFactRow], open_disputes: int
) -> CandidateFacts:
    return CandidateFacts(
        candidate=str(candidate_id),
        milestone_skills=tuple(skills),
        trials=tuple(TrialFact(skills=tuple(t.skills), score=t.score, at=t.at) for t in trials),
        open_disputes=open_disputes,
    )


def write_of(
    decision: Decision,
    *,
    candidate_id: UUID,
    skills: Sequence[str],
    policy_version: int,
    reputation_computed_at: datetime,
    origin: DecisionOrigin,
    previous_id: UUID | None,
    requested_by: UUID | None,
) -> DecisionWrite:
    return DecisionWrite(
        candidate_id=candidate_id,
        tier=decision.tier,
        skills=list(skills),
        eligible=decision.eligible,
        reasons=decision.reasons,
        score_used=decision.score_used,
        lower_bound_used=decision.lower_bound_used,
        evidence_used=decision.evidence_used,
        source=decision.source,
        policy_version=policy_version,
        model_version=decision.model_version,
        reputation_computed_at=reputation_computed_at,
        origin=origin,
        previous_id=previous_id,
        requested_by=requested_by,
        created_at=decision.decided_at,
    )


def row_of(write: DecisionWrite, *, decision_id: UUID, external_ref: str | None) -> DecisionRow:
    return DecisionRow(**msgspec.structs.asdict(write), id=decision_id, external_ref=external_ref)


def changed_payload(row: DecisionRow) -> dict[str, Any]:
    return {
        "decision_id": str(row.id),
        "previous_decision_id": str(row.previous_id) if row.previous_id else None,
        "candidate_id": str(row.candidate_id),
        "external_ref": row.external_ref,
        "tier": row.tier,
        "skills": row.skills,
        "eligible": row.eligible,
        "reasons": msgspec.to_builtins(row.reasons),
        "score_used": row.score_used,
        "policy_version": row.policy_version,
        "model_version": row.model_version,
    }


async def recheck(
    conn: Connection,
    rows: Sequence[ReputationWrite],
    *,
    computed_at: datetime,
    now: datetime,
) -> int:
    """Re-decide the latest decision of each refreshed (candidate, tier); store and announce flips.

    Only a flip is stored (origin `refresh`, pointing at the decision it overturns) and
    sent as `eligibility.changed`; an unchanged answer adds nothing to the audit trail.
    """
    fresh = {(r.candidate_id, r.tier): r for r in rows}
    latest = [
        d
        for d in await repo.latest_decisions(
            conn, candidate_ids=list({r.candidate_id for r in rows})
        )
        if (d.candidate_id, d.tier) in fresh
    ]
    if not latest:
        return 0
    policies = {
        p.tier: p for p in await repo.current_policies(conn, tiers=list({d.tier for d in latest}))
    }
    facts = {
        f.candidate_id: f
        for f in await repo.facts(
            conn,
            candidate_ids=list({d.candidate_id for d in latest}),
            disputes_since=disputes_since(now),
        )
    }
    flips: list[tuple[DecisionWrite, DecisionRow]] = []
    for previous in latest:
        policy_row = policies.get(previous.tier)
        fact = facts.get(previous.candidate_id)
        if policy_row is None or fact is None:
            continue
        rep = fresh[(previous.candidate_id, previous.tier)]
        decision = evaluate(
            policy_row.policy(),
            rep.reputation(),
            facts_from(previous.candidate_id, previous.skills, fact.trials, fact.open_disputes),
            now=now,
        )
        if decision.eligible == previous.eligible:
            continue
        write = write_of(
            decision,
            candidate_id=previous.candidate_id,
            skills=previous.skills,
            policy_version=policy_row.version,
            reputation_computed_at=computed_at,
            origin="refresh",
            previous_id=previous.id,
            requested_by=None,
        )
        flips.append((write, previous))
    ids = await repo.insert_decisions(conn, [w for w, _ in flips])
    for decision_id, (write, previous) in zip(ids, flips, strict=True):
        row = row_of(write, decision_id=decision_id, external_ref=previous.external_ref)
        await webhooks.enqueue_event(
            conn,
            event=ELIGIBILITY_CHANGED,
            subject_id=row.candidate_id,
            payload=changed_payload(row),
            organization_id=previous.organization_id,
        )
    return len(flips)


def stored_reputation(snap: SnapshotRow, tier: str, as_of: datetime) -> Reputation:
    """The reputation a snapshot holds for `tier`, as the policy rules read it (`as_of`
    when the snapshot has none)."""
    return Reputation(
        candidate=str(snap.candidate_id),
        as_of=snap.as_of or as_of,
        tier=tier,
        score=snap.score or 0.0,
        lower=snap.lower_bound or 0.0,
        upper=snap.upper_bound or 0.0,
        evidence=snap.evidence or 0,
        effective_evidence=snap.effective_evidence or 0.0,
        per_skill=snap.per_skill or (),
        reasons=snap.reasons or (),
        model_version=snap.model_version or "",
        source=snap.source or "prior",
    )
