"""Train a model on the stored history, and promote it only if it beats the scorer serving.

Training holds out the latest ~20 % of labelled milestones by time (see
`scoring.reputation.model.train`). The challenger is then judged as it would have
been served (`scoring.reputation.challenge`): frozen at the hold-out's start
beside the serving scorer — the promoted model, or the prior while none is — and
both scored on every milestone opened after. It is promoted only if it beats the
serving scorer there beyond the noise. Every trained version is stored with those
figures, its milestone-level hold-out, and the reason it was or was not promoted.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from scoring.errors import InsufficientHistoryError
from scoring.reputation.challenge import ServedComparison, compare_served
from scoring.reputation.datasets import milestone_labels
from scoring.reputation.history import HistoryIndex, to_seconds
from scoring.reputation.metrics import Metrics, ReliabilityBin
from scoring.reputation.model import DEFAULT_KIND, ModelKind, Scorer, train
from scoring.reputation.model_store import TrainedModel, dump_model
from scoring.reputation.prior import MIN_LABELLED, fit_prior
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
    # the challenger's frozen scores on the milestones after its hold-out began (served)
    metrics: MetricsOut | None = None
    # its own milestone-level hold-out: each milestone scored at its opening, with its
    # own tier, amount and skills, which a served score never has
    holdout_metrics: MetricsOut | None = None
    compared_with: str | None = None  # the scorer serving before: a model or the prior
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


def _train(index: HistoryIndex, seed: int, kind: ModelKind) -> TrainedModel:
    # As of the end of the stored history (never after now: future events are refused), so
    # the same history and seed give the same version, and retraining adds nothing.
    return train(index, seed=seed, kind=kind)


def _compare(
    current: TrainedModel | None, new: TrainedModel, index: HistoryIndex, seed: int
) -> ServedComparison:
    """The challenger against the serving scorer, both frozen at the challenger's hold-out."""

    def serving(index: HistoryIndex, cutoff: float) -> Scorer:
        if current is not None:
            return current
        _, labels = milestone_labels(index, as_of=cutoff)
        return fit_prior(labels)

    return compare_served(index, new, serving, cutoff=to_seconds(new.meta.holdout_from), seed=seed)


def _served_figures(comparison: ServedComparison) -> dict[str, Any]:
    return {
        "cutoff": comparison.cutoff.isoformat(),
        "horizon_days": round(comparison.horizon_days, 1),
        "rows": comparison.rows,
        "candidates": comparison.candidates,
        "auc_gain": msgspec.to_builtins(comparison.auc_gain),
        "brier_gain": msgspec.to_builtins(comparison.brier_gain),
    }


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
    kind: ModelKind = DEFAULT_KIND,
    now: datetime | None = None,
    changed_by: UUID | None = None,
) -> TrainingReport:
    """`changed_by`: the key that asked, kept in the audit of a promotion (None: the CLI)."""
    now = now or datetime.now(UTC)
    await repo.lock_training(conn)
    index = await load_index(conn, None)  # a model learns from every organization's history
    try:
        model = await asyncio.to_thread(_train, index, seed, kind)
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
    serving_before = current.version if current else prior_for(index, now).version
    comparison = await asyncio.to_thread(_compare, current, model, index, seed)
    promote = comparison.promote
    decision = ("promoted: " if promote else "not promoted: ") + comparison.reason
    data = await asyncio.to_thread(dump_model, model)
    meta = _meta(model)
    meta["served_backtest"] = _served_figures(comparison)
    await repo.insert_version(
        conn,
        version=model.version,
        model=data,
        meta=meta,
        # Both figures are the served back-test's, on the same rows: what the decision read.
        metrics=msgspec.to_builtins(metrics_out(comparison.challenger)),
        compared_with=serving_before,
        compared_metrics=msgspec.to_builtins(metrics_out(comparison.serving)),
        promoted=False,  # put_in_service promotes it, as an admin's promotion would
        decision=decision,
    )
    refreshed: RefreshReport | None = None
    if promote:
        _, refreshed = await put_in_service(
            conn, scorers, model, kind="training", changed_by=changed_by, note=decision, now=now
        )
    return TrainingReport(
        trained=True,
        promoted=promote,
        decision=decision,
        version=model.version,
        metrics=metrics_out(comparison.challenger),
        holdout_metrics=metrics_out(model.meta.metrics),
        compared_with=serving_before,
        compared_metrics=metrics_out(comparison.serving),
        n_train=model.meta.n_train,
        n_holdout=model.meta.n_holdout,
        holdout_from=model.meta.holdout_from,
        serving=model.version if promote else serving_before,
        refreshed=refreshed.candidates if refreshed else None,
    )
