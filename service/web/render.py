"""Template responses, and the filters the templates share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment
from litestar import MediaType
from litestar.response import Template

from service.web.markdown import render as render_markdown
from service.web.sessions import Viewer

VERDICT_WORDS = {
    "accepted": "Accepted",
    "partial": "Partly correct",
    "failed": "Not accepted",
    "compile_error": "Did not load",
    "runtime_error": "Crashed while running",
    "time_limit_exceeded": "Too slow",
    "memory_limit_exceeded": "Used too much memory",
    "output_limit_exceeded": "Printed too much output",
    "integrity_error": "Result could not be trusted",
    "internal_error": "Grading failed on our side",
}

STATUS_WORDS = {
    "queued": "Waiting in the queue",
    "running": "Running the tests",
    "graded": "Graded",
    "failed": "Could not be graded",
}


ATTEMPT_WORDS = {
    "open": "in progress",
    "grading": "grading",
    "counted": "counted",
    "no_result": "nothing graded",
    "under_review": "under review",
    "rejected": "rejected as copied",
}


def page(
    template: str,
    viewer: Viewer | None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    # Explicit: handlers that may also redirect are annotated `Any`, which would not say HTML.
    return Template(
        template_name=template,
        context={"viewer": viewer, **context},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else ""


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _duration(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def register_filters(env: Environment) -> None:
    env.filters["duration"] = _duration
    env.filters["attempt_status"] = lambda v: ATTEMPT_WORDS.get(v, v)
    env.filters["markdown"] = render_markdown
    env.filters["when"] = _when
    env.filters["percent"] = _percent
    env.filters["verdict"] = lambda v: VERDICT_WORDS.get(v, v)
    env.filters["status"] = lambda v: STATUS_WORDS.get(v, v)
