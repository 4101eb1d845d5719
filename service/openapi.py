"""The OpenAPI document as the contract: every error an operation can answer, as it is sent.

Litestar documents what a handler returns; what the rest of the service answers
(guards, validation, the database going away, problem details instead of its own
error shape) is added here, from the same facts the service acts on: an
operation's guard, its path parameters, its method. Downloads and the bodies
read by hand (a submission, an event history) are described as they are.
A test fuzzes every operation against this document (tests/service/test_openapi_contract.py).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from litestar import Litestar, Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.static_files import create_static_files_router

from service.auth import RoleGuard
from service.errors import PROBLEM_JSON

PROBLEM = Reference(ref="#/components/schemas/Problem")
BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

ERRORS = {
    400: "Invalid request: a parameter or the body does not match the schema (`field` names it)",
    401: "No API key, or one that is unknown or revoked",
    403: "The key's role may not do this",
    404: "No such resource, or not one this key may see",
    409: "Conflicts with the current state (a duplicate, another answer already given, or "
    "an Idempotency-Key reused with a different request)",
    413: "The body is larger than this operation accepts",
    422: "Well-formed, but refused by a rule (`field` names the value at fault)",
    429: "Past a rate limit (`field`: `candidate_id` or `organization`); retry after the "
    "Retry-After header's seconds",
    503: "The database or the Docker engine is unavailable; retry later",
}

# Bodies some handlers read themselves, so Litestar cannot see them.
SUBMISSION_BODY = RequestBody(
    required=True,
    description="The candidate's files: a tar.gz or zip archive, or a JSON map of path to text",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["archive"],
                properties={
                    "archive": BINARY,
                    "candidate_id": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.UUID),
                },
            )
        ),
        "application/json": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                required=["files"],
                properties={
                    "files": Schema(
                        type=OpenAPIType.OBJECT,
                        additional_properties=Schema(type=OpenAPIType.STRING),
                    ),
                    "candidate_id": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.UUID),
                },
            )
        ),
    },
)
EVENTS_BODY = RequestBody(
    required=True,
    description="One JSON event per line (format: scoring/reputation/events.py)",
    content={"application/x-ndjson": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
)
READ_BY_HAND = {
    ("POST", "/v1/trials/{trial_id}/submissions"): SUBMISSION_BODY,
    ("POST", "/v1/events:import"): EVENTS_BODY,
}
DOWNLOADS = {
    ("GET", "/v1/trials/{trial_id}/starter"): ("application/gzip", "application/zip"),
}


def _problem(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=ERRORS[status], content={PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM)}
    )


# Answers particular operations give beyond what their kind implies.
PARTICULAR = {
    ("POST", "/v1/trials/{trial_id}/submissions"): [429],
    ("POST", "/v1/trials/{trial_id}/practice-runs"): [429],
    # a candidate's download opens with their first attempt at the trial
    ("GET", "/v1/trials/{trial_id}/starter"): [409],
}


def statuses(path: str, method: str, handler: HTTPRouteHandler) -> list[int]:
    """The error statuses an operation can answer, from how the service treats it."""
    found = [400, 503, *PARTICULAR.get((method, path), [])]
    if any(isinstance(g, RoleGuard) for g in handler.resolve_guards()):
        found += [401, 403]
    if "{" in path:
        found.append(404)
    if method in WRITES:
        found += [409, 413, 422]
    return sorted(set(found))


def document(app: Litestar, *, public: dict[str, list[int]]) -> None:
    """Complete the app's OpenAPI document in place, before anyone has read it.

    `public`: paths that take no key, with the error statuses they can answer."""
    openapi = app.openapi_schema
    for route in app.routes:
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        item = (openapi.paths or {}).get(path)
        if item is None:
            continue
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in handler.http_methods:
                operation: Operation | None = getattr(item, method.lower(), None)
                if operation is None:
                    continue
                responses = operation.responses if operation.responses is not None else {}
                operation.responses = responses
                if path in public:
                    operation.security = []
                    responses.pop("400", None)  # Litestar's own shape; these take no input
                for status in public[path] if path in public else statuses(path, method, handler):
                    if str(status) not in responses or status == 400:
                        responses[str(status)] = _problem(status)
                if (method, path) in READ_BY_HAND:
                    operation.request_body = READ_BY_HAND[(method, path)]
                if (method, path) in DOWNLOADS:
                    ok = responses["200"]
                    assert isinstance(ok, OpenAPIResponse)
                    ok.content = {
                        t: OpenAPIMediaType(schema=BINARY) for t in DOWNLOADS[(method, path)]
                    }


# Swagger UI's own files, served by the app: a browser offline or behind a strict proxy
# still gets the explorer (its page used to load them from a CDN and stayed blank).
EXPLORER_ASSETS = "/schema/assets"


def _swagger_ui_files() -> Path:
    spec = importlib.util.find_spec("swagger_ui")  # swagger-ui-py ships them; not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def explorer() -> tuple[list[OpenAPIRenderPlugin], Router]:
    """The OpenAPI explorer at /schema and /schema/swagger, and the router for its files."""
    plugin = SwaggerRenderPlugin(
        js_url=f"{EXPLORER_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{EXPLORER_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{EXPLORER_ASSETS}/swagger-ui-standalone-preset.js",
        path=["/", "/swagger"],
        favicon=f"<link rel='icon' type='image/png' href='{EXPLORER_ASSETS}/favicon-32x32.png'>",
    )
    files = create_static_files_router(
        path=EXPLORER_ASSETS,
        directories=[_swagger_ui_files()],
        include_in_schema=False,
        opt={"public": True},
    )
    return [plugin], files
