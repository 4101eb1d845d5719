"""Eligibility policies (versioned per tier), the decision audit trail, and the one read
a decision needs: candidate, current policy, materialised reputation and facts together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

import asyncpg
import msgspec

from scoring.eligibility import FailedRule, Policy, PolicyRules
from scoring.reputation.model import SkillScore
from scoring.reputation.reasons import Reason
from service.db.connection import Connection, returned_row
from service.errors import ConflictError


class PolicyRow(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    version: int
    rules: PolicyRules
    created_at: datetime

    def policy(self) -> Policy:
        return Policy.of(self.tier, self.version, self.rules)


class PolicyVersionRow(PolicyRow, frozen=True, kw_only=True):
    """A version in a tier's history, with who stored it."""

    created_by: UUID | None  # the API key; None for versions no key stored (the seeded ones)
    created_by_name: str | None  # that key's name


class TrialFactRow(msgspec.Struct, frozen=True, kw_only=True):
    skills: list[str]
    score: float
    at: datetime


class FactsRow(msgspec.Struct, frozen=True, kw_only=True):
    candidate_id: UUID
    trials: list[TrialFactRow]
    open_disputes: int


class SnapshotRow(msgspec.Struct, frozen=True, kw_only=True):
    """One eligibility question's inputs; candidate, policy or reputation may be missing."""

    n: int
    candidate_id: UUID | None
    external_ref: str | None
    policy_version: int | None
    policy: PolicyRules | None
    score: float | None
    lower_bound: float | None
    upper_bound: float | None
    evidence: int | None
    effective_evidence: float | None
    per_skill: tuple[SkillScore, ...] | None
    reasons: tuple[Reason, ...] | None
    model_version: str | None
    source: Literal["model", "prior"] | None
    as_of: datetime | None
    computed_at: datetime | None
    trials: list[TrialFactRow]
    open_disputes: int
    same_ref: int = 1  # candidates an admin's look-up by platform id matched, across organizations


class StandingRow(SnapshotRow, frozen=True, kw_only=True):
    """A candidate with a stored reputation for a tier, with what a decision about them reads
    (no policy: the caller brings the ones to compare)."""

    display_name: str
    skills: list[str]  # declared: they stand in for a milestone's, as on the profile


DecisionOrigin = Literal["request", "refresh"]  # asked for, or a flip found by a refresh


class DecisionWrite(msgspec.Struct, frozen=True, kw_only=True):
    candidate_id: UUID
    tier: str
    skills: list[str]
    eligible: bool
    reasons: tuple[FailedRule, ...]
    score_used: float
    lower_bound_used: float
    evidence_used: int
    source: Literal["model", "prior"]
    policy_version: int
    model_version: str
    reputation_computed_at: datetime
    origin: DecisionOrigin
    previous_id: UUID | None
    requested_by: UUID | None
    created_at: datetime


class DecisionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    candidate_id: UUID
    external_ref: str | None
    tier: str
    skills: list[str]
    eligible: bool
    reasons: tuple[FailedRule, ...]
    score_used: float
    lower_bound_used: float
    evidence_used: int
    source: Literal["model", "prior"]
    policy_version: int
    model_version: str
    reputation_computed_at: datetime
    origin: DecisionOrigin
    previous_id: UUID | None
    requested_by: UUID | None
    created_at: datetime
    organization_id: UUID | None = None  # the candidate's; None when made here, not read


# --- policies ---------------------------------------------------------------------


async def current_policies(
    conn: Connection, *, tiers: Sequence[str] | None = None
) -> list[PolicyRow]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (tier) tier, version, body AS rules, created_at FROM policies "
        "WHERE $1::text[] IS NULL OR tier = ANY($1::text[]) ORDER BY tier, version DESC",
        list(tiers) if tiers is not None else None,
    )
    return [msgspec.convert(dict(r), PolicyRow) for r in rows]


async def get_policy(conn: Connection, *, tier: str, version: int) -> PolicyRow | None:
    row = await conn.fetchrow(
        "SELECT tier, version, body AS rules, created_at FROM policies "
        "WHERE tier = $1 AND version = $2",
        tier,
        version,
    )
    return msgspec.convert(dict(row), PolicyRow) if row else None


