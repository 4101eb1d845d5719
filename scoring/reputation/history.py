"""A columnar index of an event history, built once and read by every feature.

The index is lenient where `validate_history` is strict: outcomes and ratings
of milestones it has never seen are dropped (they cannot be attributed to
anyone), a second outcome or rating for a milestone is ignored, and ids that
appear before their defining event are registered on first sight.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec
import numpy as np

from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
)

OUTCOME_CODES = {"accepted": 0, "revision_requested": 1, "disputed": 2, "cancelled": 3}
NO_OUTCOME = -1

# Tiers are names, as the platform uses them: their effect on the chance that a
# milestone goes well is learned from the milestones of each tier in the data
# (see `tier_rate` in features.py), never guessed from the name.
NO_TIER = -1  # a tier the history has no milestone of


def to_seconds(at: datetime) -> float:
    return at.timestamp()


def from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class HistoryIndex(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Arrays over candidates, clients, trials and milestones; times in epoch seconds."""

    candidate_ids: tuple[str, ...]
    client_ids: tuple[str, ...]
    skill_names: tuple[str, ...]
    tier_names: tuple[str, ...]
    candidate_first_seen: np.ndarray  # float, first event that mentions the candidate
    candidate_skills: tuple[tuple[int, ...], ...]  # declared on joining

    trial_candidate: np.ndarray
    trial_time: np.ndarray
    trial_score: np.ndarray
    trial_skill_row: np.ndarray  # (trial, skill) pairs: a trial may cover several skills
    trial_skill: np.ndarray

    milestone_ids: tuple[str, ...]
    ms_candidate: np.ndarray
    ms_client: np.ndarray
    ms_time: np.ndarray
    ms_due: np.ndarray
    ms_tier: np.ndarray  # index into tier_names
    ms_amount: np.ndarray
    ms_skill_row: np.ndarray  # (milestone, skill) pairs
    ms_skill: np.ndarray
    ms_outcome: np.ndarray  # OUTCOME_CODES value or NO_OUTCOME
    ms_on_time: np.ndarray
    ms_outcome_time: np.ndarray  # NaN when there is no outcome
    ms_stars: np.ndarray  # 0 when unrated
    ms_quality: np.ndarray
    ms_rating_time: np.ndarray  # NaN when unrated
    candidate_pos: dict[str, int]
    skill_pos: dict[str, int]
    tier_pos: dict[str, int]

    @property
    def n_candidates(self) -> int:
        return len(self.candidate_ids)

    @property
    def n_clients(self) -> int:
        return len(self.client_ids)

    @property
    def end(self) -> float:
        """Time just after the last event, a natural `as_of` for "now"."""
        times = [self.ms_time, self.trial_time, self.ms_outcome_time, self.ms_rating_time]
        finite = [t[np.isfinite(t)] for t in times]
        latest = max((float(t.max()) for t in finite if len(t)), default=0.0)
        return latest + 1.0

    def candidate_index(self, candidate: str) -> int:
        return self.candidate_pos.get(candidate, -1)

    def skill_index(self, skill: str) -> int:
        return self.skill_pos.get(skill, -1)

    def tier_index(self, tier: str) -> int:
        """The tier's id, or NO_TIER when no milestone of it is in the history."""
        return self.tier_pos.get(tier, NO_TIER)


class _Ids:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def get(self, key: str) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.ids)
        return found


