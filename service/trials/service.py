"""Trials as candidates meet them: the current version, and its starter files."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from service.attachments import Download
from service.db.connection import Connection
from service.errors import NotFoundError
from service.repo import trials as repo
from service.repo.trials import TrialRow, TrialVersionRow
from service.trials.packages import cached_package
from trials.package import starter_archive


async def starter_download(
    conn: Connection, trial_id: str, format: Literal["tar.gz", "zip"], *, scope: UUID | None
) -> Download:
    """The current version's starter files (API and pages alike)."""
    row, version = await current_trial(conn, trial_id, scope=scope)
    package = cached_package(version.content_hash, version.package)
    return Download(
        filename=f"{row.id}-{row.version}-starter.{format}",
        media_type="application/zip" if format == "zip" else "application/gzip",
        data=starter_archive(package, fmt=format),
    )


async def current_trial(
    conn: Connection, trial_id: str, *, scope: UUID | None
) -> tuple[TrialRow, TrialVersionRow]:
    """A trial the caller's organization (`scope`; None for an admin) can see."""
    row = await repo.get_trial(conn, trial_id=trial_id, scope=scope)
    if row is None:
        raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
    version = await repo.get_version(conn, version_id=row.version_id)
    if version is None:  # current_version_id is a foreign key: only a concurrent delete
        raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
    return row, version
