"""Calibration on new outcomes: do served scores mean what they say, and the base-rate shift
that makes them do so again.

Everything here is pure: arrays of served probabilities (a score of 55 is 0.55) and of
outcomes (1 = the milestone went well) in, Structs out. Which rows those are (scores as
served before each milestone opened, outcomes known within a window) is the service's
business.

A base-rate shift moves every prediction by the same amount on the logit scale,
p' = sigmoid(logit(p) + shift): the ranking of candidates is untouched (a shift can only
fix calibration-in-the-large, not a wrong slope), and shifts compose by addition.
"""

from __future__ import annotations

import msgspec
import numpy as np
from scipy.special import expit, logit

# Two-sided 90 % intervals, as the reputation's own interval (scoring/reputation/model.py).
Z_90 = 1.645
# Ten equal-width bands of the served score: 0-10, 10-20, ..., 90-100 (100 falls in the last).
BANDS = 10
# Below this many outcomes the observed rate is too uncertain to move every score for: at
# 200 outcomes near a rate of 0.5 the 90 % interval is still about ±0.06 wide.
MIN_OUTCOMES = 200
# A gap between mean prediction and observed rate of at most two score points is not worth
# a shift: smaller than the rounding of thresholds policies are written with.
MIN_GAP = 0.02
# Probabilities are kept this far from 0 and 1 before taking logits, so a served 0 or 100
# (or an observed rate of 0 or 1) gives a finite shift instead of an infinite one.
CLIP = 1e-4
# A bracket wider than any solution can lie: clipped logits are within ±9.22, so the shift
# that moves the clipped mean onto a clipped rate is within ±18.5.
MAX_SHIFT = 20.0


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    """An observed rate with its 90 % Wilson interval."""

    rate: float
    lower: float
    upper: float


class Band(msgspec.Struct, frozen=True, kw_only=True):
    """One band of served scores: how many outcomes, what was predicted on average, and how
    often the milestone went well. `predicted` and `observed` are None in an empty band."""

    lower: float  # on the 0-100 score scale, inclusive
    upper: float  # exclusive, except the last band, which holds 100
    count: int
    predicted: float | None
    observed: Rate | None


class ReliabilityTable(msgspec.Struct, frozen=True, kw_only=True):
    bands: tuple[Band, ...]  # all ten, empty ones included, lowest first
    n: int
    ece: float  # Σ_b (n_b / n)·|mean predicted_b - observed_b| over the bands; 0 when n = 0


class DriftTest(msgspec.Struct, frozen=True, kw_only=True):
    """Calibration-in-the-large: the mean prediction against the observed rate, and whether
    the gap is drift (every condition in `drifted`'s rule holds)."""

    n: int
    predicted: float | None  # None without outcomes
    observed: Rate | None
    gap: float | None  # predicted - observed: positive when scores promise too much
    drifted: bool
    reason: str


class BaseRateShift(msgspec.Struct, frozen=True, kw_only=True):
    """The logit shift that makes the mean prediction equal the observed rate."""

    shift: float
    n: int
    predicted_before: float
    predicted_after: float
    observed: float


def wilson(successes: float, n: float, z: float = Z_90) -> tuple[float, float]:
    """Wilson score interval of a rate seen `successes` times in `n`; (0, 1) when n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * float(np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def observed_rate(labels: np.ndarray) -> Rate | None:
    labels = np.asarray(labels, dtype=np.float64)
    if len(labels) == 0:
        return None
    good = float(labels.sum())
    lower, upper = wilson(good, len(labels))
    return Rate(rate=good / len(labels), lower=lower, upper=upper)


def band_of(proba: np.ndarray) -> np.ndarray:
    """Each prediction's band, 0-9; a score of exactly 100 falls in the last band."""
    scores = np.round(np.asarray(proba, dtype=np.float64) * 100.0, 6)  # 0.3*100 is 30.000...04
    return np.clip(np.floor(scores / (100.0 / BANDS)).astype(np.int64), 0, BANDS - 1)


def reliability_table(proba: np.ndarray, labels: np.ndarray) -> ReliabilityTable:
    """Outcomes in ten equal-width bands of served probability, and the ECE over them."""
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    which = band_of(proba)
    width = 100.0 / BANDS
    bands: list[Band] = []
    ece = 0.0
    for b in range(BANDS):
        inside = which == b
        count = int(inside.sum())
        predicted = float(proba[inside].mean()) if count else None
        observed = observed_rate(labels[inside])
        if predicted is not None and observed is not None:
            ece += count / len(labels) * abs(predicted - observed.rate)
        bands.append(
            Band(
                lower=b * width,
                upper=(b + 1) * width,
                count=count,
                predicted=predicted,
                observed=observed,
            )
        )
    return ReliabilityTable(bands=tuple(bands), n=len(labels), ece=float(ece))


