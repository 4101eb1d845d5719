"""Live events from a platform: engagements, milestones, their outcomes and ratings.

Ids are the platform's own strings; actors and milestones may also be named by
our uuid. Each event marks its candidate for a reputation refresh, which the
refresher picks up within a second. The API calls these; ratings from the pages
go through `ratings.rate_milestone` too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID, uuid4

import msgspec

from service.auth_types import Principal
from service.db.connection import Connection
from service.eligibility.answers import as_uuid
from service.errors import ConflictError, UnprocessableError
from service.fields import At, Ref, Skill, Tier, checked_time
from service.repo import milestones as repo
from service.repo import reputation as reputation_repo
from service.repo.milestones import EngagementRow, MilestoneRow
from service.reputation.ratings import RatingIn, event_time, rate_milestone, visible_milestone

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


Currency = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{3}(?!\n)$", description="the amount's currency, ISO 4217: EUR, USD, …"
    ),
]


class MilestoneIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: Ref | None = None  # the platform's id; our uuid when left out
    engagement: Ref
    tier: Tier
    skills: Annotated[list[Skill], msgspec.Meta(max_length=32)] = []
    amount: Annotated[float, msgspec.Meta(ge=0.0, le=1e9)]
    currency: Currency | None = None
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
    review: str
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
    currency: str | None  # None: the platform gave none
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
            review=row.review,
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
        currency=row.currency,
        due=row.due_at,
        opened_at=row.opened_at,
        outcome=outcome,
        rating=rating,
    )


async def _actor(conn: Connection, principal: Principal, kind: str, ref: str) -> repo.ActorRef:
    """A candidate or client of the caller's organization; another's is not found."""
    found = await repo.find_actor(
        conn, kind=kind, ref=ref, ref_id=as_uuid(ref), scope=principal.scope
    )
    if found is None:
        raise UnprocessableError(f"No {kind} {ref!r} (by platform id or uuid).", field=kind)
    return found


async def read_milestone(conn: Connection, principal: Principal, ref: str) -> MilestoneOut:
    return _milestone_out(await visible_milestone(conn, principal, ref))


async def record_engagement(
    conn: Connection, principal: Principal, data: EngagementIn
) -> EngagementOut:
    client = await _actor(conn, principal, "client", data.client)
    candidate = await _actor(conn, principal, "candidate", data.candidate)
    if client.organization_id != candidate.organization_id:  # only an admin reaches both
        raise UnprocessableError(
            "The client and the candidate belong to different organizations.", field="client"
        )
    row = await repo.insert_engagement(
        conn,
        external_ref=data.id,
        client_id=client.id,
        candidate_id=candidate.id,
        created_by=principal.key_id,
        organization_id=candidate.organization_id,
    )
    return _engagement_out(row)


async def open_milestone(conn: Connection, principal: Principal, data: MilestoneIn) -> MilestoneOut:
    engagement = await repo.find_engagement(
        conn, ref=data.engagement, ref_id=as_uuid(data.engagement), scope=principal.scope
    )
    if engagement is None:
        raise UnprocessableError(f"No engagement {data.engagement!r}.", field="engagement")
    opened = event_time(data.at, datetime.now(UTC))
    due = checked_time(data.due, "due")
    if due < opened:
        raise UnprocessableError("A milestone cannot be due before it opens.", field="due")
    milestone_id = uuid4()
    await repo.insert_milestone(
        conn,
        milestone_id=milestone_id,
        external_ref=data.id or str(milestone_id),
        engagement=engagement,
        tier=data.tier,
        skills=list(dict.fromkeys(data.skills)),
        amount=data.amount,
        due_at=due,
        opened_at=opened,
        currency=data.currency,
    )
    await reputation_repo.mark_dirty(conn, candidate_ids=[engagement.candidate_id])
    return await read_milestone(conn, principal, str(milestone_id))


async def record_outcome(
    conn: Connection, principal: Principal, ref: str, data: OutcomeIn
) -> tuple[MilestoneOut, bool]:
    """The milestone with its outcome, and whether this call recorded it (once only: the
    same outcome again changes nothing, another one is a conflict)."""
    row = await visible_milestone(conn, principal, ref, lock=True)
    if row.outcome is not None:
        same = (row.outcome, row.on_time) == (data.outcome, data.on_time) and (
            data.at is None or data.at == row.outcome_at
        )
        if not same:
            raise ConflictError("This milestone already has another outcome.", field="outcome")
        return _milestone_out(row), False
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
    return await read_milestone(conn, principal, str(row.id)), True


async def record_rating(
    conn: Connection, principal: Principal, ref: str, data: RatingIn
) -> MilestoneOut:
    rated = await rate_milestone(conn, principal, ref, data)
    return await read_milestone(conn, principal, str(rated.id))
