"""Submissions: a candidate's files for a trial, graded asynchronously by the worker."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import PooledConnection
from service.errors import NotFoundError, ServiceError, field_from_msgspec
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.people.service import candidate_in_scope
from service.repo import submissions as repo
from service.repo import trials as trials_repo
from service.submissions.quotas import Quotas
from service.submissions.schemas import SubmissionJSON, SubmissionOut
from service.submissions.service import (
    MAX_SUBMISSION_BYTES,
    create_submission,
    may_see_candidate,
    result_view,
    submission_out,
    visible_submission,
)
from trials.submissions import read_submission, submission_sha256


async def _read_body(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, bytes], UUID | None]:
    """The candidate's files from a multipart archive or a JSON map, and whom they are for."""
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
        return read_submission(data.files), data.candidate_id
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
        return read_submission(await upload.read()), candidate_id
    raise ServiceError(
        "Send multipart/form-data with an `archive` file, or JSON with a `files` map.",
        field="content-type",
    )


async def _submit(
    pool: asyncpg.Pool,
    principal: Principal,
    request: Request[Any, Any, Any],
    trial_id: str,
    idempotency_key: str | None,
    *,
    practice: bool,
) -> Response[Any]:
    # The whole body before a connection is taken: a client trickling its files holds
    # none meanwhile, and the transaction's clock starts once they have arrived.
    files, requested = await _read_body(request)
    async with pool.acquire() as conn, conn.transaction():
        return await _store(
            conn,
            principal,
            request,
            trial_id=trial_id,
            idempotency_key=idempotency_key,
            files=files,
            requested=requested,
            practice=practice,
        )


async def _store(
    conn: PooledConnection,
    principal: Principal,
    request: Request[Any, Any, Any],
    *,
    trial_id: str,
    idempotency_key: str | None,
    files: dict[str, bytes],
    requested: UUID | None,
    practice: bool,
) -> Response[Any]:
    # The files, not the bytes: the same files packed again are the same submission.
    content = {"files": submission_sha256(files), "candidate_id": requested, "practice": practice}
    if replay := await replayed(conn, principal, request, idempotency_key, content):
        return replay.response()
    trial = await trials_repo.get_trial(conn, trial_id=trial_id, scope=principal.scope)
    if trial is None:
        raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
    submission_id = await create_submission(
        conn,
        principal,
        trial=trial,
        files=files,
        candidate_id=requested,
        quotas=Quotas.from_settings(request.app.state.settings),
        practice=practice,
    )
    row = await repo.get_submission(conn, submission_id=submission_id)
    assert row is not None  # inserted above, same transaction
    return await answer(
        conn,
        principal,
        idempotency_key,
        submission_out(row),
        status_code=202,
        headers={"Location": f"/v1/submissions/{submission_id}"},
    )


class SubmissionController(Controller):
    tags = ("submissions",)

    @post(
        "/v1/trials/{trial_id:str}/submissions",
        summary="Submit files for a trial (multipart `archive`, or JSON `files`); graded "
        "asynchronously. Joins the candidate's open attempt, or starts one.",
        request_max_body_size=MAX_SUBMISSION_BYTES,
        status_code=202,
        guards=[allow("candidate", "admin", "platform")],
    )
    async def create(
        self,
        state: State,
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        trial_id: FromPath[str],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[Any]:
        return await _submit(
            state.pool, principal, request, trial_id, idempotency_key, practice=False
        )

    @post(
        "/v1/trials/{trial_id:str}/practice-runs",
        summary="Run the public tests on files (as a submission); never counted, never shown "
        "to clients",
        request_max_body_size=MAX_SUBMISSION_BYTES,
        status_code=202,
        guards=[allow("candidate", "admin", "platform")],
    )
    async def practice(
        self,
        state: State,
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        trial_id: FromPath[str],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[Any]:
        return await _submit(
            state.pool, principal, request, trial_id, idempotency_key, practice=True
        )

    @get(
        "/v1/submissions/{submission_id:uuid}",
        summary="A submission's status and, once graded, its result",
        guards=[allow(*EVERY_ROLE)],
    )
    async def read(
        self,
        state: State,
        principal: NamedDependency[Principal],
        submission_id: FromPath[UUID],
    ) -> SubmissionOut:
        row, result = await visible_submission(state.pool, principal, submission_id)
        if row.status == "graded":
            return submission_out(
                row, result_view(result, principal, row.hidden_tests) if result else None
            )
        if row.status == "failed":
            return submission_out(
                row,
                error="Grading could not be completed because of an infrastructure failure; it does not count against the candidate.",
            )
        return submission_out(row)

    @get(
        "/v1/candidates/{candidate_id:uuid}/submissions",
        summary="A candidate's submissions, newest first (clients: only counted results)",
        guards=[allow(*EVERY_ROLE)],
    )
    async def for_candidate(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        candidate_id: FromPath[UUID],
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[SubmissionOut]:
        await candidate_in_scope(conn, principal, candidate_id)
        if not may_see_candidate(principal, candidate_id):
            raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
        rows = await repo.list_for_candidate(
            conn,
            candidate_id=candidate_id,
            after=decode_cursor(cursor),
            limit=limit,
            counted_only=principal.role == "client",
        )
        next_cursor = (
            encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
        )
        return Page(items=[submission_out(r) for r in rows], next_cursor=next_cursor)
