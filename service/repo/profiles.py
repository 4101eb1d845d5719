"""What a candidate's profile page reads besides the reputation: trials, work history,
ratings, and where its score stands among its organization's candidates."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


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


class WorkItem(msgspec.Struct, frozen=True, kw_only=True):
    """A milestone as the work history shows it: with its client's name, outcome and rating."""

    id: UUID
    external_ref: str  # the platform's id; the uuid as text when it gave none
    client_id: UUID
    client_name: str
    client_ref: str | None
    tier: str
    skills: list[str]
    amount: float
    currency: str | None  # ISO 4217 as the platform gave it; None when it gave none
    due_at: datetime
    opened_at: datetime
    outcome: str | None
    on_time: bool | None
    outcome_at: datetime | None
    stars: int | None
    rated_at: datetime | None
    review: str  # the client's written review; "" when none


class ScoreRank(msgspec.Struct, frozen=True, kw_only=True):
    higher: int  # candidates of the same organization with a higher stored score
    peers: int  # candidates of the organization with a stored score for the tier, itself included


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


async def work_history(
    conn: Connection,
    *,
    candidate_id: UUID,
    client_id: UUID | None,
    scope: UUID | None,
    limit: int = 100,
) -> list[WorkItem]:
    """The candidate's milestones in `scope`, newest first: with one client when
    `client_id` is given, with every client otherwise."""
    rows = await conn.fetch(
        "SELECT m.id, m.external_ref, m.client_id, c.display_name AS client_name, "
        "c.external_ref AS client_ref, m.tier, m.skills, m.amount, m.currency, m.due_at, m.opened_at, "
        "o.outcome, o.on_time, o.at AS outcome_at, r.stars, r.at AS rated_at, "
        "coalesce(r.review, '') AS review "
        "FROM milestones m JOIN actors c ON c.id = m.client_id "
        "LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
        "LEFT JOIN ratings r ON r.milestone_id = m.id "
        "WHERE m.candidate_id = $1 AND ($2::uuid IS NULL OR m.client_id = $2) "
        "AND ($3::uuid IS NULL OR m.organization_id = $3) "
        "ORDER BY m.opened_at DESC, m.id DESC LIMIT $4",
        candidate_id,
        client_id,
        scope,
        limit,
    )
    return [msgspec.convert(dict(r), WorkItem) for r in rows]


async def score_rank(
    conn: Connection, *, candidate_id: UUID, tier: str, scope: UUID | None
) -> ScoreRank | None:
    """Where the candidate's stored score for `tier` stands among its organization's
    candidates; None when it has none (or is not in `scope`)."""
    row = await conn.fetchrow(
        "WITH me AS (SELECT r.score, a.organization_id FROM reputations r "
        "  JOIN actors a ON a.id = r.candidate_id WHERE r.candidate_id = $1 AND r.tier = $2 "
        "  AND ($3::uuid IS NULL OR a.organization_id = $3)) "
        "SELECT count(*) FILTER (WHERE r.score > me.score)::int AS higher, "
        "count(*)::int AS peers FROM me "
        "JOIN actors a ON a.organization_id = me.organization_id AND a.kind = 'candidate' "
        "JOIN reputations r ON r.candidate_id = a.id AND r.tier = $2 GROUP BY me.score",
        candidate_id,
        tier,
        scope,
    )
    return msgspec.convert(dict(row), ScoreRank) if row else None
