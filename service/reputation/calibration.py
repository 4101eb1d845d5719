"""Calibration on new outcomes, and base-rate recalibration.

A policy's `min_score` of 55 must mean about a 55 % chance that the milestone goes well.
Monitoring checks that on what was served: each milestone whose outcome became known in the
window is paired with the score the service had stored for its candidate (the milestone's
tier, else the default tier) just before it opened, from the score history; milestones with
no score before they opened are counted and left out.

Recalibration stores a shift on the logit scale per organization and model version when the
serving version's scores drifted (`scoring.reputation.calibration.drift_test`); scores are
then served as sigmoid(logit(p) + shift). It runs on demand (CLI, API) and from the
refresher's daily pass (`recalibrate_if_drifted`).

Shifts compose. A served score already carries the shift that was in force for its version
when it was computed (`OutcomeRow.served_shift`). Before judging, every served probability is
re-based onto the shift in force now (`rebase`): what the version serves today. If those
drifted, the step δ is solved on them and the new total stored is old + δ. Judging the rows
as served instead would count an earlier correction twice: right after a shift, scores served
before it still show the drift it already corrects.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import msgspec
import numpy as np

from scoring.reputation.calibration import (
    MAX_SHIFT,
    DriftTest,
    ReliabilityTable,
    base_rate_shift,
    drift_test,
    rebase,
    reliability_table,
)
from scoring.reputation.datasets import LABEL_GRACE_DAYS
from service.db.connection import Connection
from service.errors import UnprocessableError
from service.repo import calibration as repo
from service.repo import models as models_repo
from service.repo import organizations as organizations_repo
from service.repo import reputation as reputation_repo
from service.repo.calibration import OutcomeRow, ShiftRow
from service.repo.organizations import OrganizationRow
from service.reputation.refresh import DEFAULT_TIER

log = logging.getLogger("trialgate.calibration")

DEFAULT_DAYS = 90
# Outcomes older than ten years judge models long retired; the bound keeps the window sane.
MAX_DAYS = 3650
SHIFTS_SHOWN = 20
LABEL_GRACE = timedelta(days=LABEL_GRACE_DAYS)
PRIOR_SERVES = (
    "Nothing stored: no trained model serves, the prior does. Its base rate is refitted from "
    "the labelled milestones at every refresh, and its version changes with every new label, "
    "so a shift stored for it would not carry over."
)


class VersionCount(msgspec.Struct, frozen=True, kw_only=True):
    model_version: str
    source: Literal["model", "prior"]
    outcomes: int


class ShiftOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    organization: str
    model_version: str
    shift: float  # the total served from created_at on: p' = sigmoid(logit(p) + shift)
    outcomes: int
    predicted: float  # mean prediction as served with the shift in force before
    observed: float
    reason: str
    created_at: datetime
    created_by: UUID | None  # the API key that asked; None: command line or daily pass
    created_by_name: str | None


class ShiftDecision(msgspec.Struct, frozen=True, kw_only=True):
    """One organization's recalibration: judged, and stored or not, with why."""

    organization: str
    organization_id: UUID
    model_version: str | None  # the serving version; None when the prior serves
    outcomes: int  # that version's outcomes in the window
    # its predictions re-based onto `previous_shift`: as it serves today
    drift: DriftTest | None
    previous_shift: float
    step: float  # δ solved on those predictions; 0 when none
    shift: float  # the total in force after: previous_shift + step when stored
    predicted_after: float | None  # the mean prediction with `shift`
    stored: bool
    dry_run: bool
    reason: str
    record: ShiftOut | None = None  # the stored row


class CalibrationReport(msgspec.Struct, frozen=True, kw_only=True):
    organization: str
    organization_id: UUID
    days: int
    since: datetime
    until: datetime
    outcomes: int  # labelled in the window with a served score
    unscored: int  # labelled in the window, left out: no score served before they opened
    versions: tuple[VersionCount, ...]  # the versions that served them, most outcomes first
    table: ReliabilityTable  # scores as served
    in_the_large: DriftTest  # scores as served
    recalibration: ShiftDecision  # what recalibrating now would do (nothing is stored)
    shifts: tuple[ShiftOut, ...]  # stored, newest first


