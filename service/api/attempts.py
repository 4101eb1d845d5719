"""Attempts: a candidate's timed session at a trial; its result is what counts."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.attempts.schemas import AttemptOut, AttemptStart
from service.attempts.service import (
    attempt_out,
    attempts_of,
    finish_attempt,
    start_attempt,
    visible_attempt,
)
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import PooledConnection
from service.errors import NotFoundError
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.people.service import candidate_in_scope
from service.repo import trials as trials_repo


class AttemptController(Controller):
    tags = ("attempts",)

    @post(
        "/v1/trials/{trial_id:str}/attempts",
        summary="Start an attempt: the time box, the submission limit and the cool-down come "
        "from the trial",
        status_code=201,
        guards=[allow("candidate", "admin", "platform")],
    )
    async def start(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        trial_id: FromPath[str],
        data: JSONBody[AttemptStart | None] = None,
    ) -> Response[AttemptOut]:
        trial = await trials_repo.get_trial(conn, trial_id=trial_id, scope=principal.scope)
        if trial is None:
            raise NotFoundError(f"No trial {trial_id!r}.", field="trial_id")
        row = await start_attempt(
            conn, principal, trial=trial, candidate_id=data.candidate_id if data else None
        )
        return Response(
            attempt_out(row), status_code=201, headers={"Location": f"/v1/attempts/{row.id}"}
        )

    @get(
        "/v1/attempts/{attempt_id:uuid}",
        summary="An attempt: its time left, submissions used and, once settled, its result",
        guards=[allow(*EVERY_ROLE)],
    )
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        attempt_id: FromPath[UUID],
    ) -> AttemptOut:
        return attempt_out(await visible_attempt(conn, principal, attempt_id), principal)

    @post(
        "/v1/attempts/{attempt_id:uuid}/finish",
        summary="Hand in early: no more submissions; the result settles once the last is graded",
        status_code=200,
        guards=[allow("candidate", "admin", "platform")],
    )
    async def finish(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        attempt_id: FromPath[UUID],
    ) -> AttemptOut:
        return attempt_out(await finish_attempt(conn, principal, attempt_id))

    @get(
        "/v1/candidates/{candidate_id:uuid}/attempts",
        summary="A candidate's attempts, newest first",
        guards=[allow(*EVERY_ROLE)],
    )
    async def for_candidate(  # noqa: PLR0917 - Litestar passes parameters by name
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        candidate_id: FromPath[UUID],
        trial: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[AttemptOut]:
        await candidate_in_scope(conn, principal, candidate_id)
        rows = await attempts_of(
            conn, principal, candidate_id, trial_id=trial, after=decode_cursor(cursor), limit=limit
        )
        next_cursor = (
            encode_cursor(rows[-1].started_at, rows[-1].id) if len(rows) == limit else None
        )
        return Page(items=[attempt_out(r, principal) for r in rows], next_cursor=next_cursor)
