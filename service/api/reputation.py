"""Reputations (read from the materialised table) and model versions (train, list, promote,
roll back, and the audit of which version served when)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from scoring.reputation.model import DEFAULT_KIND, ModelKind
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import PooledConnection
from service.errors import NOT_SCORED_YET, NotFoundError
from service.repo import models as models_repo
from service.repo import reputation as repo
from service.reputation.promotion import (
    Note,
    PromotionOut,
    PromotionReport,
    promote,
    promotion_out,
    rollback,
)
from service.reputation.refresh import DEFAULT_TIER, RefreshReport, refresh
from service.reputation.scorers import SCORERS, Scorers
from service.reputation.training import TrainingReport, train_and_promote
from service.reputation.views import (
    ModelOut,
    ReputationOut,
    may_read_reputation,
    model_out,
    read_reputation,
)


class PromotionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: Note | None = None  # why; send {} to give none


class ReputationController(Controller):
    tags = ("reputation",)
    dependencies = SCORERS

    @get(
        "/v1/candidates/{candidate_id:uuid}/reputation",
        summary="A candidate's reputation for a milestone tier: score, interval, evidence, reasons",
        guards=[allow(*EVERY_ROLE)],
        responses={409: NOT_SCORED_YET},
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        candidate_id: FromPath[UUID],
        tier: Annotated[
            str, QueryParameter(min_length=1, max_length=64, description="milestone tier")
        ] = DEFAULT_TIER,
    ) -> ReputationOut:
        if not may_read_reputation(principal, candidate_id):
            raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
        return await read_reputation(
            conn, candidate_id=candidate_id, tier=tier, scope=principal.scope
        )

    @post(
        "/v1/reputations:refresh",
        summary="Refresh reputations now: candidates with new events, or everyone (all=true)",
        status_code=200,
        guards=[allow("admin")],
    )
    async def refresh_now(
        self,
        conn: NamedDependency[PooledConnection],
        scorers: NamedDependency[Scorers],
        everyone: Annotated[
            bool, QueryParameter(name="all", description="everyone, not only changed ones")
        ] = False,
    ) -> RefreshReport:
        if everyone:
            return await refresh(conn, scorers)
        return await refresh(conn, scorers, candidates=await repo.claim_dirty(conn, limit=100_000))


class ModelController(Controller):
    tags = ("models",)
    dependencies = SCORERS

    @get(
        "/v1/models",
        summary="Model versions, newest first, with hold-out metrics (admins: the metrics "
        "count every organization's history)",
        guards=[allow("admin")],
    )
    async def index(
        self,
        conn: NamedDependency[PooledConnection],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[ModelOut]:
        return [model_out(r) for r in await models_repo.list_versions(conn, limit=limit)]

    @get("/v1/models/{version:str}", summary="One model version", guards=[allow("admin")])
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        version: FromPath[str],
    ) -> ModelOut:
        row = await models_repo.get_version(conn, version=version)
        if row is None:
            raise NotFoundError(f"No model version {version!r}.", field="version")
        return model_out(row)

    @post(
        "/v1/models:train",
        summary="Train on the stored history; promote only if it beats the serving scorer (the "
        "prior included) as served",
        description="`kind`: `linear` (the default: a two-stage monotone logistic regression) "
        "or `gbm` (gradient boosting, for a history where it wins the served-score back-test: "
        "`trialgate model evaluate` compares them).",
        status_code=200,
        guards=[allow("admin")],
    )
    async def train(
        self,
        conn: NamedDependency[PooledConnection],
        scorers: NamedDependency[Scorers],
        principal: NamedDependency[Principal],
        seed: Annotated[int, QueryParameter(ge=0, le=2**31 - 1)] = 0,
        kind: Annotated[ModelKind, QueryParameter()] = DEFAULT_KIND,
    ) -> TrainingReport:
        return await train_and_promote(
            conn, scorers, seed=seed, kind=kind, changed_by=principal.key_id
        )

    @get(
        "/v1/models/promotions",
        summary="Every change of the serving version, newest first: training's promotions, "
        "and admins' promotions and rollbacks, with who asked and why",
        guards=[allow("admin")],
    )
    async def promotions(
        self,
        conn: NamedDependency[PooledConnection],
        version: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=200, description="only changes to or from it"),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[PromotionOut]:
        rows = await models_repo.list_promotions(conn, version=version, limit=limit)
        return [promotion_out(r) for r in rows]

    @post(
        "/v1/models/{version:str}/promote",
        summary="Serve this stored version from now on, whatever its figures; everyone is "
        "re-scored with it before the answer (audited)",
        status_code=200,
        guards=[allow("admin")],
    )
    async def promote(
        self,
        conn: NamedDependency[PooledConnection],
        scorers: NamedDependency[Scorers],
        principal: NamedDependency[Principal],
        version: FromPath[str],
        data: JSONBody[PromotionIn],
    ) -> PromotionReport:
        return await promote(
            conn, scorers, version=version, changed_by=principal.key_id, note=data.note or None
        )

    @post(
        "/v1/models:rollback",
        summary="Serve again the version that served before the serving one; everyone is "
        "re-scored with it before the answer (audited)",
        status_code=200,
        guards=[allow("admin")],
    )
    async def rollback(
        self,
        conn: NamedDependency[PooledConnection],
        scorers: NamedDependency[Scorers],
        principal: NamedDependency[Principal],
        data: JSONBody[PromotionIn],
    ) -> PromotionReport:
        return await rollback(conn, scorers, changed_by=principal.key_id, note=data.note or None)
