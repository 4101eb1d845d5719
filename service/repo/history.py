"""The event history in bulk: read whole for the model, written in batches by imports.

Reads return `scoring.reputation.events` Structs with our uuids (as text) for every id, so
the reputation core never sees whether an actor came from the API or an import.
Writes use COPY: a 100k-line history lands in a few round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
)
from service.db.connection import Connection

# Any constant works; it only has to be the same in every process importing into this database.
IMPORT_LOCK_ID = 7_214_530_212


async def load_events(conn: Connection, organization_id: UUID | None) -> list[Event]:
    """Every event of one organization (every organization's when None: training only),
    with actors and milestones named by uuid."""
    events: list[Event] = []
    for row in await conn.fetch(
        "SELECT id::text, kind, skills, coalesce(joined_at, created_at) FROM actors "
        "WHERE kind IN ('candidate', 'client') AND ($1::uuid IS NULL OR organization_id = $1)",
        organization_id,
    ):
        if row[1] == "candidate":
            events.append(CandidateJoined(id=row[0], skills=tuple(row[2]), at=row[3]))
        else:
            events.append(ClientJoined(id=row[0], at=row[3]))
    events.extend(
        TrialResult(
            candidate=r[0], trial=r[1], skills=tuple(r[2]), score=r[3], verdict=r[4], at=r[5]
        )
        for r in await conn.fetch(
            "SELECT t.candidate_id::text, t.trial, t.skills, t.score, t.verdict, t.at "
            "FROM trial_results t JOIN actors a ON a.id = t.candidate_id "
            "WHERE $1::uuid IS NULL OR a.organization_id = $1",
            organization_id,
        )
    )
    events.extend(
        MilestoneOpened(
            id=r[0],
            candidate=r[1],
            client=r[2],
            tier=r[3],
            skills=tuple(r[4]),
            amount=r[5],
            due=r[6],
            at=r[7],
        )
        for r in await conn.fetch(
            "SELECT id::text, candidate_id::text, client_id::text, tier, skills, amount, due_at, "
            "opened_at FROM milestones WHERE $1::uuid IS NULL OR organization_id = $1",
            organization_id,
        )
    )
    events.extend(
        MilestoneOutcome(milestone=r[0], outcome=r[1], on_time=r[2], at=r[3])
        for r in await conn.fetch(
            "SELECT o.milestone_id::text, o.outcome, o.on_time, o.at FROM milestone_outcomes o "
            "JOIN milestones m ON m.id = o.milestone_id "
            "WHERE $1::uuid IS NULL OR m.organization_id = $1",
            organization_id,
        )
    )
    events.extend(
        Rating(
            milestone=r[0], stars=r[1], quality=r[2], communication=r[3], timeliness=r[4], at=r[5]
        )
        for r in await conn.fetch(
            "SELECT r.milestone_id::text, r.stars, r.quality, r.communication, r.timeliness, r.at "
            "FROM ratings r JOIN milestones m ON m.id = r.milestone_id "
            "WHERE $1::uuid IS NULL OR m.organization_id = $1",
            organization_id,
        )
    )
    return events


class StoredActor(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    joined_at: datetime | None
    skills: list[str]


class StoredMilestone(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str
    candidate_id: UUID
    client_id: UUID
    tier: str
    skills: list[str]
    amount: float
    due_at: datetime
    opened_at: datetime
    outcome: str | None
    on_time: bool | None
    outcome_at: datetime | None
    stars: int | None
    quality: int | None
    communication: int | None
    timeliness: int | None
    rated_at: datetime | None


class StoredTrial(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    skills: list[str]
    score: float
    verdict: str


async def lock_imports(conn: Connection, organization_id: UUID) -> None:
    """One import per organization at a time: their look-ups and inserts must not
    interleave. Organizations share no platform ids, so theirs run side by side."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, $2))",
        organization_id,
        IMPORT_LOCK_ID,
    )


async def find_actors(
    conn: Connection,
    *,
    kind: str,
    refs: Sequence[str],
    ids: Sequence[UUID],
    organization_id: UUID,
) -> list[StoredActor]:
    rows = await conn.fetch(
        "SELECT id, external_ref, joined_at, skills FROM actors WHERE kind = $1 "
        "AND (external_ref = ANY($2::text[]) OR id = ANY($3::uuid[])) AND organization_id = $4",
        kind,
        list(refs),
        list(ids),
        organization_id,
    )
    return [msgspec.convert(dict(r), StoredActor) for r in rows]


async def find_milestones(
    conn: Connection, *, refs: Sequence[str], ids: Sequence[UUID], organization_id: UUID
) -> list[StoredMilestone]:
    rows = await conn.fetch(
        "SELECT m.id, m.external_ref, m.candidate_id, m.client_id, m.tier, m.skills, m.amount, "
        "m.due_at, m.opened_at, o.outcome, o.on_time, o.at AS outcome_at, r.stars, r.quality, "
        "r.communication, r.timeliness, r.at AS rated_at FROM milestones m "
        "LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
        "LEFT JOIN ratings r ON r.milestone_id = m.id "
        "WHERE (m.external_ref = ANY($1::text[]) OR m.id = ANY($2::uuid[])) "
        "AND m.organization_id = $3",
        list(refs),
        list(ids),
        organization_id,
    )
    return [msgspec.convert(dict(r), StoredMilestone) for r in rows]


async def find_trials(conn: Connection, *, keys: Sequence[str]) -> list[StoredTrial]:
    rows = await conn.fetch(
        "SELECT key, skills, score, verdict FROM trial_results WHERE key = ANY($1::text[])",
        list(keys),
    )
    return [msgspec.convert(dict(r), StoredTrial) for r in rows]


async def copy_actors(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(id, kind, external_ref, skills, joined_at, organization_id) rows."""
    await conn.copy_records_to_table(
        "actors",
        records=records,
        columns=["id", "kind", "external_ref", "skills", "joined_at", "organization_id"],
    )


async def attach_actors(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(id, joined_at, skills): an actor registered over the API meets its imported history."""
    await conn.executemany(
        "UPDATE actors SET joined_at = $2, "
        "skills = ARRAY(SELECT DISTINCT s FROM unnest(skills || $3::text[]) AS s ORDER BY s) "
        "WHERE id = $1",
        records,
    )


async def copy_trial_results(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(key, candidate_id, trial, skills, score, verdict, at) rows."""
    await conn.copy_records_to_table(
        "trial_results",
        records=records,
        columns=["key", "candidate_id", "trial", "skills", "score", "verdict", "at"],
    )


async def copy_milestones(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(id, external_ref, candidate_id, client_id, tier, skills, amount, due_at, opened_at,
    origin, organization_id)."""
    await conn.copy_records_to_table(
        "milestones",
        records=records,
        columns=[
            "id",
            "external_ref",
            "candidate_id",
            "client_id",
            "tier",
            "skills",
            "amount",
            "due_at",
            "opened_at",
            "origin",
            "organization_id",
        ],
    )


async def copy_outcomes(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(milestone_id, outcome, on_time, at) rows."""
    await conn.copy_records_to_table(
        "milestone_outcomes", records=records, columns=["milestone_id", "outcome", "on_time", "at"]
    )


async def copy_ratings(conn: Connection, records: Sequence[tuple[Any, ...]]) -> None:
    """(milestone_id, stars, quality, communication, timeliness, at) rows."""
    await conn.copy_records_to_table(
        "ratings",
        records=records,
        columns=["milestone_id", "stars", "quality", "communication", "timeliness", "at"],
    )
