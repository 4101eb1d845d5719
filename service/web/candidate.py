"""Candidate pages: trials to take, a trial, submitting, live status, results, history.

Visibility and the shape of a result come from the API's own functions, so a
page never shows more than `GET /v1/submissions/{id}` would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from service.attachments import attachment
from service.attempts.service import (
    attempt_out,
    attempt_rules,
    attempts_of,
    finish_attempt,
    require_opened,
    start_attempt,
    trial_opened,
)
from service.auth_types import EVERY_ROLE
from service.db.connection import Connection, PooledConnection
from service.errors import NotFoundError, ServiceError
from service.repo import submission_history
from service.repo import trials as trials_repo
from service.repo.trials import TrialRow
from service.submissions.quotas import Quotas
from service.submissions.service import (
    MAX_SUBMISSION_BYTES,
    create_submission,
    result_view,
    visible_submission,
)
from service.trials.packages import cached_package
from service.trials.service import current_trial
from service.trials.service import starter_download as starter_files
from service.web.render import page
from service.web.sessions import Viewer, signed_in
from trials.errors import SubmissionRejected
from trials.submissions import read_submission

EDITABLE_BYTES = 64 * 1024  # larger starter files are offered as a download only
DONE = frozenset({"graded", "failed"})
INFRA_FAILURE = (
    "Grading could not be completed because of an infrastructure failure; "
    "it does not count against you."
)


# How scoring/grading/verdicts.py words a test that collection stopped: "not run: SyntaxError
# while collecting public_tests/test_x.py: <pytest's traceback>". The words before the
# traceback are what a candidate reads first; the traceback is folded under them.
_NOT_RUN = re.compile(r"(not run: .+? while collecting \S+?): ")
HEADLINE_CHARS = 160
FOLD_CHARS = 300  # a test message longer than this, or of more than FOLD_LINES, is folded
FOLD_LINES = 4


def _headline(message: str) -> str:
    """A test message's first words, as the summary of its folded whole."""
    first = message.split("\n", 1)[0]
    if found := _NOT_RUN.match(first):
        first = found.group(1)
    return first if len(first) <= HEADLINE_CHARS else first[: HEADLINE_CHARS - 1] + "…"


def _folded(message: str) -> bool:
    return len(message) > FOLD_CHARS or message.count("\n") >= FOLD_LINES


