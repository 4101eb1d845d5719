"""Reputation: train the calibrated model, and score candidates with it or the prior.

Two kinds of model: the default, a monotone logistic regression
(`scoring.reputation.linear`), and gradient boosting, kept for where it wins
the served-score back-test. Training is a back-test by construction. Labelled milestones are ordered by
opening time; the latest ~20 % are held out. The model learns only from
milestones whose outcome was known before the hold-out starts, with labels as
they stood then, so neither its features nor its labels see the hold-out
period. That milestone-level hold-out is reported with every version, but it is
not how a model is judged for service: see `scoring.reputation.backtest`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import msgspec
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from scoring.errors import FeatureMismatchError, InsufficientHistoryError
from scoring.reputation.datasets import (
    CandidateFeatures,
    SkillFeatures,
    candidate_features,
    milestone_labels,
    training_set,
)
from scoring.reputation.events import Event
from scoring.reputation.features import (
    COL,
    FEATURE_NAMES,
    FEATURE_VERSION,
    MONOTONIC,
    REFERENCE,
    FeatureConfig,
)
from scoring.reputation.history import HistoryIndex, build_index, from_seconds, to_seconds
from scoring.reputation.linear import LinearScorer, fit_linear
from scoring.reputation.metrics import evaluate
from scoring.reputation.model_store import ModelMeta, TrainedModel, sklearn_version
from scoring.reputation.prior import (
    MIN_LABELLED,
    Prior,
    fit_prior,
    prior_intervals,
    prior_posterior,
)
from scoring.reputation.reasons import Reason, swapped_rows, top_reasons

__all__ = [
    "Reputation",
    "SkillScore",
    "feature_config",
    "fit_reputation",
    "predict_proba",
    "score_candidate",
    "score_candidates",
    "train",
]

HOLDOUT_SHARE = 0.2
ISOTONIC_MIN_ROWS = 2000  # isotonic overfits small samples; sigmoid below this
WILSON_Z = 1.645  # a 90 % interval
# OpenMP threads in the booster: on the 2-core machines we run on, two spinning
# threads made fitting ~10x slower than one (measured), and scoring is batched
# anyway. Raise it on hosts with real spare cores.
OPENMP_THREADS = 1
Scorer = TrainedModel | Prior
ModelKind = Literal["linear", "gbm"]
DEFAULT_KIND: ModelKind = "linear"
# Left out of the default model: days on the platform predicted nothing on its own in
# any market measured, yet a free-signed weight let it stand in for activity.
LINEAR_EXCLUDED = frozenset({"tenure_days"})


class SkillScore(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The chance on a one-skill milestone, from the candidate's evidence in that skill.

    `score` is None when there is no evidence in the skill (no trial, no finished
    milestone): then nothing is known about it, and the overall score is not copied in.
    The remaining fields are the skill's own record, which matching combines per request.
    """

    skill: str
    score: float | None
    lower: float | None = None
    upper: float | None = None
    evidence: int = 0  # trials + finished milestones in the skill
    effective_evidence: float = 0.0
    trials: int = 0
    finished: int = 0
    good: int = 0
    # the clients behind the finished milestones, each worth what it put at stake, up to one
    clients: float = 0.0
    client_share: float = 0.0  # Σ over those clients of their worth x share that went well
    trial_best: float = 0.0  # best trial score in the skill
    proven: bool = False  # a passed trial or an accepted milestone in the skill


class Reputation(msgspec.Struct, frozen=True, kw_only=True):
    candidate: str
    as_of: datetime
    tier: str
    score: float  # 0-100: calibrated probability the next milestone goes well, x 100
    lower: float  # 90 % interval, same scale
    upper: float
    evidence: int  # trials + finished milestones + ratings seen
    effective_evidence: float  # after rater weights, caps and decay
    tier_evidence: int = 0  # the market's finished milestones of this tier: 0 = no tier effect
    per_skill: tuple[SkillScore, ...]
    reasons: tuple[Reason, ...]
    model_version: str
    source: Literal["model", "prior"]
    features: tuple[float, ...] = ()  # the row scored, for matching to vary its context


def _index(history: HistoryIndex | Sequence[Event]) -> HistoryIndex:
    return history if isinstance(history, HistoryIndex) else build_index(history)


def _estimator(
    n_rows: int, seed: int
) -> tuple[CalibratedClassifierCV, Literal["isotonic", "sigmoid"]]:
    gbm = HistGradientBoostingClassifier(
        monotonic_cst=list(MONOTONIC),
        learning_rate=0.06,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=60,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=20,
        random_state=seed,
    )
    method: Literal["isotonic", "sigmoid"] = (
        "isotonic" if n_rows >= ISOTONIC_MIN_ROWS else "sigmoid"
    )
    # cv=3 without shuffling: folds are contiguous blocks of time-ordered rows,
    # so each calibrator is fitted on a period its booster did not train on.
    return CalibratedClassifierCV(Pipeline([("gbm", gbm)]), method=method, cv=3), method


