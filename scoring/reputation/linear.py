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

It is fitted in two stages, because a served score has no milestone in hand:

  1. the score a candidate is served for a tier: candidate features and the
     tier's own rate only, so none of its weights leans on a milestone's skills
     or amount (which, served, are only ever the declared skills and the tier's
     usual amount: weights conditioned on the real ones fitted the milestone
     rows and lost as served);
  2. how a milestone's own skills and amount move that chance: the difference
     between each context feature and its served reference (`REFERENCE` in
     features.py), fitted with the first stage's logit as a fixed offset. With
     a milestone like the served one the differences are zero, so a match for
     the declared skills at the usual amount is exactly the served score.

The fitted model is a handful of numbers kept as plain data (no pickle, no
code in the stored bytes); scikit-learn fits the first stage, scipy's bounded
L-BFGS the second (its weights keep their promised signs as bounds).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

# Features that are counts or durations: their effect levels off, so they enter as log(1 + x).
LOG_FEATURES = frozenset(
    {"trial_count", "outcome_evidence", "rating_evidence", "days_since_dispute", "tenure_days"}
)
MIN_SIGNAL = 0.01  # |univariate AUC - 0.5| below this: the feature carries no signal here
REGULARISATION = 1.0  # sklearn's C on standardised inputs


class LinearScorer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """logit P(went well) = intercept + Σ coef_j · (f_j(x_j) - mean_j) / scale_j
    + Σ context_coef_k · (x_k - x_ref(k)) / context_scale_k."""

    features: tuple[str, ...]
    log: tuple[bool, ...]  # f_j = log1p when True, identity otherwise
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]  # 0 for a feature left out (no signal, or the wrong sign)
    intercept: float
    context: tuple[str, ...] = ()  # features of the milestone in hand
    context_reference: tuple[str, ...] = ()  # ... and what each is measured against
    context_scale: tuple[float, ...] = ()
    context_coef: tuple[float, ...] = ()
    # why each left-out feature was left out, for the model's page and the reasons
    dropped: dict[str, str] = {}

    def base_logit(self, values: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        logs = np.array(self.log)
        x = np.where(logs, np.log1p(np.maximum(x, 0.0)), x)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.coef) + self.intercept)

    def logit(self, values: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        out = self.base_logit(x)
        if self.context:
            column = {name: j for j, name in enumerate(self.features)}
            ctx = [column[n] for n in self.context]
            ref = [column[n] for n in self.context_reference]
            delta = (x[:, ctx] - x[:, ref]) / np.array(self.context_scale)
            out = out + delta @ np.array(self.context_coef)
        return np.asarray(out)

    def predict_proba(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(values))))


def fit_linear(
    values: np.ndarray,
    labels: np.ndarray,
    *,
    features: tuple[str, ...],
    monotonic: tuple[int, ...],
    exclude: frozenset[str] = frozenset(),
    reference: Mapping[str, str] | None = None,
    regularisation: float = REGULARISATION,
) -> LinearScorer:
    """Fit on milestone rows (features as of each opening, label = went well).

    `reference`: context feature -> its served reference (both stay out of the first
    stage; the second stage fits their differences)."""
    reference = dict(reference or {})
    staged = set(reference) | set(reference.values())
    base = _fit_base(
        values,
        labels,
        features=features,
        monotonic=monotonic,
        exclude=exclude | staged,
        regularisation=regularisation,
    )
    if not reference:
        return base
    return _fit_context(
        base,
        values,
        labels,
        monotonic=monotonic,
        reference=reference,
        regularisation=regularisation,
    )


def _fit_context(
    base: LinearScorer,
    values: np.ndarray,
    labels: np.ndarray,
    *,
    monotonic: tuple[int, ...],
    reference: Mapping[str, str],
    regularisation: float,
) -> LinearScorer:
    """The second stage: context differences on top of the first stage's fixed logit."""
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    column = {name: j for j, name in enumerate(base.features)}
    dropped = {k: v for k, v in base.dropped.items() if k not in reference.values()}
    names, refs, scales, deltas, bounds = [], [], [], [], []
    for name, ref in reference.items():
        delta = x[:, column[name]] - x[:, column[ref]]
        spread = float(delta.std())
        if spread < 1e-9:
            dropped[name] = "no training milestone differed from the served one in it"
            continue
        dropped.pop(name, None)
        names.append(name)
        refs.append(ref)
        scales.append(spread)
        deltas.append(delta / spread)
        sign = monotonic[column[name]]
        bounds.append((0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None))
    if not names:
        return msgspec.structs.replace(base, dropped=dropped)
    z = np.stack(deltas, axis=1)
    offset = base.base_logit(x)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logit = offset + z @ w
        p = 1.0 / (1.0 + np.exp(-logit))
        # log(1 + e^t) - y t, the logistic loss, written to stay finite for large |t|
        value = float(np.sum(np.logaddexp(0.0, logit) - y * logit) + 0.5 * w @ w / regularisation)
        grad = z.T @ (p - y) + w / regularisation
        return value, grad

    found = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B", bounds=bounds)
    weights = np.asarray(found.x)
    for name, w, (low, high) in zip(names, weights, bounds, strict=True):
        if w == 0.0 and (low == 0.0 or high == 0.0):
            dropped[name] = "its weight is held at zero by its promised direction"
    return msgspec.structs.replace(
        base,
        context=tuple(names),
        context_reference=tuple(refs),
        context_scale=tuple(scales),
        context_coef=tuple(float(w) for w in weights),
        dropped=dropped,
    )


def _fit_base(
    values: np.ndarray,
    labels: np.ndarray,
    *,
    features: tuple[str, ...],
    monotonic: tuple[int, ...],
    exclude: frozenset[str],
    regularisation: float,
) -> LinearScorer:
    """The first stage: the score served for a tier."""
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
