"""Engagements, milestones, their outcomes and ratings, one at a time (the API's writes)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection, returned_row
from service.errors import ConflictError
from service.repo.history import StoredMilestone


class EngagementRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    client_id: UUID
    candidate_id: UUID
    created_at: datetime


class MilestoneRow(StoredMilestone, frozen=True, kw_only=True):
    """A milestone as the events API shows it: the history row plus its engagement."""

    engagement_id: UUID | None


class ActorRef(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None


async def find_actor(
    conn: Connection, *, kind: str, ref: str, ref_id: UUID | None
) -> ActorRef | None:
    """An actor by the platform's id, or by our uuid; the uuid wins if both match."""
    row = await conn.fetchrow(
        "SELECT id, external_ref FROM actors WHERE kind = $1 AND (external_ref = $2 OR id = $3) "
        "ORDER BY (id = $3) DESC NULLS LAST LIMIT 1",
        kind,
        ref,
        ref_id,
    )
    return msgspec.convert(dict(row), ActorRef) if row else None


async def insert_engagement(
    conn: Connection,
    *,
    external_ref: str | None,
    client_id: UUID,
    candidate_id: UUID,
    created_by: UUID,
) -> EngagementRow:
    try:
        row = await conn.fetchrow(
            "INSERT INTO engagements (external_ref, client_id, candidate_id, created_by) "
            "VALUES ($1, $2, $3, $4) "
            "RETURNING id, external_ref, client_id, candidate_id, created_at",
            external_ref,
            client_id,
            candidate_id,
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"An engagement with id {external_ref!r} already exists.", field="id"
        ) from exc
    return msgspec.convert(dict(returned_row(row)), EngagementRow)


async def find_engagement(
    conn: Connection, *, ref: str, ref_id: UUID | None
) -> EngagementRow | None:
    row = await conn.fetchrow(
        "SELECT id, external_ref, client_id, candidate_id, created_at FROM engagements "
        "WHERE external_ref = $1 OR id = $2 ORDER BY (id = $2) DESC NULLS LAST LIMIT 1",
        ref,
        ref_id,
    )
    return msgspec.convert(dict(row), EngagementRow) if row else None


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
) -> None:
    try:
        await conn.execute(
            "INSERT INTO milestones (id, external_ref, engagement_id, candidate_id, client_id, "
            "tier, skills, amount, due_at, opened_at, origin) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'api')",
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
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"A milestone with id {external_ref!r} already exists.", field="id"
        ) from exc


MILESTONE_SELECT = (
    "SELECT m.id, m.external_ref, m.engagement_id, m.candidate_id, m.client_id, m.tier, "
    "m.skills, m.amount, m.due_at, m.opened_at, o.outcome, o.on_time, o.at AS outcome_at, "
    "r.stars, r.quality, r.communication, r.timeliness, r.at AS rated_at "
    "FROM milestones m LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
    "LEFT JOIN ratings r ON r.milestone_id = m.id "
)


async def find_milestone(
    conn: Connection, *, ref: str, ref_id: UUID | None, lock: bool = False
) -> MilestoneRow | None:
    """By the platform's id or our uuid; `lock` holds the milestone row until commit."""
    row = await conn.fetchrow(
        MILESTONE_SELECT + "WHERE m.external_ref = $1 OR m.id = $2 "
        "ORDER BY (m.id = $2) DESC NULLS LAST LIMIT 1" + (" FOR UPDATE OF m" if lock else ""),
        ref,
        ref_id,
    )
    return msgspec.convert(dict(row), MilestoneRow) if row else None


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
) -> bool:
    """False when the milestone is already rated."""
    inserted = await conn.fetchval(
        "INSERT INTO ratings (milestone_id, stars, quality, communication, timeliness, at, "
        "rated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (milestone_id) DO NOTHING RETURNING true",
        milestone_id,
        stars,
        quality,
        communication,
        timeliness,
        at,
        rated_by,
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
