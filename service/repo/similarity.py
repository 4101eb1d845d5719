"""Similarity: graded submissions' fingerprints, and the pairs flagged as looking copied."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from service.db.connection import Connection

FlagStatus = Literal["open", "cleared", "confirmed"]
# Most other submissions loaded to compare with one new one: those sharing the most
# hashes with it. Past this, the closest are compared and the rest are not.
MOST_COMPARED = 50


class StoredFingerprint(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: UUID
    candidate_id: UUID
    attempt_id: UUID | None
    fingerprint: dict[str, Any]


class FlagRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trial_id: str
    submission_id: UUID
    candidate_id: UUID
    candidate_name: str
    attempt_id: UUID | None
    other_kind: Literal["submission", "solution"]
    other_submission_id: UUID | None
    other_candidate_id: UUID | None
    other_candidate_name: str | None
    other_attempt_id: UUID | None
    similarity: float
    shared: int
    regions: list[dict[str, Any]]
    status: FlagStatus
    note: str
    decided_at: datetime | None
    created_at: datetime


async def lock_trial(conn: Connection, *, trial_id: str) -> None:
    """One submission of a trial stored and compared at a time: of two graded at once, the
    later to store always finds the earlier."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('similarity:' || $1::text, 0))",
        trial_id,
    )


async def sharing_hashes(
    conn: Connection,
    *,
    trial_id: str,
    candidate_id: UUID,
    hashes: list[int],
    capped: bool,
    at_least: int,
    share: float,
) -> list[StoredFingerprint]:
    """Other candidates' fingerprints on the trial that could resemble one with `hashes`:
    `at_least` of them shared, and `share` of the smaller side's (any share where either
    sample was capped, since a capped sample is compared on its common part), the most
    shared first (at most `MOST_COMPARED`)."""
    rows = await conn.fetch(
        "WITH near AS (SELECT h.submission_id, count(*) AS shared FROM fingerprint_hashes h "
        "  WHERE h.trial_id = $1 AND h.hash = ANY($2::bigint[]) GROUP BY h.submission_id "
        "  HAVING count(*) >= $3) "
        "SELECT f.submission_id, f.candidate_id, s.attempt_id, f.fingerprint "
        "FROM near JOIN submission_fingerprints f ON f.submission_id = near.submission_id "
        "JOIN submissions s ON s.id = f.submission_id WHERE f.candidate_id <> $4 "
        "AND ($6 OR f.capped "
        "  OR near.shared >= $7 * least(f.hash_count, cardinality($2::bigint[]))) "
        "ORDER BY near.shared DESC, f.created_at LIMIT $5",
        trial_id,
        hashes,
        at_least,
        candidate_id,
        MOST_COMPARED,
        capped,
        share,
    )
    return [msgspec.convert(dict(r), StoredFingerprint) for r in rows]


async def store_fingerprint(
    conn: Connection,
    *,
    submission_id: UUID,
    trial_id: str,
    candidate_id: UUID,
    fingerprint: dict[str, Any],
    hashes: list[int],
    capped: bool,
) -> bool:
    """False when the submission already has one (a grade handed off twice)."""
    stored = await conn.fetchval(
        "INSERT INTO submission_fingerprints (submission_id, trial_id, candidate_id, "
        "fingerprint, hash_count, capped) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT DO NOTHING RETURNING true",
        submission_id,
        trial_id,
        candidate_id,
        fingerprint,
        len(hashes),
        capped,
    )
    if stored:
        await conn.execute(
            "INSERT INTO fingerprint_hashes (trial_id, hash, submission_id) "
            "SELECT $1, h, $3 FROM unnest($2::bigint[]) AS h ON CONFLICT DO NOTHING",
            trial_id,
            hashes,
            submission_id,
        )
    return bool(stored)


async def insert_flag(
    conn: Connection,
    *,
    trial_id: str,
    submission_id: UUID,
    other_submission_id: UUID | None,
    similarity: float,
    shared: int,
    regions: list[dict[str, Any]],
) -> UUID | None:
    flag_id: UUID | None = await conn.fetchval(
        "INSERT INTO similarity_flags (trial_id, submission_id, other_submission_id, other_kind, "
        "similarity, shared, regions) VALUES ($1, $2, $3, "
        "CASE WHEN $3::uuid IS NULL THEN 'solution' ELSE 'submission' END, $4, $5, $6) "
        "ON CONFLICT DO NOTHING RETURNING id",
        trial_id,
        submission_id,
        other_submission_id,
        similarity,
        shared,
        regions,
    )
    return flag_id


_SELECT = (
    "SELECT f.id, f.trial_id, f.submission_id, s.candidate_id, c.display_name AS candidate_name, "
    "s.attempt_id, f.other_kind, f.other_submission_id, o.candidate_id AS other_candidate_id, "
    "oc.display_name AS other_candidate_name, o.attempt_id AS other_attempt_id, f.similarity, "
    "f.shared, f.regions, f.status, f.note, f.decided_at, f.created_at "
    "FROM similarity_flags f JOIN submissions s ON s.id = f.submission_id "
    "JOIN actors c ON c.id = s.candidate_id "
    "LEFT JOIN submissions o ON o.id = f.other_submission_id "
    "LEFT JOIN actors oc ON oc.id = o.candidate_id "
)


async def get_flag(conn: Connection, *, flag_id: UUID, lock: bool = False) -> FlagRow | None:
    if lock:
        await conn.execute("SELECT 1 FROM similarity_flags WHERE id = $1 FOR UPDATE", flag_id)
    row = await conn.fetchrow(_SELECT + "WHERE f.id = $1", flag_id)
    return msgspec.convert(dict(row), FlagRow) if row else None


async def list_flags(
    conn: Connection,
    *,
    status: FlagStatus | None,
    trial_id: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[FlagRow]:
    rows = await conn.fetch(
        _SELECT + "WHERE ($1::text IS NULL OR f.status = $1) "
        "AND ($2::text IS NULL OR f.trial_id = $2) "
        "AND ($3::timestamptz IS NULL OR (f.created_at, f.id) < ($3, $4)) "
        "ORDER BY f.created_at DESC, f.id DESC LIMIT $5",
        status,
        trial_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(r), FlagRow) for r in rows]


async def decide_flag(
    conn: Connection, *, flag_id: UUID, status: FlagStatus, decided_by: UUID | None, note: str
) -> None:
    await conn.execute(
        "UPDATE similarity_flags SET status = $2, decided_by = $3, decided_at = now(), note = $4 "
        "WHERE id = $1",
        flag_id,
        status,
        decided_by,
        note,
    )


async def attempts_with_open_flags(conn: Connection, *, attempt_ids: list[UUID]) -> set[UUID]:
    """Those of the attempts whose work is the flagged side of an undecided flag."""
    rows = await conn.fetch(
        "SELECT DISTINCT s.attempt_id FROM similarity_flags f "
        "JOIN submissions s ON s.id = f.submission_id "
        "WHERE f.status = 'open' AND s.attempt_id = ANY($1::uuid[])",
        attempt_ids,
    )
    return {r["attempt_id"] for r in rows}


async def count_open(conn: Connection) -> int:
    found: int = await conn.fetchval("SELECT count(*) FROM similarity_flags WHERE status = 'open'")
    return found
