"""Materialised reputations, and the queue of candidates whose reputation is out of date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from scoring.reputation.model import Reputation, SkillScore
from scoring.reputation.reasons import Reason
from service.db.connection import Connection

# Any constant works; it only has to be the same in every process refreshing this database.
REFRESH_LOCK_ID = 7_214_530_214


class ReputationRow(msgspec.Struct, frozen=True, kw_only=True):
    candidate_id: UUID
    external_ref: str | None
    tier: str
    score: float
    lower_bound: float
    upper_bound: float
    evidence: int
    effective_evidence: float
    tier_evidence: int = 0
    per_skill: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    model_version: str
    source: Literal["model", "prior"]
    as_of: datetime
    computed_at: datetime
    stale: bool


class ReputationWrite(msgspec.Struct, frozen=True, kw_only=True):
    candidate_id: UUID
    tier: str
    score: float
    lower_bound: float
    upper_bound: float
    evidence: int
    effective_evidence: float
    tier_evidence: int = 0
    per_skill: tuple[SkillScore, ...]
    reasons: tuple[Reason, ...]
    model_version: str
    source: Literal["model", "prior"]
    as_of: datetime
    features: tuple[float, ...] = ()  # the row scored, in the model's feature order

    def reputation(self) -> Reputation:
        """As the scoring package reads it (eligibility rules take this)."""
        return Reputation(
            candidate=str(self.candidate_id),
            as_of=self.as_of,
            tier=self.tier,
            score=self.score,
            lower=self.lower_bound,
            upper=self.upper_bound,
            evidence=self.evidence,
            effective_evidence=self.effective_evidence,
            tier_evidence=self.tier_evidence,
            per_skill=self.per_skill,
            reasons=self.reasons,
            model_version=self.model_version,
            source=self.source,
            features=self.features,
        )


_SELECT = (
    "SELECT r.candidate_id, a.external_ref, r.tier, r.score, r.lower_bound, r.upper_bound, "
    "r.evidence, r.effective_evidence, r.tier_evidence, r.per_skill, r.reasons, "
    "r.model_version, r.source, r.as_of, r.computed_at, (d.candidate_id IS NOT NULL) AS stale "
    "FROM reputations r JOIN actors a ON a.id = r.candidate_id "
    "LEFT JOIN reputation_dirty d ON d.candidate_id = r.candidate_id "
)


async def lock_refresh(conn: Connection, organization_id: UUID) -> None:
    """One refresh of an organization at a time, so a refresh that read an older history
    never writes last; organizations share no reputation, so theirs run side by side."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, $2))",
        organization_id,
        REFRESH_LOCK_ID,
    )


async def upsert(
    conn: Connection, rows: Sequence[ReputationWrite], *, computed_at: datetime
) -> None:
    if not rows:
        return
    # JSON travels as text: asyncpg would read a list of lists as a 2-D array.
    await conn.execute(
        "INSERT INTO reputations (candidate_id, tier, score, lower_bound, upper_bound, evidence, "
        "effective_evidence, per_skill, reasons, model_version, source, as_of, computed_at, "
        "tier_evidence, features) "
        "SELECT c, t, s, lo, hi, e, ee, ps::jsonb, rs::jsonb, mv, src, ao, $13::timestamptz, "
        "te, fs::float8[] "
        "FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[], $5::float8[], "
        "$6::int4[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[], "
        "$12::timestamptz[], $14::int4[], $15::text[]) "
        "AS u(c, t, s, lo, hi, e, ee, ps, rs, mv, src, ao, te, fs) "
        "ON CONFLICT (candidate_id, tier) DO UPDATE SET score = EXCLUDED.score, "
        "lower_bound = EXCLUDED.lower_bound, upper_bound = EXCLUDED.upper_bound, "
        "evidence = EXCLUDED.evidence, effective_evidence = EXCLUDED.effective_evidence, "
        "per_skill = EXCLUDED.per_skill, reasons = EXCLUDED.reasons, "
        "model_version = EXCLUDED.model_version, source = EXCLUDED.source, "
        "as_of = EXCLUDED.as_of, computed_at = EXCLUDED.computed_at, "
        "tier_evidence = EXCLUDED.tier_evidence, features = EXCLUDED.features",
        [r.candidate_id for r in rows],
        [r.tier for r in rows],
        [r.score for r in rows],
        [r.lower_bound for r in rows],
        [r.upper_bound for r in rows],
        [r.evidence for r in rows],
        [r.effective_evidence for r in rows],
        [msgspec.json.encode(r.per_skill).decode() for r in rows],
        [msgspec.json.encode(r.reasons).decode() for r in rows],
        [r.model_version for r in rows],
        [r.source for r in rows],
        [r.as_of for r in rows],
        computed_at,
        [r.tier_evidence for r in rows],
        # A 1-D array per row travels as its text form: unnest would flatten a 2-D one.
        ["{" + ",".join(repr(float(v)) for v in r.features) + "}" for r in rows],
    )


