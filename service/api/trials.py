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


class TrialDetail(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    version: str
    content_hash: str
    skills: list[str]
    difficulty: int
    runtime: str
    limits: TrialLimitsOut
    statement: str
    starter_files: list[str]
    public_tests: dict[str, str]
    hidden_test_count: int


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
        summary="A trial: statement, limits, public tests (never hidden ones)",
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
        return TrialDetail(
            **msgspec.structs.asdict(summary),
            content_hash=row.content_hash,
            statement=package.statement,
            starter_files=sorted(package.starter),
            public_tests={
                p: d.decode("utf-8", "replace") for p, d in sorted(package.public_tests.items())
            },
            hidden_test_count=sum(1 for t in version.expected_tests if t.startswith("tests/")),
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
        return attachment(await starter_download(conn, trial_id, format, scope=principal.scope))
