"""Eligibility: versioned policies per tier, decisions with reasons, and their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from scoring.eligibility import PolicyRules, TrialRequirement
from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.eligibility.answers import Question, decide
from service.eligibility.batching import DecisionBatcher
from service.eligibility.impact import PolicyImpact, policy_impact
from service.eligibility.policies import TIER_PATTERN, save_policy
from service.errors import NOT_SCORED_YET, NotFoundError
from service.fields import Ref, Skill
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.repo import eligibility as repo
from service.repo.eligibility import DecisionRow, PolicyRow
from service.reputation.refresh import refresh, reputation_tiers
from service.reputation.scorers import SCORERS, Scorers

TierSlug = Annotated[str, msgspec.Meta(pattern=TIER_PATTERN)]
TierPath = Annotated[
    str, PathParameter(pattern=TIER_PATTERN, description="lower-case letters, digits, - and _")
]
MAX_BATCH = 500


class PolicyOut(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    version: int
    min_score: float
    min_lower_bound: float
    min_evidence: int
    required_trials: tuple[TrialRequirement, ...]
    no_open_disputes: bool
    allow_prior: bool
    created_at: datetime


class EligibilityIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    candidate: Ref  # the platform's id or our uuid
    tier: TierSlug
    skills: Annotated[list[Skill], msgspec.Meta(max_length=32)] = []


class BatchIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    requests: Annotated[list[EligibilityIn], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class FailedRuleOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    code: str
    message: str
    skill: str | None = None


class DecisionOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    candidate_id: UUID
    external_ref: str | None
    tier: str
    skills: list[str]
    eligible: bool
    reasons: list[FailedRuleOut]  # one per failed rule; empty when eligible
    score_used: float
    lower_bound_used: float
    evidence_used: int
    source: Literal["model", "prior"]
    policy_version: int
    model_version: str
    reputation_computed_at: datetime
    origin: Literal["request", "refresh"]
    decided_at: datetime
    previous_id: UUID | None = None  # for a refresh: the decision it overturned


class BatchOut(msgspec.Struct, frozen=True, kw_only=True):
    decisions: list[DecisionOut]


def _policy_out(row: PolicyRow) -> PolicyOut:
    return PolicyOut(
        tier=row.tier,
        version=row.version,
        created_at=row.created_at,
        **msgspec.structs.asdict(row.rules),
    )


def decision_out(row: DecisionRow) -> DecisionOut:
    return DecisionOut(
        id=row.id,
        candidate_id=row.candidate_id,
        external_ref=row.external_ref,
        tier=row.tier,
        skills=row.skills,
        eligible=row.eligible,
        reasons=[FailedRuleOut(code=r.code, message=r.message, skill=r.skill) for r in row.reasons],
        score_used=row.score_used,
        lower_bound_used=row.lower_bound_used,
        evidence_used=row.evidence_used,
        source=row.source,
        policy_version=row.policy_version,
        model_version=row.model_version,
        reputation_computed_at=row.reputation_computed_at,
        origin=row.origin,
        decided_at=row.created_at,
        previous_id=row.previous_id,
    )


def _question(data: EligibilityIn, principal: Principal) -> Question:
    return Question(
        candidate=data.candidate,
        tier=data.tier,
        skills=tuple(dict.fromkeys(data.skills)),
        scope=principal.scope,
    )


class PolicyController(Controller):
    path = "/v1/policies"
    tags = ("eligibility",)
    dependencies = SCORERS

    @get("/", summary="The current policy of every tier", guards=[allow("admin", "platform")])
    async def index(self, conn: NamedDependency[PooledConnection]) -> list[PolicyOut]:
        return [_policy_out(r) for r in await repo.current_policies(conn)]

    @get(
        "/{tier:str}",
        summary="A tier's current policy, or an earlier version",
        guards=[allow("admin", "platform")],
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        tier: FromPath[str],
        version: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
    ) -> PolicyOut:
        if version is None:
            found = await repo.current_policies(conn, tiers=[tier])
            row = found[0] if found else None
        else:
            row = await repo.get_policy(conn, tier=tier, version=version)
        if row is None:
            raise NotFoundError(f"No policy for tier {tier!r}.", field="tier")
        return _policy_out(row)

    @put(
        "/{tier:str}",
        summary="Set a tier's policy: a new version (the same body changes nothing)",
        guards=[allow("admin")],
        responses={
            201: ResponseSpec(
                data_container=PolicyOut,
                generate_examples=False,
                description="A new version was stored (200: the body equals the current one)",
            )
        },
    )
    async def replace(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        scorers: NamedDependency[Scorers],
        tier: TierPath,
        data: JSONBody[PolicyRules],
    ) -> Response[PolicyOut]:
        saved = await save_policy(
            conn,
            tier=tier,
            rules=data,
            created_by=principal.key_id,
            scored_tiers=await reputation_tiers(conn),
            score_tier=lambda new_tier: refresh(conn, scorers, tiers=[new_tier]),
        )
        return Response(_policy_out(saved.row), status_code=201 if saved.created else 200)

    @post(
        "/{tier:str}/preview",
        summary="What a draft of a tier's policy would change (the PUT's body): who becomes "
        "eligible or ineligible; nothing is stored",
        description="Every candidate with a stored reputation for the tier (of `organization`, "
        "or of every organization) is evaluated under the current version and under the "
        "draft, as an eligibility answer would be, their declared skills standing in for a "
        "milestone's. Samples: the first 20 by name in each direction.",
        status_code=200,
        guards=[allow("admin")],
    )
    async def preview(
        self,
        conn: NamedDependency[PooledConnection],
        tier: TierPath,
        data: JSONBody[PolicyRules],
        organization: FromQuery[UUID | None] = None,
    ) -> PolicyImpact:
        return await policy_impact(conn, tier=tier, draft=data, organization_id=organization)


class EligibilityController(Controller):
    tags = ("eligibility",)

    @post(
        "/v1/eligibility",
        summary="May this candidate take a milestone of this tier and skills? Stored for audit",
        status_code=200,
        guards=[allow("admin", "platform")],
        responses={409: NOT_SCORED_YET},
    )
    async def decide_one(
        self, state: State, principal: NamedDependency[Principal], data: JSONBody[EligibilityIn]
    ) -> Response[DecisionOut]:
        batcher: DecisionBatcher = state.decisions
        row = await batcher.decide(_question(data, principal), requested_by=principal.key_id)
        return Response(
            decision_out(row),
            status_code=200,
            headers={"Location": f"/v1/eligibility/decisions/{row.id}"},
        )

    @post(
        "/v1/eligibility:batch",
        summary=f"Up to {MAX_BATCH} eligibility questions at once; all answered or none",
        status_code=200,
        guards=[allow("admin", "platform")],
        responses={409: NOT_SCORED_YET},
    )
    async def decide_many(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        data: JSONBody[BatchIn],
    ) -> BatchOut:
        rows = await decide(
            conn,
            [_question(r, principal) for r in data.requests],
            requested_by=principal.key_id,
            fields=[f"requests[{i}]." for i in range(len(data.requests))],
        )
        return BatchOut(decisions=[decision_out(r) for r in rows])

    @get(
        "/v1/eligibility/decisions/{decision_id:uuid}",
        summary="A stored decision (audit)",
        guards=[allow("admin", "platform")],
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        decision_id: FromPath[UUID],
    ) -> DecisionOut:
        row = await repo.get_decision(conn, decision_id=decision_id, scope=principal.scope)
        if row is None:
            raise NotFoundError(f"No decision {decision_id}.", field="decision_id")
        return decision_out(row)

    @get(
        "/v1/eligibility/decisions",
        summary="Stored decisions, newest first (audit trail)",
        guards=[allow("admin", "platform")],
    )
    async def index(
        self,
        *,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        candidate_id: FromQuery[UUID | None] = None,
        tier: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[DecisionOut]:
        rows = await repo.list_decisions(
            conn,
            candidate_id=candidate_id,
            tier=tier,
            after=decode_cursor(cursor),
            limit=limit,
            scope=principal.scope,
        )
        next_cursor = (
            encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
        )
        return Page(items=[decision_out(r) for r in rows], next_cursor=next_cursor)
