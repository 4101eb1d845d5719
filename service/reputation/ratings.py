"""Ratings of delivered milestones, and the times events may carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from service.auth import require
from service.auth_types import Principal
from service.db.connection import Connection
from service.eligibility.answers import as_uuid
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.fields import At, Prose, Stars, checked_time
from service.repo import milestones as repo
from service.repo import reputation as reputation_repo
from service.repo.milestones import MilestoneRow

CLOCK_SKEW = timedelta(minutes=5)


class RatingIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    stars: Stars  # overall
    quality: Stars | None = None
    communication: Stars | None = None
    timeliness: Stars | None = None
    review: Prose = ""  # optional; shown to those who may read the milestone
    at: At | None = None


def event_time(
    at: datetime | None, now: datetime, *, not_before: datetime | None = None
) -> datetime:
    """An event's time: now when left out; never in the future, never before its milestone."""
    if at is None:
        return now
    at = checked_time(at, "at")
    if at > now + CLOCK_SKEW:
        raise UnprocessableError("The event is dated in the future.", field="at")
    if not_before is not None and at < not_before:
        raise UnprocessableError("The event is dated before its milestone opened.", field="at")
    return at


async def visible_milestone(
    conn: Connection, principal: Principal, ref: str, *, lock: bool = False
) -> MilestoneRow:
    row = await repo.find_milestone(
        conn, ref=ref, ref_id=as_uuid(ref), scope=principal.scope, lock=lock
    )
    visible = row is not None and (
        principal.role in {"admin", "platform"}
        or principal.actor_id in {row.client_id, row.candidate_id}
    )
    if row is None or not visible:
        raise NotFoundError(f"No milestone {ref!r}.", field="milestone")
    return row


RATED_BY_CLIENTS = (
    "Only the milestone's client rates it; platforms bring past ratings in with "
    "POST /v1/events:import."
)


def must_be_client(principal: Principal) -> None:
    require(principal, "client", why=RATED_BY_CLIENTS)


async def rate_milestone(
    conn: Connection, principal: Principal, ref: str, data: RatingIn
) -> MilestoneRow:
    """The milestone's own client rates it, once, after its outcome; the candidate is re-scored.

    Returns the milestone as it was before the rating."""
    must_be_client(principal)
    row = await visible_milestone(conn, principal, ref, lock=True)
    if row.client_id != principal.actor_id:
        raise NotFoundError(f"No milestone {ref!r}.", field="milestone")
    if row.outcome_at is None:
        raise UnprocessableError("Rate a milestone once it has an outcome.", field="milestone")
    if row.stars is not None:
        raise ConflictError(
            "This milestone is already rated; a rating is given once.", field="milestone"
        )
    at = event_time(data.at, datetime.now(UTC), not_before=row.opened_at)
    await repo.insert_rating(
        conn,
        milestone_id=row.id,
        stars=data.stars,
        quality=data.quality,
        communication=data.communication,
        timeliness=data.timeliness,
        review=data.review.strip(),
        at=at,
        rated_by=principal.key_id,
    )
    await reputation_repo.mark_dirty(conn, candidate_ids=[row.candidate_id])
    return row
