"""Client pages: finding candidates, a candidate's profile, rating a milestone.

Who may list, open and rate whom are the API's rules, called as the API calls them
(`may_read_actor`, `read_reputation`, `rate_milestone`); what a page shows is read by
`service.people.directory` and `service.reputation.profile`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from service.auth_types import EVERY_ROLE
from service.db.connection import Connection, PooledConnection
from service.errors import NotFoundError
from service.people import directory
from service.reputation.profile import read_profile
from service.reputation.ratings import RatingIn, rate_milestone
from service.reputation.refresh import DEFAULT_TIER
from service.web import chart
from service.web.render import page
from service.web.sessions import Viewer, signed_in

RATING_FIELDS = {
    "stars": "Overall",
    "quality": "Quality",
    "communication": "Communication",
    "timeliness": "Timeliness",
}


async def _list(
    conn: Connection,
    viewer: Viewer,
    *,
    q: str = "",
    skill: str = "",
    after: str | None = None,
    before: str | None = None,
    ref: str = "",
    not_found: str | None = None,
) -> Template:
    found = await directory.card_page(
        conn, viewer.principal, name=q, skill=skill, after=after, before=before
    )
    return page(
        "candidates.html",
        viewer,
        status=404 if not_found else 200,
        found=found,
        q=q,
        skill=skill,
        ref=ref,
        not_found=not_found,
    )


@get("/candidates", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def candidate_list(
    *,
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    q: FromQuery[str] = "",
    skill: FromQuery[str] = "",
    after: FromQuery[str | None] = None,
    before: FromQuery[str | None] = None,
) -> Any:
    if viewer.role == "candidate":
        return Redirect(f"/candidates/{viewer.actor_id}", status_code=303)
    return await _list(conn, viewer, q=q, skill=skill, after=after, before=before)


@get("/candidates/lookup", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def lookup(
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    id: FromQuery[str] = "",
) -> Any:
    if not id.strip():
        return Redirect("/candidates", status_code=303)
    found = await directory.find(conn, viewer.principal, id)
    if isinstance(found, UUID):
        return Redirect(f"/candidates/{found}", status_code=303)
    if viewer.role == "candidate":  # lists no one: the sentence is the page
        raise NotFoundError(found, field="id")
    return await _list(conn, viewer, ref=id, not_found=found)


async def _profile(
    conn: Connection,
    viewer: Viewer,
    candidate_id: UUID,
    *,
    tier: str = DEFAULT_TIER,
    error: str | None = None,
    rated: str | None = None,
) -> Template:
    view = await read_profile(conn, viewer.principal, candidate_id, tier=tier)
    return page(
        "profile.html",
        viewer,
        status=422 if error else 200,
        view=view,
        chart=chart.build(view.points),
        rating_fields=RATING_FIELDS,
        error=error,
        rated=rated,
    )


@get("/candidates/{candidate_id:uuid}", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def profile(
    *,
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    candidate_id: FromPath[UUID],
    tier: FromQuery[str] = DEFAULT_TIER,
    rated: FromQuery[str | None] = None,
) -> Template:
    return await _profile(conn, viewer, candidate_id, tier=tier, rated=rated)


REVIEW_CHARS = 2000


def _rating(form: Any) -> RatingIn | str:
    """The form as the API's RatingIn, or a sentence naming the field that is wrong."""
    values: dict[str, Any] = {}
    for name, label in RATING_FIELDS.items():
        raw = str(form.get(name) or "").strip()
        if not raw:
            if name == "stars":
                return f"{label}: choose from 1 to 5 stars."
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= 5:
            return f"{label}: choose from 1 to 5 stars (got {raw[:20]!r})."
        values[name] = int(raw)
    review = str(form.get("review") or "").replace("\r\n", "\n").strip()
    if len(review) > REVIEW_CHARS:
        return f"Review: at most {REVIEW_CHARS} characters (got {len(review)})."
    if any((c < " " and c not in "\n\t") or c == "\x7f" for c in review):
        return "Review: remove the control characters."
    values["review"] = review
    return msgspec.convert(values, RatingIn)


@post(
    "/milestones/{milestone_id:uuid}/rating", include_in_schema=False, guards=[signed_in("client")]
)
async def rate(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    milestone_id: FromPath[UUID],
) -> Any:
    form = await request.form()
    rating = _rating(form)
    if isinstance(rating, str):
        try:
            candidate_id = UUID(str(form.get("candidate_id") or ""))
        except ValueError:
            raise NotFoundError(f"No milestone {milestone_id}.", field="milestone") from None
        return await _profile(conn, viewer, candidate_id, error=rating)
    rated = await rate_milestone(conn, viewer.principal, str(milestone_id), rating)
    return Redirect(
        f"/candidates/{rated.candidate_id}?rated={milestone_id}#milestones", status_code=303
    )


ROUTES = [candidate_list, lookup, profile, rate]