def train(
    history: HistoryIndex | Sequence[Event],
    *,
    as_of: datetime | None = None,
    seed: int = 0,
    config: FeatureConfig | None = None,
    kind: ModelKind = DEFAULT_KIND,
) -> TrainedModel:
    """Train on earlier milestones, measure on the latest ~20 %; raise below `MIN_LABELLED`."""
    index = _index(history)
    config = config or FeatureConfig()
    end = index.end if as_of is None else to_seconds(as_of)
    everything = training_set(index, as_of=end, config=config)
    if len(everything.labels) < MIN_LABELLED:
        raise InsufficientHistoryError(len(everything.labels), MIN_LABELLED)
    cut = float(np.quantile(everything.time, 1.0 - HOLDOUT_SHARE))
    known_rows, known_labels = milestone_labels(index, as_of=cut)
    position = np.searchsorted(everything.milestone, known_rows)  # milestone rows are sorted
    train_x = everything.values[position]
    order = np.argsort(everything.time[position], kind="stable")
    train_x, train_y = train_x[order], known_labels[order]
    hold = everything.time >= cut
    if len(train_y) < MIN_LABELLED or len(np.unique(train_y)) < 2:
        raise InsufficientHistoryError(len(train_y), MIN_LABELLED)

    estimator: LinearScorer | CalibratedClassifierCV
    method: Literal["isotonic", "sigmoid", "logistic"]
    if kind == "linear":
        estimator = fit_linear(
            train_x,
            train_y,
            features=FEATURE_NAMES,
            monotonic=MONOTONIC,
            exclude=LINEAR_EXCLUDED,
            reference=REFERENCE,
        )
        method = "logistic"
    else:
        estimator, method = _estimator(len(train_y), seed)
        with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
            estimator.fit(train_x, train_y)
    proba = _positive_proba(estimator, everything.values[hold])
    metrics = evaluate(everything.labels[hold], proba)
    digest = hashlib.sha256()
    for part in (train_x, train_y, np.array([seed, end])):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update(msgspec.json.encode(config))
    digest.update(kind.encode())
    meta = ModelMeta(
        version=("lin-" if kind == "linear" else "gbm-") + digest.hexdigest()[:12],
        kind=kind,
        feature_version=FEATURE_VERSION,
        feature_names=FEATURE_NAMES,
        monotonic=MONOTONIC,
        config=config,
        trained_as_of=from_seconds(end),
        holdout_from=from_seconds(cut),
        calibration=method,
        metrics=metrics,
        n_train=len(train_y),
        n_holdout=int(hold.sum()),
        baseline=tuple(np.median(train_x, axis=0).tolist()),
        sklearn_version=sklearn_version(),
    )
    return TrainedModel(meta=meta, estimator=estimator)


def fit_reputation(
    history: HistoryIndex | Sequence[Event],
    *,
    as_of: datetime | None = None,
    seed: int = 0,
    config: FeatureConfig | None = None,
    kind: ModelKind = DEFAULT_KIND,
) -> Scorer:
    """The model when there is enough labelled history, else the prior (which says so)."""
    index = _index(history)
    try:
        return train(index, as_of=as_of, seed=seed, config=config, kind=kind)
    except InsufficientHistoryError:
        end = index.end if as_of is None else to_seconds(as_of)
        _, labels = milestone_labels(index, as_of=end)
        return fit_prior(labels, config=config, baseline=_blank_row(config or FeatureConfig()))


def _blank_row(config: FeatureConfig) -> np.ndarray:
    """Features of a candidate nobody knows anything about: the prior's reason baseline."""
    blank = candidate_features(build_index(()), ["-"], as_of=from_seconds(1e9), config=config)[0]
    return np.array(blank.values)


def feature_config(scorer: Scorer) -> FeatureConfig:
    """The feature settings a scorer was built with; compute its inputs with these."""
    return scorer.meta.config if isinstance(scorer, TrainedModel) else scorer.config


