"""The client's matching page: a milestone's skills, tier, amount and how many to show, and
the candidates of the client's organization ranked for it.

A search, so a GET form: it changes nothing, needs no CSRF token, and a result can be
bookmarked or shared. The form is read into the API's own input type (`read_match`), so
what `POST /v1/matches` refuses is refused here with the same message, naming the field,
on the page (422) with the form as it was sent. Ranking is the API's (`find_matches`).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from service.db.connection import PooledConnection
from service.errors import UnprocessableError
from service.matching.cache import MATCHING, MatchIndexes
from service.matching.schemas import DEFAULT_LIMIT, MAX_LIMIT, MatchesOut, read_match
from service.matching.service import find_matches
from service.people.directory import label
from service.repo import eligibility as eligibility_repo
from service.repo import organizations as organizations_repo
from service.reputation.refresh import DEFAULT_TIER
from service.reputation.scorers import SCORERS, Scorers
from service.web.render import page
from service.web.sessions import Viewer, signed_in

PATH = "/client/matches"
LABELS = {
    "tier": "Tier",
    "amount": "Amount",
    "skills": "Skills",
    "limit": "How many",
    "organization": "Organization",
    "body": "The form",
}
SKILL_FIELD = re.compile(r"\Askills\[(\d+)\]\Z")


class Asked(msgspec.Struct, frozen=True, kw_only=True):
    """The form as sent: shown again above the results or the error."""

    skills: str = ""  # comma-separated
    tier: str = DEFAULT_TIER
    amount: str = ""
    limit: str = str(DEFAULT_LIMIT)
    organization: str = ""  # admins: a slug; "" for the default organization

    def body(self, *, admin: bool) -> dict[str, Any]:
        """As the API's body: skills split on commas; a blank number is left out, as an
        absent JSON field is (so a blank amount is a missing one)."""
        body: dict[str, Any] = {
            "tier": self.tier,
            "skills": [s.strip() for s in self.skills.split(",") if s.strip()],
        }
        for name in ("amount", "limit"):
            if value := getattr(self, name).strip():
                body[name] = value
        if admin and self.organization:
            body["organization"] = self.organization
        return body


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    field: str  # as the API names it: `amount`, `skills[3]`
    label: str
    message: str


def field_label(field: str, skills: list[str]) -> str:
    if found := SKILL_FIELD.match(field):
        n = int(found.group(1))
        shown = f" “{skills[n]}”" if n < len(skills) and skills[n].isprintable() else ""
        return f"Skills, skill {n + 1}{shown}"
    return LABELS.get(field, field)


async def _page(
    conn: PooledConnection,
    viewer: Viewer,
    asked: Asked,
    *,
    result: MatchesOut | None = None,
    problem: Problem | None = None,
) -> Template:
    tiers = sorted(p.tier for p in await eligibility_repo.current_policies(conn))
    admin = viewer.role == "admin"
    return page(
        "matches.html",
        viewer,
        status=422 if problem else 200,
        asked=asked,
        tiers=tiers,
        organizations=await organizations_repo.list_organizations(conn) if admin else [],
        result=result,
        problem=problem,
        names=[label(m.display_name, m.external_ref) for m in result.matches] if result else [],
        max_limit=MAX_LIMIT,
    )


@get(
    PATH,
    include_in_schema=False,
    guards=[signed_in("admin", "platform", "client")],
    dependencies={**SCORERS, **MATCHING},
)
async def matches_page(  # noqa: PLR0917 - Litestar passes parameters by name
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    scorers: NamedDependency[Scorers],
    match_indexes: NamedDependency[MatchIndexes],
    tier: FromQuery[str | None] = None,
    skills: FromQuery[str] = "",
    amount: FromQuery[str] = "",
    limit: FromQuery[str] = str(DEFAULT_LIMIT),
    organization: FromQuery[str] = "",
) -> Template:
    if tier is None:  # the form, before anything is asked
        return await _page(conn, viewer, Asked())
    asked = Asked(skills=skills, tier=tier, amount=amount, limit=limit, organization=organization)
    body = asked.body(admin=viewer.role == "admin")
    try:
        data = read_match(body)
        result = await find_matches(
            conn, viewer.principal, data, scorers=scorers, indexes=match_indexes
        )
    except UnprocessableError as exc:
        field = exc.field or "body"
        problem = Problem(field=field, label=field_label(field, body["skills"]), message=exc.detail)
        return await _page(conn, viewer, asked, problem=problem)
    return await _page(conn, viewer, asked, result=result)


ROUTES = [matches_page]