def drift_test(proba: np.ndarray, labels: np.ndarray) -> DriftTest:
    """Drift: at least `MIN_OUTCOMES` outcomes, the mean prediction more than `MIN_GAP` from
    the observed rate, and outside the observed rate's 90 % interval (a gap the sample
    itself cannot explain)."""
    proba = np.asarray(proba, dtype=np.float64)
    observed = observed_rate(labels)
    n = len(proba)
    if observed is None:
        return DriftTest(
            n=0,
            predicted=None,
            observed=None,
            gap=None,
            drifted=False,
            reason="No outcomes with a served score: nothing to judge.",
        )
    predicted = float(proba.mean())
    gap = predicted - observed.rate
    figures = (
        f"mean prediction {predicted:.3f}, observed {observed.rate:.3f} "
        f"(90 % interval {observed.lower:.3f}-{observed.upper:.3f}) over {n} outcomes"
    )
    drifted = False
    if n < MIN_OUTCOMES:
        reason = f"Too few outcomes to judge: {figures}; at least {MIN_OUTCOMES} are needed."
    elif abs(gap) <= MIN_GAP:
        reason = f"Calibrated: {figures}; the gap is within {MIN_GAP:.2f}."
    elif observed.lower <= predicted <= observed.upper:
        reason = f"No drift: {figures}; the interval holds the mean prediction."
    else:
        drifted = True
        direction = "too high" if gap > 0 else "too low"
        reason = f"Drift, scores {direction}: {figures}."
    return DriftTest(
        n=n, predicted=predicted, observed=observed, gap=gap, drifted=drifted, reason=reason
    )


def _clipped_logit(proba: np.ndarray) -> np.ndarray:
    return np.asarray(logit(np.clip(np.asarray(proba, dtype=np.float64), CLIP, 1.0 - CLIP)))


def apply_shift(proba: np.ndarray, shift: float) -> np.ndarray:
    """p' = sigmoid(logit(p) + shift), p clipped to [1e-4, 1 - 1e-4] first. A zero shift
    returns the probabilities unchanged (a copy), clipping included."""
    proba = np.asarray(proba, dtype=np.float64)
    if shift == 0.0:
        return proba.copy()
    return np.asarray(expit(_clipped_logit(proba) + shift))


def rebase(proba: np.ndarray, served_with: np.ndarray, shift: float) -> np.ndarray:
    """Served probabilities as they would have been served with `shift` instead of the
    shift each was served with (`served_with`, per row): shifts add on the logit scale."""
    proba = np.asarray(proba, dtype=np.float64)
    moved = shift - np.asarray(served_with, dtype=np.float64)
    if not np.any(moved):
        return proba.copy()
    return np.asarray(expit(_clipped_logit(proba) + moved))


def base_rate_shift(proba: np.ndarray, observed: float) -> BaseRateShift:
    """The δ with mean(sigmoid(logit(p) + δ)) = observed, p and observed clipped to
    [1e-4, 1 - 1e-4]: Newton's method, kept inside a shrinking bisection bracket.

    The mean is strictly increasing in δ, so the root is unique. The probabilities are
    taken as served: if they already carry a shift S, the total to serve is S + δ.
    """
    proba = np.asarray(proba, dtype=np.float64)
    if len(proba) == 0:
        raise ValueError("a shift needs at least one prediction")
    z = _clipped_logit(proba)
    target = float(np.clip(observed, CLIP, 1.0 - CLIP))
    low, high = -MAX_SHIFT, MAX_SHIFT
    delta = 0.0
    for _ in range(200):
        s = expit(z + delta)
        error = float(s.mean()) - target
        if abs(error) < 1e-12:
            break
        if error > 0:
            high = delta
        else:
            low = delta
        slope = float((s * (1.0 - s)).mean())
        step = delta - error / slope if slope > 0 else None
        # Newton where it stays inside the bracket; halve the bracket where it would not
        delta = step if step is not None and low < step < high else (low + high) / 2.0
        if high - low < 1e-15:
            break
    return BaseRateShift(
        shift=float(delta),
        n=len(proba),
        predicted_before=float(proba.mean()),
        predicted_after=float(expit(z + delta).mean()),
        observed=float(observed),
    )
