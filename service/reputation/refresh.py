"""Materialised reputations: computed from the whole history, stored per candidate and tier.

Features need the whole history (a rater's weight depends on everything that
rater did), so every refresh reads it all and builds the index once; scoring
then covers only the candidates asked for. Single events mark their candidate
dirty and the refresher loop picks them up within a second; imports, a
promotion and a new tier refresh everyone; and a daily full refresh lets decay
and trial windows move scores that no event touched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec

from scoring.reputation.datasets import candidate_features
from scoring.reputation.history import HistoryIndex, build_index
from scoring.reputation.model import Scorer, feature_config, score_candidates
from service.db.connection import Connection
from service.eligibility import decisions
from service.repo import calibration as calibration_repo
from service.repo import eligibility as eligibility_repo
from service.repo import history as history_repo
from service.repo import reputation as repo
from service.repo import score_history
from service.repo.reputation import ReputationWrite
from service.reputation.scorers import Scorers

log = logging.getLogger("trialgate.reputation")

DEFAULT_TIER = "standard"  # the tier a reputation is shown for when none is named
CHUNK = 2000  # candidates scored per prediction call: bounds memory on large platforms
DIRTY_BATCH = 500
FULL_REFRESH_AFTER = timedelta(hours=24)
# An imported history draws its past: a point per step back from the import, while
# the candidate was already known. Bounded so a large import stays quick.
BACKFILL_STEP = timedelta(days=30)
BACKFILL_POINTS = 12


class RefreshReport(msgspec.Struct, frozen=True, kw_only=True):
    candidates: int
    tiers: tuple[str, ...]
    scorer: str
    source: str
    flipped: int
    took_ms: int


async def load_index(conn: Connection, organization_id: UUID | None) -> HistoryIndex:
    """One organization's history (every organization's when None: for training only)."""
    events = await history_repo.load_events(conn, organization_id)
    return await asyncio.to_thread(build_index, events)


def score_tiers(
    scorer: Scorer,
    index: HistoryIndex,
    candidates: Sequence[UUID],
    tiers: Sequence[str],
    now: datetime,
    *,
    shift: float = 0.0,
) -> list[ReputationWrite]:
    """Each candidate's reputation for each tier, as of `now` (events strictly before it);
    `shift`: the organization's base-rate recalibration (logit scale)."""
    config = feature_config(scorer)
    names = [str(c) for c in candidates]
    out: list[ReputationWrite] = []
    for tier in tiers:
        for start in range(0, len(names), CHUNK):
            features = candidate_features(
                index, names[start : start + CHUNK], as_of=now, tier=tier, config=config
            )
            out.extend(
                ReputationWrite(
                    candidate_id=UUID(rep.candidate),
                    tier=rep.tier,
                    score=rep.score,
                    lower_bound=rep.lower,
                    upper_bound=rep.upper,
                    evidence=rep.evidence,
                    effective_evidence=rep.effective_evidence,
                    tier_evidence=rep.tier_evidence,
                    per_skill=rep.per_skill,
                    reasons=rep.reasons,
                    model_version=rep.model_version,
                    source=rep.source,
                    as_of=rep.as_of,
                    features=rep.features,
                )
                for rep in score_candidates(scorer, features, shift=shift)
            )
    return out


def past_scores(
    scorer: Scorer,
    index: HistoryIndex,
    candidates: Sequence[UUID],
    tiers: Sequence[str],
    now: datetime,
    *,
    shift: float = 0.0,
) -> list[tuple[datetime, ReputationWrite]]:
    """Scores as they stood at each step before `now`, for candidates already seen then.

    Point in time like every score: a past point reads only the events before it.
    """
    first_seen = {UUID(c): index.candidate_first_seen[i] for i, c in enumerate(index.candidate_ids)}
    out: list[tuple[datetime, ReputationWrite]] = []
    for step in range(BACKFILL_POINTS, 0, -1):
        at = now - step * BACKFILL_STEP
        seen = [c for c in candidates if c in first_seen and first_seen[c] < at.timestamp()]
        if seen:
            out.extend(
                (at, row) for row in score_tiers(scorer, index, seen, tiers, at, shift=shift)
            )
    return out


