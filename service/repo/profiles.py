"""What a candidate's profile page reads besides the reputation: trials, milestones, ratings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row
from service.repo.milestones import MILESTONE_SELECT, MilestoneRow


class TrialResultRow(msgspec.Struct, frozen=True, kw_only=True):
    trial: str
    title: str  # the trial's title; its id when the trial is not packaged here
    skills: list[str]
    score: float
    verdict: str
    at: datetime
    time_taken_seconds: int | None  # an attempt's: from its start to the counted submission


class RatingSummary(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    average: float | None
    quality: float | None
    communication: float | None
    timeliness: float | None


class ClientCandidate(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    display_name: str
    external_ref: str | None
    milestones: int
    to_rate: int


async def trial_results(
    conn: Connection, *, candidate_id: UUID, limit: int = 50
) -> list[TrialResultRow]:
    rows = await conn.fetch(
        "SELECT r.trial, coalesce(t.title, r.trial) AS title, r.skills, r.score, r.verdict, "
        "r.at, extract(epoch FROM s.created_at - a.started_at)::int AS time_taken_seconds "
        "FROM trial_results r LEFT JOIN trials t ON t.id = r.trial "
        "LEFT JOIN attempts a ON a.id = r.attempt_id "
        "LEFT JOIN submissions s ON s.id = a.result_submission_id "
        "WHERE r.candidate_id = $1 ORDER BY r.at DESC LIMIT $2",
        candidate_id,
        limit,
    )
    return [msgspec.convert(dict(r), TrialResultRow) for r in rows]


async def rating_summary(conn: Connection, *, candidate_id: UUID) -> RatingSummary:
    row = await conn.fetchrow(
        "SELECT count(*)::int AS count, avg(r.stars)::float8 AS average, "
        "avg(r.quality)::float8 AS quality, avg(r.communication)::float8 AS communication, "
        "avg(r.timeliness)::float8 AS timeliness "
        "FROM ratings r JOIN milestones m ON m.id = r.milestone_id WHERE m.candidate_id = $1",
        candidate_id,
    )
    return msgspec.convert(dict(returned_row(row)), RatingSummary)


async def milestones_with(
    conn: Connection, *, candidate_id: UUID, client_id: UUID, limit: int = 50
) -> list[MilestoneRow]:
    """The candidate's milestones for one client, newest first."""
    rows = await conn.fetch(
        MILESTONE_SELECT + "WHERE m.candidate_id = $1 AND m.client_id = $2 "
        "ORDER BY m.opened_at DESC LIMIT $3",
        candidate_id,
        client_id,
        limit,
    )
    return [msgspec.convert(dict(r), MilestoneRow) for r in rows]


async def candidates_of_client(
    conn: Connection, *, client_id: UUID, limit: int = 100
) -> list[ClientCandidate]:
    """Candidates the client has milestones with, those with milestones to rate first."""
    rows = await conn.fetch(
        "SELECT a.id, a.display_name, a.external_ref, count(*)::int AS milestones, "
        "count(*) FILTER (WHERE o.milestone_id IS NOT NULL AND r.milestone_id IS NULL)::int "
        "AS to_rate FROM milestones m JOIN actors a ON a.id = m.candidate_id "
        "LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
        "LEFT JOIN ratings r ON r.milestone_id = m.id WHERE m.client_id = $1 "
        "GROUP BY a.id ORDER BY to_rate DESC, max(m.opened_at) DESC LIMIT $2",
        client_id,
        limit,
    )
    return [msgspec.convert(dict(r), ClientCandidate) for r in rows]
