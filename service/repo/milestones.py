"""Engagements, milestones, their outcomes and ratings, one at a time (the API's writes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection, returned_row
from service.errors import ConflictError, UnprocessableError
from service.repo.history import StoredMilestone


class EngagementRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    client_id: UUID
    candidate_id: UUID
    created_at: datetime
    organization_id: UUID


class MilestoneRow(StoredMilestone, frozen=True, kw_only=True):
    """A milestone as the events API shows it: the history row plus its engagement."""

    engagement_id: UUID | None
    review: str = ""
    currency: str | None = None  # ISO 4217, as the platform gave it


class ActorRef(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    organization_id: UUID


# Look-ups by the platform's id or our uuid, within `scope` (the caller's organization;
# None for an admin). The uuid wins if both match. A platform's ids are unique only within
# its organization, so an admin's look-up by one may match in several: refused, not guessed.
_BY_REF = (
    "(external_ref = $1 OR id = $2) AND ($3::uuid IS NULL OR organization_id = $3) "
    "ORDER BY (id = $2) DESC NULLS LAST LIMIT 2"
)


def _one(
    rows: list[asyncpg.Record], ref: str, ref_id: UUID | None, field: str
) -> dict[str, Any] | None:
    if not rows:
        return None
    if len(rows) > 1 and rows[0]["id"] != ref_id:
        raise UnprocessableError(
            f"{ref!r} names one in several organizations; name it by its uuid.", field=field
        )
    return dict(rows[0])


async def find_actor(
    conn: Connection, *, kind: str, ref: str, ref_id: UUID | None, scope: UUID | None
) -> ActorRef | None:
    rows = await conn.fetch(
        "SELECT id, external_ref, organization_id FROM actors WHERE kind = $4 AND "  # noqa: S608 - constants
        + _BY_REF,
        ref,
        ref_id,
        scope,
        kind,
    )
    found = _one(rows, ref, ref_id, kind)
    return msgspec.convert(found, ActorRef) if found else None


async def insert_engagement(
    conn: Connection,
    *,
    external_ref: str | None,
    client_id: UUID,
    candidate_id: UUID,
    created_by: UUID,
    organization_id: UUID,
) -> EngagementRow:
    try:
        row = await conn.fetchrow(
            "INSERT INTO engagements (external_ref, client_id, candidate_id, created_by, "
            "organization_id) VALUES ($1, $2, $3, $4, $5) "
            "RETURNING id, external_ref, client_id, candidate_id, created_at, organization_id",
            external_ref,
            client_id,
            candidate_id,
            created_by,
            organization_id,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"An engagement with id {external_ref!r} already exists.", field="id"
        ) from exc
    return msgspec.convert(dict(returned_row(row)), EngagementRow)


async def find_engagement(
    conn: Connection, *, ref: str, ref_id: UUID | None, scope: UUID | None
) -> EngagementRow | None:
    rows = await conn.fetch(
        "SELECT id, external_ref, client_id, candidate_id, created_at, organization_id "
        "FROM engagements WHERE " + _BY_REF,
        ref,
        ref_id,
        scope,
    )
    found = _one(rows, ref, ref_id, "engagement")
    return msgspec.convert(found, EngagementRow) if found else None


async def insert_milestone(
    conn: Connection,
    *,
    milestone_id: UUID,
    external_ref: str,
    engagement: EngagementRow,
    tier: str,
    skills: list[str],
    amount: float,
    due_at: datetime,
    opened_at: datetime,
    currency: str | None = None,
) -> None:
    try:
        await conn.execute(
            "INSERT INTO milestones (id, external_ref, engagement_id, candidate_id, client_id, "
            "tier, skills, amount, due_at, opened_at, origin, organization_id, currency) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'api', $11, $12)",
            milestone_id,
            external_ref,
            engagement.id,
            engagement.candidate_id,
            engagement.client_id,
            tier,
            skills,
            amount,
            due_at,
            opened_at,
            engagement.organization_id,
            currency,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"A milestone with id {external_ref!r} already exists.", field="id"
        ) from exc


MILESTONE_SELECT = (
    "SELECT m.id, m.external_ref, m.engagement_id, m.candidate_id, m.client_id, m.tier, "
    "m.skills, m.amount, m.due_at, m.opened_at, o.outcome, o.on_time, o.at AS outcome_at, "
    "r.stars, r.quality, r.communication, r.timeliness, r.at AS rated_at, "
    "coalesce(r.review, '') AS review, m.currency "
    "FROM milestones m LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
    "LEFT JOIN ratings r ON r.milestone_id = m.id "
)


async def find_milestone(
    conn: Connection, *, ref: str, ref_id: UUID | None, scope: UUID | None, lock: bool = False
) -> MilestoneRow | None:
    """By the platform's id or our uuid within `scope`; `lock` holds the milestone row
    until commit."""
    rows = await conn.fetch(
        MILESTONE_SELECT + "WHERE (m.external_ref = $1 OR m.id = $2) "
        "AND ($3::uuid IS NULL OR m.organization_id = $3) "
        "ORDER BY (m.id = $2) DESC NULLS LAST LIMIT 2" + (" FOR UPDATE OF m" if lock else ""),
        ref,
        ref_id,
        scope,
    )
    found = _one(rows, ref, ref_id, "milestone")
    return msgspec.convert(found, MilestoneRow) if found else None


async def insert_outcome(
    conn: Connection,
    *,
    milestone_id: UUID,
    outcome: str,
    on_time: bool,
    at: datetime,
    recorded_by: UUID,
) -> bool:
    """False when the milestone already has an outcome."""
    inserted = await conn.fetchval(
        "INSERT INTO milestone_outcomes (milestone_id, outcome, on_time, at, recorded_by) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (milestone_id) DO NOTHING RETURNING true",
        milestone_id,
        outcome,
        on_time,
        at,
        recorded_by,
    )
    return bool(inserted)


async def insert_rating(
    conn: Connection,
    *,
    milestone_id: UUID,
    stars: int,
    quality: int | None,
    communication: int | None,
    timeliness: int | None,
    at: datetime,
    rated_by: UUID,
    review: str = "",
) -> bool:
    """False when the milestone is already rated."""
    inserted = await conn.fetchval(
        "INSERT INTO ratings (milestone_id, stars, quality, communication, timeliness, at, "
        "rated_by, review) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (milestone_id) DO NOTHING RETURNING true",
        milestone_id,
        stars,
        quality,
        communication,
        timeliness,
        at,
        rated_by,
        review,
    )
    return bool(inserted)


async def record_graded_trial(
    conn: Connection, *, submission_id: UUID, verdict: str, score: float
) -> bool:
    """A graded submission as a trial_result event, and its candidate marked for refresh.

    Infrastructure failures (`internal_error`) are never held against a candidate, so
    they are not recorded. False when nothing was recorded.
    """
    recorded = await conn.fetchval(
        "WITH result AS ("
        "  INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at, "
        "  submission_id) "
        "  SELECT 'submission:' || s.id, s.candidate_id, v.trial_id, t.skills, $2, $3, now(), s.id "
        "  FROM submissions s JOIN trial_versions v ON v.id = s.trial_version_id "
        "  JOIN trials t ON t.id = v.trial_id WHERE s.id = $1 AND $3 <> 'internal_error' "
        "  ON CONFLICT DO NOTHING RETURNING candidate_id"
        ") INSERT INTO reputation_dirty (candidate_id, marked_at) "
        "SELECT candidate_id, clock_timestamp() FROM result "
        "ON CONFLICT (candidate_id) DO UPDATE SET marked_at = EXCLUDED.marked_at RETURNING true",
        submission_id,
        score,
        verdict,
    )
    return bool(recorded)