def predict_proba(scorer: Scorer, values: np.ndarray, *, shift: float = 0.0) -> np.ndarray:
    """P(went well) per feature row; `shift` moves the base rate (logit scale), as a
    recalibration on new outcomes asks."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if values.shape[1] != len(FEATURE_NAMES):
        raise FeatureMismatchError(f"expected {len(FEATURE_NAMES)} features, got {values.shape[1]}")
    if isinstance(scorer, Prior):
        proba = prior_posterior(scorer, values)[0]
    else:
        proba = _positive_proba(scorer.estimator, values)
    if shift == 0.0:
        return proba
    logit = np.log(np.clip(proba, 1e-6, 1 - 1e-6) / np.clip(1 - proba, 1e-6, 1))
    return np.asarray(1.0 / (1.0 + np.exp(-(logit + shift))))


def _positive_proba(
    estimator: LinearScorer | CalibratedClassifierCV, values: np.ndarray
) -> np.ndarray:
    if isinstance(estimator, LinearScorer):
        return estimator.predict_proba(values)
    with threadpool_limits(limits=OPENMP_THREADS, user_api="openmp"):
        return np.asarray(estimator.predict_proba(values)[:, 1])


def score_candidate(scorer: Scorer, features: CandidateFeatures) -> Reputation:
    return score_candidates(scorer, [features])[0]


def score_candidates(
    scorer: Scorer, features: Sequence[CandidateFeatures], *, shift: float = 0.0
) -> tuple[Reputation, ...]:
    """Score many candidates with one prediction call (overall, per skill and reason swaps).

    `shift`: a base-rate recalibration on the logit scale (0: none).
    """
    meta_version = (
        scorer.meta.feature_version if isinstance(scorer, TrainedModel) else scorer.feature_version
    )
    baseline = reason_baseline(scorer)
    blocks: list[np.ndarray] = []
    spans: list[int] = []
    used = 0
    for f in features:
        if f.feature_version != meta_version or f.names != FEATURE_NAMES:
            raise FeatureMismatchError(
                f"features {f.feature_version} do not match scorer features {meta_version}"
            )
        values = np.array(f.values)
        rows = [values[None, :], swapped_rows(values, baseline)]
        rows += [np.array(s.values)[None, :] for s in f.per_skill]
        spans.append(used)
        used += sum(len(r) for r in rows)
        blocks.extend(rows)
    matrix = np.vstack(blocks) if blocks else np.zeros((0, len(FEATURE_NAMES)))
    proba = predict_proba(scorer, matrix, shift=shift) if len(matrix) else np.zeros(0)
    n_feat = len(FEATURE_NAMES)
    starts = np.array(spans, dtype=np.int64)
    if isinstance(scorer, Prior) and len(starts):
        # One vectorised quantile call for everyone: per candidate it dominated scoring.
        _, total = prior_posterior(scorer, matrix[starts])
        low, high = prior_intervals(proba[starts], total)
    else:
        effective = np.array([f.effective_evidence for f in features])
        low, high = wilson_intervals(proba[starts], effective + 2.0)
    return tuple(
        _reputation(
            scorer,
            f,
            baseline,
            proba[start : start + 1 + n_feat + len(f.per_skill)],
            (float(low[i]), float(high[i])),
        )
        for i, (f, start) in enumerate(zip(features, spans, strict=True))
    )


def reason_baseline(scorer: Scorer) -> np.ndarray:
    """The feature row reasons are measured against: the training rows' medians, or a blank
    candidate's row for the prior."""
    if isinstance(scorer, TrainedModel):
        return np.array(scorer.meta.baseline)
    return np.array(scorer.baseline or _blank_row(scorer.config))


def _skill_score(skill: SkillFeatures, p: float) -> SkillScore:
    values = skill.values
    record = SkillScore(
        skill=skill.skill,
        score=None,
        evidence=skill.evidence,
        effective_evidence=round(skill.effective_evidence, 2),
        trials=skill.trials,
        finished=skill.finished,
        good=skill.good,
        clients=skill.clients,
        client_share=skill.client_share,
        trial_best=float(values[COL["trial_best_skill"]]),
        proven=bool(values[COL["skill_match"]] >= 1.0),
    )
    if skill.evidence == 0:
        return record
    # The skill's own evidence sets the width: a trial counts half, as in the prior.
    low, high = wilson(p, skill.finished + 0.5 * skill.trials + 2.0)
    return msgspec.structs.replace(
        record,
        score=round(p * 100.0, 1),
        lower=round(float(low) * 100.0, 1),
        upper=round(float(high) * 100.0, 1),
    )


def _reputation(
    scorer: Scorer,
    f: CandidateFeatures,
    baseline: np.ndarray,
    proba: np.ndarray,
    interval: tuple[float, float],
) -> Reputation:
    n_feat = len(FEATURE_NAMES)
    p = float(proba[0])
    values = np.array(f.values)
    low, high = interval
    source: Literal["model", "prior"]
    if isinstance(scorer, Prior):
        version, source = scorer.version, "prior"
    else:
        version, source = scorer.meta.version, "model"
    skills = tuple(
        _skill_score(s, float(q)) for s, q in zip(f.per_skill, proba[1 + n_feat :], strict=True)
    )
    return Reputation(
        candidate=f.candidate,
        as_of=f.as_of,
        tier=f.tier,
        score=round(p * 100.0, 1),
        lower=round(float(low) * 100.0, 1),
        upper=round(float(high) * 100.0, 1),
        evidence=f.evidence,
        effective_evidence=round(f.effective_evidence, 2),
        tier_evidence=f.tier_evidence,
        per_skill=skills,
        reasons=top_reasons(values, baseline, p, proba[1 : 1 + n_feat]),
        model_version=version,
        source=source,
        features=f.values,
    )


def wilson_intervals(
    p: np.ndarray, n: np.ndarray, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """`wilson` for arrays of rates and evidence."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def wilson(p: float, n: float, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval for a rate p seen over n (effective) observations.

    The model's probability is treated as a rate estimated from the candidate's
    effective evidence (+2 so a blank candidate still gets a wide, finite
    interval): more evidence, narrower interval.
    """
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)
