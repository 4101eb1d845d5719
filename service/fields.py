"""Constrained input fields shared by the API's requests: checked at the door, named in errors.

Every text a request carries is one of these types. Each refuses control
characters: no id, name, tier or URL needs them, PostgreSQL cannot store NUL at
all, and a newline or escape in a name is a log or page injection waiting to
happen. A test checks that no request body has a text field without this rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.params import QueryParameter

from scoring.reputation.events import ONE_LINE, outside_window
from service.errors import ServiceError, UnprocessableError

Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]  # theirs or ours
Tier = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ONE_LINE)]
Skill = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ONE_LINE)]
Name = Annotated[str, msgspec.Meta(max_length=200, pattern=ONE_LINE)]
# Free text over several lines (a review): line breaks and tabs, no other control character.
Prose = Annotated[
    str,
    msgspec.Meta(
        max_length=2000,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*(?!\n)$",
        description="at most 2000 characters; line breaks allowed, no other control character",
    ),
]
Stars = Annotated[int, msgspec.Meta(ge=1, le=5)]
At = Annotated[datetime, msgspec.Meta(tz=True)]
Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
# `?organization=<slug>`: admins name the organization an upload or import is for.
OrganizationQuery = Annotated[
    str | None,
    QueryParameter(
        min_length=2,
        max_length=63,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
        description="admins only, an organization's slug: for a trial, the organization it "
        "is private to (left out: the shared catalogue); for a history, whose it is (left "
        "out: `default`). A platform's are always its own organization's.",
    ),
]


def checked_time(value: datetime, field: str) -> datetime:
    """`value` in UTC, or a 422 naming `field` when it is outside the dates kept here."""
    problem = outside_window(value)
    if problem is not None:
        raise UnprocessableError(f"{field} {problem}.", field=field)
    return value.astimezone(UTC)


async def refuse_nul_in_url(request: Request[Any, Any, Any]) -> None:
    """Before every handler: a NUL in a path or query value names nothing this service
    holds (PostgreSQL text cannot contain one), so it is a 400 naming the parameter."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            raise ServiceError(f"{name} holds a NUL character.", field=name)
    query = request.scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or "\x00" in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                raise ServiceError(f"{name.strip(chr(0))} holds a NUL character.", field=name)
