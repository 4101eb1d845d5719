"""Reputations and models as the API, the pages and the CLI show them, and who may read them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

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
    score: float
    effective_evidence: float


class ReasonOut(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    text: str
    feature: str
    effect: float  # score points this factor adds (+) or removes (-)


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
    per_skill: list[SkillScoreOut]
    reasons: list[ReasonOut]
    model_version: str
    source: Literal["model", "prior"]
    as_of: datetime
    computed_at: datetime
    stale: bool  # newer events are waiting for the refresher
    note: str | None = None  # says so when the prior serves


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


def reputation_out(row: ReputationRow) -> ReputationOut:
    return ReputationOut(
        candidate_id=row.candidate_id,
        external_ref=row.external_ref,
        tier=row.tier,
        score=row.score,
        interval=IntervalOut(lower=row.lower_bound, upper=row.upper_bound, level=INTERVAL_LEVEL),
        evidence=row.evidence,
        effective_evidence=row.effective_evidence,
        per_skill=[msgspec.convert(s, SkillScoreOut) for s in row.per_skill],
        reasons=[msgspec.convert(r, ReasonOut) for r in row.reasons],
        model_version=row.model_version,
        source=row.source,
        as_of=row.as_of,
        computed_at=row.computed_at,
        stale=row.stale,
        note=PRIOR_NOTE if row.source == "prior" else None,
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