def shift_out(row: ShiftRow) -> ShiftOut:
    return ShiftOut(
        id=row.id,
        organization=row.organization,
        model_version=row.model_version,
        shift=row.shift,
        outcomes=row.outcomes,
        predicted=row.predicted,
        observed=row.observed,
        reason=row.reason,
        created_at=row.created_at,
        created_by=row.created_by,
        created_by_name=row.created_by_name,
    )


def _served(rows: list[OutcomeRow]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Served probabilities, labels and the shift each was served with."""
    scored = [r for r in rows if r.score is not None]
    proba = np.array([r.score for r in scored], dtype=np.float64) / 100.0
    labels = np.array([r.good for r in scored], dtype=np.int8)
    shifts = np.array([r.served_shift for r in scored], dtype=np.float64)
    return proba, labels, shifts


async def _organizations(conn: Connection, slug: str | None) -> list[OrganizationRow]:
    """The organization named, or every one; a 422 naming `organization` for an unknown one."""
    if slug is None:
        return await organizations_repo.list_organizations(conn)
    found = await organizations_repo.find_organization(conn, slug=slug)
    if found is None:
        raise UnprocessableError(f"No organization {slug!r}.", field="organization")
    return [found]


async def _outcomes(
    conn: Connection, organization_id: UUID | None, *, since: datetime, now: datetime
) -> list[OutcomeRow]:
    return await repo.outcomes(
        conn,
        organization_id=organization_id,
        since=since,
        now=now,
        grace=LABEL_GRACE,
        default_tier=DEFAULT_TIER,
    )


async def _decide(
    conn: Connection,
    organization: OrganizationRow,
    rows: list[OutcomeRow],
    *,
    serving: str | None,
    now: datetime,
    dry_run: bool,
    changed_by: UUID | None,
) -> ShiftDecision:
    """Judge the serving version's outcomes as it serves today; store a shift on drift."""
    undecided = ShiftDecision(
        organization=organization.slug,
        organization_id=organization.id,
        model_version=serving,
        outcomes=0,
        drift=None,
        previous_shift=0.0,
        step=0.0,
        shift=0.0,
        predicted_after=None,
        stored=False,
        dry_run=dry_run,
        reason=PRIOR_SERVES,
    )
    if serving is None:
        return undecided
    previous = await repo.current_shift(
        conn, organization_id=organization.id, model_version=serving
    )
    proba, labels, served_with = _served([r for r in rows if r.model_version == serving])
    today = rebase(proba, served_with, previous)
    drift = drift_test(today, labels)
    counted = f" (with the stored shift {previous:+.3f} counted)" if previous else ""
    decision = msgspec.structs.replace(
        undecided,
        outcomes=len(labels),
        drift=drift,
        previous_shift=previous,
        shift=previous,
        predicted_after=drift.predicted,
        reason=f"Nothing stored{counted}: {drift.reason}",
    )
    if not drift.drifted or drift.observed is None:
        return decision
    step = base_rate_shift(today, drift.observed.rate)
    total = float(np.clip(previous + step.shift, -MAX_SHIFT, MAX_SHIFT))
    reason = (
        f"{drift.reason} The shift in force, {previous:+.3f}, plus a step of {step.shift:+.3f} "
        f"makes {total:+.3f} on the logit scale, which brings the mean prediction to "
        f"{step.predicted_after:.3f}."
    )
    decision = msgspec.structs.replace(
        decision, step=step.shift, shift=total, predicted_after=step.predicted_after
    )
    if dry_run:
        return msgspec.structs.replace(decision, reason=f"Dry run, nothing stored: {reason}")
    row = await repo.insert_shift(
        conn,
        organization_id=organization.id,
        model_version=serving,
        shift=total,
        outcomes=len(labels),
        predicted=float(today.mean()),
        observed=drift.observed.rate,
        reason=reason,
        created_at=now,
        created_by=changed_by,
    )
    # Re-scored by the refresher within a second: the shift serves without waiting a day.
    groups = await reputation_repo.candidates_by_organization(
        conn, candidates=None, organization_id=organization.id
    )
    await reputation_repo.mark_dirty(conn, candidate_ids=groups.get(organization.id, []))
    return msgspec.structs.replace(decision, stored=True, reason=reason, record=shift_out(row))


async def calibration(
    conn: Connection,
    *,
    organization: str | None,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[CalibrationReport]:
    """Per organization (the one named, or every one): how the scores served for the
    milestones whose outcome became known in the last `days` days fared. Reads only."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    organizations = await _organizations(conn, organization)
    scope = organizations[0].id if organization is not None else None
    rows = await _outcomes(conn, scope, since=since, now=now)
    serving = await models_repo.promoted_version(conn)
    reports = []
    for org in organizations:
        mine = [r for r in rows if r.organization_id == org.id]
        proba, labels, _ = _served(mine)
        versions = Counter((r.model_version, r.source) for r in mine if r.score is not None)
        shifts = await repo.list_shifts(conn, organization_id=org.id, limit=SHIFTS_SHOWN)
        reports.append(
            CalibrationReport(
                organization=org.slug,
                organization_id=org.id,
                days=days,
                since=since,
                until=now,
                outcomes=len(labels),
                unscored=len(mine) - len(labels),
                versions=tuple(
                    VersionCount(model_version=str(v), source=s or "model", outcomes=n)
                    for (v, s), n in versions.most_common()
                ),
                table=reliability_table(proba, labels),
                in_the_large=drift_test(proba, labels),
                recalibration=await _decide(
                    conn, org, mine, serving=serving, now=now, dry_run=True, changed_by=None
                ),
                shifts=tuple(shift_out(s) for s in shifts),
            )
        )
    return reports


async def recalibrate(
    conn: Connection,
    *,
    organization: str | None,
    dry_run: bool = False,
    changed_by: UUID | None = None,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[ShiftDecision]:
    """Recalibrate the organization named (every one when None): a shift is stored for each
    whose serving version drifted on the last `days` days' outcomes; the others are told
    why nothing was. `dry_run` judges and computes but stores nothing.

    `now`: the instant judged and recorded; by default the clock, read once the
    organization's refresh lock is held (see `_recalibrate_one`)."""
    decisions = []
    async with conn.transaction():
        serving = await models_repo.promoted_version(conn)
        # ascending ids, the order refreshes lock organizations in: the two never deadlock
        for org in sorted(await _organizations(conn, organization), key=lambda o: o.id):
            decisions.append(
                await _recalibrate_one(
                    conn,
                    org,
                    serving=serving,
                    days=days,
                    now=now,
                    dry_run=dry_run,
                    changed_by=changed_by,
                )
            )
    return sorted(decisions, key=lambda d: d.organization)


async def _recalibrate_one(
    conn: Connection,
    org: OrganizationRow,
    *,
    serving: str | None,
    days: int,
    now: datetime | None,
    dry_run: bool,
    changed_by: UUID | None,
) -> ShiftDecision:
    """Store under the organization's refresh lock, held to commit. A score in the history
    is taken to carry the latest shift stored before it was computed; under the lock, every
    refresh that read the shift in force before has committed (its points are older than the
    clock read here), and every later one waits for this shift to commit and reads it.
    Two recalibrations of one organization are serialized too: the second judges with the
    first's shift counted, so a correction is never applied twice."""
    if not dry_run:
        await reputation_repo.lock_refresh(conn, org.id)
    at = now or datetime.now(UTC)
    rows = await _outcomes(conn, org.id, since=at - timedelta(days=days), now=at)
    decision = await _decide(
        conn, org, rows, serving=serving, now=at, dry_run=dry_run, changed_by=changed_by
    )
    log.info(
        "recalibration",
        extra={
            "organization": org.slug,
            "model_version": decision.model_version,
            "stored": decision.stored,
            "shift": decision.shift,
            "reason": decision.reason,
        },
    )
    return decision


async def recalibrate_if_drifted(
    conn: Connection, *, organization_id: UUID, now: datetime
) -> ShiftDecision | None:
    """The daily pass's recalibration of one organization, on the default window: the
    stored decision when the serving version drifted, None when nothing was stored (the
    reason is logged). Runs in its own transaction, or a savepoint of the caller's; takes
    the organization's refresh lock (re-entrant within a refresh's transaction).

    `now` is recorded as the shift's time: pass an instant no earlier than the score
    history points the refresh wrote (their `computed_at`), or they would be taken as
    served with this shift."""
    async with conn.transaction():
        serving = await models_repo.promoted_version(conn)
        org = next(
            (
                o
                for o in await organizations_repo.list_organizations(conn)
                if o.id == organization_id
            ),
            None,
        )
        if org is None:
            return None
        decision = await _recalibrate_one(
            conn,
            org,
            serving=serving,
            days=DEFAULT_DAYS,
            now=now,
            dry_run=False,
            changed_by=None,
        )
    return decision if decision.stored else None
