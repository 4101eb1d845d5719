"""Eligibility as a profile shows it: each tier's current policy applied to what is stored.

The same read and the same rules as an answer to `POST /v1/eligibility`, but nothing is
stored: looking at a profile decides nothing, so it leaves no decision in the audit trail
(a read never writes). A tier the candidate has no stored reputation for says so instead of
scoring one. The policies' "every skill the milestone asks for" is read as the
candidate's declared skills: a platform asking about a milestone names that milestone's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from scoring.eligibility import CandidateFacts, Policy, evaluate
from scoring.reputation.model import Reputation
from service.db.connection import Connection
from service.eligibility.decisions import disputes_since, facts_from, stored_reputation
from service.eligibility.rules import policy_rules
from service.repo import eligibility as repo
from service.repo.eligibility import SnapshotRow


def stored_inputs(
    snap: SnapshotRow, tier: str, skills: Sequence[str], now: datetime
) -> tuple[Reputation, CandidateFacts]:
    """What `evaluate` reads about a candidate with a stored reputation for `tier`: that
    reputation, and their facts with `skills` as the milestone's."""
    assert snap.candidate_id is not None  # a snapshot of a candidate found
    return (
        stored_reputation(snap, tier, now),
        facts_from(snap.candidate_id, skills, snap.trials, snap.open_disputes),
    )


class TierAnswer(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    eligible: bool | None  # None: no stored reputation for this tier yet
    failed: list[str]  # each failed rule, in words; empty when eligible
    rules: list[str]  # everything the tier asks, in words


async def tier_answers(
    conn: Connection,
    *,
    candidate_id: UUID,
    skills: Sequence[str],
    scope: UUID | None,
    now: datetime | None = None,
) -> list[TierAnswer]:
    """One answer per tier with a policy, the least demanding first (by minimum score);
    [] for a candidate not in `scope`."""
    now = now or datetime.now(UTC)
    policies = sorted(await repo.current_policies(conn), key=lambda p: (p.rules.min_score, p.tier))
    tiers = [p.tier for p in policies]
    snapshots = await repo.snapshots(
        conn,
        refs=[str(candidate_id)] * len(tiers),
        ref_ids=[candidate_id] * len(tiers),
        tiers=tiers,
        scopes=[scope] * len(tiers),
        disputes_since=disputes_since(now),
    )
    answers = []
    for tier, snap in zip(tiers, snapshots, strict=True):
        if snap.candidate_id is None or snap.policy is None or snap.policy_version is None:
            continue  # not in scope, or the policy went away between the two reads
        rules = policy_rules(snap.policy)
        if snap.computed_at is None:
            answers.append(TierAnswer(tier=tier, eligible=None, failed=[], rules=rules))
            continue
        reputation, facts = stored_inputs(snap, tier, skills, now)
        decision = evaluate(
            Policy.of(tier, snap.policy_version, snap.policy), reputation, facts, now=now
        )
        answers.append(
            TierAnswer(
                tier=tier,
                eligible=decision.eligible,
                failed=[r.message for r in decision.reasons],
                rules=rules,
            )
        )
    return answers
