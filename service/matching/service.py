"""Matching: the candidates of an organization ranked by their chance on one milestone.

A match is a search, not a decision: it reads what the refresher stored, scores the
milestone from it, and writes nothing. Eligibility is shown for each match as
`POST /v1/eligibility` would answer it (the same read, the tier's current policy, the same
rules), but no decision is stored for audit: only a question a platform asks about one
candidate is a decision.

Per process, each (organization, tier) asked about gets an index (`index.py`, kept up to
date by `cache.py`): the stored feature rows, per-skill records and scorers as arrays. A
request then costs one indexed read, the milestone's rows and one prediction over the
organization's candidates, and reasons, intervals and eligibility for the `limit` best.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from scoring.eligibility import Decision, Policy, evaluate
from service.auth import require
from service.auth_types import Principal
from service.db.connection import Connection
from service.eligibility.decisions import disputes_since
from service.eligibility.preview import stored_inputs
from service.errors import UnprocessableError
from service.matching.cache import MatchIndexes
from service.matching.index import MatchIndex
from service.matching.priors import is_prior_version
from service.matching.ranking import Ranked, rank
from service.matching.schemas import (
    INTERVAL_LEVEL,
    EligibilityOut,
    FailedRuleOut,
    IntervalOut,
    MatchesOut,
    MatchIn,
    MatchOut,
    ReasonOut,
)
from service.people.service import acting_organization
from service.repo import eligibility as eligibility_repo
from service.repo import matching as repo
from service.reputation.scorers import PRIOR_NOTE, Scorers


async def _eligibility(
    conn: Connection,
    index: MatchIndex,
    ranked: Ranked,
    *,
    skills: tuple[str, ...],
    now: datetime,
) -> list[EligibilityOut | None]:
    """Each match's eligibility, read and evaluated as an eligibility answer is."""
    ids = [index.ids[i] for i in ranked.positions]
    if not ids:
        return []
    snapshots = await eligibility_repo.snapshots(
        conn,
        refs=[str(c) for c in ids],
        ref_ids=ids,
        tiers=[index.tier] * len(ids),
        scopes=[index.organization_id] * len(ids),
        disputes_since=disputes_since(now),
    )
    out: list[EligibilityOut | None] = []
    for snap in snapshots:
        if snap.policy is None or snap.policy_version is None or snap.computed_at is None:
            out.append(None)
            continue
        reputation, facts = stored_inputs(snap, index.tier, skills, now)
        decision = evaluate(
            Policy.of(index.tier, snap.policy_version, snap.policy), reputation, facts, now=now
        )
        out.append(_eligibility_out(decision, snap.policy_version))
    return out


def _eligibility_out(decision: Decision, policy_version: int) -> EligibilityOut:
    return EligibilityOut(
        eligible=decision.eligible,
        failed=[
            FailedRuleOut(code=r.code, message=r.message, skill=r.skill) for r in decision.reasons
        ],
        policy_version=policy_version,
    )


def _match_out(
    index: MatchIndex, ranked: Ranked, n: int, eligibility: EligibilityOut | None
) -> MatchOut:
    i = ranked.positions[n]
    low, high = ranked.intervals[n]
    version = ranked.versions[n]
    return MatchOut(
        rank=n + 1,
        candidate_id=index.ids[i],
        external_ref=index.refs[i],
        display_name=index.names[i],
        chance=round(ranked.chances[n] * 100.0, 1),
        interval=IntervalOut(
            lower=round(low * 100.0, 1), upper=round(high * 100.0, 1), level=INTERVAL_LEVEL
        ),
        eligibility=eligibility,
        reasons=[
            ReasonOut(
                code=r.code,
                text=r.text,
                feature=r.feature,
                effect=r.effect,
                direction="raises" if r.effect > 0 else "lowers",
            )
            for r in ranked.reasons[n]
        ],
        model_version=version,
        source="prior" if is_prior_version(version) else "model",
    )


async def find_matches(
    conn: Connection,
    principal: Principal,
    data: MatchIn,
    *,
    scorers: Scorers,
    indexes: MatchIndexes,
    now: datetime | None = None,
) -> MatchesOut:
    """The organization's candidates best placed for the milestone, best first. A search:
    nothing is stored, not even the eligibility it shows (see the module's docstring).

    A tier without a policy is refused as an eligibility question about it is (422 naming
    `tier`): reputations are kept only for tiers with a policy.
    """
    require(principal, "admin", "platform", "client")
    now = now or datetime.now(UTC)
    organization_id = await acting_organization(conn, principal, data.organization)
    state = await repo.match_state(conn, organization_id=organization_id, tier=data.tier)
    if state.policy_version is None:
        raise UnprocessableError(
            f"No eligibility policy for tier {data.tier!r}; an admin sets one with "
            f"PUT /v1/policies/{data.tier}.",
            field="tier",
        )
    index = await indexes.current(
        conn, scorers, organization_id=organization_id, tier=data.tier, generation=state.generation
    )
    skills = data.wanted()
    ranked = await asyncio.to_thread(
        rank, index, skills=skills, amount=data.amount, limit=data.limit, exclude=data.exclude
    )
    eligibility = await _eligibility(conn, index, ranked, skills=skills, now=now)
    return MatchesOut(
        organization_id=organization_id,
        tier=data.tier,
        skills=list(skills),
        amount=data.amount,
        policy_version=state.policy_version,
        ranked=ranked.ranked,
        unscored=len(index.unscored),
        matches=[_match_out(index, ranked, n, e) for n, e in enumerate(eligibility)],
        source=index.source,
        note=PRIOR_NOTE if index.source == "prior" else None,
    )