class _Collector:
    """One pass over the events, gathering rows; `index()` turns them into arrays."""

    def __init__(self) -> None:
        self.cands, self.clients, self.skills, self.ms_ids = _Ids(), _Ids(), _Ids(), _Ids()
        self.tiers = _Ids()
        self.first_seen: dict[int, float] = {}
        self.declared: dict[int, tuple[int, ...]] = {}
        self.trials: list[tuple[int, float, float]] = []
        self.trial_skills: list[tuple[int, int]] = []
        self.ms_rows: list[tuple[int, int, float, float, int, float]] = []
        self.ms_skills: list[tuple[int, int]] = []
        self.outcomes: dict[int, tuple[int, bool, float]] = {}
        self.ratings: dict[int, tuple[int, int, float]] = {}
        self.pending: list[MilestoneOutcome | Rating] = []

    def candidate(self, ident: str, t: float) -> int:
        c = self.cands.get(ident)
        if t < self.first_seen.get(c, np.inf):
            self.first_seen[c] = t
        return c

    def add(self, event: Event) -> None:
        t = to_seconds(event.at)
        match event:
            case CandidateJoined():
                c = self.candidate(event.id, t)
                self.declared[c] = tuple(self.skills.get(s) for s in event.skills)
            case ClientJoined():
                self.clients.get(event.id)
            case TrialResult():
                c = self.candidate(event.candidate, t)
                row = len(self.trials)
                self.trials.append((c, t, event.score))
                self.trial_skills.extend((row, self.skills.get(s)) for s in event.skills)
            case MilestoneOpened():
                if event.id in self.ms_ids.ids:
                    return  # a repeated definition would double-count the milestone
                m = self.ms_ids.get(event.id)
                c = self.candidate(event.candidate, t)
                k = self.clients.get(event.client)
                due = to_seconds(event.due)
                self.ms_rows.append((c, k, t, due, self.tiers.get(event.tier), event.amount))
                self.ms_skills.extend((m, self.skills.get(s)) for s in event.skills)
            case MilestoneOutcome() | Rating():
                self.pending.append(event)

    def attach(self) -> None:
        """Link outcomes and ratings once every milestone is known (exports may be shuffled)."""
        for event in self.pending:
            m = self.ms_ids.ids.get(event.milestone, -1)
            if m < 0:
                continue
            # Nothing can finish before it started: clamp, so bad clocks never leak time.
            t = max(to_seconds(event.at), self.ms_rows[m][2])
            if isinstance(event, MilestoneOutcome):
                if m not in self.outcomes:
                    self.outcomes[m] = (OUTCOME_CODES[event.outcome], event.on_time, t)
            elif m not in self.ratings:
                self.ratings[m] = (event.stars, event.quality or event.stars, t)

    def index(self) -> HistoryIndex:
        n_ms = len(self.ms_rows)
        ms = np.array(self.ms_rows, dtype=np.float64).reshape(n_ms, 6)
        tr = np.array(self.trials, dtype=np.float64).reshape(len(self.trials), 3)
        ts = np.array(self.trial_skills, dtype=np.int64).reshape(len(self.trial_skills), 2)
        mss = np.array(self.ms_skills, dtype=np.int64).reshape(len(self.ms_skills), 2)
        outcome = np.full(n_ms, NO_OUTCOME, dtype=np.int8)
        on_time = np.zeros(n_ms, dtype=bool)
        outcome_time = np.full(n_ms, np.nan)
        for m, (code, punctual, t) in self.outcomes.items():
            outcome[m], on_time[m], outcome_time[m] = code, punctual, t
        stars = np.zeros(n_ms, dtype=np.float64)
        quality = np.zeros(n_ms, dtype=np.float64)
        rating_time = np.full(n_ms, np.nan)
        for m, (st, q, t) in self.ratings.items():
            stars[m], quality[m], rating_time[m] = st, q, t
        n_c = len(self.cands.ids)
        return HistoryIndex(
            candidate_ids=tuple(self.cands.ids),
            client_ids=tuple(self.clients.ids),
            skill_names=tuple(self.skills.ids),
            tier_names=tuple(self.tiers.ids),
            candidate_first_seen=np.array([self.first_seen.get(c, np.inf) for c in range(n_c)]),
            candidate_skills=tuple(self.declared.get(c, ()) for c in range(n_c)),
            trial_candidate=tr[:, 0].astype(np.int64),
            trial_time=tr[:, 1],
            trial_score=tr[:, 2],
            trial_skill_row=ts[:, 0],
            trial_skill=ts[:, 1],
            milestone_ids=tuple(self.ms_ids.ids),
            ms_candidate=ms[:, 0].astype(np.int64),
            ms_client=ms[:, 1].astype(np.int64),
            ms_time=ms[:, 2],
            ms_due=ms[:, 3],
            ms_tier=ms[:, 4].astype(np.int64),
            ms_amount=ms[:, 5],
            ms_skill_row=mss[:, 0],
            ms_skill=mss[:, 1],
            ms_outcome=outcome,
            ms_on_time=on_time,
            ms_outcome_time=outcome_time,
            ms_stars=stars,
            ms_quality=quality,
            ms_rating_time=rating_time,
            candidate_pos=dict(self.cands.ids),
            skill_pos=dict(self.skills.ids),
            tier_pos=dict(self.tiers.ids),
        )


def build_index(events: Iterable[Event]) -> HistoryIndex:
    """Sort a history into arrays. One pass in Python, everything after is numpy."""
    collector = _Collector()
    for event in events:
        collector.add(event)
    collector.attach()
    return collector.index()


def good_outcome(index: HistoryIndex) -> np.ndarray:
    """Accepted, on time, no dispute: the job-success notion used in features."""
    return np.asarray((index.ms_outcome == OUTCOME_CODES["accepted"]) & index.ms_on_time)