async def reputation_tiers(conn: Connection) -> list[str]:
    """Tiers with a policy, and the default tier reputations are shown for."""
    tiers = {p.tier for p in await eligibility_repo.current_policies(conn)}
    return sorted(tiers | {DEFAULT_TIER})


async def refresh(
    conn: Connection,
    scorers: Scorers,
    *,
    organization_id: UUID | None = None,
    candidates: Sequence[UUID] | None = None,
    tiers: Sequence[str] | None = None,
    now: datetime | None = None,
    backfill: bool = False,
) -> RefreshReport:
    """Recompute and store reputations, then re-decide: the candidates named (everyone when
    None), of `organization_id` (every organization when None).

    Each organization is scored from its own history alone (the prior's population rate
    included): another organization's events, real or fabricated, never move its scores.
    `backfill`: candidates with no score history yet also get their past drawn
    (`past_scores`, for the default tier), as after importing a platform's history.
    """
    started = time.monotonic()
    if candidates is not None and not candidates:
        return RefreshReport(
            candidates=0, tiers=tuple(tiers or ()), scorer="", source="", flipped=0, took_ms=0
        )
    async with conn.transaction():
        now = now or datetime.now(UTC)
        tiers = list(tiers) if tiers is not None else await reputation_tiers(conn)
        groups = await repo.candidates_by_organization(
            conn, candidates=candidates, organization_id=organization_id
        )
        refreshed, flipped, scorers_used = 0, 0, []
        for organization in sorted(
            groups
        ):  # one order of locks: concurrent refreshes never deadlock
            await repo.lock_refresh(conn, organization)
            ids = groups[organization]
            scorer, flips = await _refresh_organization(
                conn,
                scorers,
                organization_id=organization,
                ids=ids,
                tiers=tiers,
                now=now,
                backfill=backfill,
            )
            refreshed += len(ids)
            flipped += flips
            scorers_used.append(scorer)
    report = RefreshReport(
        candidates=refreshed,
        tiers=tuple(tiers),
        scorer=", ".join(sorted({s.version for s in scorers_used})),
        source=", ".join(sorted({s.source for s in scorers_used})),
        flipped=flipped,
        took_ms=int((time.monotonic() - started) * 1000),
    )
    log.info("reputations refreshed", extra=msgspec.to_builtins(report))
    return report


async def _refresh_organization(
    conn: Connection,
    scorers: Scorers,
    *,
    organization_id: UUID,
    ids: list[UUID],
    tiers: list[str],
    now: datetime,
    backfill: bool,
) -> tuple[Scorer, int]:
    """Score `ids` of one organization from its history; the scorer used and the flips."""
    index = await load_index(conn, organization_id)
    scorer = await scorers.current(conn, index, now)
    # A model's scores carry the organization's base-rate recalibration, if any; the prior
    # refits its base rate from the organization's own labels every time.
    shift = (
        await calibration_repo.current_shift(
            conn, organization_id=organization_id, model_version=scorer.version
        )
        if scorer.source == "model"
        else 0.0
    )
    rows = await asyncio.to_thread(score_tiers, scorer, index, ids, tiers, now, shift=shift)
    # One global order of row locks: concurrent writers never deadlock on reputations.
    rows.sort(key=lambda r: (r.candidate_id, r.tier))
    computed_at = datetime.now(UTC)
    if backfill:
        new = await score_history.without_history(conn, candidate_ids=ids)
        # The tier profiles show first; drawing every tier's past tripled an import's time.
        drawn = [DEFAULT_TIER] if DEFAULT_TIER in tiers else []
        past = await asyncio.to_thread(past_scores, scorer, index, new, drawn, now, shift=shift)
        await score_history.insert_points(conn, past)
    await repo.clear_dirty(conn, candidate_ids=ids, before=now)
    await score_history.append_changed(conn, rows, computed_at=computed_at)
    await repo.upsert(conn, rows, computed_at=computed_at)
    flipped = await decisions.recheck(conn, rows, computed_at=computed_at, now=now)
    return scorer, flipped
