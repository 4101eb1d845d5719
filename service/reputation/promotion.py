"""Which model version serves, changed by hand: promote any stored version, or roll back to
the one that served before. Training promotes a better model through the same step
(`put_in_service`), so every change is audited in `model_promotions` and re-scores
everyone with the version that now serves, before the transaction commits.

Other processes (the server's refresher, the worker, another replica) ask the database
which version is promoted each time they score (`Scorers.current`) and load the new one
on their next pass: the refresher's, within a second of the commit.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from scoring.errors import UntrustedModelError
from scoring.reputation.features import FEATURE_VERSION
from scoring.reputation.model_store import TrainedModel, load_model
from service.db.connection import Connection
from service.errors import ConflictError, NotFoundError, ServiceError
from service.repo import models as repo
from service.repo.models import PromotionKind, PromotionRow
from service.reputation.refresh import RefreshReport, refresh
from service.reputation.scorers import Scorers

MAX_NOTE = 2000
# An admin's reason, as the API takes it: bounded, and no NUL (PostgreSQL text cannot hold one).
Note = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_NOTE,
        pattern=r"^[^\x00]*$",
        description=f"why, kept in the audit trail: at most {MAX_NOTE} characters, no NUL",
    ),
]


class PromotionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: PromotionKind  # training promoted a better model, or an admin promoted or rolled back
    from_version: str | None  # None: no model served before (the prior did)
    to_version: str
    note: str | None
    changed_by: UUID | None  # the API key that asked; None from the command line
    created_at: datetime


class PromotionReport(msgspec.Struct, frozen=True, kw_only=True):
    promotion: PromotionOut
    serving: str  # the version serving now
    refreshed: int  # candidates re-scored with it


def promotion_out(row: PromotionRow) -> PromotionOut:
    return PromotionOut(
        id=row.id,
        kind=row.kind,
        from_version=row.from_version,
        to_version=row.to_version,
        note=row.note,
        changed_by=row.changed_by,
        created_at=row.created_at,
    )


def checked_note(text: str) -> str | None:
    """A note typed into a form or on the command line: None when blank; a 400 naming
    `note` when it is too long or holds NUL (the API's `Note` says the same)."""
    if len(text) > MAX_NOTE or "\x00" in text:
        raise ServiceError(
            f"The note may hold at most {MAX_NOTE} characters and no NUL; it has {len(text)}.",
            field="note",
        )
    return text if text.strip() else None


async def put_in_service(
    conn: Connection,
    scorers: Scorers,
    model: TrainedModel,
    *,
    kind: PromotionKind,
    changed_by: UUID | None,
    note: str | None,
    now: datetime,
) -> tuple[PromotionRow, RefreshReport]:
    """Make a stored `model` the one that serves, audit the change, and re-score every
    candidate with it. The caller holds the training lock (`models.lock_training`)."""
    previous = await repo.promoted_version(conn)
    await repo.demote_all(conn)
    await repo.mark_promoted(conn, version=model.version)
    audit = await repo.insert_promotion(
        conn,
        kind=kind,
        from_version=previous,
        to_version=model.version,
        note=note,
        changed_by=changed_by,
    )
    scorers.remember(model)
    return audit, await refresh(conn, scorers, now=now)


async def _servable(conn: Connection, version: str) -> TrainedModel:
    """The stored model, loaded, or a 409 when this code could not serve it."""
    data = await repo.model_bytes(conn, version=version)
    if data is None:
        raise NotFoundError(f"No model version {version!r}.", field="version")
    try:
        model = await asyncio.to_thread(load_model, data)
    except UntrustedModelError as exc:
        raise ConflictError(
            f"Model version {version} cannot serve: its stored file is refused ({exc}).",
            field="version",
        ) from exc
    if model.meta.feature_version != FEATURE_VERSION:
        raise ConflictError(
            f"Model version {version} reads features {model.meta.feature_version}; this code "
            f"computes {FEATURE_VERSION}, so it cannot serve.",
            field="version",
        )
    return model


async def _change(
    conn: Connection,
    scorers: Scorers,
    version: str,
    *,
    kind: PromotionKind,
    changed_by: UUID | None,
    note: str | None,
    now: datetime | None,
) -> PromotionReport:
    model = await _servable(conn, version)
    audit, refreshed = await put_in_service(
        conn,
        scorers,
        model,
        kind=kind,
        changed_by=changed_by,
        note=note,
        now=now or datetime.now(UTC),
    )
    return PromotionReport(
        promotion=promotion_out(audit), serving=version, refreshed=refreshed.candidates
    )


async def promote(
    conn: Connection,
    scorers: Scorers,
    *,
    version: str,
    changed_by: UUID | None,
    note: str | None,
    now: datetime | None = None,
) -> PromotionReport:
    """Serve `version` from now on, whatever its figures: the admin's call, audited.

    Refused, changing nothing: an unknown version (404), the serving one (409).
    """
    await repo.lock_training(conn)  # one change of the serving version at a time
    row = await repo.get_version(conn, version=version)
    if row is None:
        raise NotFoundError(f"No model version {version!r}.", field="version")
    if row.promoted:
        raise ConflictError(f"Model version {version} is already serving.", field="version")
    return await _change(
        conn, scorers, version, kind="promotion", changed_by=changed_by, note=note, now=now
    )


async def rollback(
    conn: Connection,
    scorers: Scorers,
    *,
    changed_by: UUID | None,
    note: str | None,
    now: datetime | None = None,
) -> PromotionReport:
    """Serve again the version that served before the serving one (rolling back twice
    returns to where it started, as `kubectl rollout undo` does). 409 when there is none."""
    await repo.lock_training(conn)
    serving = await repo.promoted_version(conn)
    if serving is None:
        raise ConflictError("No model version is serving (the prior is): nothing to roll back.")
    previous = await repo.previous_version(conn)
    if previous is None:
        raise ConflictError(
            f"No version served before {serving}: there is nothing to roll back to."
        )
    return await _change(
        conn, scorers, previous, kind="rollback", changed_by=changed_by, note=note, now=now
    )


async def rollback_target(conn: Connection) -> str | None:
    """The version a rollback would serve now, if any: for pages offering one."""
    if await repo.promoted_version(conn) is None:
        return None
    return await repo.previous_version(conn)
