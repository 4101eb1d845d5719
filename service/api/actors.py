"""Candidates and clients: registered by admins and platforms, looked up by id or external ref."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from service.api.replay import IdempotencyHeader, answer, replayed
from service.auth import allow
from service.auth_types import EVERY_ROLE, Principal
from service.db.connection import Connection, PooledConnection
from service.errors import NotFoundError
from service.fields import Name, Ref
from service.pagination import LimitQuery, Page, decode_cursor, encode_cursor
from service.people.service import acting_organization, may_read_actor, register
from service.repo import actors as repo
from service.repo.actors import ActorKind, ActorRow

Slug = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9][a-z0-9-]{1,62}\Z")]


ORGANIZATION = msgspec.Meta(
    description="admins only: the organization's slug (default: `default`); a platform's "
    "people belong to its own organization"
)


class CandidateIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    external_ref: Ref | None = None
    display_name: Name = ""
    skills: Annotated[list[Slug], msgspec.Meta(max_length=50)] = []
    organization: Annotated[Slug, ORGANIZATION] | None = None


class ClientIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    external_ref: Ref | None = None
    display_name: Name = ""
    organization: Annotated[Slug, ORGANIZATION] | None = None


class ActorOut(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    external_ref: str | None
    display_name: str
    skills: list[str]
    created_at: datetime


def _out(row: ActorRow) -> ActorOut:
    return ActorOut(
        id=row.id,
        external_ref=row.external_ref,
        display_name=row.display_name,
        skills=row.skills,
        created_at=row.created_at,
    )


async def _create(
    conn: Connection,
    principal: Principal,
    kind: ActorKind,
    data: CandidateIn | ClientIn,
    *,
    request: Request[Any, Any, Any],
    idempotency_key: str | None,
) -> Response[ActorOut]:
    if replay := await replayed(conn, principal, request, idempotency_key, data):
        return replay.response()
    row = await register(
        conn,
        kind=kind,
        external_ref=data.external_ref,
        display_name=data.display_name,
        skills=getattr(data, "skills", ()),
        created_by=principal.actor_id,
        organization_id=await acting_organization(conn, principal, data.organization),
    )
    return await answer(conn, principal, idempotency_key, _out(row), status_code=201)


async def _get(conn: Connection, principal: Principal, kind: ActorKind, actor_id: UUID) -> ActorOut:
    row = await repo.get_actor(conn, kind=kind, actor_id=actor_id, scope=principal.scope)
    if row is None or not may_read_actor(principal, kind, actor_id):
        raise NotFoundError(f"No {kind} {actor_id}.")
    return _out(row)


async def _list(
    conn: Connection,
    principal: Principal,
    *,
    kind: ActorKind,
    external_ref: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ActorOut]:
    rows = await repo.list_actors(
        conn,
        kind=kind,
        external_ref=external_ref,
        after=decode_cursor(cursor),
        limit=limit,
        scope=principal.scope,
    )
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
    return Page(items=[_out(r) for r in rows], next_cursor=next_cursor)


class _ActorController(Controller):
    """Reading is the same for every kind of actor; only registering differs (its body)."""

    kind: ClassVar[ActorKind]
    tags = ("actors",)

    @get("/{actor_id:uuid}", summary="One by id", guards=[allow(*EVERY_ROLE)])
    async def read(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        actor_id: FromPath[UUID],
    ) -> ActorOut:
        return await _get(conn, principal, self.kind, actor_id)

    @get(
        "/",
        summary="Newest first; filter by external_ref (admins and platforms)",
        guards=[allow("admin", "platform")],
    )
    async def index(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        external_ref: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: LimitQuery = 50,
    ) -> Page[ActorOut]:
        return await _list(
            conn,
            principal,
            kind=self.kind,
            external_ref=external_ref,
            cursor=cursor,
            limit=limit,
        )


class CandidateController(_ActorController):
    path = "/v1/candidates"
    kind = "candidate"

    @post("/", summary="Register a candidate", guards=[allow("admin", "platform")])
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[CandidateIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[ActorOut]:
        return await _create(
            conn, principal, self.kind, data, request=request, idempotency_key=idempotency_key
        )


class ClientController(_ActorController):
    path = "/v1/clients"
    kind = "client"

    @post("/", summary="Register a client", guards=[allow("admin", "platform")])
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[ClientIn],
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[ActorOut]:
        return await _create(
            conn, principal, self.kind, data, request=request, idempotency_key=idempotency_key
        )
