"""The one place where errors become HTTP answers: RFC 9457 problem details.

Domain packages raise their own errors; this table maps them to a status and a
title, so handlers never build error responses themselves.

Longer than the house's ~300 lines because it is one table on purpose:
every domain error's status, title and field in one place.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import asyncpg
import asyncpg.exceptions
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from sandboxes.interfaces import SandboxError
from scoring.errors import (
    EventLineInvalid,
    InputMismatchError,
    InsufficientHistoryError,
    ScoringError,
    UntrustedModelError,
)
from scoring.reputation.events import ONE_LINE
from trials.errors import SubmissionRejected, TrialPackageInvalid

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
    type = "about:blank"
    default_headers: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.errors = errors or []
        self.headers = {**self.default_headers, **(headers or {})}


class NotFoundError(ServiceError):
    status = 404
    title = "Not found"


class ConflictError(ServiceError):
    status = 409
    title = "Conflict"


class NotScoredYetError(ConflictError):
    """No stored reputation for this candidate and tier yet: the refresher has not run for them.

    Reads never compute one: scoring loads the whole history, which a read must not
    cost. A new candidate is scored within about a second of registering.
    """

    title = "Not scored yet"
    type = "urn:trialgate:not-scored-yet"
    default_headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


NOT_SCORED_YET = ResponseSpec(
    data_container=Problem,
    generate_examples=False,
    media_type=PROBLEM_JSON,
    description=(
        "Not scored yet (type urn:trialgate:not-scored-yet): the candidate exists but has no "
        "stored reputation for the tier. Reads never compute one; retry after Retry-After "
        "seconds."
    ),
)


class UnauthorizedError(ServiceError):
    status = 401
    title = "Unauthorized"


class ForbiddenError(ServiceError):
    status = 403
    title = "Forbidden"


class UnprocessableError(ServiceError):
    status = 422
    title = "Unprocessable content"


class TooManyRequestsError(ServiceError):
    """A rate limit: the caller says when to come back with Retry-After."""

    status = 429
    title = "Too many requests"


class LineError(msgspec.Struct, frozen=True, kw_only=True):
    """One bad line of an imported event history."""

    line: int
    code: str
    reason: str
    field: str | None = None


class ImportProblem(Problem, frozen=True, kw_only=True, omit_defaults=True):
    bad_lines: int = 0
    lines: list[LineError] = []


class ImportRejected(ServiceError):  # noqa: N818 - an outcome: the file had bad lines
    """An event history with bad lines; nothing of it was imported."""

    status = 422
    title = "Import refused"
    MAX_REPORTED = 1000  # a broken export can have a bad line per line; the first 1000 say enough

    def __init__(self, problems: list[LineError], *, lines: int) -> None:
        super().__init__(
            f"{len(problems)} of {lines} lines are bad; nothing was imported "
            "(send skip_bad to import the good lines).",
            field="body",
        )
        self.problems = problems
        self.lines = lines


class TrialCheckFailed(Exception):  # noqa: N818 - an outcome: the package's own grading failed
    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


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
                if item.get("source") == "header":  # as the client wrote it: Idempotency-Key
                    key = "-".join(part.capitalize() for part in key.split("_"))
                errors.append(FieldError(field=key, message=_readable(str(item.get("message")))))
    return errors


_PATTERN = re.compile(r"matching regex '.*'\Z")


def _readable(message: str) -> str:
    """msgspec's message without the raw regex, which reads as noise to a client."""
    message = message.replace(f"matching regex {ONE_LINE!r}", "without control characters")
    return _PATTERN.sub("in the documented format (the OpenAPI schema gives the pattern)", message)


_FIELD_PATTERNS = (
    re.compile(
        r"- at `\$\.?(?P<path>[^`]*)`"
    ),  # "Expected `int`, got `str` - at `$.limits.memory_mb`"
    re.compile(r"(?:unknown|missing required) field `(?P<path>[^`]+)`"),
)


def field_from_msgspec(message: str) -> str | None:
    """The field a msgspec message names, as a dotted path (`skills[0]`, `limits.memory_mb`)."""
    found = [m.group("path") for pattern in _FIELD_PATTERNS if (m := pattern.search(message))]
    if not found:
        return None
    if len(found) == 2 and found[0]:  # an unknown field inside a nested object
        return f"{found[0]}.{found[1]}"
    return found[-1] if not found[0] else found[0]


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    errors = _field_errors(exc.extra)
    refined = []
    for err in errors:
        field = field_from_msgspec(err.message) if err.field in {"body", "data"} else None
        # Litestar names the whole body after the handler's parameter; a client knows it as the body
        field = field or ("body" if err.field == "data" else err.field)
        refined.append(FieldError(field=field, message=_readable(err.message)))
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
    headers = {**exc.headers, **({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})}
    return problem_response(
        Problem(
            type=exc.type,
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            field=exc.field,
            errors=exc.errors,
        ),
        headers=headers or None,
    )


