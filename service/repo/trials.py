from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from service.db.connection import Connection
from service.errors import ConflictError


class TrialRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    skills: list[str]
    difficulty: int
    created_at: datetime
    version_id: UUID
    version: str
    content_hash: str
    manifest: dict[str, Any]
    organization_id: UUID | None  # None: the shared catalogue; else private to it
    public_tests: int  # how many tests a candidate may see and practise on
    hidden_tests: int


class TrialVersionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trial_id: str
    version: str
    content_hash: str
    manifest: dict[str, Any]
    statement: str
    package: bytes
    expected_tests: list[str]


async def upsert_trial(
    conn: Connection,
    *,
    trial_id: str,
    title: str,
    skills: list[str],
    difficulty: int,
    organization_id: UUID | None,
) -> None:
    """A trial keeps the catalogue it was first imported into (shared, or one
    organization's): a trial id is the same trial for everyone who can see it."""
    stored = await conn.fetchval(
        "INSERT INTO trials (id, title, skills, difficulty, organization_id) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET title = $2, skills = $3, "
        "difficulty = $4 WHERE trials.organization_id IS NOT DISTINCT FROM $5 RETURNING true",
        trial_id,
        title,
        skills,
        difficulty,
        organization_id,
    )
    if not stored:
        raise ConflictError(trial_elsewhere(trial_id), field="package")


def trial_elsewhere(trial_id: str) -> str:
    return (
        f"A trial {trial_id!r} already exists in another catalogue (shared, or another "
        "organization's); give this one another id."
    )


async def version_by_hash(conn: Connection, *, content_hash: str) -> TrialVersionRow | None:
    row = await conn.fetchrow(
        "SELECT id, trial_id, version, content_hash, manifest, statement, package, expected_tests "
        "FROM trial_versions WHERE content_hash = $1",
        content_hash,
    )
    return msgspec.convert(dict(row), TrialVersionRow) if row else None


async def insert_version(
    conn: Connection,
    *,
    trial_id: str,
    version: str,
    content_hash: str,
    manifest: dict[str, Any],
    statement: str,
    package: bytes,
    expected_tests: list[str],
    check_report: dict[str, Any],
) -> UUID:
    try:
        version_id: UUID = await conn.fetchval(
            "INSERT INTO trial_versions (trial_id, version, content_hash, manifest, statement, "
            "package, expected_tests, check_report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "RETURNING id",
            trial_id,
            version,
            content_hash,
            manifest,
            statement,
            package,
            expected_tests,
            check_report,
        )
    except asyncpg.UniqueViolationError as exc:
        raise ConflictError(
            f"Trial {trial_id} version {version} already exists with other content; "
            "versions are immutable, bump the version.",
            field="version",
        ) from exc
    return version_id


async def set_current_version(conn: Connection, *, trial_id: str, version_id: UUID) -> None:
    await conn.execute(
        "UPDATE trials SET current_version_id = $2 WHERE id = $1", trial_id, version_id
    )


_TRIAL_SELECT = (
    "SELECT t.id, t.title, t.skills, t.difficulty, t.created_at, v.id AS version_id, v.version, "
    "v.content_hash, v.manifest, t.organization_id, "
    "(SELECT count(*) FROM jsonb_array_elements_text(v.expected_tests) e WHERE e LIKE 'public\\_tests/%') "
    "  AS public_tests, "
    "(SELECT count(*) FROM jsonb_array_elements_text(v.expected_tests) e WHERE e NOT LIKE 'public\\_tests/%') "
    "  AS hidden_tests "
    "FROM trials t JOIN trial_versions v ON v.id = t.current_version_id "
)
# The shared catalogue, and the caller's organization's own trials (an admin: every one).
_VISIBLE = "($S::uuid IS NULL OR t.organization_id IS NULL OR t.organization_id = $S)"


async def list_trials(
    conn: Connection, *, skill: str | None, after: str | None, limit: int, scope: UUID | None
) -> list[TrialRow]:
    rows = await conn.fetch(
        _TRIAL_SELECT + "WHERE ($1::text IS NULL OR $1 = ANY (t.skills)) "
        "AND ($2::text IS NULL OR t.id > $2) AND "
        + _VISIBLE.replace("$S", "$4")
        + " ORDER BY t.id LIMIT $3",
        skill,
        after,
        limit,
        scope,
    )
    return [msgspec.convert(dict(r), TrialRow) for r in rows]


async def get_trial(conn: Connection, *, trial_id: str, scope: UUID | None) -> TrialRow | None:
    row = await conn.fetchrow(
        _TRIAL_SELECT + "WHERE t.id = $1 AND " + _VISIBLE.replace("$S", "$2"), trial_id, scope
    )
    return msgspec.convert(dict(row), TrialRow) if row else None


async def get_version(conn: Connection, *, version_id: UUID) -> TrialVersionRow | None:
    row = await conn.fetchrow(
        "SELECT id, trial_id, version, content_hash, manifest, statement, package, expected_tests "
        "FROM trial_versions WHERE id = $1",
        version_id,
    )
    return msgspec.convert(dict(row), TrialVersionRow) if row else None
