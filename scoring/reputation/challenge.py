"""Whether a newly trained model may replace the scorer serving now: judged as served.

The challenger learned only from milestones whose outcome was known before its
hold-out began (see `model.train`). So at that instant both scorers are frozen —
the challenger as trained, the serving model as stored, or the prior refitted on
the labels known then — and each candidate's score for a milestone's tier is
judged on every milestone opened after it. Intervals resample candidates, paired:
both scorers see the same resamples.

The challenger is promoted only if it beats the serving scorer beyond the noise:
its Brier score is lower with the whole 90 % interval of the gain above zero, and
its ROC AUC is not lower by more than `PROMOTE_MAX_AUC_LOSS`. A serving model
trained on a later history than the cutoff has seen some of these outcomes; that
can only favour it, which is the side to err on when the platform's decisions
ride on the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec
import numpy as np

from scoring.reputation.backtest import (
    Interval,
    ScorerRecipe,
    bootstrap_interval,
    cluster_weights,
    evaluation_rows,
    milestone_tier_names,
    weighted_metrics,
)
from scoring.reputation.edges import DAY
from scoring.reputation.history import HistoryIndex, from_seconds
from scoring.reputation.metrics import (
    PROMOTE_MAX_AUC_LOSS,
    PROMOTE_MIN_HOLDOUT,
    Metrics,
    evaluate,
)
from scoring.reputation.model import Scorer

N_BOOT = 200


class ServedComparison(msgspec.Struct, frozen=True, kw_only=True):
    cutoff: datetime
    horizon_days: float
    rows: int
    candidates: int
    challenger: Metrics  # the challenger's frozen scores on the milestones after the cutoff
    serving: Metrics  # the serving scorer's, on the same rows
    auc_gain: Interval  # challenger - serving
    brier_gain: Interval  # serving - challenger: above zero, the challenger is better
    promote: bool
    reason: str


def compare_served(
    index: HistoryIndex,
    challenger: Scorer,
    serving: Callable[[HistoryIndex, float], Scorer],
    *,
    cutoff: float,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> ServedComparison:
    """`serving(index, cutoff)` gives the serving scorer as of the cutoff (a stored model
    as it is; the prior refitted on the labels known then)."""
    horizon = max((index.end - cutoff) / DAY, 1.0)
    rows = evaluation_rows(index, cutoff=cutoff, horizon_days=horizon)
    tiers = milestone_tier_names(index, rows.milestone)
    new = ScorerRecipe("challenger", lambda _i, _t: challenger).fit(index, cutoff)
    old = ScorerRecipe("serving", serving).fit(index, cutoff)
    p_new = new.tier_scores(rows.candidate, tiers)
    p_old = old.tier_scores(rows.candidate, tiers)
    weights = cluster_weights(rows.candidate, n_boot, np.random.default_rng(seed))
    unit = np.ones((1, len(rows.label)))
    point_new = weighted_metrics(rows.label, p_new, unit)[:, 0]
    point_old = weighted_metrics(rows.label, p_old, unit)[:, 0]
    draws_new = weighted_metrics(rows.label, p_new, weights)
    draws_old = weighted_metrics(rows.label, p_old, weights)
    auc_gain = bootstrap_interval(point_new[0] - point_old[0], draws_new[0] - draws_old[0])
    brier_gain = bootstrap_interval(point_old[1] - point_new[1], draws_old[1] - draws_new[1])
    promote, reason = _decide(len(rows.label), rows.label, auc_gain, brier_gain)
    return ServedComparison(
        cutoff=from_seconds(cutoff),
        horizon_days=horizon,
        rows=len(rows.label),
        candidates=len(np.unique(rows.candidate)),
        challenger=evaluate(rows.label, p_new),
        serving=evaluate(rows.label, p_old),
        auc_gain=auc_gain,
        brier_gain=brier_gain,
        promote=promote,
        reason=reason,
    )


def _decide(
    n: int, labels: np.ndarray, auc_gain: Interval, brier_gain: Interval
) -> tuple[bool, str]:
    figures = (
        f"on {n} later milestones, Brier gain {brier_gain.value:+.4f} "
        f"[{brier_gain.lower:+.4f}, {brier_gain.upper:+.4f}], ROC AUC gain "
        f"{auc_gain.value:+.4f} [{auc_gain.lower:+.4f}, {auc_gain.upper:+.4f}]"
    )
    if n < PROMOTE_MIN_HOLDOUT:
        return False, f"{n} later milestones, {PROMOTE_MIN_HOLDOUT} needed to judge"
    if len(np.unique(labels)) < 2:
        return False, "the later milestones all went the same way, so nothing can be judged"
    if not brier_gain.lower > 0:
        return False, f"not better than the serving scorer beyond the noise ({figures})"
    if auc_gain.value < -PROMOTE_MAX_AUC_LOSS:
        return False, f"ranks worse than the serving scorer ({figures})"
    return True, f"beats the serving scorer as served ({figures})"
