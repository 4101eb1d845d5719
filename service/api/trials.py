"""Trials: operators upload packages; everyone signed in can browse and download starters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery

from service.attachments import attachment
from service.attempts.service import attempt_rules, require_opened, trial_opened
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import PooledConnection
from service.fields import OrganizationQuery
from service.pagination import LimitQuery, Page
from service.people.service import organization_named
from service.repo import trials as repo
from service.repo.trials import TrialRow
from service.trials.importer import TrialImported, import_package
from service.trials.packages import cached_package
from service.trials.service import current_trial, starter_download
from trials.package import load_package

TrialId = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9][a-z0-9-]{1,62}\Z")]
MAX_PACKAGE_BYTES = 16 * 1024 * 1024


class TrialUpload(msgspec.Struct, kw_only=True):
    package: UploadFile


class TrialLimitsOut(msgspec.Struct, frozen=True, kw_only=True):
    wall_seconds: float
    memory_mb: int
    pids: int
    output_kb: int


class TrialSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    version: str
    skills: list[str]
    difficulty: int
    runtime: str
    limits: TrialLimitsOut


class AttemptRulesOut(msgspec.Struct, frozen=True, kw_only=True):
    minutes: int  # the time box
    submissions: int  # graded submissions per attempt
    cooldown_hours: float  # before the next attempt at the trial


class TrialDetail(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    version: str
    content_hash: str
    skills: list[str]
    difficulty: int
    runtime: str
    limits: TrialLimitsOut
    # A candidate reads the statement and the public tests once they start an attempt.
    opened: bool
    statement: str | None
    starter_files: list[str]
    public_tests: dict[str, str]
    public_test_count: int
    hidden_test_count: int
    hidden_tests_shown_as: Literal["labels", "count"]
    attempt: AttemptRulesOut


def _summary(row: TrialRow) -> TrialSummary:
    manifest: dict[str, Any] = row.manifest
    return TrialSummary(
        id=row.id,
        title=row.title,
        version=row.version,
        skills=row.skills,
        difficulty=row.difficulty,
        runtime=manifest["runtime"],
        limits=msgspec.convert(manifest["limits"], TrialLimitsOut),
    )


class TrialController(Controller):
    path = "/v1/trials"
    tags = ("trials",)

    @post(
        "/",
        summary="Upload a trial package (tar.gz or zip); it is graded before it becomes available",
        request_max_body_size=MAX_PACKAGE_BYTES,
        status_code=201,
        guards=[allow("admin")],
    )
    async def upload(
        self,
        conn: NamedDependency[PooledConnection],
        state: State,
        data: Annotated[TrialUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        organization: OrganizationQuery = None,
    ) -> TrialImported:
        organization_id = None
        if organization is not None:
            organization_id = await organization_named(conn, organization)
        package = load_package(await data.package.read())
        return await import_package(conn, state.sandboxes, package, organization_id=organization_id)

    @get(
        "/", summary="Trials that can be taken, by id; filter by skill", guards=[allow(*EVERY_ROLE)]
    )
    async def index(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        skill: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[TrialSummary]:
        rows = await repo.list_trials(
            conn, skill=skill, after=cursor, limit=limit, scope=principal.scope
        )
        next_cursor = rows[-1].id if len(rows) == limit else None
        return Page(items=[_summary(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/{trial_id:str}",
        summary="A trial: limits and attempt rules; its statement and public tests (never hidden "
        "ones) for candidates once they start an attempt",
        guards=[allow(*EVERY_ROLE)],
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        trial_id: FromPath[str],
    ) -> TrialDetail:
        row, version = await current_trial(conn, trial_id, scope=principal.scope)
        package = cached_package(version.content_hash, version.package)
        summary = _summary(row)
        opened = await trial_opened(conn, principal, row.id)
        rules = attempt_rules(row)
        return TrialDetail(
            **msgspec.structs.asdict(summary),
            content_hash=row.content_hash,
            opened=opened,
            statement=package.statement if opened else None,
            starter_files=sorted(package.starter),
            public_tests={
                p: d.decode("utf-8", "replace") for p, d in sorted(package.public_tests.items())
            }
            if opened
            else {},
            public_test_count=row.public_tests,
            hidden_test_count=row.hidden_tests,
            hidden_tests_shown_as=row.manifest.get("hidden_tests", "labels"),
            attempt=AttemptRulesOut(
                minutes=rules.minutes,
                submissions=rules.submissions,
                cooldown_hours=rules.cooldown_hours,
            ),
        )

    @get(
        "/{trial_id:str}/starter",
        summary="The starter files as an archive",
        guards=[allow(*EVERY_ROLE)],
    )
    async def starter(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        trial_id: FromPath[str],
        format: FromQuery[Literal["tar.gz", "zip"]] = "tar.gz",
    ) -> Response[bytes]:
        download = await starter_download(conn, trial_id, format, scope=principal.scope)
        await require_opened(conn, principal, trial_id)  # after: a trial not seen is not found
        return attachment(download)
