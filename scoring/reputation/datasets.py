"""Turning an index into model inputs: labelled milestones and candidate queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
import numpy as np

from scoring.reputation.edges import DAY
from scoring.reputation.events import CandidateJoined
from scoring.reputation.features import (
    FEATURE_NAMES,
    FEATURE_VERSION,
    FeatureBlock,
    FeatureConfig,
    Queries,
    featurize,
    market_context,
)
from scoring.reputation.history import OUTCOME_CODES, HistoryIndex, build_index, to_seconds

# A milestone is labelled only once its due date is this far behind `as_of`:
# otherwise the recent sample would hold only the ones that finished quickly,
# which skews the labels toward "on time".
LABEL_GRACE_DAYS = 30.0


class TrainingSet(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    values: np.ndarray  # (n, n_features), in FEATURE_NAMES order
    labels: np.ndarray  # 1 = went well
    time: np.ndarray  # milestone opening time, for the time-based split
    milestone: np.ndarray  # row in the index
    candidate: np.ndarray
    effective_evidence: np.ndarray


def milestone_labels(index: HistoryIndex, *, as_of: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows of milestones whose fate was known before `as_of`, and whether each went well.

    Went well: accepted, on time, no dispute, and rated 4+ if it was rated by then.
    """
    known = (
        (index.ms_outcome != -1)
        & (index.ms_outcome_time < as_of)
        & (index.ms_due + LABEL_GRACE_DAYS * DAY < as_of)
        & (index.ms_time < as_of)
    )
    rows = np.flatnonzero(known)
    rated = (index.ms_stars[rows] > 0) & (index.ms_rating_time[rows] < as_of)
    good = (
        (index.ms_outcome[rows] == OUTCOME_CODES["accepted"])
        & index.ms_on_time[rows]
        & (~rated | (index.ms_stars[rows] >= 4))
    )
    return rows, good.astype(np.int8)


