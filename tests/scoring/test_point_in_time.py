"""Features at t depend only on events strictly before t."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from scoring.reputation.datasets import candidate_features, milestone_queries
from scoring.reputation.events import MilestoneOutcome, Rating
from scoring.reputation.features import FeatureConfig, featurize
from scoring.reputation.history import HistoryIndex, build_index
from scoring.simulator.simulate import START, Market


def _features_by_milestone(index: HistoryIndex, before: float) -> dict[str, np.ndarray]:
    rows = np.flatnonzero(index.ms_time < before)
    block = featurize(index, milestone_queries(index, rows), FeatureConfig())
    return {index.milestone_ids[r]: block.values[i] for i, r in enumerate(rows)}


def test_adding_future_events_never_changes_candidate_features(
    market: Market, index: HistoryIndex
) -> None:
    cut = START + timedelta(days=420)
    past = build_index(e for e in market.events if e.at < cut)
    who = list(past.candidate_ids)
    now = candidate_features(index, who, as_of=cut)
    then = candidate_features(past, who, as_of=cut)
    for a, b in zip(now, then, strict=True):
        assert a.evidence == b.evidence
        np.testing.assert_allclose(a.values, b.values, rtol=1e-9, atol=1e-9)
        assert [s.skill for s in a.per_skill] == [s.skill for s in b.per_skill]
        for x, y in zip(a.per_skill, b.per_skill, strict=True):
            np.testing.assert_allclose(x.values, y.values, rtol=1e-9, atol=1e-9)


def test_training_rows_see_nothing_from_their_own_future(
    market: Market, index: HistoryIndex
) -> None:
    cut = START + timedelta(days=300)
    past = build_index(e for e in market.events if e.at < cut)
    full = _features_by_milestone(index, cut.timestamp())
    truncated = _features_by_milestone(past, cut.timestamp())
    assert full.keys() == truncated.keys() and len(full) > 1000
    for ms, values in truncated.items():
        np.testing.assert_allclose(full[ms], values, rtol=1e-9, atol=1e-9)


def test_an_event_at_exactly_t_is_not_seen_at_t(index: HistoryIndex, market: Market) -> None:
    rated = next(e for e in market.events if isinstance(e, Rating))
    outcome = next(
        e
        for e in market.events
        if isinstance(e, MilestoneOutcome) and e.milestone == rated.milestone
    )
    row = index.milestone_ids.index(rated.milestone)
    who = index.candidate_ids[index.ms_candidate[row]]
    (at_t,) = candidate_features(index, [who], as_of=outcome.at)
    (after,) = candidate_features(index, [who], as_of=outcome.at + timedelta(seconds=1))
    assert after.evidence == at_t.evidence + 1