async def get(
    conn: Connection, *, candidate_id: UUID, tier: str, scope: UUID | None
) -> ReputationRow | None:
    """A candidate's stored reputation, if the candidate is in `scope` (None: any)."""
    row = await conn.fetchrow(
        _SELECT + "WHERE r.candidate_id = $1 AND r.tier = $2 "
        "AND ($3::uuid IS NULL OR a.organization_id = $3)",
        candidate_id,
        tier,
        scope,
    )
    return msgspec.convert(dict(row), ReputationRow) if row else None


async def page(
    conn: Connection, *, tier: str | None, after: tuple[UUID, str] | None, limit: int
) -> list[ReputationRow]:
    """Every candidate's reputation in (candidate, tier) order, a page at a time."""
    rows = await conn.fetch(
        _SELECT + "WHERE ($1::text IS NULL OR r.tier = $1) "
        "AND ($2::uuid IS NULL OR (r.candidate_id, r.tier) > ($2, $3::text)) "
        "ORDER BY r.candidate_id, r.tier LIMIT $4",
        tier,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [msgspec.convert(dict(r), ReputationRow) for r in rows]


async def candidates_by_organization(
    conn: Connection, *, candidates: Sequence[UUID] | None, organization_id: UUID | None
) -> dict[UUID, list[UUID]]:
    """The candidates named (every one when None), of `organization_id` (every
    organization when None), grouped by organization, each group in id order."""
    rows = await conn.fetch(
        "SELECT organization_id, array_agg(id ORDER BY id) AS ids FROM actors "
        "WHERE kind = 'candidate' AND ($1::uuid[] IS NULL OR id = ANY($1)) "
        "AND ($2::uuid IS NULL OR organization_id = $2) GROUP BY organization_id",
        None if candidates is None else list(candidates),
        organization_id,
    )
    return {r["organization_id"]: list(r["ids"]) for r in rows}


async def mark_dirty(conn: Connection, *, candidate_ids: Sequence[UUID]) -> None:
    await conn.execute(
        "INSERT INTO reputation_dirty (candidate_id, marked_at) "
        "SELECT unnest($1::uuid[]), clock_timestamp() "
        "ON CONFLICT (candidate_id) DO UPDATE SET marked_at = EXCLUDED.marked_at",
        list(candidate_ids),
    )


async def claim_dirty(conn: Connection, *, limit: int) -> list[UUID]:
    """Take up to `limit` marked candidates; a rollback puts them back."""
    rows = await conn.fetch(
        "DELETE FROM reputation_dirty WHERE candidate_id IN (SELECT candidate_id "
        "FROM reputation_dirty ORDER BY marked_at FOR UPDATE SKIP LOCKED LIMIT $1) "
        "RETURNING candidate_id",
        limit,
    )
    return [r["candidate_id"] for r in rows]


async def clear_dirty(conn: Connection, *, candidate_ids: Sequence[UUID], before: datetime) -> None:
    """Unmark candidates a refresh has covered: those marked before its history was read.

    Rows another refresher has claimed are skipped, never waited for.
    """
    await conn.execute(
        "DELETE FROM reputation_dirty WHERE candidate_id IN (SELECT candidate_id "
        "FROM reputation_dirty WHERE candidate_id = ANY($1::uuid[]) AND marked_at < $2 "
        "FOR UPDATE SKIP LOCKED)",
        list(candidate_ids),
        before,
    )


async def oldest_computed(conn: Connection) -> datetime | None:
    oldest: datetime | None = await conn.fetchval("SELECT min(computed_at) FROM reputations")
    return oldest
