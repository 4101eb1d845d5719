"""Submissions: a candidate's files for a trial, graded asynchronously by the worker."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import require
from service.auth_types import Principal
from service.db.connection import Connection, PooledConnection
from service.errors import NotFoundError, ServiceError, UnprocessableError, field_from_msgspec
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.repo import actors as actors_repo
from service.repo import jobs as jobs_repo
from service.repo import submissions as repo
from service.repo import trials as trials_repo
from service.repo.submissions import ResultRow, SubmissionRow
from service.repo.trials import TrialRow
from trials.archives import write_tar
from trials.submissions import read_submission, submission_sha256

MAX_SUBMISSION_BYTES = 8 * 1024 * 1024


class _GradedCache:
    """Graded submissions with their results, by id.

    A result is written once (results are keyed by submission) and never changes,
    so a graded entry can be kept for the life of the process; queued and running
    ones are never cached. Bounded, oldest dropped first.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._entries: OrderedDict[UUID, tuple[SubmissionRow, ResultRow | None]] = OrderedDict()

    def get(self, submission_id: UUID) -> tuple[SubmissionRow, ResultRow | None] | None:
        return self._entries.get(submission_id)

    def put(self, submission_id: UUID, entry: tuple[SubmissionRow, ResultRow | None]) -> None:
        self._entries[submission_id] = entry
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


graded_cache = _GradedCache()


