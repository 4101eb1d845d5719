"""The trained model: monotone, calibrated, explained; the prior when data is short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from scoring.errors import FeatureMismatchError, InsufficientHistoryError
from scoring.reputation.challenge import compare_served
from scoring.reputation.datasets import candidate_features, milestone_labels
from scoring.reputation.features import COL, FEATURE_NAMES, FEATURES
from scoring.reputation.history import HistoryIndex, build_index, from_seconds
from scoring.reputation.metrics import PROMOTE_MIN_HOLDOUT, expected_calibration_error
from scoring.reputation.model import (
    fit_reputation,
    predict_proba,
    score_candidate,
    score_candidates,
    train,
    wilson,
)
from scoring.reputation.model_store import TrainedModel
from scoring.reputation.prior import MIN_LABELLED, Prior, fit_prior
from scoring.simulator.simulate import Market, MarketSpec, simulate

RAISING = [f.name for f in FEATURES if f.monotonic == 1]
LOWERING = [f.name for f in FEATURES if f.monotonic == -1]


def _random_rows(data: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = data[rng.integers(0, len(data), n)].copy()
    # Mix columns across rows too, to reach combinations the market never made.
    for j in range(rows.shape[1]):
        mixed = rng.uniform(size=n) < 0.3
        rows[mixed, j] = data[rng.integers(0, len(data), mixed.sum()), j]
    return rows


@pytest.mark.parametrize("name", RAISING + LOWERING)
def test_better_evidence_never_lowers_the_score(
    model: TrainedModel, train_values: np.ndarray, name: str
) -> None:
    rows = _random_rows(train_values, 400, seed=COL[name])
    spread = np.ptp(train_values[:, COL[name]]) or 1.0
    sign = 1 if name in RAISING else -1
    base = predict_proba(model, rows)
    for step in (0.05, 0.2, 0.6):
        better = rows.copy()
        better[:, COL[name]] += sign * step * spread
        assert np.all(predict_proba(model, better) >= base - 1e-12), (name, step)


def test_a_higher_trial_score_or_rating_never_lowers_a_candidate(
    model: TrainedModel, market: Market
) -> None:
    from scoring.reputation.events import Rating, TrialResult  # noqa: PLC0415 - local to this end-to-end check

    events = list(market.events)
    last_trial = max(
        i for i, e in enumerate(events) if isinstance(e, TrialResult) and e.score < 0.6
    )
    last_rating = max(i for i, e in enumerate(events) if isinstance(e, Rating) and e.stars < 4)
    at = events[-1].at + timedelta(days=1)
    for i, change in ((last_trial, {"score": 0.95}), (last_rating, {"stars": 5})):
        event = events[i]
        who = event.candidate if isinstance(event, TrialResult) else _rated(market, event.milestone)
        before = score_candidate(model, candidate_features(build_index(events), [who], as_of=at)[0])
        changed = events.copy()
        changed[i] = type(event)(
            **{**{f: getattr(event, f) for f in event.__struct_fields__}, **change}
        )
        after = score_candidate(model, candidate_features(build_index(changed), [who], as_of=at)[0])
        assert after.score >= before.score


def _rated(market: Market, milestone: str) -> str:
    from scoring.reputation.events import MilestoneOpened  # noqa: PLC0415

    return next(
        e.candidate for e in market.events if isinstance(e, MilestoneOpened) and e.id == milestone
    )


def test_the_model_is_calibrated_on_its_hold_out(model: TrainedModel) -> None:
    m = model.meta.metrics
    assert m.n > 500
    assert m.ece < 0.06
    assert m.roc_auc > 0.7
    assert m.brier < 0.25  # better than always answering 50 %


def test_calibration_error_is_zero_for_perfect_bins_and_large_for_lies() -> None:
    labels = np.array([0] * 50 + [1] * 50)
    assert expected_calibration_error(labels, np.full(100, 0.5)) == pytest.approx(0.0)
    assert expected_calibration_error(labels, np.where(labels == 1, 0.05, 0.95)) == pytest.approx(
        0.95
    )


def test_model_metadata_names_features_and_versions(model: TrainedModel) -> None:
    assert model.meta.feature_names == FEATURE_NAMES
    assert model.meta.version.startswith("lin-") and model.meta.kind == "linear"
    assert model.meta.holdout_from < model.meta.trained_as_of
    assert model.meta.n_train > model.meta.n_holdout > 0


def test_training_is_deterministic_by_seed(index: HistoryIndex, model: TrainedModel) -> None:
    again = train(index, seed=1)
    assert again.meta.version == model.meta.version
    assert again.meta.metrics == model.meta.metrics


def test_reputation_has_score_interval_skills_and_reasons(
    model: TrainedModel, index: HistoryIndex
) -> None:
    at = from_seconds(index.end)
    busiest = int(np.bincount(index.ms_candidate).argmax())
    rep = score_candidate(
        model, candidate_features(index, [index.candidate_ids[busiest]], as_of=at)[0]
    )
    assert rep.source == "model" and rep.model_version == model.meta.version
    assert 0 <= rep.lower <= rep.score <= rep.upper <= 100
    assert rep.evidence > 10 and rep.per_skill
    raising = [r for r in rep.reasons if r.effect > 0]
    lowering = [r for r in rep.reasons if r.effect < 0]
    assert len(rep.reasons) >= 1 and len(raising) <= 3 and len(lowering) <= 2
    assert all(r.code and r.text for r in rep.reasons)
    assert all(r.direction == ("raises" if r.effect > 0 else "lowers") for r in rep.reasons)
    effects = [abs(r.effect) for r in rep.reasons]
    assert effects == sorted(effects, reverse=True)


def test_reasons_come_only_from_features_the_model_uses(
    model: TrainedModel, index: HistoryIndex
) -> None:
    unused = {
        name for name, weight in zip(FEATURE_NAMES, model.estimator.coef, strict=True) if not weight
    }
    assert "tenure_days" in unused  # no signal of its own anywhere measured
    at = from_seconds(index.end)
    reps = score_candidates(
        model, candidate_features(index, list(index.candidate_ids[:200]), as_of=at)
    )
    assert {r.feature for rep in reps for r in rep.reasons}.isdisjoint(unused)


def test_the_linear_model_keeps_its_monotone_promises(model: TrainedModel) -> None:
    for weight, promise in zip(model.estimator.coef, model.meta.monotonic, strict=True):
        assert promise * weight >= 0


def test_more_evidence_narrows_the_interval() -> None:
    narrow, wide = wilson(0.7, 200.0), wilson(0.7, 3.0)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert wide[0] <= 0.7 <= wide[1]


def test_features_from_another_layout_are_refused(model: TrainedModel, index: HistoryIndex) -> None:
    features = candidate_features(index, [index.candidate_ids[0]], as_of=from_seconds(index.end))[0]
    stale = type(features)(
        **{
            **{f: getattr(features, f) for f in features.__struct_fields__},
            "feature_version": "f0-old",
        }
    )
    with pytest.raises(FeatureMismatchError):
        score_candidate(model, stale)


def test_the_prior_serves_below_the_threshold_and_says_so() -> None:
    small = simulate(
        MarketSpec(n_candidates=40, n_clients=10, n_milestones=150, ring=False, seed=3)
    )
    with pytest.raises(InsufficientHistoryError) as caught:
        train(small.events)
    assert caught.value.required == MIN_LABELLED
    prior = fit_reputation(small.events)
    assert isinstance(prior, Prior) and prior.labelled < MIN_LABELLED
    index = build_index(small.events)
    at = from_seconds(index.end)
    reps = [
        score_candidate(prior, f)
        for f in candidate_features(index, list(index.candidate_ids), as_of=at)
    ]
    assert all(r.source == "prior" and r.model_version == prior.version for r in reps)
    assert all(0 <= r.lower <= r.score <= r.upper <= 100 for r in reps)
    assert len({r.score for r in reps}) > 5  # it does tell candidates apart


def test_the_prior_for_an_unknown_candidate_is_the_population_rate() -> None:
    prior = fit_reputation([])
    assert isinstance(prior, Prior)
    (blank,) = candidate_features(
        build_index([]), ["nobody"], as_of=datetime(2024, 1, 1, tzinfo=UTC)
    )
    rep = score_candidate(prior, blank)
    assert rep.score == pytest.approx(prior.population_good * 100, abs=0.1)
    assert rep.evidence == 0 and rep.upper - rep.lower > 30


def test_the_prior_rewards_better_evidence() -> None:
    prior = fit_reputation([])
    assert isinstance(prior, Prior)
    row = np.array(
        candidate_features(build_index([]), ["x"], as_of=datetime(2024, 1, 1, tzinfo=UTC))[0].values
    )
    row[COL["outcome_evidence"]] = 10
    row[COL["rating_evidence"]] = 10
    row[COL["trial_count"]] = 3
    base = predict_proba(prior, row)[0]
    for name, delta in (("good_share", 0.2), ("rating_rel", 0.5), ("trial_mean", 0.2)):
        better = row.copy()
        better[COL[name]] += delta
        assert predict_proba(prior, better)[0] > base, name


def _prior_at(index: HistoryIndex, cutoff: float) -> Prior:
    return fit_prior(milestone_labels(index, as_of=cutoff)[1])


def test_a_model_does_not_beat_itself(model: TrainedModel, index: HistoryIndex) -> None:
    cut = model.meta.holdout_from.timestamp()
    same = compare_served(index, model, lambda _i, _t: model, cutoff=cut)
    assert not same.promote and "beyond the noise" in same.reason
    assert same.brier_gain.value == same.brier_gain.lower == same.brier_gain.upper == 0.0
    assert same.challenger == same.serving and same.rows >= PROMOTE_MIN_HOLDOUT


def test_a_model_replaces_the_prior_only_when_it_beats_it_as_served(
    model: TrainedModel, index: HistoryIndex
) -> None:
    cut = model.meta.holdout_from.timestamp()
    better = compare_served(index, model, _prior_at, cutoff=cut)
    assert better.promote, better.reason
    assert better.brier_gain.lower > 0 and better.serving.n == better.challenger.n
    prior = _prior_at(index, cut)
    worse = compare_served(index, prior, lambda _i, _t: model, cutoff=cut)
    assert not worse.promote and worse.brier_gain.upper < 0


def test_too_few_later_milestones_judge_nothing(model: TrainedModel, index: HistoryIndex) -> None:
    late = compare_served(index, model, _prior_at, cutoff=index.end - 86400.0)
    assert late.rows < PROMOTE_MIN_HOLDOUT and not late.promote
    assert "needed to judge" in late.reason
