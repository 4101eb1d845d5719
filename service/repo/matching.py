"""What matching reads: whether an organization's reputations for a tier changed since its
index was built (and for whom), and the rows an index is built from.

The tables behind the generations are kept by triggers on `reputations`
(migrations/0017_match_index.sql).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal
from uuid import UUID

import msgspec

from service.db.connection import Connection, returned_row


class MatchState(msgspec.Struct, frozen=True, kw_only=True):
    """Read before every match: one primary-key probe and one index probe."""

    generation: int  # of the organization's reputations for the tier; 0: none stored yet
    policy_version: int | None  # the tier's current policy; None: the tier has none


class MatchRow(msgspec.Struct, frozen=True, kw_only=True):
    """A stored reputation as an index holds it: the feature row it was scored from and the
    candidate's record per skill, with what a match shows of the candidate."""

    candidate_id: UUID
    external_ref: str | None
    display_name: str
    score: float
    effective_evidence: float
    model_version: str
    source: Literal["model", "prior"]
    features: list[float]  # in FEATURE_NAMES order; [] when scored before matching existed
    per_skill: list[dict[str, Any]]  # SkillScore as plain data


class MatchRows(msgspec.Struct, frozen=True, kw_only=True):
    generation: int  # read in the same statement as the rows: they are that generation's
    rows: list[MatchRow]  # by candidate id


class Changes(msgspec.Struct, frozen=True, kw_only=True):
    """The candidates whose reputations changed after one generation, up to another."""

    complete: bool  # False: too many changed to list, or the log no longer reaches back
    candidates: list[UUID]


async def match_state(conn: Connection, *, organization_id: UUID, tier: str) -> MatchState:
    row = await conn.fetchrow(
        "SELECT coalesce((SELECT generation FROM reputation_generations "
        "WHERE organization_id = $1 AND tier = $2), 0) AS generation, "
        "(SELECT max(version) FROM policies WHERE tier = $2) AS policy_version",
        organization_id,
        tier,
    )
    return msgspec.convert(dict(returned_row(row)), MatchState)


async def match_rows(
    conn: Connection,
    *,
    organization_id: UUID,
    tier: str,
    candidates: Sequence[UUID] | None = None,
) -> MatchRows:
    """The stored reputations for `tier` of the organization's candidates (those named, or
    every one), with the generation they belong to (one statement: one snapshot of both).

    The rows travel as one JSON document built by the server (float8 keeps its exact text
    in json): asyncpg would decode 10,000 rows' arrays and per-skill documents one value at
    a time on the event loop; the document is decoded into typed rows in a worker thread.
    """
    row = await conn.fetchrow(
        "SELECT coalesce((SELECT generation FROM reputation_generations "
        "  WHERE organization_id = $1 AND tier = $2), 0) AS generation, "
        "(SELECT coalesce(json_agg(json_build_object('candidate_id', r.candidate_id, "
        "  'external_ref', a.external_ref, 'display_name', a.display_name, 'score', r.score, "
        "  'effective_evidence', r.effective_evidence, 'model_version', r.model_version, "
        "  'source', r.source, 'features', r.features, 'per_skill', r.per_skill) "
        "  ORDER BY r.candidate_id), '[]')::text "
        " FROM reputations r JOIN actors a ON a.id = r.candidate_id "
        " WHERE r.tier = $2 AND a.organization_id = $1 AND a.kind = 'candidate' "
        " AND ($3::uuid[] IS NULL OR r.candidate_id = ANY($3::uuid[]))) AS rows",
        organization_id,
        tier,
        None if candidates is None else list(candidates),
    )
    found = returned_row(row)
    rows = await asyncio.to_thread(msgspec.json.decode, found["rows"], type=list[MatchRow])
    return MatchRows(generation=int(found["generation"]), rows=rows)


async def changes(
    conn: Connection, *, organization_id: UUID, tier: str, after: int, upto: int
) -> Changes:
    """Who changed in generations `after` + 1 to `upto`, if the log holds all of them."""
    rows = await conn.fetch(
        "SELECT generation, candidate_id FROM reputation_changes "
        "WHERE organization_id = $1 AND tier = $2 AND generation > $3 AND generation <= $4",
        organization_id,
        tier,
        after,
        upto,
    )
    logged = {r["generation"] for r in rows}
    listed = [r["candidate_id"] for r in rows]
    complete = len(logged) == upto - after and None not in listed
    return Changes(
        complete=complete,
        candidates=sorted({c for c in listed if c is not None}) if complete else [],
    )
