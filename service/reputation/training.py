"""Train a model on the stored history, and promote it only if it beats the one serving.

Training is a back-test (see `scoring.reputation.model.train`): the latest ~20 % of
labelled milestones are held out by time. The promoted model is scored on the
*same* hold-out rows before `should_promote` compares the two, so a new version
wins only on equal terms. Every trained version is stored with its metrics and
the reason it was or was not promoted.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from scoring.errors import InsufficientHistoryError
from scoring.reputation.datasets import training_set
from scoring.reputation.history import HistoryIndex, to_seconds
from scoring.reputation.metrics import (
    PROMOTE_MAX_AUC_LOSS,
    PROMOTE_MIN_BRIER_GAIN,
    PROMOTE_MIN_HOLDOUT,
    Metrics,
    ReliabilityBin,
    should_promote,
)
from scoring.reputation.model import feature_config, holdout_metrics, train
from scoring.reputation.model_store import TrainedModel, dump_model
from scoring.reputation.prior import MIN_LABELLED
from service.db.connection import Connection
from service.repo import models as repo
from service.reputation.promotion import put_in_service
from service.reputation.refresh import RefreshReport, load_index
from service.reputation.scorers import Scorers, prior_for


class MetricsOut(msgspec.Struct, frozen=True, kw_only=True):
    roc_auc: float | None  # None when the hold-out holds only one class
    brier: float | None
    ece: float
    n: int
    positive_rate: float | None
    # per band of predicted probability: predicted vs observed on the hold-out
    reliability: list[ReliabilityBin] = []


class TrainingReport(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    trained: bool
    promoted: bool
    decision: str
    version: str | None = None
    metrics: MetricsOut | None = None
    compared_with: str | None = None
    compared_metrics: MetricsOut | None = None
    n_train: int | None = None
    n_holdout: int | None = None
    holdout_from: datetime | None = None
    serving: str  # the version serving after this run (a model or the prior)
    labelled: int | None = None
    required: int | None = None
    refreshed: int | None = None


def metrics_out(metrics: Metrics) -> MetricsOut:
    def finite(value: float) -> float | None:
        return value if math.isfinite(value) else None

    return MetricsOut(
        roc_auc=finite(metrics.roc_auc),
        brier=finite(metrics.brier),
        ece=metrics.ece,
        n=metrics.n,
        positive_rate=finite(metrics.positive_rate),
        reliability=list(metrics.reliability),
    )


def _why(new: Metrics, current: Metrics | None, promote: bool) -> str:
    if new.n < PROMOTE_MIN_HOLDOUT:
        return f"not promoted: {new.n} hold-out milestones, {PROMOTE_MIN_HOLDOUT} needed to judge"
    if not (math.isfinite(new.brier) and math.isfinite(new.roc_auc)):
        return "not promoted: the hold-out holds only one class, so it cannot be judged"
    if current is None:
        return "promoted: no model was serving"
    gain, auc = current.brier - new.brier, new.roc_auc - current.roc_auc
    figures = f"Brier {current.brier:.4f} -> {new.brier:.4f}, ROC AUC {current.roc_auc:.4f} -> {new.roc_auc:.4f}"
    if promote:
        return f"promoted: beats the serving model on the same hold-out ({figures})"
    if gain < PROMOTE_MIN_BRIER_GAIN:
        return f"not promoted: Brier must improve by {PROMOTE_MIN_BRIER_GAIN} ({figures})"
    if auc < -PROMOTE_MAX_AUC_LOSS:
        return f"not promoted: ROC AUC may drop by at most {PROMOTE_MAX_AUC_LOSS} ({figures})"
    return f"not promoted ({figures})"


def _train(index: HistoryIndex, seed: int) -> TrainedModel:
    # As of the end of the stored history (never after now: future events are refused), so
    # the same history and seed give the same version, and retraining adds nothing.
    return train(index, seed=seed)


def _compare(current: TrainedModel, new: TrainedModel, index: HistoryIndex) -> Metrics:
    """The serving model's metrics on the new model's hold-out rows."""
    data = training_set(
        index, as_of=to_seconds(new.meta.trained_as_of), config=feature_config(current)
    )
    return holdout_metrics(current, data, since=new.meta.holdout_from)


def _meta(model: TrainedModel) -> dict[str, Any]:
    meta: dict[str, Any] = msgspec.to_builtins(model.meta)  # a Struct becomes a dict
    meta.pop("baseline", None)  # kept in the model bytes; noise in a listing
    meta["metrics"] = msgspec.to_builtins(metrics_out(model.meta.metrics))
    return meta


async def train_and_promote(
    conn: Connection,
    scorers: Scorers,
    *,
    seed: int = 0,
    now: datetime | None = None,
    changed_by: UUID | None = None,
) -> TrainingReport:
    """`changed_by`: the key that asked, kept in the audit of a promotion (None: the CLI)."""
    now = now or datetime.now(UTC)
    await repo.lock_training(conn)
    index = await load_index(conn, None)  # a model learns from every organization's history
    try:
        model = await asyncio.to_thread(_train, index, seed)
    except InsufficientHistoryError as exc:
        scorer = await scorers.current(conn, index, now)
        return TrainingReport(
            trained=False,
            promoted=False,
            decision=f"not trained: {exc}",
            serving=scorer.version,
            labelled=exc.labelled,
            required=max(exc.required, MIN_LABELLED),
        )
    current = await scorers.promoted(conn)
    stored = await repo.get_version(conn, version=model.version)
    if stored is not None:
        # The same data and seed give the same version: nothing new to judge.
        serving = current.version if current else prior_for(index, now).version
        return TrainingReport(
            trained=True,
            promoted=False,
            decision=f"unchanged: version {model.version} was trained on this history before "
            f"({stored.decision})",
            version=model.version,
            metrics=metrics_out(model.meta.metrics),
            serving=serving,
        )
    compared = await asyncio.to_thread(_compare, current, model, index) if current else None
    promote = should_promote(model.meta.metrics, compared)
    decision = _why(model.meta.metrics, compared, promote)
    data = await asyncio.to_thread(dump_model, model)
    await repo.insert_version(
        conn,
        version=model.version,
        model=data,
        meta=_meta(model),
        metrics=msgspec.to_builtins(metrics_out(model.meta.metrics)),
        compared_with=current.version if current else None,
        compared_metrics=msgspec.to_builtins(metrics_out(compared)) if compared else None,
        promoted=False,  # put_in_service promotes it, as an admin's promotion would
        decision=decision,
    )
    refreshed: RefreshReport | None = None
    if promote:
        _, refreshed = await put_in_service(
            conn, scorers, model, kind="training", changed_by=changed_by, note=decision, now=now
        )
    if promote:
        serving = model.version
    else:
        serving = current.version if current else prior_for(index, now).version
    return TrainingReport(
        trained=True,
        promoted=promote,
        decision=decision,
        version=model.version,
        metrics=metrics_out(model.meta.metrics),
        compared_with=current.version if current else None,
        compared_metrics=metrics_out(compared) if compared else None,
        n_train=model.meta.n_train,
        n_holdout=model.meta.n_holdout,
        holdout_from=model.meta.holdout_from,
        serving=serving,
        refreshed=refreshed.candidates if refreshed else None,
    )
