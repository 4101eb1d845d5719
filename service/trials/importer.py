"""Importing a trial package: validate, grade its solution and starter, then store."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import msgspec

from sandboxes.interfaces import SandboxError
from service.db.connection import Connection
from service.errors import ConflictError, TrialCheckFailed
from service.grading.grader import TrialCheck, check_trial
from service.grading.sandboxes import SandboxProvider
from service.repo import trials as repo
from trials.package import TrialPackage, package_to_archive


class TrialImported(msgspec.Struct, frozen=True, kw_only=True):
    trial_id: str
    version: str
    content_hash: str
    version_id: str
    expected_tests: int
    already_present: bool


def check_package(provider: SandboxProvider, package: TrialPackage) -> TrialCheck:
    """Blocking; resets the provider when the engine failed, then re-raises."""
    try:
        return check_trial(provider.get(), package)
    except SandboxError:
        provider.reset()
        raise


async def import_package(
    conn: Connection,
    provider: SandboxProvider,
    package: TrialPackage,
    *,
    organization_id: UUID | None = None,
) -> TrialImported:
    """Store a package once its check passes, in the shared catalogue or, with
    `organization_id`, privately for that organization; the same content twice is a no-op."""
    manifest = package.manifest
    existing = await repo.version_by_hash(conn, content_hash=package.content_hash)
    if existing is not None:
        trial = await repo.get_trial(conn, trial_id=existing.trial_id, scope=None)
        if trial is not None and trial.organization_id != organization_id:
            raise ConflictError(repo.trial_elsewhere(existing.trial_id), field="package")
        await repo.set_current_version(conn, trial_id=existing.trial_id, version_id=existing.id)
        return TrialImported(
            trial_id=existing.trial_id,
            version=existing.version,
            content_hash=existing.content_hash,
            version_id=str(existing.id),
            expected_tests=len(existing.expected_tests),
            already_present=True,
        )
    check = await asyncio.to_thread(check_package, provider, package)
    if not check.ok:
        raise TrialCheckFailed(check.problems)
    await repo.upsert_trial(
        conn,
        trial_id=manifest.id,
        title=manifest.title,
        skills=list(manifest.skills),
        difficulty=manifest.difficulty,
        organization_id=organization_id,
    )
    report: dict[str, Any] = msgspec.to_builtins(
        {"solution": check.solution, "starter": check.starter}
    )
    version_id = await repo.insert_version(
        conn,
        trial_id=manifest.id,
        version=manifest.version,
        content_hash=package.content_hash,
        manifest=msgspec.to_builtins(manifest),
        statement=package.statement,
        package=package_to_archive(package),
        expected_tests=list(check.expected_tests),
        check_report=report,
    )
    await repo.set_current_version(conn, trial_id=manifest.id, version_id=version_id)
    return TrialImported(
        trial_id=manifest.id,
        version=manifest.version,
        content_hash=package.content_hash,
        version_id=str(version_id),
        expected_tests=len(check.expected_tests),
        already_present=False,
    )
