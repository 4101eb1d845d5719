"""The operator's model registry: every stored version side by side with its back-test
figures, one version in full, promotion and rollback (audited), and the audit itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from service.db.connection import PooledConnection
from service.errors import NotFoundError, ServiceError
from service.repo import models as models_repo
from service.reputation import promotion
from service.reputation.calibration import DEFAULT_DAYS, calibration
from service.reputation.scorers import SCORERS, Scorers
from service.reputation.views import ModelOut, model_out
from service.web.render import page
from service.web.sessions import Viewer, signed_in

VERSIONS_SHOWN = 200  # the registry's whole history, in practice
PROMOTIONS_SHOWN = 100
# The figures training stores, in the order a reader compares them, and whether less is better.
FIGURES = {
    "roc_auc": ("ROC AUC", "higher is better"),
    "brier": ("Brier score", "lower is better"),
    "log_loss": ("Log loss", "lower is better"),
    "ece": ("Calibration error (ECE, 10 bins)", "lower is better"),
    "n": ("Hold-out labels", "milestones judged"),
    "positive_rate": ("Positive rate", "share of hold-out milestones that went well"),
}
NO_RELIABILITY = (
    "This version stored no reliability table (it was trained before training kept one): "
    "its calibration error (ECE) is all there is, so no plot is drawn rather than one "
    "made up."
)
KINDS = {"training": "trained and promoted", "promotion": "promoted", "rollback": "rolled back"}
Refreshed = Annotated[int | None, QueryParameter(ge=0, le=100_000_000)]


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    value: str  # "not stored" when the version kept no such figure
    compared: str | None  # the compared version's on the same hold-out rows


class FigureRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    hint: str
    cells: list[Cell]  # one per version shown, in their order


def figure_text(value: object) -> str:
    if value is None:
        return "n/a"  # stored, but not computable (e.g. a hold-out of one class)
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def minute(stamp: str | None) -> str:
    """An ISO instant as stored in a version's meta, to the minute; "not stored" without one."""
    if not stamp:
        return "not stored"
    try:
        return f"{datetime.fromisoformat(stamp):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return stamp


class Band(msgspec.Struct, frozen=True, kw_only=True):
    """A reliability band as the plot draws it: where, and how many rows it holds."""

    predicted: float
    observed: float
    count: int
    lower: float
    upper: float


def reliability(metrics: dict[str, Any]) -> list[Band]:
    """The bands a version stored with its hold-out figures; [] when it kept none."""
    return msgspec.convert(metrics.get("reliability") or [], list[Band], strict=False)


NOT_FIGURES = {"reliability"}  # stored with the figures, drawn as a plot instead


def figure_rows(models: list[ModelOut]) -> list[FigureRow]:
    """Every figure any version stored, known ones first, each version's value side by side
    with what the version it was compared with scored on the same rows."""
    stored = {k for m in models for k in (*m.metrics, *(m.compared_metrics or {}))}
    stored -= NOT_FIGURES
    keys = [k for k in FIGURES if k in stored] + sorted(stored - FIGURES.keys())
    rows = []
    for key in keys:
        label, hint = FIGURES.get(key, (key, ""))
        cells = [
            Cell(
                value=figure_text(m.metrics[key]) if key in m.metrics else "not stored",
                compared=(
                    figure_text(m.compared_metrics[key])
                    if m.compared_metrics and key in m.compared_metrics
                    else None
                ),
            )
            for m in models
        ]
        rows.append(FigureRow(key=key, label=label, hint=hint, cells=cells))
    return rows


async def _registry(
    conn: PooledConnection,
    viewer: Viewer,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    refreshed: int | None = None,
) -> Template:
    models = [model_out(r) for r in await models_repo.list_versions(conn, limit=VERSIONS_SHOWN)]
    return page(
        "operator_models.html",
        viewer,
        status=status,
        models=models,
        figures=figure_rows(models),
        bands=[reliability(m.metrics) for m in models],
        serving=next((m for m in models if m.promoted), None),
        rollback_to=await promotion.rollback_target(conn),
        promotions=await models_repo.list_promotions(conn, limit=PROMOTIONS_SHOWN),
        kinds=KINDS,
        max_note=promotion.MAX_NOTE,
        error=error,
        refreshed=refreshed,
        # "Calibration on new outcomes": every organization, on the default window
        calibration=await calibration(conn, organization=None),
        calibration_days=DEFAULT_DAYS,
    )


@get("/operator/models", include_in_schema=False, guards=[signed_in("admin")])
async def registry_page(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    refreshed: Refreshed = None,
) -> Template:
    return await _registry(conn, viewer, refreshed=refreshed)


@get("/operator/models/{version:str}", include_in_schema=False, guards=[signed_in("admin")])
async def version_page(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    version: FromPath[str],
) -> Template:
    row = await models_repo.get_version(conn, version=version)
    if row is None:
        raise NotFoundError(f"No model version {version!r}.", field="version")
    model = model_out(row)
    return page(
        "operator_model.html",
        viewer,
        model=model,
        meta=row.meta,
        history_to=minute(model.trained_as_of),
        holdout_from=minute(model.holdout_from),
        figures=figure_rows([model]),
        bands=reliability(model.metrics),
        promotions=await models_repo.list_promotions(conn, version=version, limit=PROMOTIONS_SHOWN),
        no_reliability=NO_RELIABILITY,
        kinds=KINDS,
        max_note=promotion.MAX_NOTE,
    )


async def _note(request: Request[Any, Any, Any]) -> str | None:
    form = await request.form()
    return promotion.checked_note(str(form.get("note") or ""))


@post(
    "/operator/models/{version:str}/promote",
    include_in_schema=False,
    guards=[signed_in("admin")],
    dependencies=SCORERS,
)
async def promote_version(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    scorers: NamedDependency[Scorers],
    version: FromPath[str],
) -> Any:
    try:
        note = await _note(request)
        async with conn.transaction():  # refused: nothing of it stays
            report = await promotion.promote(
                conn, scorers, version=version, changed_by=viewer.principal.key_id, note=note
            )
    except ServiceError as exc:  # unknown version, already serving, a note too long
        return await _registry(conn, viewer, status=exc.status, error=exc)
    return Redirect(f"/operator/models?refreshed={report.refreshed}", status_code=303)


@post(
    "/operator/models/rollback",
    include_in_schema=False,
    guards=[signed_in("admin")],
    dependencies=SCORERS,
)
async def roll_back(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    scorers: NamedDependency[Scorers],
) -> Any:
    try:
        note = await _note(request)
        async with conn.transaction():
            report = await promotion.rollback(
                conn, scorers, changed_by=viewer.principal.key_id, note=note
            )
    except ServiceError as exc:  # nothing serving, or nothing served before
        return await _registry(conn, viewer, status=exc.status, error=exc)
    return Redirect(f"/operator/models?refreshed={report.refreshed}", status_code=303)


ROUTES = [registry_page, version_page, promote_version, roll_back]
