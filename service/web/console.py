"""The operator's console: every submission, filtered and paged; the queue, its workers and
its parked jobs, with retry and cancel."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from service.db.connection import PooledConnection
from service.errors import UnprocessableError
from service.repo import jobs as jobs_repo
from service.repo import operations, submission_list
from service.web import submission_filters as filters
from service.web.render import page
from service.web.sessions import Viewer, signed_in

Count = Annotated[int | None, QueryParameter(ge=0, le=1_000_000)]


@get("/operator/submissions", include_in_schema=False, guards=[signed_in("admin")])
async def submissions_page(  # noqa: PLR0917 - Litestar passes parameters by name
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    verdict: FromQuery[str] = "",
    trial: FromQuery[str] = "",
    candidate: FromQuery[str] = "",
    status: FromQuery[str] = "",
    practice: FromQuery[str] = "",
    by: FromQuery[str] = "",
    start: Annotated[str, QueryParameter(name="from")] = "",
    end: Annotated[str, QueryParameter(name="to")] = "",
    limit: FromQuery[str] = "",
    cursor: FromQuery[str] = "",
) -> Template:
    asked = filters.Asked(
        verdict=verdict,
        trial=trial,
        candidate=candidate,
        status=status,
        practice=practice,
        by=by,
        start=start,
        end=end,
        limit=limit,
    )
    trials = await submission_list.trial_choices(conn)
    shown: dict[str, Any] = {
        "asked": asked,
        "trials": trials,
        "verdicts": filters.VERDICTS,
        "statuses": filters.STATUSES,
        "paged": bool(cursor),
    }
    try:
        chosen = filters.parse(asked, cursor=cursor, trials={t.id for t in trials})
    except UnprocessableError as exc:
        return page(
            "operator_submissions.html",
            viewer,
            status=422,
            rows=[],
            next_url=None,
            error=exc.detail,
            error_field=exc.field,
            **shown,
        )
    rows = await submission_list.list_submissions(
        conn, where=chosen.where, after=chosen.after, limit=chosen.limit
    )
    full = len(rows) == chosen.limit
    return page(
        "operator_submissions.html",
        viewer,
        rows=rows,
        next_url=filters.next_page(asked, rows[-1]) if full else None,
        error=None,
        error_field=None,
        **shown,
    )


async def _queue_page(
    conn: PooledConnection,
    viewer: Viewer,
    *,
    status: int = 200,
    error: str | None = None,
    retried: int | None = None,
    cancelled: int | None = None,
) -> Template:
    return page(
        "operator_queue.html",
        viewer,
        status=status,
        error=error,
        retried=retried,
        cancelled=cancelled,
        wait=await operations.queue_wait(conn),
        waiting=await operations.waiting_jobs(conn),
        running=await operations.running_jobs(conn),
        parked=await operations.parked_jobs(conn),
        workers=await operations.workers(conn),
    )


@get("/operator/queue", include_in_schema=False, guards=[signed_in("admin")])
async def queue_page(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    retried: Count = None,
    cancelled: Count = None,
) -> Template:
    return await _queue_page(conn, viewer, retried=retried, cancelled=cancelled)


NOT_PARKED = (
    "The job of submission {id} is not parked (it is queued, running, done, or was "
    "already retried or cancelled): left alone."
)


@post(
    "/operator/queue/{submission_id:uuid}/retry",
    include_in_schema=False,
    guards=[signed_in("admin")],
)
async def retry_job(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    submission_id: FromPath[UUID],
) -> Any:
    queued = await jobs_repo.retry_parked(conn, submission_ids=[submission_id])
    if not queued:
        return await _queue_page(
            conn, viewer, status=409, error=NOT_PARKED.format(id=submission_id)
        )
    return Redirect(f"/operator/queue?retried={len(queued)}", status_code=303)


@post("/operator/queue/retry-all", include_in_schema=False, guards=[signed_in("admin")])
async def retry_all(conn: NamedDependency[PooledConnection]) -> Redirect:
    queued = await jobs_repo.retry_parked(conn, submission_ids=None)
    return Redirect(f"/operator/queue?retried={len(queued)}", status_code=303)


@post(
    "/operator/queue/{submission_id:uuid}/cancel",
    include_in_schema=False,
    guards=[signed_in("admin")],
)
async def cancel_job(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    submission_id: FromPath[UUID],
) -> Any:
    if not await jobs_repo.cancel_parked(conn, submission_id=submission_id):
        return await _queue_page(
            conn, viewer, status=409, error=NOT_PARKED.format(id=submission_id)
        )
    return Redirect("/operator/queue?cancelled=1", status_code=303)


ROUTES = [submissions_page, queue_page, retry_job, retry_all, cancel_job]
