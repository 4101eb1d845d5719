"""The default reputation model: a regularised, monotone logistic regression.

Judged as it is served (scores frozen at a date, scored on what came next; see
`scoring.reputation.backtest`), a logistic regression on the shrunk rates the
features already are held up better across markets than gradient boosting,
which fitted the milestone-level rows it trained on and lost on later ones.
So the simplest model that wins is the default:

  * counts (trials, evidence, days) enter as log(1 + x), every input is
    standardised, and the weights are L2-regularised;
  * only features that carry signal in the training rows enter (a univariate
    ROC AUC at least `MIN_SIGNAL` away from 0.5, pointing the promised way for a
    monotone feature): a feature that predicts nothing can never become a reason;
  * monotone: a feature promised to only ever raise (+1) or lower (-1) the
    score that comes out with the other sign is dropped and the rest refitted,
    so a better rating never lowers anyone's score.

The fitted model is a handful of numbers kept as plain data (no pickle, no
code in the stored bytes); scikit-learn fits it.
"""

from __future__ import annotations

import msgspec
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

# Features that are counts or durations: their effect levels off, so they enter as log(1 + x).
LOG_FEATURES = frozenset(
    {"trial_count", "outcome_evidence", "rating_evidence", "days_since_dispute", "tenure_days"}
)
MIN_SIGNAL = 0.01  # |univariate AUC - 0.5| below this: the feature carries no signal here
REGULARISATION = 1.0  # sklearn's C on standardised inputs


class LinearScorer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """logit P(went well) = intercept + Σ coef_j · (f_j(x_j) - mean_j) / scale_j."""

    features: tuple[str, ...]
    log: tuple[bool, ...]  # f_j = log1p when True, identity otherwise
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]  # 0 for a feature left out (no signal, or the wrong sign)
    intercept: float
    # why each left-out feature was left out, for the model's page and the reasons
    dropped: dict[str, str] = {}

    def logit(self, values: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        logs = np.array(self.log)
        x = np.where(logs, np.log1p(np.maximum(x, 0.0)), x)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.coef) + self.intercept)

    def predict_proba(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(values))))


def fit_linear(
    values: np.ndarray,
    labels: np.ndarray,
    *,
    features: tuple[str, ...],
    monotonic: tuple[int, ...],
    exclude: frozenset[str] = frozenset(),
    regularisation: float = REGULARISATION,
) -> LinearScorer:
    """Fit on milestone rows (features as of each opening, label = went well)."""
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    logs = np.array([name in LOG_FEATURES for name in features])
    x = np.where(logs, np.log1p(np.maximum(x, 0.0)), x)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    dropped: dict[str, str] = {}
    active: list[int] = []
    for j, name in enumerate(features):
        if name in exclude:
            dropped[name] = "left out of this model"
        elif scale[j] < 1e-12:
            dropped[name] = "the same for every training row"
        else:
            signal = float(roc_auc_score(y, x[:, j])) - 0.5
            if abs(signal) < MIN_SIGNAL:
                dropped[name] = f"no signal (ROC AUC {0.5 + signal:.3f} on its own)"
            elif monotonic[j] * signal < 0:
                dropped[name] = "points the wrong way on its own"
            else:
                active.append(j)
    scale = np.where(scale < 1e-12, 1.0, scale)
    z = (x - mean) / scale
    coef = np.zeros(len(features))
    intercept = float(np.log(max(y.mean(), 1e-6) / max(1.0 - y.mean(), 1e-6)))
    while active:
        model = LogisticRegression(C=regularisation, max_iter=1000)
        model.fit(z[:, active], y)
        weights = model.coef_[0]
        wrong = [
            (monotonic[j] * w, j)
            for j, w in zip(active, weights, strict=True)
            if monotonic[j] * w < 0
        ]
        if not wrong:
            coef[active] = weights
            intercept = float(model.intercept_[0])
            break
        _, worst = min(wrong)  # the most wrongly signed goes; the rest may recover
        dropped[features[worst]] = "its weight came out against its promised direction"
        active.remove(worst)
    return LinearScorer(
        features=features,
        log=tuple(bool(v) for v in logs),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in coef),
        intercept=intercept,
        dropped=dropped,
    )
