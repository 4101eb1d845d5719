"""One-time sign-in links for the web pages, made by admins and platforms for their people.

No Idempotency-Key here, unlike other writes: the answer is a credential, and
replaying it would mean storing it. A retry makes a new link; an unused one expires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.signin.links import DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, create_actor_sign_in_link


class SignInLinkIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    actor_id: UUID  # a candidate or a client
    ttl_seconds: Annotated[int, msgspec.Meta(ge=60, le=MAX_TTL_SECONDS)] = DEFAULT_TTL_SECONDS


class SignInLinkOut(msgspec.Struct, frozen=True, kw_only=True):
    url: str  # works once, until expires_at
    expires_at: datetime


class SignInLinkController(Controller):
    path = "/v1/sign-in-links"
    tags = ("web",)

    @post(
        "/",
        summary="A one-time link that signs a candidate or client in to the web pages",
        guards=[allow("admin", "platform")],
    )
    async def create(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        request: Request[Any, Any, Any],
        data: JSONBody[SignInLinkIn],
    ) -> Response[SignInLinkOut]:
        link = await create_actor_sign_in_link(
            conn,
            actor_id=data.actor_id,
            created_by=principal.key_id,
            scope=principal.scope,
            ttl_seconds=data.ttl_seconds,
        )
        base = str(request.base_url).rstrip("/")
        out = SignInLinkOut(url=base + link.path, expires_at=link.expires_at)
        return Response(out, status_code=201, headers={"Cache-Control": "no-store"})