def milestone_queries(index: HistoryIndex, rows: np.ndarray) -> Queries:
    """One query per milestone, as of the moment it was opened."""
    local = np.full(len(index.ms_time), -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    pick = local[index.ms_skill_row] >= 0
    return Queries(
        candidate=index.ms_candidate[rows],
        time=index.ms_time[rows],
        tier=index.ms_tier[rows],
        amount=index.ms_amount[rows],
        skill_row=local[index.ms_skill_row[pick]],
        skill=index.ms_skill[pick],
    )


def training_set(
    index: HistoryIndex, *, as_of: float | None = None, config: FeatureConfig | None = None
) -> TrainingSet:
    as_of = index.end if as_of is None else as_of
    rows, labels = milestone_labels(index, as_of=as_of)
    block = featurize(index, milestone_queries(index, rows), config or FeatureConfig())
    return TrainingSet(
        values=block.values,
        labels=labels,
        time=index.ms_time[rows],
        milestone=rows,
        candidate=index.ms_candidate[rows],
        effective_evidence=block.effective_evidence,
    )


class SkillFeatures(msgspec.Struct, frozen=True, kw_only=True):
    """A one-skill milestone's features, and the candidate's own evidence in the skill."""

    skill: str
    values: tuple[float, ...]
    effective_evidence: float
    trials: int  # trials taken in the skill
    finished: int  # milestones in the skill with an outcome
    good: int  # ... of which went well
    # the clients behind them, each worth what it put at stake in the skill, up to one
    clients: float
    client_share: float  # Σ over those clients of their worth x share that went well

    @property
    def evidence(self) -> int:
        return self.trials + self.finished


class CandidateFeatures(msgspec.Struct, frozen=True, kw_only=True):
    """Features of one candidate as of an instant, for a milestone of a given tier."""

    candidate: str
    as_of: datetime
    tier: str
    feature_version: str
    names: tuple[str, ...]
    values: tuple[float, ...]
    evidence: int  # trials + finished milestones + ratings before as_of
    effective_evidence: float
    tier_evidence: int  # the market's finished milestones of this tier before as_of
    per_skill: tuple[SkillFeatures, ...]


def candidate_features(
    index: HistoryIndex,
    candidates: Sequence[str],
    *,
    as_of: datetime,
    tier: str = "standard",
    skills: Sequence[str] | None = None,
    amount: float | None = None,
    config: FeatureConfig | None = None,
) -> tuple[CandidateFeatures, ...]:
    """Features for each candidate, overall and per skill.

    Overall features describe a milestone in `skills` (default: the skills the
    candidate declared); per-skill features describe a one-skill milestone in
    each skill the candidate declared or has evidence in before `as_of`.
    """
    config = config or FeatureConfig()
    t = to_seconds(as_of)
    known = [c for c in candidates if index.candidate_index(c) >= 0]
    unknown = [c for c in candidates if index.candidate_index(c) < 0]
    found: dict[str, CandidateFeatures] = {}
    if known:
        found.update(
            _features_for(
                index,
                known,
                t=t,
                as_of=as_of,
                tier=tier,
                skills=skills,
                amount=amount,
                config=config,
            )
        )
    if unknown:
        # A candidate with no events at all still gets an answer: the all-prior row, in
        # this market's tier.
        blank = build_index(
            CandidateJoined(id=c, skills=tuple(skills or ()), at=as_of) for c in unknown
        )
        blank_rows = _features_for(
            blank,
            unknown,
            t=t + 1.0,
            as_of=as_of,
            tier=tier,
            skills=skills,
            amount=amount,
            config=config,
        )
        # What the market sets comes from this market, not the blank one.
        values = np.array([blank_rows[c].values for c in unknown])
        n = len(unknown)
        n_tier = market_context(
            index,
            tiers=np.full(n, index.tier_index(tier), dtype=np.int64),
            times=np.full(n, t),
            amounts=np.full(n, np.nan if amount is None else amount),
            config=config,
            out=values,
        )
        for i, c in enumerate(unknown):
            found[c] = msgspec.structs.replace(
                blank_rows[c], values=tuple(values[i].tolist()), tier_evidence=int(n_tier[i])
            )
    return tuple(found[c] for c in candidates)


def _features_for(
    index: HistoryIndex,
    candidates: Sequence[str],
    *,
    t: float,
    as_of: datetime,
    tier: str,
    skills: Sequence[str] | None,
    amount: float | None,
    config: FeatureConfig,
) -> dict[str, CandidateFeatures]:
    cand_rows = [index.candidate_index(c) for c in candidates]
    skill_sets = _evidence_skills(index, cand_rows, t)
    wanted = [
        [index.skill_index(s) for s in skills]
        if skills is not None
        else list(index.candidate_skills[c])
        for c in cand_rows
    ]
    # Query layout: for each candidate, one overall query then one per skill.
    q_cand: list[int] = []
    q_skill_row: list[int] = []
    q_skill: list[int] = []
    owners: list[tuple[int, int | None]] = []
    for i, c in enumerate(cand_rows):
        row = len(q_cand)
        q_cand.append(c)
        owners.append((i, None))
        # A requested skill nobody has ever shown (index -1) counts as unproven, not absent.
        for s in wanted[i]:
            q_skill_row.append(row)
            q_skill.append(s)
        for s in skill_sets[i]:
            q_skill_row.append(len(q_cand))
            q_skill.append(s)
            q_cand.append(c)
            owners.append((i, s))
    n = len(q_cand)
    queries = Queries(
        candidate=np.array(q_cand, dtype=np.int64),
        time=np.full(n, t),
        tier=np.full(n, index.tier_index(tier), dtype=np.int64),
        amount=np.full(n, np.nan if amount is None else amount),
        skill_row=np.array(q_skill_row, dtype=np.int64),
        skill=np.array(q_skill, dtype=np.int64),
    )
    block = featurize(index, queries, config)
    return _assemble(index, candidates, block, owners=owners, as_of=as_of, tier=tier)


def _assemble(
    index: HistoryIndex,
    candidates: Sequence[str],
    block: FeatureBlock,
    *,
    owners: list[tuple[int, int | None]],
    as_of: datetime,
    tier: str,
) -> dict[str, CandidateFeatures]:
    overall: dict[int, int] = {}
    per_skill: dict[int, list[SkillFeatures]] = {i: [] for i in range(len(candidates))}
    for row, (i, s) in enumerate(owners):
        if s is None:
            overall[i] = row
        else:
            per_skill[i].append(
                SkillFeatures(
                    skill=index.skill_names[s],
                    values=tuple(block.values[row].tolist()),
                    effective_evidence=float(block.effective_evidence[row]),
                    trials=int(block.skill_trials[row]),
                    finished=int(block.skill_finished[row]),
                    good=int(block.skill_good[row]),
                    clients=float(block.skill_clients[row]),
                    client_share=float(block.skill_client_share[row]),
                )
            )
    return {
        c: CandidateFeatures(
            candidate=c,
            as_of=as_of.astimezone(UTC),
            tier=tier,
            feature_version=FEATURE_VERSION,
            names=FEATURE_NAMES,
            values=tuple(block.values[overall[i]].tolist()),
            evidence=int(block.evidence[overall[i]]),
            effective_evidence=float(block.effective_evidence[overall[i]]),
            tier_evidence=int(block.tier_evidence[overall[i]]),
            per_skill=tuple(sorted(per_skill[i], key=lambda f: f.skill)),
        )
        for i, c in enumerate(candidates)
    }


def _evidence_skills(index: HistoryIndex, cand_rows: Sequence[int], t: float) -> list[list[int]]:
    """Per candidate: skills declared, tried in a trial, or worked in before t."""
    wanted = np.zeros(index.n_candidates, dtype=bool)
    wanted[list(cand_rows)] = True
    width = max(len(index.skill_names), 1)
    keys = []
    trial_cand = index.trial_candidate[index.trial_skill_row]
    seen = wanted[trial_cand] & (index.trial_time[index.trial_skill_row] < t)
    keys.append(trial_cand[seen] * width + index.trial_skill[seen])
    ms_cand = index.ms_candidate[index.ms_skill_row]
    seen = wanted[ms_cand] & (index.ms_time[index.ms_skill_row] < t)
    keys.append(ms_cand[seen] * width + index.ms_skill[seen])
    found: dict[int, set[int]] = {c: set(index.candidate_skills[c]) for c in cand_rows}
    for key in np.unique(np.concatenate(keys)).tolist():
        found[key // width].add(key % width)
    return [sorted(found[c]) for c in cand_rows]
