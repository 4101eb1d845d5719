"""Events in: engagements, milestones, outcomes and ratings one by one, or a history in bulk.

Ids are the platform's own strings; actors and milestones may also be named by
our uuid. Each event marks its candidate for a reputation refresh, which the
refresher picks up within a second; an import refreshes everyone before it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import Connection, PooledConnection
from service.eligibility.answers import as_uuid
from service.errors import ConflictError, UnprocessableError
from service.fields import At, Ref, Skill, Tier
from service.repo import milestones as repo
from service.repo import reputation as reputation_repo
from service.repo.milestones import EngagementRow, MilestoneRow
from service.reputation.importer import ImportReport, import_history
from service.reputation.ratings import (
    RATED_BY_CLIENTS,
    RatingIn,
    event_time,
    rate_milestone,
    visible_milestone,
)
from service.reputation.scorers import SCORERS, Scorers

MAX_IMPORT_BYTES = 256 * 1024 * 1024

Outcome = Literal["accepted", "revision_requested", "disputed", "cancelled"]


class EngagementIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Ref | None = None  # the platform's id for the engagement
    client: Ref  # platform id or uuid
    candidate: Ref


class EngagementOut(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    client_id: UUID
    candidate_id: UUID
    created_at: datetime


class MilestoneIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Ref | None = None  # the platform's id; our uuid when left out
    engagement: Ref
    tier: Tier
    skills: Annotated[list[Skill], msgspec.Meta(max_length=32)] = []
    amount: Annotated[float, msgspec.Meta(ge=0.0, le=1e9)]
    due: At
    at: At | None = None  # when it opened; now when left out


class OutcomeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    outcome: Outcome
    on_time: bool
    at: At | None = None


class OutcomeOut(msgspec.Struct, frozen=True, kw_only=True):
    outcome: str
    on_time: bool
    at: datetime


class RatingOut(msgspec.Struct, frozen=True, kw_only=True):
    stars: int
    quality: int | None
    communication: int | None
    timeliness: int | None
    at: datetime


class MilestoneOut(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str
    engagement_id: UUID | None
    candidate_id: UUID
    client_id: UUID
    tier: str
    skills: list[str]
    amount: float
    due: datetime
    opened_at: datetime
    outcome: OutcomeOut | None
    rating: RatingOut | None


def _engagement_out(row: EngagementRow) -> EngagementOut:
    return EngagementOut(
        id=row.id,
        external_ref=row.external_ref,
        client_id=row.client_id,
        candidate_id=row.candidate_id,
        created_at=row.created_at,
    )


def _milestone_out(row: MilestoneRow) -> MilestoneOut:
    outcome = rating = None
    if row.outcome is not None and row.on_time is not None and row.outcome_at is not None:
        outcome = OutcomeOut(outcome=row.outcome, on_time=row.on_time, at=row.outcome_at)
    if row.stars is not None and row.rated_at is not None:
        rating = RatingOut(
            stars=row.stars,
            quality=row.quality,
            communication=row.communication,
            timeliness=row.timeliness,
            at=row.rated_at,
        )
    return MilestoneOut(
        id=row.id,
        external_ref=row.external_ref,
        engagement_id=row.engagement_id,
        candidate_id=row.candidate_id,
        client_id=row.client_id,
        tier=row.tier,
        skills=row.skills,
        amount=row.amount,
        due=row.due_at,
        opened_at=row.opened_at,
        outcome=outcome,
        rating=rating,
    )


async def _actor(conn: Connection, kind: str, ref: str) -> UUID:
    found = await repo.find_actor(conn, kind=kind, ref=ref, ref_id=as_uuid(ref))
    if found is None:
        raise UnprocessableError(f"No {kind} {ref!r} (by platform id or uuid).", field=kind)
    return found.id


async def _reread(conn: Connection, principal: Principal, ref: str) -> MilestoneOut:
    return _milestone_out(await visible_milestone(conn, principal, ref))


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
        if replay := await replayed(conn, principal, request, idempotency_key):
            return replay.response()
        row = await repo.insert_engagement(
            conn,
            external_ref=data.id,
            client_id=await _actor(conn, "client", data.client),
            candidate_id=await _actor(conn, "candidate", data.candidate),
            created_by=principal.key_id,
        )
        return await answer(conn, principal, idempotency_key, _engagement_out(row), status_code=201)


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
        if replay := await replayed(conn, principal, request, idempotency_key):
            return replay.response()
        engagement = await repo.find_engagement(
            conn, ref=data.engagement, ref_id=as_uuid(data.engagement)
        )
        if engagement is None:
            raise UnprocessableError(f"No engagement {data.engagement!r}.", field="engagement")
        opened = event_time(data.at, datetime.now(UTC))
        if data.due < opened:
            raise UnprocessableError("A milestone cannot be due before it opens.", field="due")
        milestone_id = uuid4()
        ref = data.id or str(milestone_id)
        await repo.insert_milestone(
            conn,
            milestone_id=milestone_id,
            external_ref=ref,
            engagement=engagement,
            tier=data.tier,
            skills=list(dict.fromkeys(data.skills)),
            amount=data.amount,
            due_at=data.due,
            opened_at=opened,
        )
        await reputation_repo.mark_dirty(conn, candidate_ids=[engagement.candidate_id])
        out = await _reread(conn, principal, str(milestone_id))
        return await answer(
            conn,
            principal,
            idempotency_key,
            out,
            status_code=201,
            headers={"Location": f"/v1/milestones/{milestone_id}"},
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
        return await _reread(conn, principal, milestone)

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
        if replay := await replayed(conn, principal, request, idempotency_key):
            return replay.response()
        row = await visible_milestone(conn, principal, milestone, lock=True)
        if row.outcome is not None:
            same = (row.outcome, row.on_time) == (data.outcome, data.on_time) and (
                data.at is None or data.at == row.outcome_at
            )
            if not same:
                raise ConflictError("This milestone already has another outcome.", field="outcome")
            return await answer(
                conn, principal, idempotency_key, _milestone_out(row), status_code=200
            )
        at = event_time(data.at, datetime.now(UTC), not_before=row.opened_at)
        await repo.insert_outcome(
            conn,
            milestone_id=row.id,
            outcome=data.outcome,
            on_time=data.on_time,
            at=at,
            recorded_by=principal.key_id,
        )
        await reputation_repo.mark_dirty(conn, candidate_ids=[row.candidate_id])
        out = await _reread(conn, principal, str(row.id))
        return await answer(conn, principal, idempotency_key, out, status_code=201)

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
        if replay := await replayed(conn, principal, request, idempotency_key):
            return replay.response()
        rated = await rate_milestone(conn, principal, milestone, data)
        out = await _reread(conn, principal, str(rated.id))
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
        conn: NamedDependency[PooledConnection],
        scorers: NamedDependency[Scorers],
        request: Request[Any, Any, Any],
        skip_bad: FromQuery[bool] = False,
    ) -> ImportReport:
        # The body is JSONL (one event per line, format in scoring/reputation/events.py), read raw:
        # it is not one JSON document, whatever Content-Type the caller sends.
        return await import_history(conn, scorers, await request.body(), skip_bad=skip_bad)
