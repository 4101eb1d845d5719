"""Client pages: the candidates they work with, a candidate's profile, rating a milestone.

Who may see a profile and who may rate what are the API's rules, called as the
API calls them (`may_read_actor`, `read_reputation`, `rate_milestone`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from service.auth_types import EVERY_ROLE
from service.db.connection import Connection, PooledConnection
from service.errors import NotFoundError, NotScoredYetError, UnprocessableError
from service.people.service import may_read_actor
from service.repo import actors as actors_repo
from service.repo import profiles, score_history
from service.reputation.ratings import RatingIn, rate_milestone
from service.reputation.refresh import DEFAULT_TIER, reputation_tiers
from service.reputation.views import ReputationOut, read_reputation
from service.web import chart
from service.web.render import page
from service.web.sessions import Viewer, signed_in

RATING_FIELDS = {
    "stars": "Overall",
    "quality": "Quality",
    "communication": "Communication",
    "timeliness": "Timeliness",
}


# A client sees other clients' ratings only blended: with fewer, one rating could be read off.
MIN_RATINGS_SHOWN = 3


def _blended(viewer: Viewer, summary: profiles.RatingSummary) -> profiles.RatingSummary:
    if viewer.role != "client" or summary.count >= MIN_RATINGS_SHOWN:
        return summary
    return profiles.RatingSummary(
        count=summary.count, average=None, quality=None, communication=None, timeliness=None
    )


@get("/candidates", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def candidate_list(
    conn: NamedDependency[PooledConnection], viewer: NamedDependency[Viewer]
) -> Any:
    if viewer.role == "candidate":
        return Redirect(f"/candidates/{viewer.actor_id}", status_code=303)
    if viewer.role == "client":
        assert viewer.actor_id is not None  # client keys always name their client
        mine = await profiles.candidates_of_client(conn, client_id=viewer.actor_id)
        return page("candidates.html", viewer, mine=mine, recent=[])
    recent = await actors_repo.list_actors(
        conn,
        kind="candidate",
        external_ref=None,
        after=None,
        limit=50,
        scope=viewer.principal.scope,
    )
    return page("candidates.html", viewer, mine=[], recent=recent)


@get("/candidates/lookup", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def lookup(id: FromQuery[str] = "") -> Redirect:
    try:
        candidate_id = UUID(id.strip())
    except ValueError:
        raise UnprocessableError(
            "A candidate id looks like 3f2b…-…: 32 hexadecimal digits.", field="id"
        ) from None
    return Redirect(f"/candidates/{candidate_id}", status_code=303)


async def _profile(
    conn: Connection,
    state: State,
    viewer: Viewer,
    candidate_id: UUID,
    *,
    tier: str = DEFAULT_TIER,
    error: str | None = None,
    rated: str | None = None,
) -> Template:
    actor = await actors_repo.get_actor(
        conn, kind="candidate", actor_id=candidate_id, scope=viewer.principal.scope
    )
    if actor is None or not may_read_actor(viewer.principal, "candidate", candidate_id):
        raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
    try:
        reputation: ReputationOut | None = await read_reputation(
            conn, candidate_id=candidate_id, tier=tier, scope=viewer.principal.scope
        )
    except NotScoredYetError:
        reputation = None  # the page says so; the rest of the profile still shows
    points = await score_history.points(conn, candidate_id=candidate_id, tier=tier)
    milestones = []
    if viewer.role == "client" and viewer.actor_id is not None:
        milestones = await profiles.milestones_with(
            conn, candidate_id=candidate_id, client_id=viewer.actor_id
        )
    return page(
        "profile.html",
        viewer,
        status=422 if error else 200,
        candidate=actor,
        reputation=reputation,
        tier=tier,
        chart=chart.build(points),
        tiers=await reputation_tiers(conn),
        trials=await profiles.trial_results(conn, candidate_id=candidate_id),
        ratings=_blended(viewer, await profiles.rating_summary(conn, candidate_id=candidate_id)),
        milestones=milestones,
        rating_fields=RATING_FIELDS,
        error=error,
        rated=rated,
    )


@get("/candidates/{candidate_id:uuid}", include_in_schema=False, guards=[signed_in(*EVERY_ROLE)])
async def profile(
    *,
    conn: NamedDependency[PooledConnection],
    state: State,
    viewer: NamedDependency[Viewer],
    candidate_id: FromPath[UUID],
    tier: FromQuery[str] = DEFAULT_TIER,
    rated: FromQuery[str | None] = None,
) -> Template:
    return await _profile(conn, state, viewer, candidate_id, tier=tier, rated=rated)


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
    return msgspec.convert(values, RatingIn)


@post(
    "/milestones/{milestone_id:uuid}/rating", include_in_schema=False, guards=[signed_in("client")]
)
async def rate(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    state: State,
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
        return await _profile(conn, state, viewer, candidate_id, error=rating)
    rated = await rate_milestone(conn, viewer.principal, str(milestone_id), rating)
    return Redirect(
        f"/candidates/{rated.candidate_id}?rated={milestone_id}#milestones", status_code=303
    )


ROUTES = [candidate_list, lookup, profile, rate]