class StatusOut(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    done: bool


@get("/trials", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def trial_list(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    skill: FromQuery[str | None] = None,
) -> Template:
    every = await trials_repo.list_trials(
        conn, skill=None, after=None, limit=500, scope=viewer.principal.scope
    )
    skills = sorted({s for t in every for s in t.skills})
    shown = [t for t in every if skill is None or skill in t.skills]
    return page("trials.html", viewer, trials=shown, skills=skills, skill=skill)


async def _trial_page(
    conn: Connection,
    viewer: Viewer,
    trial_id: str,
    *,
    error: str | None = None,
    field: str | None = None,
    drafts: dict[str, str] | None = None,
    refused: ServiceError | None = None,
) -> Template:
    """The trial page; with `error`, answered with the refusal's status and headers (a 429
    keeps its Retry-After), the candidate's edits kept in the editor."""
    row, version = await current_trial(conn, trial_id, scope=viewer.principal.scope)
    package = cached_package(version.content_hash, version.package)
    editable = {
        path: data.decode("utf-8")
        for path, data in sorted(package.starter.items())
        if len(data) <= EDITABLE_BYTES and _is_text(data)
    }
    # A refused submission comes back with the candidate's files in the editor; each such
    # file keeps its starter beside it, for the editor's "Discard draft".
    drafts = drafts or {}
    originals = {path: text for path, text in editable.items() if path in drafts}
    editable = {path: drafts.get(path, text) for path, text in editable.items()}
    attempts = []
    if viewer.role == "candidate" and viewer.actor_id is not None:
        attempts = [
            attempt_out(a)
            for a in await attempts_of(
                conn, viewer.principal, viewer.actor_id, trial_id=row.id, limit=20
            )
        ]
    current = next((a for a in attempts if a.status in ("open", "grading")), None)
    now = datetime.now(UTC)
    return page(
        "trial.html",
        viewer,
        # a conflict and a rate limit keep their status; any other refusal is the form's
        status=(refused.status if refused and refused.status in {409, 429} else 422)
        if error
        else 200,
        headers={k: v for k, v in refused.headers.items() if k == "Retry-After"}
        if refused
        else None,
        trial=row,
        limits=row.manifest["limits"],
        rules=attempt_rules(row),
        statement=package.statement,
        public_tests={
            p: d.decode("utf-8", "replace") for p, d in sorted(package.public_tests.items())
        },
        hidden_count=row.hidden_tests,
        starter=editable,
        originals=originals,
        may_submit=viewer.role == "candidate",
        opened=await trial_opened(conn, viewer.principal, row.id),
        attempt=current,
        past_attempts=[a for a in attempts if a is not current],
        next_attempt_at=max(
            (a.next_attempt_at for a in attempts if a is not current and a.next_attempt_at > now),
            default=None,
        ),
        error=error,
        field=field,
        max_mb=MAX_SUBMISSION_BYTES // (1024 * 1024),
    )


async def _visible_trial(conn: Connection, viewer: Viewer, trial_id: str) -> TrialRow:
    trial = await trials_repo.get_trial(conn, trial_id=trial_id, scope=viewer.principal.scope)
    if trial is None:
        raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
    return trial


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@get("/trials/{trial_id:str}", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def trial_page(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    trial_id: FromPath[str],
) -> Template:
    return await _trial_page(conn, viewer, trial_id)


@get("/trials/{trial_id:str}/starter", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def starter_download(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    trial_id: FromPath[str],
    format: FromQuery[Literal["tar.gz", "zip"]] = "zip",
) -> Response[bytes]:
    download = await starter_files(conn, trial_id, format, scope=viewer.principal.scope)
    await require_opened(conn, viewer.principal, trial_id)
    return attachment(download)


def _edited_files(form: Any) -> dict[str, str]:
    # Browsers send textarea line breaks as CRLF; the candidate typed LF.
    return {
        key.removeprefix("file:"): str(value).replace("\r\n", "\n")
        for key, value in form.items()
        if key.startswith("file:")
    }


@post(
    "/trials/{trial_id:str}/submissions",
    include_in_schema=False,
    request_max_body_size=MAX_SUBMISSION_BYTES,
    guards=[signed_in("candidate")],
)
async def submit(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    trial_id: FromPath[str],
) -> Any:
    trial = await _visible_trial(conn, viewer, trial_id)
    form = await request.form()
    upload = form.get("archive")
    practice = form.get("action") == "practice"
    drafts = _edited_files(form)
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            files = read_submission(await upload.read())
        elif drafts:
            files = read_submission(drafts)
        else:
            raise ServiceError("Choose an archive to upload, or edit the files.", field="archive")
        submission_id = await create_submission(
            conn,
            viewer.principal,
            trial=trial,
            files=files,
            candidate_id=None,
            quotas=Quotas.from_settings(request.app.state.settings),
            practice=practice,
        )
    except SubmissionRejected as exc:
        field = f"file {exc.path}" if exc.path else "archive"
        return await _trial_page(
            conn, viewer, trial_id, error=exc.message, field=field, drafts=drafts
        )
    except ServiceError as exc:
        return await _trial_page(
            conn,
            viewer,
            trial_id,
            error=exc.detail,
            field=_FIELD_NAMES.get(exc.field or ""),
            drafts=drafts,
            refused=exc,
        )
    return Redirect(f"/submissions/{submission_id}", status_code=303)


# Field names as a candidate reads them on the page (the API's names mean nothing there).
_FIELD_NAMES = {"archive": "archive", "trial_id": "submission"}


@post("/trials/{trial_id:str}/attempts", include_in_schema=False, guards=[signed_in("candidate")])
async def start(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    trial_id: FromPath[str],
) -> Any:
    trial = await _visible_trial(conn, viewer, trial_id)
    try:
        await start_attempt(conn, viewer.principal, trial=trial, candidate_id=None)
    except ServiceError as exc:
        return await _trial_page(
            conn, viewer, trial_id, error=exc.detail, field="attempt", refused=exc
        )
    return Redirect(f"/trials/{trial_id}#attempt", status_code=303)


@post(
    "/attempts/{attempt_id:uuid}/finish", include_in_schema=False, guards=[signed_in("candidate")]
)
async def finish(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    attempt_id: FromPath[UUID],
) -> Redirect:
    row = await finish_attempt(conn, viewer.principal, attempt_id)
    return Redirect(f"/trials/{row.trial_id}#attempt", status_code=303)


@get("/submissions/{submission_id:uuid}", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def submission_page(
    state: State, viewer: NamedDependency[Viewer], submission_id: FromPath[UUID]
) -> Template:
    row, result = await visible_submission(state.pool, viewer.principal, submission_id)
    shown = (
        result_view(result, viewer.principal, row.hidden_tests)
        if result and row.status == "graded"
        else None
    )
    tests = shown.tests if shown else []
    return page(
        "submission.html",
        viewer,
        submission=row,
        result=shown,
        public_tests=[t for t in tests if t.visible],
        hidden_tests=[t for t in tests if not t.visible],
        done=row.status in DONE,
        infra_failure=INFRA_FAILURE if row.status == "failed" else None,
        headline=_headline,
        folded=_folded,
    )


@get(
    "/submissions/{submission_id:uuid}/status",
    include_in_schema=False,
    guards=[signed_in(*EVERY_ROLE)],
)
async def submission_status(
    state: State, viewer: NamedDependency[Viewer], submission_id: FromPath[UUID]
) -> Response[StatusOut]:
    row, _ = await visible_submission(state.pool, viewer.principal, submission_id)
    return Response(
        StatusOut(status=row.status, done=row.status in DONE),
        headers={"Cache-Control": "no-store"},
    )


@get("/submissions", include_in_schema=False, guards=[signed_in("candidate")])
async def history(
    conn: NamedDependency[PooledConnection], viewer: NamedDependency[Viewer]
) -> Template:
    assert viewer.actor_id is not None  # candidate keys always name their candidate
    rows = await submission_history.for_candidate(conn, candidate_id=viewer.actor_id)
    attempts = await attempts_of(conn, viewer.principal, viewer.actor_id, limit=100)
    return page("history.html", viewer, rows=rows, attempts=[attempt_out(a) for a in attempts])


ROUTES = [
    trial_list,
    trial_page,
    starter_download,
    submit,
    start,
    finish,
    submission_page,
    submission_status,
    history,
]
