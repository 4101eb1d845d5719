"""Calibration on new outcomes, as pure arithmetic: the reliability bands of served scores,
the drift rule, and the base-rate shift (with how shifts compose)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.reputation.calibration import (
    MIN_OUTCOMES,
    apply_shift,
    base_rate_shift,
    drift_test,
    rebase,
    reliability_table,
    wilson,
)


def outcomes(truth: list[float], per_truth: int, bias: float) -> tuple[np.ndarray, np.ndarray]:
    """`per_truth` milestones at each true rate, exactly round(rate * per_truth) of them good,
    served at the true rate plus `bias`."""
    proba, labels = [], []
    for rate in truth:
        good = round(rate * per_truth)
        proba += [rate + bias] * per_truth
        labels += [1] * good + [0] * (per_truth - good)
    return np.array(proba), np.array(labels)


def test_the_table_has_ten_equal_bands_of_served_score_with_wilson_intervals():
    proba = np.array([0.05, 0.3, 0.3, 0.3, 0.399, 0.55, 1.0, 0.95])
    labels = np.array([0, 1, 1, 0, 1, 1, 1, 0])
    table = reliability_table(proba, labels)
    assert [(b.lower, b.upper) for b in table.bands] == [
        (10.0 * i, 10.0 * i + 10) for i in range(10)
    ]
    assert [b.count for b in table.bands] == [1, 0, 0, 4, 0, 1, 0, 0, 0, 2]
    assert table.n == 8
    empty = table.bands[1]
    assert empty.predicted is None and empty.observed is None
    thirties = table.bands[3]  # 30 is the band's lower edge; 39.9 still inside
    assert thirties.predicted == pytest.approx((0.3 * 3 + 0.399) / 4)
    assert thirties.observed is not None
    assert thirties.observed.rate == 0.75
    assert (thirties.observed.lower, thirties.observed.upper) == pytest.approx(wilson(3, 4))
    assert thirties.observed.lower < 0.75 < thirties.observed.upper
    assert table.bands[9].predicted == pytest.approx(0.975)  # a served 100 is in the last band
    gaps = [
        b.count / 8 * abs(b.predicted - b.observed.rate)
        for b in table.bands
        if b.count and b.predicted is not None and b.observed is not None
    ]
    assert table.ece == pytest.approx(sum(gaps))


def test_wilson_matches_the_formula_and_stays_inside_zero_and_one():
    z = 1.645
    n, k = 40, 30
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(k, n) == pytest.approx((centre - half, centre + half))
    assert wilson(0, 10)[0] == 0.0
    assert wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_scores_fifteen_points_too_high_on_400_outcomes_are_drift():
    proba, labels = outcomes([0.35, 0.45, 0.55, 0.65, 0.75], 80, bias=0.15)
    test = drift_test(proba, labels)
    assert test.drifted
    assert test.n == 400
    assert test.predicted == pytest.approx(0.70)
    assert test.observed is not None and test.observed.rate == pytest.approx(0.55)
    assert test.gap == pytest.approx(0.15)
    assert test.reason.startswith("Drift, scores too high")


def test_no_drift_below_200_outcomes_however_large_the_gap():
    proba, labels = outcomes([0.3, 0.5], 99, bias=0.3)
    assert len(labels) == MIN_OUTCOMES - 2
    test = drift_test(proba, labels)
    assert not test.drifted
    assert "at least 200" in test.reason


def test_no_drift_when_the_observed_interval_holds_the_mean_prediction():
    proba, labels = outcomes([0.5], 200, bias=0.04)  # 0.54 against 0.50 ± 0.058
    test = drift_test(proba, labels)
    assert test.observed is not None
    assert test.observed.lower <= test.predicted <= test.observed.upper
    assert abs(test.gap) > 0.02
    assert not test.drifted
    assert "interval holds" in test.reason


def test_no_drift_when_the_gap_is_two_points_or_less_even_if_certain():
    proba, labels = outcomes([0.5], 100_000, bias=0.015)
    test = drift_test(proba, labels)
    assert test.observed is not None and test.observed.upper < test.predicted
    assert not test.drifted
    assert "within 0.02" in test.reason


def test_no_outcomes_is_nothing_to_judge():
    test = drift_test(np.zeros(0), np.zeros(0))
    assert not test.drifted and test.n == 0 and test.predicted is None


@pytest.mark.parametrize(
    "proba",
    [
        np.random.default_rng(1).uniform(0.0, 1.0, 5000),
        np.random.default_rng(2).beta(8, 2, 3000),
        np.array([0.0, 1.0, 0.0001, 0.9999, 0.5, 0.2]),
        np.full(300, 0.7),
    ],
    ids=["uniform", "skewed-high", "edges", "constant"],
)
@pytest.mark.parametrize("observed", [0.02, 0.31, 0.55, 0.97])
def test_after_the_shift_the_mean_prediction_equals_the_observed_rate(proba, observed):
    found = base_rate_shift(proba, observed)
    shifted = apply_shift(proba, found.shift)
    assert abs(shifted.mean() - observed) < 1e-6
    assert found.predicted_after == pytest.approx(shifted.mean())
    assert found.n == len(proba)
    # one shift on the logit scale: the ranking of candidates never changes
    order = np.argsort(proba, kind="stable")
    assert np.all(np.diff(shifted[order]) >= 0)


def test_the_shift_lowers_scores_that_promise_too_much():
    proba, labels = outcomes([0.35, 0.45, 0.55, 0.65, 0.75], 80, bias=0.15)
    found = base_rate_shift(proba, float(labels.mean()))
    assert found.shift < 0
    assert found.predicted_before == pytest.approx(0.70)
    assert abs(apply_shift(proba, found.shift).mean() - 0.55) < 1e-6


def test_an_observed_rate_of_zero_or_one_gives_a_finite_shift():
    proba = np.full(250, 0.6)
    assert np.isfinite(base_rate_shift(proba, 0.0).shift)
    assert np.isfinite(base_rate_shift(proba, 1.0).shift)


def test_a_zero_shift_leaves_scores_as_they_are():
    proba = np.array([0.0, 0.25, 1.0])
    assert np.array_equal(apply_shift(proba, 0.0), proba)


def test_shifts_compose_by_addition_on_the_logit_scale():
    proba = np.random.default_rng(3).uniform(0.05, 0.95, 1000)
    assert apply_shift(apply_shift(proba, -0.4), 0.25) == pytest.approx(
        apply_shift(proba, -0.15), abs=1e-12
    )


def test_a_step_solved_on_scores_served_with_a_shift_adds_to_that_shift():
    """Scores served with an earlier shift S: δ solved on them as served, the total S + δ is
    the shift solved on the unshifted scores; re-basing onto it matches the observed rate."""
    raw = np.random.default_rng(4).uniform(0.2, 0.9, 2000)
    earlier = -0.5
    served = apply_shift(raw, earlier)
    observed = 0.41
    step = base_rate_shift(served, observed).shift
    total = earlier + step
    assert total == pytest.approx(base_rate_shift(raw, observed).shift, abs=1e-6)
    today = rebase(served, np.full(len(served), earlier), total)
    assert abs(today.mean() - observed) < 1e-6


def test_rebasing_moves_each_row_from_the_shift_it_was_served_with():
    raw = np.array([0.3, 0.6, 0.8])
    served_with = np.array([0.0, -0.2, 0.4])
    served = np.array([apply_shift(raw[i : i + 1], s)[0] for i, s in enumerate(served_with)])
    assert rebase(served, served_with, 0.0) == pytest.approx(raw)
    assert rebase(served, served_with, 0.1) == pytest.approx(apply_shift(raw, 0.1))
