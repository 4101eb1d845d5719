"""Reputations and models as the API, the pages and the CLI show them, and who may read them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from scoring.reputation.model import SkillScore
from scoring.reputation.reasons import Reason
from service.auth_types import Principal
from service.db.connection import Connection
from service.errors import NotFoundError, NotScoredYetError
from service.repo import actors as actors_repo
from service.repo import reputation as repo
from service.repo.models import ModelVersionRow
from service.repo.reputation import ReputationRow
from service.reputation.refresh import reputation_tiers
from service.reputation.scorers import PRIOR_NOTE

INTERVAL_LEVEL = 0.9


class SkillScoreOut(msgspec.Struct, frozen=True, kw_only=True):
    skill: str
    # 0-100 on a one-skill milestone, from the candidate's own evidence in the skill;
    # None: no trial and no finished milestone in it ("no evidence"), never the overall score
    score: float | None
    interval: IntervalOut | None
    evidence: int  # trials + finished milestones in the skill
    trials: int
    finished: int
    went_well: int


class ReasonOut(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    text: str
    feature: str
    effect: float  # score points this factor adds (+) or removes (-)
    direction: Literal["raises", "lowers"]


class IntervalOut(msgspec.Struct, frozen=True, kw_only=True):
    lower: float
    upper: float
    level: float


class ReputationOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    candidate_id: UUID
    external_ref: str | None
    tier: str
    score: float  # 0-100: calibrated chance the next milestone of this tier goes well
    interval: IntervalOut
    evidence: int
    effective_evidence: float
    # the platform's finished milestones of this tier before the score; 0: the tier has no
    # evidence of its own, and `tier_note` says the score carries no tier effect
    tier_evidence: int
    per_skill: list[SkillScoreOut]
    reasons: list[ReasonOut]
    model_version: str
    source: Literal["model", "prior"]
    as_of: datetime
    computed_at: datetime
    stale: bool  # newer events are waiting for the refresher
    note: str | None = None  # says so when the prior serves
    tier_note: str | None = None  # says so when the tier has no evidence of its own


class ModelOut(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    promoted: bool
    decision: str
    metrics: dict[str, float | None]
    compared_with: str | None
    compared_metrics: dict[str, float | None] | None
    trained_as_of: str | None
    holdout_from: str | None
    n_train: int | None
    n_holdout: int | None
    calibration: str | None
    created_at: datetime
    promoted_at: datetime | None


def tier_note(tier: str, tier_evidence: int) -> str | None:
    if tier_evidence > 0:
        return None
    return (
        f"No milestone of tier {tier!r} has finished in this platform's history yet, so this "
        "score carries no effect of the tier: it is the candidate's chance on a milestone "
        "of an average tier."
    )


def skill_out(stored: dict[str, object]) -> SkillScoreOut:
    skill = msgspec.convert(stored, SkillScore)
    interval = (
        IntervalOut(lower=skill.lower, upper=skill.upper, level=INTERVAL_LEVEL)
        if skill.score is not None and skill.lower is not None and skill.upper is not None
        else None
    )
    return SkillScoreOut(
        skill=skill.skill,
        score=skill.score,
        interval=interval,
        evidence=skill.evidence,
        trials=skill.trials,
        finished=skill.finished,
        went_well=skill.good,
    )


def reason_out(stored: dict[str, object]) -> ReasonOut:
    reason = msgspec.convert(stored, Reason)
    return ReasonOut(
        code=reason.code,
        text=reason.text,
        feature=reason.feature,
        effect=reason.effect,
        direction="raises" if reason.effect > 0 else "lowers",
    )


def reputation_out(row: ReputationRow) -> ReputationOut:
    return ReputationOut(
        candidate_id=row.candidate_id,
        external_ref=row.external_ref,
        tier=row.tier,
        score=row.score,
        interval=IntervalOut(lower=row.lower_bound, upper=row.upper_bound, level=INTERVAL_LEVEL),
        evidence=row.evidence,
        effective_evidence=row.effective_evidence,
        tier_evidence=row.tier_evidence,
        per_skill=[skill_out(s) for s in row.per_skill],
        reasons=[reason_out(r) for r in row.reasons],
        model_version=row.model_version,
        source=row.source,
        as_of=row.as_of,
        computed_at=row.computed_at,
        stale=row.stale,
        note=PRIOR_NOTE if row.source == "prior" else None,
        tier_note=tier_note(row.tier, row.tier_evidence),
    )


def model_out(row: ModelVersionRow) -> ModelOut:
    meta = row.meta
    return ModelOut(
        version=row.version,
        promoted=row.promoted,
        decision=row.decision,
        metrics=row.metrics,
        compared_with=row.compared_with,
        compared_metrics=row.compared_metrics,
        trained_as_of=meta.get("trained_as_of"),
        holdout_from=meta.get("holdout_from"),
        n_train=meta.get("n_train"),
        n_holdout=meta.get("n_holdout"),
        calibration=meta.get("calibration"),
        created_at=row.created_at,
        promoted_at=row.promoted_at,
    )


def may_read_reputation(principal: Principal, candidate_id: UUID) -> bool:
    return principal.role in {"admin", "platform", "client"} or principal.actor_id == candidate_id


async def read_reputation(
    conn: Connection, *, candidate_id: UUID, tier: str, scope: UUID | None
) -> ReputationOut:
    """The stored reputation of a candidate in `scope`; reading never scores (see
    NotScoredYetError)."""
    row = await repo.get(conn, candidate_id=candidate_id, tier=tier, scope=scope)
    if row is None:
        if tier not in await reputation_tiers(conn):
            raise NotFoundError(
                f"Reputations are kept for tiers with a policy; {tier!r} has none.", field="tier"
            )
        candidate = await actors_repo.get_actor(
            conn, kind="candidate", actor_id=candidate_id, scope=scope
        )
        if candidate is None:
            raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
        raise NotScoredYetError(
            f"Candidate {candidate_id} has not been scored for tier {tier!r} yet; "
            "new candidates are scored within seconds of registering.",
            field="candidate_id",
        )
    return reputation_out(row)
