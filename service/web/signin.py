"""Signing in (an API key, or a one-time link), signing out, and where home is for each role."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from service.auth import split_key, verify_key
from service.auth_types import Role
from service.db.connection import PooledConnection
from service.repo import web_sessions as repo
from service.web.render import page
from service.web.sessions import (
    cleared_cookie,
    current_viewer,
    end_session,
    session_cookie,
    start_session,
    token_hash,
)

HOME: dict[Role, str] = {
    "candidate": "/trials",
    "client": "/candidates",
    "platform": "/candidates",
    "admin": "/operator",
}
LINK_GONE = (
    "This sign-in link has been used already, has expired, or was never issued. "
    "Ask whoever sent it for a new one."
)


def _local(target: str | None) -> str | None:
    r"""Only paths on this site: `next` must never send anyone elsewhere.

    Browsers read `//host` and `/\host` as another site, and drop tabs and line breaks from
    an address before reading it (`/<tab>/host` is `//host`), so a path holding any
    whitespace or control character is refused whole rather than cleaned.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _signed_in(request: Request[Any, Any, Any], token: str, target: str) -> Redirect:
    secure = request.app.state.settings.secure_cookies
    return Redirect(target, status_code=303, cookies=[session_cookie(token, secure=secure)])


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any], state: State) -> Redirect:
    viewer = await current_viewer(request)
    return Redirect(HOME[viewer.role] if viewer else "/sign-in", status_code=303)


@get("/sign-in", include_in_schema=False)
async def sign_in_form(
    request: Request[Any, Any, Any], state: State, next: FromQuery[str | None] = None
) -> Template:
    viewer = await current_viewer(request)
    return page("sign_in.html", viewer, next=_local(next) or "", error=None)


@post("/sign-in", include_in_schema=False)
async def sign_in(request: Request[Any, Any, Any], conn: NamedDependency[PooledConnection]) -> Any:
    form = await request.form()
    key = str(form.get("api_key") or "").strip()
    target = _local(str(form.get("next") or ""))
    parts = split_key(key)
    principal = await verify_key(conn, prefix=parts[0], secret=parts[1]) if parts else None
    if principal is None:
        error = (
            "Enter your API key: it starts with tg_."
            if not key
            else "That API key is unknown or has been revoked."
        )
        return page("sign_in.html", None, status=401, next=target or "", error=error)
    await end_session(conn, request)  # the browser's previous session, if any, ends here
    token = await start_session(conn, key_id=principal.key_id)
    return _signed_in(request, token, target or HOME[principal.role])


@get("/sign-in/link/{token:str}", include_in_schema=False)
async def link_form(conn: NamedDependency[PooledConnection], token: FromPath[str]) -> Template:
    # Opening the link only asks; a POST uses it. Mail scanners that fetch links
    # would otherwise spend it before its owner clicks.
    who = await repo.peek_link(conn, token_hash=token_hash(token))
    if who is None:
        return page("link.html", None, status=410, who=None, error=LINK_GONE, token="")
    return page("link.html", None, who=who, error=None, token=token)


@post("/sign-in/link/{token:str}", include_in_schema=False)
async def use_link(
    request: Request[Any, Any, Any], conn: NamedDependency[PooledConnection], token: FromPath[str]
) -> Any:
    who = await repo.use_link(conn, token_hash=token_hash(token))
    if who is None:
        return page("link.html", None, status=410, who=None, error=LINK_GONE, token="")
    await end_session(conn, request)
    session = await start_session(conn, key_id=who.key_id)
    return _signed_in(request, session, HOME[who.role])


@post("/sign-out", include_in_schema=False)
async def sign_out(
    request: Request[Any, Any, Any], conn: NamedDependency[PooledConnection]
) -> Redirect:
    await end_session(conn, request)
    secure = request.app.state.settings.secure_cookies
    return Redirect("/sign-in", status_code=303, cookies=[cleared_cookie(secure=secure)])


ROUTES = [home, sign_in_form, sign_in, link_form, use_link, sign_out]
