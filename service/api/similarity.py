"""Similarity flags: pairs of submissions that look copied, for operators to decide."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.errors import NotFoundError
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.repo import similarity as repo
from service.similarity.service import FlagOut, decide, flag_out, side_by_side


class DecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["cleared", "confirmed"]
    note: Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^[^\x00]*$")] = ""


# Flags name other organizations' candidates and show their code: operators of the
# service only, not platforms.
OPERATORS = allow("admin", why="Similarity flags are for operators.")


class SimilarityController(Controller):
    path = "/v1/similarity-flags"
    tags = ("similarity",)

    @get("", summary="Pairs that look copied, newest first", guards=[OPERATORS])
    async def list_flags(
        self,
        conn: NamedDependency[PooledConnection],
        status: FromQuery[Literal["open", "cleared", "confirmed"] | None] = None,
        trial: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[FlagOut]:
        rows = await repo.list_flags(
            conn, status=status, trial_id=trial, after=decode_cursor(cursor), limit=limit
        )
        next_cursor = (
            encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
        )
        return Page(items=[flag_out(r) for r in rows], next_cursor=next_cursor)

    @get("/{flag_id:uuid}", summary="A flag with both sides' matching files", guards=[OPERATORS])
    async def read(
        self, conn: NamedDependency[PooledConnection], flag_id: FromPath[UUID]
    ) -> FlagOut:
        flag = await repo.get_flag(conn, flag_id=flag_id)
        if flag is None:
            raise NotFoundError(f"No similarity flag {flag_id}.", field="flag_id")
        return flag_out(flag, await side_by_side(conn, flag))

    @post(
        "/{flag_id:uuid}/decision",
        summary="Decide a flag: cleared (counts again) or confirmed (the later attempt is "
        "rejected)",
        status_code=200,
        guards=[OPERATORS],
    )
    async def decide(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        flag_id: FromPath[UUID],
        data: JSONBody[DecisionIn],
    ) -> FlagOut:
        return flag_out(await decide(conn, principal.key_id, flag_id, data.decision, data.note))