class SubmissionJSON(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    files: dict[str, Any]  # values checked one by one, so an error can name the file
    candidate_id: UUID | None = None


class TestOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    outcome: str
    visible: bool
    weight: float
    message: str = ""


class ResultOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    verdict: str
    score: float
    summary: str
    tests: list[TestOut]
    duration_ms: int
    peak_memory_mb: float
    flags: list[str] | None = None  # operators only
    output: str | None = None  # operators only: raw output can leak hidden tests


class SubmissionOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: UUID
    trial_id: str
    trial_version: str
    candidate_id: UUID
    status: str
    archive_sha256: str
    file_count: int
    created_at: datetime
    graded_at: datetime | None = None
    result: ResultOut | None = None
    error: str | None = None


def result_view(result: ResultRow, principal: Principal) -> ResultOut:
    """What `principal` may see of a result. Hidden tests are outcome only, under
    a neutral label ("hidden test 3 of 21"): their names say what is checked,
    and anyone but an operator may be the candidate or pass it on."""
    operator = principal.role == "admin"
    hidden_total = sum(not t["visible"] for t in result.tests)
    hidden_number = itertools.count(1)
    tests = [
        TestOut(
            id=t["id"]
            if operator or t["visible"]
            else f"hidden test {next(hidden_number)} of {hidden_total}",
            outcome=t["outcome"],
            visible=t["visible"],
            weight=t["weight"],
            message=t.get("message", "") if (operator or t["visible"]) else "",
        )
        for t in result.tests
    ]
    return ResultOut(
        verdict=result.verdict,
        score=result.score,
        summary=result.summary,
        tests=tests,
        duration_ms=result.duration_ms,
        peak_memory_mb=result.peak_memory_mb,
        flags=result.flags if operator else None,
        output=result.output if operator else None,
    )


def _out(
    row: SubmissionRow, result: ResultOut | None = None, error: str | None = None
) -> SubmissionOut:
    return SubmissionOut(
        id=row.id,
        trial_id=row.trial_id,
        trial_version=row.trial_version,
        candidate_id=row.candidate_id,
        status=row.status,
        archive_sha256=row.archive_sha256,
        file_count=row.file_count,
        created_at=row.created_at,
        graded_at=row.graded_at,
        result=result,
        error=error,
    )


def may_see_candidate(principal: Principal, candidate_id: UUID) -> bool:
    return principal.role in {"admin", "platform", "client"} or principal.actor_id == candidate_id


async def _resolve_candidate(
    conn: Connection, principal: Principal, requested: UUID | None
) -> UUID:
    if principal.role == "candidate":
        if requested is not None and requested != principal.actor_id:
            raise ServiceError("A candidate submits only for themself.", field="candidate_id")
        assert principal.actor_id is not None  # a database constraint on candidate keys
        return principal.actor_id
    require(principal, "admin", "platform")
    if requested is None:
        raise ServiceError("Name the candidate this submission is for.", field="candidate_id")
    if await actors_repo.get_actor(conn, kind="candidate", actor_id=requested) is None:
        raise UnprocessableError(f"No candidate {requested}.", field="candidate_id")
    return requested


async def create_submission(
    conn: Connection,
    principal: Principal,
    *,
    trial: TrialRow,
    files: dict[str, bytes],
    candidate_id: UUID | None,
) -> UUID:
    """Store checked files for the trial's current version and queue them for grading."""
    candidate = await _resolve_candidate(conn, principal, candidate_id)
    submission_id = await repo.insert_submission(
        conn,
        trial_version_id=trial.version_id,
        candidate_id=candidate,
        submitted_by=principal.key_id,
        archive=write_tar(files),
        archive_sha256=submission_sha256(files),
        file_count=len(files),
    )
    await jobs_repo.enqueue(conn, kind="grade", submission_id=submission_id)
    return submission_id


async def visible_submission(
    pool: asyncpg.Pool, principal: Principal, submission_id: UUID
) -> tuple[SubmissionRow, ResultRow | None]:
    """The submission and its result, if the principal may see it; otherwise not found."""
    found = graded_cache.get(submission_id)
    if found is None:
        async with pool.acquire() as conn:
            found = await repo.get_submission_with_result(conn, submission_id=submission_id)
        if found is not None and found[0].status == "graded":
            graded_cache.put(submission_id, found)
    if found is None or not may_see_candidate(principal, found[0].candidate_id):
        raise NotFoundError(f"No submission {submission_id}.", field="submission_id")
    return found


async def _read_body(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, bytes], UUID | None, bytes]:
    """The candidate's files from a multipart archive or a JSON map, and the raw body."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = msgspec.json.decode(raw, type=SubmissionJSON)
        except msgspec.ValidationError as exc:
            raise ServiceError(str(exc), field=field_from_msgspec(str(exc)) or "body") from exc
        except msgspec.DecodeError as exc:
            raise ServiceError(f"The body is not valid JSON: {exc}", field="body") from exc
        for path, text in data.files.items():
            if not isinstance(text, str):
                raise ServiceError(
                    "A file's content must be a string of UTF-8 text.", field=f"files.{path}"
                )
        return read_submission(data.files), data.candidate_id, raw
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("archive")
        if upload is None or isinstance(upload, str):
            raise ServiceError("Attach the files as a form field named `archive`.", field="archive")
        candidate = form.get("candidate_id")
        try:
            candidate_id = UUID(candidate) if isinstance(candidate, str) and candidate else None
        except ValueError as exc:
            raise ServiceError("candidate_id is not a UUID.", field="candidate_id") from exc
        return read_submission(await upload.read()), candidate_id, raw
    raise ServiceError(
        "Send multipart/form-data with an `archive` file, or JSON with a `files` map.",
        field="content-type",
    )


class SubmissionController(Controller):
    tags = ("submissions",)

    @post(
        "/v1/trials/{trial_id:str}/submissions",
        summary="Submit files for a trial (multipart `archive`, or JSON `files`); graded asynchronously",
        request_max_body_size=MAX_SUBMISSION_BYTES,
        status_code=202,
    )
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        trial_id: FromPath[str],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[Any]:
        require(principal, "candidate", "admin", "platform")
        if replay := await replayed(conn, principal, request, idempotency_key):
            return replay.response()
        trial = await trials_repo.get_trial(conn, trial_id=trial_id)
        if trial is None:
            raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
        files, requested, _ = await _read_body(request)
        submission_id = await create_submission(
            conn, principal, trial=trial, files=files, candidate_id=requested
        )
        row = await repo.get_submission(conn, submission_id=submission_id)
        assert row is not None  # inserted above, same transaction
        return await answer(
            conn,
            principal,
            idempotency_key,
            _out(row),
            status_code=202,
            headers={"Location": f"/v1/submissions/{submission_id}"},
        )

    @get(
        "/v1/submissions/{submission_id:uuid}",
        summary="A submission's status and, once graded, its result",
    )
    async def read(
        self,
        state: State,
        principal: NamedDependency[Principal],
        submission_id: FromPath[UUID],
    ) -> SubmissionOut:
        row, result = await visible_submission(state.pool, principal, submission_id)
        if row.status == "graded":
            return _out(row, result_view(result, principal) if result else None)
        if row.status == "failed":
            return _out(
                row,
                error="Grading could not be completed because of an infrastructure failure; it does not count against the candidate.",
            )
        return _out(row)

    @get(
        "/v1/candidates/{candidate_id:uuid}/submissions",
        summary="A candidate's submissions, newest first",
    )
    async def for_candidate(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        candidate_id: FromPath[UUID],
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[SubmissionOut]:
        if not may_see_candidate(principal, candidate_id):
            raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
        rows = await repo.list_for_candidate(
            conn, candidate_id=candidate_id, after=decode_cursor(cursor), limit=limit
        )
        next_cursor = (
            encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
        )
        return Page(items=[_out(r) for r in rows], next_cursor=next_cursor)
