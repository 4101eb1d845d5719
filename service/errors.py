"""The one place where errors become HTTP answers: RFC 9457 problem details.

Domain packages raise their own errors; this table maps them to a status and a
title, so handlers never build error responses themselves.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("trialgate.errors")


class FieldError(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    field: str | None = None
    errors: list[FieldError] = []


class ServiceError(Exception):
    """An error raised by the service layer with its HTTP status decided up front."""

    status = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, field: str | None = None, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.errors = errors or []


class NotFoundError(ServiceError):
    status = 404
    title = "Not found"


class ConflictError(ServiceError):
    status = 409
    title = "Conflict"


class UnauthorizedError(ServiceError):
    status = 401
    title = "Unauthorized"


class ForbiddenError(ServiceError):
    status = 403
    title = "Forbidden"


class UnprocessableError(ServiceError):
    status = 422
    title = "Unprocessable content"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(extra: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict):
                key = str(item.get("key") or item.get("source") or "body")
                errors.append(FieldError(field=key, message=str(item.get("message", ""))))
    return errors


def _field_from_msgspec(message: str) -> str | None:
    # msgspec says "... - at `$.limits.memory_mb`"; keep the path without the `$.`
    marker = "- at `$"
    if marker in message:
        path = message.split(marker, 1)[1].rstrip("`")
        return path.lstrip(".") or "body"
    return None


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    errors = _field_errors(exc.extra)
    refined = []
    for err in errors:
        field = _field_from_msgspec(err.message) if err.field in {"body", "data"} else None
        refined.append(FieldError(field=field or err.field, message=err.message))
    return problem_response(
        Problem(
            title="Invalid request",
            status=400,
            detail=refined[0].message if refined else str(exc.detail),
            instance=request.url.path,
            field=refined[0].field if refined else None,
            errors=refined,
        )
    )


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    return problem_response(
        Problem(
            title=exc.detail if exc.status_code < 500 else "Server error",
            status=exc.status_code,
            instance=request.url.path,
            errors=_field_errors(exc.extra),
        ),
        headers=exc.headers,
    )


def handle_service(request: Request[Any, Any, Any], exc: ServiceError) -> Response[bytes]:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem_response(
        Problem(
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            field=exc.field,
            errors=exc.errors,
        ),
        headers=headers,
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        Problem(
            title="Internal server error",
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            detail="The error was logged; nothing about it is shown here.",
            instance=request.url.path,
        )
    )


EXCEPTION_HANDLERS = {
    ValidationException: handle_validation,
    ServiceError: handle_service,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "MediaType"]