async def insert_policy(
    conn: Connection, *, tier: str, rules: PolicyRules, created_by: UUID
) -> PolicyRow:
    """The tier's next version."""
    try:
        row = await conn.fetchrow(
            "INSERT INTO policies (tier, version, body, created_by) "
            "SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM policies WHERE tier = $1 "
            "RETURNING tier, version, body AS rules, created_at",
            tier,
            rules,
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"The {tier} policy was changed at the same time; read it again and retry.",
            field="tier",
        ) from exc
    return msgspec.convert(dict(returned_row(row)), PolicyRow)


async def policy_history(conn: Connection, *, tier: str) -> list[PolicyVersionRow]:
    """Every version of the tier, newest first."""
    rows = await conn.fetch(
        "SELECT p.tier, p.version, p.body AS rules, p.created_at, p.created_by, "
        "k.name AS created_by_name FROM policies p LEFT JOIN api_keys k ON k.id = p.created_by "
        "WHERE p.tier = $1 ORDER BY p.version DESC",
        tier,
    )
    return [msgspec.convert(dict(r), PolicyVersionRow) for r in rows]


# --- the read behind a decision ---------------------------------------------------------

# Candidate `a`'s trials, and its disputes opened since parameter $1.
_FACTS = (
    "coalesce((SELECT jsonb_agg(jsonb_build_object('skills', t.skills, 'score', t.score, "
    "'at', t.at)) FROM trial_results t WHERE t.candidate_id = a.id), '[]'::jsonb) AS trials, "
    "(SELECT count(*) FROM milestones m JOIN milestone_outcomes o ON o.milestone_id = m.id "
    "WHERE m.candidate_id = a.id AND o.outcome = 'disputed' AND o.at >= $1)::int "
    "AS open_disputes "
)


async def snapshots(
    conn: Connection,
    *,
    refs: Sequence[str],
    ref_ids: Sequence[UUID | None],
    tiers: Sequence[str],
    scopes: Sequence[UUID | None],
    disputes_since: datetime,
) -> list[SnapshotRow]:
    """Per question (candidate by platform id or uuid within the asker's organization, or
    any for an admin; tier): everything a decision reads."""
    rows = await conn.fetch(
        "SELECT q.n::int AS n, a.id AS candidate_id, a.external_ref, "  # noqa: S608 - constants only
        "p.version AS policy_version, "
        "p.body AS policy, r.score, r.lower_bound, r.upper_bound, r.evidence, "
        "r.effective_evidence, r.per_skill, r.reasons, r.model_version, r.source, r.as_of, "
        "r.computed_at, " + _FACTS + ", CASE WHEN q.scope IS NULL AND a.id IS DISTINCT FROM "
        "q.ref_id THEN (SELECT count(*) FROM actors x WHERE x.kind = 'candidate' "
        "AND x.external_ref = q.ref) ELSE 1 END::int AS same_ref "
        "FROM unnest($2::text[], $3::uuid[], $4::text[], $5::uuid[]) "
        "WITH ORDINALITY AS q(ref, ref_id, tier, scope, n) "
        # Two index probes, the uuid first: an OR across both columns scans every candidate.
        "LEFT JOIN LATERAL ((SELECT id, external_ref FROM actors "
        "  WHERE kind = 'candidate' AND id = q.ref_id "
        "  AND (q.scope IS NULL OR organization_id = q.scope)) "
        " UNION ALL (SELECT id, external_ref FROM actors "
        "  WHERE kind = 'candidate' AND external_ref = q.ref "
        "  AND (q.scope IS NULL OR organization_id = q.scope)) LIMIT 1) a ON true "
        "LEFT JOIN LATERAL (SELECT version, body FROM policies WHERE tier = q.tier "
        "  ORDER BY version DESC LIMIT 1) p ON true "
        "LEFT JOIN reputations r ON r.candidate_id = a.id AND r.tier = q.tier ORDER BY q.n",
        disputes_since,
        list(refs),
        list(ref_ids),
        list(tiers),
        list(scopes),
    )
    return [msgspec.convert(dict(r), SnapshotRow) for r in rows]


