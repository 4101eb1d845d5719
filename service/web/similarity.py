"""Operator pages for similarity flags: the list, and each pair side by side with a decision."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from service.db.connection import PooledConnection
from service.errors import NotFoundError, ServiceError
from service.repo import similarity as repo
from service.repo.similarity import FlagRow
from service.similarity.service import decide, flag_out, side_by_side
from service.web.render import page
from service.web.sessions import Viewer, signed_in


class Line(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    text: str
    matched: bool


def _lines(text: str, spans: list[tuple[int, int]]) -> list[Line]:
    return [
        Line(number=n, text=line, matched=any(a <= n <= b for a, b in spans))
        for n, line in enumerate(text.splitlines(), start=1)
    ]


def _spans(flag: FlagRow, side: Literal["a", "b"], file: str) -> list[tuple[int, int]]:
    return [
        (r[f"first_line_{side}"], r[f"last_line_{side}"])
        for r in flag.regions
        if r[f"file_{side}"] == file
    ]


@get("/operator/similarity", include_in_schema=False, guards=[signed_in("admin")])
async def flag_list(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    status: FromQuery[Literal["open", "cleared", "confirmed"] | None] = "open",
) -> Template:
    rows = await repo.list_flags(conn, status=status, trial_id=None, after=None, limit=200)
    return page("similarity.html", viewer, flags=[flag_out(r) for r in rows], shown_status=status)


async def _flag_page(
    conn: PooledConnection, viewer: Viewer, flag_id: UUID, error: str | None = None
) -> Template:
    flag = await repo.get_flag(conn, flag_id=flag_id)
    if flag is None:
        raise NotFoundError(f"No similarity flag {flag_id}.", field="flag_id")
    shown = await side_by_side(conn, flag)
    return page(
        "similarity_flag.html",
        viewer,
        status=409 if error else 200,
        flag=flag_out(flag),
        files_a={p: _lines(t, _spans(flag, "a", p)) for p, t in shown.files_a.items()},
        files_b={p: _lines(t, _spans(flag, "b", p)) for p, t in shown.files_b.items()},
        error=error,
    )


@get("/operator/similarity/{flag_id:uuid}", include_in_schema=False, guards=[signed_in("admin")])
async def flag_page(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    flag_id: FromPath[UUID],
) -> Template:
    return await _flag_page(conn, viewer, flag_id)


@post(
    "/operator/similarity/{flag_id:uuid}/decision",
    include_in_schema=False,
    guards=[signed_in("admin")],
)
async def flag_decision(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    flag_id: FromPath[UUID],
) -> Any:
    form = await request.form()
    decision = form.get("decision")
    note = str(form.get("note") or "").replace("\x00", "")[:2000]
    if decision not in ("cleared", "confirmed"):
        return await _flag_page(conn, viewer, flag_id, error="Choose cleared or confirmed.")
    try:
        await decide(conn, viewer.principal.key_id, flag_id, decision, note)
    except ServiceError as exc:
        return await _flag_page(conn, viewer, flag_id, error=exc.detail)
    return Redirect(f"/operator/similarity/{flag_id}", status_code=303)


ROUTES = [flag_list, flag_page, flag_decision]
