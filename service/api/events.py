"""Events in: engagements, milestones, outcomes and ratings one by one, or a history in bulk.

The rules live in `service.reputation.milestones` and `service.reputation.importer`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import PooledConnection
from service.fields import OrganizationQuery
from service.people.service import acting_organization
from service.reputation.importer import ImportReport, import_history
from service.reputation.milestones import (
    EngagementIn,
    EngagementOut,
    MilestoneIn,
    MilestoneOut,
    OutcomeIn,
    open_milestone,
    read_milestone,
    record_engagement,
    record_outcome,
    record_rating,
)
from service.reputation.ratings import RATED_BY_CLIENTS, RatingIn
from service.reputation.scorers import SCORERS, Scorers

MAX_IMPORT_BYTES = 256 * 1024 * 1024


class EngagementController(Controller):
    path = "/v1/engagements"
    tags = ("events",)

    @post(
        "/",
        summary="Record an engagement between a client and a candidate",
        guards=[allow("admin", "platform")],
    )
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[EngagementIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[EngagementOut]:
        if replay := await replayed(conn, principal, request, idempotency_key, data):
            return replay.response()
        out = await record_engagement(conn, principal, data)
        return await answer(conn, principal, idempotency_key, out, status_code=201)


class MilestoneController(Controller):
    path = "/v1/milestones"
    tags = ("events",)

    @post("/", summary="Open a milestone in an engagement", guards=[allow("admin", "platform")])
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[MilestoneIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[MilestoneOut]:
        if replay := await replayed(conn, principal, request, idempotency_key, data):
            return replay.response()
        out = await open_milestone(conn, principal, data)
        return await answer(
            conn,
            principal,
            idempotency_key,
            out,
            status_code=201,
            headers={"Location": f"/v1/milestones/{out.id}"},
        )

    @get(
        "/{milestone:str}",
        summary="A milestone with its outcome and rating",
        guards=[allow(*EVERY_ROLE)],
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        milestone: FromPath[str],
    ) -> MilestoneOut:
        return await read_milestone(conn, principal, milestone)

    @post(
        "/{milestone:str}/outcome",
        summary="Record how a milestone ended (once)",
        guards=[allow("admin", "platform")],
    )
    async def outcome(
        self,
        *,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        milestone: FromPath[str],
        data: JSONBody[OutcomeIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[MilestoneOut]:
        if replay := await replayed(conn, principal, request, idempotency_key, (milestone, data)):
            return replay.response()
        out, recorded = await record_outcome(conn, principal, milestone, data)
        return await answer(
            conn, principal, idempotency_key, out, status_code=201 if recorded else 200
        )

    @post(
        "/{milestone:str}/rating",
        summary="The milestone's client rates it (once)",
        guards=[allow("client", why=RATED_BY_CLIENTS)],
    )
    async def rating(
        self,
        *,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        milestone: FromPath[str],
        data: JSONBody[RatingIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[MilestoneOut]:
        if replay := await replayed(conn, principal, request, idempotency_key, (milestone, data)):
            return replay.response()
        out = await record_rating(conn, principal, milestone, data)
        return await answer(conn, principal, idempotency_key, out, status_code=201)


class EventImportController(Controller):
    tags = ("events",)
    dependencies = SCORERS

    @post(
        "/v1/events:import",
        summary="Import a history: one JSON event per line; all or nothing unless skip_bad",
        request_max_body_size=MAX_IMPORT_BYTES,
        status_code=200,
        guards=[allow("admin", "platform")],
    )
    async def import_events(
        self,
        *,
        state: State,
        scorers: NamedDependency[Scorers],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        skip_bad: FromQuery[bool] = False,
        organization: OrganizationQuery = None,
    ) -> ImportReport:
        # The body is JSONL (one event per line, format in scoring/reputation/events.py), read raw:
        # it is not one JSON document, whatever Content-Type the caller sends. Read whole
        # before a connection is taken: a slow upload holds none meanwhile.
        body = await request.body()
        async with state.pool.acquire() as conn, conn.transaction():
            organization_id = await acting_organization(conn, principal, organization)
            return await import_history(
                conn, scorers, body, organization_id=organization_id, skip_bad=skip_bad
            )
