"""Errors on pages are pages: the API's status mapping, rendered for a person.

The table in service/errors.py decides every status and message; here each of
its handlers is wrapped so a request for a page gets an HTML page with the
same status instead of problem+json. API paths keep problem details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from service.web.security import SECURITY_HEADERS, secure
from service.web.sessions import SignInRequired

API_PREFIXES = ("/v1/", "/schema", "/health", "/ready", "/static/")

HEADINGS = {
    400: "That request could not be used",
    401: "Please sign in",
    403: "You may not do that",
    404: "Not found",
    405: "That is not possible here",
    409: "Already done",
    413: "That file is too large",
    422: "Please check what you entered",
    500: "Something went wrong on our side",
    503: "Temporarily unavailable",
}

CSRF_MESSAGE = (
    "The form was sent without a valid security token — it may have been open too long, "
    "or sent from another site. Go back, reload the page and try again."
)

Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def is_page(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


class _Shown(msgspec.Struct, kw_only=True):
    title: str = ""
    detail: str = ""


def error_page(
    status: int, message: str, *, viewer: Any = None, headers: dict[str, str] | None = None
) -> Template:
    """The error as a page, with the signed-in viewer's navigation so they can go on."""
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "heading": HEADINGS.get(status, "Something went wrong"),
            "message": message,
            "viewer": viewer,
        },
        status_code=status,
        headers={**SECURITY_HEADERS, **(headers or {})},
        media_type=MediaType.HTML,
    )


def _page_for(
    request: Request[Any, Any, Any], exc: Exception, response: Response[Any]
) -> Response[Any]:
    if isinstance(exc, SignInRequired):
        if request.method != "GET":  # a form's target cannot be opened again after sign-in
            return secure(Redirect("/sign-in", status_code=303))
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return secure(Redirect(f"/sign-in?next={quote(target, safe='')}", status_code=303))
    # Every handler in the table sets a status; one that did not would be answered as the
    # server error it is, never as a page with status 200 (what Litestar sends for None).
    status = response.status_code
    if status is None:
        status = HTTP_500_INTERNAL_SERVER_ERROR
    viewer = request.scope.get("user")  # when a guard already looked the session up
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return error_page(status, CSRF_MESSAGE, viewer=viewer)
    shown = _Shown()
    if isinstance(response.content, bytes):
        shown = msgspec.json.decode(response.content, type=_Shown)
    if status >= 500:
        message = shown.detail or "The error was logged. Please try again in a moment."
    else:
        message = shown.detail or shown.title
    headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    return error_page(status, message, viewer=viewer, headers=headers or None)


def with_pages(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The same handlers, answering page requests with an HTML page of the same status."""

    def wrap(handler: Handler) -> Handler:
        def page_or_problem(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
            response = handler(request, exc)
            if not is_page(request.url.path):
                return response
            return _page_for(request, exc, response)

        return page_or_problem

    return {kind: wrap(handler) for kind, handler in handlers.items()}
