"""Browser sessions: a random token in an HttpOnly cookie, its sha256 in `web_sessions`.

A session stands for one API key, so revoking the key ends every session made
with it; each page request checks both in one query.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from service.auth import RoleGuard, secret_hash
from service.auth_types import Principal, Role
from service.db.connection import Connection
from service.errors import UnauthorizedError
from service.repo import web_sessions as repo

COOKIE = "tg_session"
SESSION_TTL = timedelta(hours=12)


class Viewer(msgspec.Struct, frozen=True, kw_only=True):
    """Who is looking at a page: the key's principal and a name to greet them by."""

    principal: Principal
    name: str

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def actor_id(self) -> UUID | None:
        return self.principal.actor_id


class SignInRequired(UnauthorizedError):  # noqa: N818 - an outcome: the page sends to sign-in
    """No live session: pages answer with a redirect to the sign-in page."""


def token_hash(token: str) -> bytes:
    return secret_hash(token)  # stored like an API key's secret


async def start_session(conn: Connection, *, key_id: UUID) -> str:
    """A new session for the key; the token goes into the cookie and nowhere else."""
    token = secrets.token_urlsafe(32)
    await repo.insert_session(
        conn,
        token_hash=token_hash(token),
        key_id=key_id,
        expires_at=datetime.now(UTC) + SESSION_TTL,
    )
    return token


async def end_session(conn: Connection, request: Request[Any, Any, Any]) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        await repo.end_session(conn, token_hash=token_hash(token))


def session_cookie(token: str, *, secure: bool) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=token,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def cleared_cookie(*, secure: bool) -> Cookie:
    return Cookie(
        key=COOKIE, value="", max_age=0, path="/", httponly=True, samesite="lax", secure=secure
    )


async def current_viewer(connection: ASGIConnection[Any, Any, Any, Any]) -> Viewer | None:
    """The session's viewer, looked up once per request: guards and pages share it."""
    if "user" in connection.scope:
        known: Viewer | None = connection.scope["user"]
        return known
    viewer = None
    token = connection.cookies.get(COOKIE)
    if token:
        async with connection.app.state.pool.acquire() as conn:
            found = await repo.find_session(conn, token_hash=token_hash(token))
        if found is not None:
            principal = Principal(
                key_id=found.key_id,
                role=found.role,
                actor_id=found.actor_id,
                organization_id=found.organization_id,
            )
            viewer = Viewer(principal=principal, name=found.name)
    connection.scope["user"] = viewer
    return viewer


async def provide_viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise SignInRequired("Sign in to see this page.")
    return viewer


class signed_in(RoleGuard):  # noqa: N801 - read as a rule where it is used: guards=[signed_in("admin")]
    """The pages' guard: a live session whose key holds one of the roles.

    Without a session the page redirects to sign-in; with the wrong role it is a 403 page.
    """

    async def principal(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
        viewer = await current_viewer(connection)
        if viewer is None:
            raise SignInRequired("Sign in to see this page.")
        return viewer.principal