def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[bytes]:
    # Raised by the JSON decoder on a body like [[[[...]]]]: the input's fault, not ours.
    return problem_response(
        Problem(
            title="Invalid request",
            status=400,
            detail="The body nests too deeply.",
            instance=request.url.path,
            field="body",
        )
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


def handle_package_invalid(
    request: Request[Any, Any, Any], exc: TrialPackageInvalid
) -> Response[bytes]:
    errors = [
        FieldError(field=p.file + (f":{p.field}" if p.field else ""), message=str(p))
        for p in exc.problems
    ]
    return problem_response(
        Problem(
            title="Invalid trial package",
            status=422,
            detail=str(exc.problems[0]) if exc.problems else "",
            instance=request.url.path,
            field="package",
            errors=errors,
        )
    )


def handle_submission_rejected(
    request: Request[Any, Any, Any], exc: SubmissionRejected
) -> Response[bytes]:
    return problem_response(
        Problem(
            type=f"urn:trialgate:submission-rejected:{exc.code}",
            title="Submission refused",
            status=422,
            detail=str(exc),
            instance=request.url.path,
            field=f"files/{exc.path}" if exc.path else "archive",
        )
    )


def handle_trial_check_failed(
    request: Request[Any, Any, Any], exc: TrialCheckFailed
) -> Response[bytes]:
    return problem_response(
        Problem(
            title="Trial check failed",
            status=422,
            detail=str(exc),
            instance=request.url.path,
            field="package",
            errors=[FieldError(field="package", message=p) for p in exc.problems],
        )
    )


def handle_sandbox_error(request: Request[Any, Any, Any], exc: SandboxError) -> Response[bytes]:
    log.warning("sandbox unavailable: %s", exc)
    return problem_response(
        Problem(
            title="Sandbox unavailable",
            status=503,
            detail="The grading sandbox is not available right now; try again later.",
            instance=request.url.path,
        ),
        headers={"Retry-After": "30"},
    )


def handle_import_rejected(request: Request[Any, Any, Any], exc: ImportRejected) -> Response[bytes]:
    shown = exc.problems[: ImportRejected.MAX_REPORTED]
    return problem_response(
        ImportProblem(
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            field="body",
            errors=[
                FieldError(
                    field=f"line {p.line}" + (f": {p.field}" if p.field else ""), message=p.reason
                )
                for p in shown
            ],
            bad_lines=len(exc.problems),
            lines=shown,
        )
    )


_SCORING_STATUS: tuple[tuple[type[ScoringError], int, str], ...] = (
    (EventLineInvalid, 400, "Invalid event"),
    (InsufficientHistoryError, 409, "Not enough history"),
    (InputMismatchError, 422, "Inputs do not match"),
    (UntrustedModelError, 503, "Model unavailable"),
)


def handle_scoring_error(request: Request[Any, Any, Any], exc: ScoringError) -> Response[bytes]:
    status, title = 500, "Internal server error"
    for kind, code, name in _SCORING_STATUS:
        if isinstance(exc, kind):
            status, title = code, name
            break
    if status >= 500:
        log.error("scoring failed on %s: %s", request.url.path, exc, exc_info=exc)
    field = exc.field if isinstance(exc, EventLineInvalid) else None
    return problem_response(
        Problem(
            title=title,
            status=status,
            detail=str(exc) if status < 500 else "The stored model could not be used.",
            instance=request.url.path,
            field=field,
        )
    )


def handle_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.warning("database unavailable on %s: %s", request.url.path, exc)
    return problem_response(
        Problem(
            title="Database unavailable",
            status=503,
            detail="The database is not reachable right now; try again shortly.",
            instance=request.url.path,
        ),
        headers={"Retry-After": "5"},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    OSError: handle_database_unavailable,
    asyncpg.InterfaceError: handle_database_unavailable,
    asyncpg.InternalClientError: handle_database_unavailable,
    asyncpg.PostgresConnectionError: handle_database_unavailable,
    asyncpg.exceptions.OperatorInterventionError: handle_database_unavailable,
    TrialPackageInvalid: handle_package_invalid,
    SubmissionRejected: handle_submission_rejected,
    TrialCheckFailed: handle_trial_check_failed,
    SandboxError: handle_sandbox_error,
    ScoringError: handle_scoring_error,
    ValidationException: handle_validation,
    ImportRejected: handle_import_rejected,
    ServiceError: handle_service,
    RecursionError: handle_too_deep,
    HTTPException: handle_http,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "MediaType"]
