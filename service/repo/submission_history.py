"""A candidate's submissions with their verdicts, for the history page."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection


class HistoryRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trial_id: str
    trial_title: str
    status: str
    created_at: datetime
    verdict: str | None
    score: float | None
    practice: bool


async def for_candidate(
    conn: Connection, *, candidate_id: UUID, limit: int = 100
) -> list[HistoryRow]:
    rows = await conn.fetch(
        "SELECT s.id, v.trial_id, t.title AS trial_title, s.status, s.created_at, r.verdict, "
        "r.score, s.practice FROM submissions s JOIN trial_versions v ON v.id = s.trial_version_id "
        "JOIN trials t ON t.id = v.trial_id LEFT JOIN results r ON r.submission_id = s.id "
        "WHERE s.candidate_id = $1 ORDER BY s.created_at DESC, s.id DESC LIMIT $2",
        candidate_id,
        limit,
    )
    return [msgspec.convert(dict(r), HistoryRow) for r in rows]
