"""Hold-out metrics, and the thresholds promotion applies (`scoring.reputation.challenge`)."""

from __future__ import annotations

import msgspec
import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

ECE_BINS = 10
# A new model may lose at most this much ROC AUC, and is judged on no fewer later milestones.
PROMOTE_MAX_AUC_LOSS = 0.005
PROMOTE_MIN_HOLDOUT = 100


class ReliabilityBin(msgspec.Struct, frozen=True, kw_only=True):
    """One equal-width band of predicted probability on the hold-out: what was predicted
    on average, and how often it happened."""

    lower: float
    upper: float
    count: int
    predicted: float
    observed: float


class Metrics(msgspec.Struct, frozen=True, kw_only=True):
    roc_auc: float
    brier: float
    ece: float  # expected calibration error, 10 equal-width bins
    n: int
    positive_rate: float
    # the bands behind `ece`, the non-empty ones (versions trained before it kept none)
    reliability: tuple[ReliabilityBin, ...] = ()


def expected_calibration_error(
    labels: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Σ_b (n_b / n)·|mean predicted - observed rate| over equal-width probability bins."""
    labels = np.asarray(labels, dtype=np.float64)
    proba = np.asarray(proba, dtype=np.float64)
    if len(labels) == 0:
        return 0.0
    which = np.minimum((proba * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    pred = np.bincount(which, weights=proba, minlength=bins)
    seen = np.bincount(which, weights=labels, minlength=bins)
    used = count > 0
    gap = np.abs(pred[used] - seen[used]) / count[used]
    return float(np.sum(count[used] / len(labels) * gap))


def reliability_table(
    labels: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS
) -> tuple[ReliabilityBin, ...]:
    """Per equal-width probability band (the same bands as `expected_calibration_error`):
    the mean prediction and the observed rate, for the bands holding any row."""
    labels = np.asarray(labels, dtype=np.float64)
    proba = np.asarray(proba, dtype=np.float64)
    if len(labels) == 0:
        return ()
    which = np.minimum((proba * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    pred = np.bincount(which, weights=proba, minlength=bins)
    seen = np.bincount(which, weights=labels, minlength=bins)
    return tuple(
        ReliabilityBin(
            lower=b / bins,
            upper=(b + 1) / bins,
            count=int(count[b]),
            predicted=float(pred[b] / count[b]),
            observed=float(seen[b] / count[b]),
        )
        for b in range(bins)
        if count[b]
    )


def evaluate(labels: np.ndarray, proba: np.ndarray) -> Metrics:
    labels = np.asarray(labels)
    both = len(np.unique(labels)) == 2
    return Metrics(
        roc_auc=float(roc_auc_score(labels, proba)) if both else float("nan"),
        brier=float(brier_score_loss(labels, proba)) if len(labels) else float("nan"),
        ece=expected_calibration_error(labels, proba),
        n=len(labels),
        positive_rate=float(np.mean(labels)) if len(labels) else float("nan"),
        reliability=reliability_table(labels, proba),
    )