async def standings(
    conn: Connection, *, tier: str, organization_id: UUID | None, disputes_since: datetime
) -> list[StandingRow]:
    """Every candidate with a stored reputation for `tier` (of `organization_id`, or of every
    organization), with their facts, in one read; by name.

    Without the reputation's per-skill scores and reasons: no rule reads them, and decoding
    them for every candidate was a third of the read at 10,000 candidates.
    """
    rows = await conn.fetch(
        "SELECT 0 AS n, a.id AS candidate_id, a.external_ref, a.display_name, a.skills, "
        "NULL::int AS policy_version, NULL::jsonb AS policy, r.score, r.lower_bound, "
        "r.upper_bound, r.evidence, r.effective_evidence, NULL::jsonb AS per_skill, "
        "NULL::jsonb AS reasons, "
        "r.model_version, r.source, r.as_of, r.computed_at, " + _FACTS + "FROM reputations r "
        "JOIN actors a ON a.id = r.candidate_id AND a.kind = 'candidate' "
        "WHERE r.tier = $2 AND ($3::uuid IS NULL OR a.organization_id = $3) "
        "ORDER BY a.display_name, a.external_ref, a.id",
        disputes_since,
        tier,
        organization_id,
    )
    return [msgspec.convert(dict(r), StandingRow) for r in rows]


async def facts(
    conn: Connection, *, candidate_ids: Sequence[UUID], disputes_since: datetime
) -> list[FactsRow]:
    rows = await conn.fetch(
        "SELECT a.id AS candidate_id, " + _FACTS + "FROM actors a WHERE a.id = ANY($2::uuid[])",
        disputes_since,
        list(candidate_ids),
    )
    return [msgspec.convert(dict(r), FactsRow) for r in rows]


# --- decisions ----------------------------------------------------------------------------

_DECISION_COLUMNS = (
    "d.id, d.candidate_id, a.external_ref, d.tier, d.skills, d.eligible, d.reasons, "
    "d.score_used, d.lower_bound_used, d.evidence_used, d.source, d.policy_version, "
    "d.model_version, d.reputation_computed_at, d.origin, d.previous_id, d.requested_by, "
    "d.created_at, a.organization_id "
    "FROM eligibility_decisions d JOIN actors a ON a.id = d.candidate_id "
)
_DECISION = "SELECT " + _DECISION_COLUMNS


async def insert_decisions(conn: Connection, rows: Sequence[DecisionWrite]) -> list[UUID]:
    """Store decisions; their ids in the same order (made here, so the order is certain).

    executemany sends every row in one pipelined, atomic round trip.
    """
    ids = [uuid4() for _ in rows]
    if not rows:
        return ids
    await conn.executemany(
        "INSERT INTO eligibility_decisions (id, candidate_id, tier, skills, eligible, reasons, "
        "score_used, lower_bound_used, evidence_used, source, policy_version, model_version, "
        "reputation_computed_at, origin, previous_id, requested_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        [
            (
                decision_id,
                r.candidate_id,
                r.tier,
                r.skills,
                r.eligible,
                r.reasons,
                r.score_used,
                r.lower_bound_used,
                r.evidence_used,
                r.source,
                r.policy_version,
                r.model_version,
                r.reputation_computed_at,
                r.origin,
                r.previous_id,
                r.requested_by,
                r.created_at,
            )
            for decision_id, r in zip(ids, rows, strict=True)
        ],
    )
    return ids


async def get_decision(
    conn: Connection, *, decision_id: UUID, scope: UUID | None
) -> DecisionRow | None:
    row = await conn.fetchrow(
        _DECISION + "WHERE d.id = $1 AND ($2::uuid IS NULL OR a.organization_id = $2)",
        decision_id,
        scope,
    )
    return msgspec.convert(dict(row), DecisionRow) if row else None


async def list_decisions(
    conn: Connection,
    *,
    candidate_id: UUID | None,
    tier: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
    scope: UUID | None,
) -> list[DecisionRow]:
    rows = await conn.fetch(
        _DECISION + "WHERE ($1::uuid IS NULL OR d.candidate_id = $1) "
        "AND ($2::text IS NULL OR d.tier = $2) AND ($6::uuid IS NULL OR a.organization_id = $6) "
        "AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4)) "
        "ORDER BY d.created_at DESC, d.id DESC LIMIT $5",
        candidate_id,
        tier,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        scope,
    )
    return [msgspec.convert(dict(r), DecisionRow) for r in rows]


async def latest_decisions(conn: Connection, *, candidate_ids: Sequence[UUID]) -> list[DecisionRow]:
    """The most recent decision per (candidate, tier), for candidates decided before."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (d.candidate_id, d.tier) " + _DECISION_COLUMNS + "WHERE "
        "d.candidate_id = ANY($1::uuid[]) ORDER BY d.candidate_id, d.tier, d.created_at DESC, "
        "d.id DESC",
        list(candidate_ids),
    )
    return [msgspec.convert(dict(r), DecisionRow) for r in rows]
