"""Calibration on new outcomes: labelled milestones paired with the score served before each
opened, and the base-rate shifts stored per organization and model version."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


class OutcomeRow(msgspec.Struct, frozen=True, kw_only=True):
    """A milestone whose outcome became known in the window, and the score served for it.

    The served fields are None when the candidate had no score before the milestone opened.
    """

    milestone_id: UUID
    organization_id: UUID
    candidate_id: UUID
    tier: str
    opened_at: datetime
    known_at: datetime  # when its label became final: outcome in, due date + grace behind
    good: bool
    score: float | None  # 0-100, as served
    served_tier: str | None  # the milestone's tier, or the default tier it fell back to
    model_version: str | None
    source: Literal["model", "prior"] | None
    served_at: datetime | None
    served_shift: float  # the stored shift in force for that version when it was served


# The label is `scoring.reputation.datasets.milestone_labels` as of $3, in SQL (a test pins
# the two together): accepted, on time, and rated 4+ if rated by then; known once the outcome
# is in and the due date is a grace period behind. Outcome and rating times are clamped to
# the opening, as the history index clamps them. The served score is the latest point of the
# candidate's score history for the milestone's tier computed before it opened, else the
# default tier's ($5).
_OUTCOMES = """
WITH labelled AS (
    SELECT m.id AS milestone_id, m.organization_id, m.candidate_id, m.tier, m.opened_at,
           greatest(o.at, m.opened_at, m.due_at + $4::interval) AS known_at,
           (o.outcome = 'accepted' AND o.on_time
            AND (r.milestone_id IS NULL OR greatest(r.at, m.opened_at) >= $3 OR r.stars >= 4))
               AS good
    FROM milestones m
    JOIN milestone_outcomes o ON o.milestone_id = m.id
    LEFT JOIN ratings r ON r.milestone_id = m.id
    WHERE ($1::uuid IS NULL OR m.organization_id = $1)
      AND m.opened_at < $3
      AND greatest(o.at, m.opened_at) < $3
      AND m.due_at + $4::interval < $3
      AND greatest(o.at, m.opened_at, m.due_at + $4::interval) >= $2
), served AS (
    SELECT l.*, coalesce(own.id, fallback.id) AS history_id
    FROM labelled l
    LEFT JOIN LATERAL (
        SELECT h.id FROM reputation_history h
        WHERE h.candidate_id = l.candidate_id AND h.tier = l.tier AND h.computed_at < l.opened_at
        ORDER BY h.computed_at DESC, h.id DESC LIMIT 1
    ) own ON true
    LEFT JOIN LATERAL (
        SELECT h.id FROM reputation_history h
        WHERE h.candidate_id = l.candidate_id AND h.tier = $5 AND h.computed_at < l.opened_at
        ORDER BY h.computed_at DESC, h.id DESC LIMIT 1
    ) fallback ON true
)
SELECT s.milestone_id, s.organization_id, s.candidate_id, s.tier, s.opened_at, s.known_at,
       s.good, h.score, h.tier AS served_tier, h.model_version, h.source,
       h.computed_at AS served_at, coalesce(c.shift, 0) AS served_shift
FROM served s
LEFT JOIN reputation_history h ON h.id = s.history_id
LEFT JOIN LATERAL (
    SELECT c.shift FROM calibration_shifts c
    WHERE c.organization_id = s.organization_id AND c.model_version = h.model_version
      AND c.created_at <= h.computed_at
    ORDER BY c.created_at DESC, c.id DESC LIMIT 1
) c ON true
ORDER BY s.organization_id, s.known_at, s.milestone_id
"""


async def outcomes(
    conn: Connection,
    *,
    organization_id: UUID | None,
    since: datetime,
    now: datetime,
    grace: timedelta,
    default_tier: str,
) -> list[OutcomeRow]:
    """Milestones of `organization_id` (every organization when None) whose label became
    known in [since, now), each with the score served for it (or None)."""
    rows = await conn.fetch(_OUTCOMES, organization_id, since, now, grace, default_tier)
    return [msgspec.convert(dict(r), OutcomeRow) for r in rows]


class ShiftRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    organization_id: UUID
    organization: str  # its slug
    model_version: str
    shift: float  # the total in force from created_at: earlier shifts composed in
    outcomes: int
    predicted: float
    observed: float
    reason: str
    created_at: datetime
    created_by: UUID | None  # the API key that asked; None from the command line or refresher
    created_by_name: str | None  # the key's name, for pages


_SHIFT_COLUMNS = (
    "c.id, c.organization_id, (SELECT slug FROM organizations o WHERE o.id = c.organization_id) "
    "AS organization, c.model_version, c.shift, c.outcomes, c.predicted, c.observed, c.reason, "
    "c.created_at, c.created_by, (SELECT name FROM api_keys k WHERE k.id = c.created_by) "
    "AS created_by_name "
)


async def insert_shift(
    conn: Connection,
    *,
    organization_id: UUID,
    model_version: str,
    shift: float,
    outcomes: int,
    predicted: float,
    observed: float,
    reason: str,
    created_at: datetime,
    created_by: UUID | None,
) -> ShiftRow:
    row = await conn.fetchrow(
        "INSERT INTO calibration_shifts AS c (organization_id, model_version, shift, outcomes, "
        "predicted, observed, reason, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING " + _SHIFT_COLUMNS,
        organization_id,
        model_version,
        shift,
        outcomes,
        predicted,
        observed,
        reason,
        created_at,
        created_by,
    )
    return msgspec.convert(dict(returned_row(row)), ShiftRow)


async def current_shift(conn: Connection, *, organization_id: UUID, model_version: str) -> float:
    """The shift to serve `model_version`'s scores with in the organization: the latest
    stored, 0.0 when none was. Apply it as p' = sigmoid(logit(p) + shift)
    (`scoring.reputation.calibration.apply_shift`)."""
    found: float | None = await conn.fetchval(
        "SELECT shift FROM calibration_shifts WHERE organization_id = $1 AND model_version = $2 "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        organization_id,
        model_version,
    )
    return 0.0 if found is None else float(found)


async def list_shifts(
    conn: Connection, *, organization_id: UUID | None, limit: int
) -> list[ShiftRow]:
    """Stored shifts of `organization_id` (every organization when None), newest first."""
    rows = await conn.fetch(
        "SELECT " + _SHIFT_COLUMNS + "FROM calibration_shifts c "
        "WHERE $1::uuid IS NULL OR c.organization_id = $1 "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT $2",
        organization_id,
        limit,
    )
    return [msgspec.convert(dict(r), ShiftRow) for r in rows]
