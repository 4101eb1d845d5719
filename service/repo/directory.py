"""Candidates as a list of cards: searched by name, filtered by skill, a page at a time.

Every read takes `scope` (the caller's organization; None for an admin) and, for a client,
`client_id`: a client's list holds only the candidates it has milestones with.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.db.connection import Connection

# When a candidate joined, as the reputation counts tenure from it (a history's first
# event that names the candidate, `candidate_first_seen`): joining (the platform's date
# from an imported history, else registration here), a trial result or a milestone,
# whichever came first. Candidate `a`.
SINCE = (
    "least(coalesce(a.joined_at, a.created_at), "
    "(SELECT min(t.at) FROM trial_results t WHERE t.candidate_id = a.id), "
    "(SELECT min(m.opened_at) FROM milestones m WHERE m.candidate_id = a.id))"
)


class CardRow(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    display_name: str
    external_ref: str | None
    skills: list[str]
    since: datetime
    milestones: int  # with the client; 0 in a platform's or an admin's list
    to_rate: int  # of those, ended and not rated yet
    settled: bool  # the client has nothing to rate: such cards come after those with some
    sort_key: str  # the name as sorted: lower case, the platform id when there is no name


# Position in the list: (settled, sort_key, id) ascending. $1 scope, $2 client, $3 name
# (a case-insensitive substring), $4 skill; the page's bounds follow.
_CARDS = (
    "WITH listed AS (SELECT a.id, a.display_name, a.external_ref, a.skills, a.joined_at, "  # noqa: S608 - constants
    "a.created_at, coalesce(c.milestones, 0) AS milestones, coalesce(c.to_rate, 0) AS to_rate, "
    "($2::uuid IS NOT NULL AND coalesce(c.to_rate, 0) = 0) AS settled, "
    "lower(coalesce(nullif(btrim(a.display_name), ''), a.external_ref, '')) AS sort_key "
    "FROM actors a LEFT JOIN LATERAL (SELECT count(*)::int AS milestones, "
    "  count(*) FILTER (WHERE o.milestone_id IS NOT NULL AND r.milestone_id IS NULL)::int "
    "  AS to_rate FROM milestones m "
    "  LEFT JOIN milestone_outcomes o ON o.milestone_id = m.id "
    "  LEFT JOIN ratings r ON r.milestone_id = m.id "
    "  WHERE $2::uuid IS NOT NULL AND m.candidate_id = a.id AND m.client_id = $2) c ON true "
    "WHERE a.kind = 'candidate' AND ($1::uuid IS NULL OR a.organization_id = $1) "
    "AND ($2::uuid IS NULL OR c.milestones > 0) "
    "AND ($3::text IS NULL OR strpos(lower(a.display_name), lower($3)) > 0) "
    "AND ($4::text IS NULL OR $4 = ANY(a.skills))) "
    "SELECT a.id, a.display_name, a.external_ref, a.skills, " + SINCE + " AS since, "
    "a.milestones, a.to_rate, a.settled, a.sort_key FROM listed a "
)
_AFTER = (
    "WHERE $5::bool IS NULL OR (a.settled, a.sort_key, a.id) > ($5, $6::text, $7::uuid) "
    "ORDER BY a.settled, a.sort_key, a.id LIMIT $8"
)
_BEFORE = (
    "WHERE (a.settled, a.sort_key, a.id) < ($5::bool, $6::text, $7::uuid) "
    "ORDER BY a.settled DESC, a.sort_key DESC, a.id DESC LIMIT $8"
)


async def cards(
    conn: Connection,
    *,
    scope: UUID | None,
    client_id: UUID | None,
    name: str | None,
    skill: str | None,
    after: tuple[bool, str, UUID] | None,
    before: tuple[bool, str, UUID] | None,
    limit: int,
) -> list[CardRow]:
    """Up to `limit` cards in list order: after `after` (from the start when None), or the
    ones just before `before`, nearest first."""
    bound = before if before is not None else after
    rows = await conn.fetch(
        _CARDS + (_BEFORE if before is not None else _AFTER),
        scope,
        client_id,
        name,
        skill,
        bound[0] if bound else None,
        bound[1] if bound else None,
        bound[2] if bound else None,
        limit,
    )
    return [msgspec.convert(dict(r), CardRow) for r in rows]


async def skills(
    conn: Connection, *, scope: UUID | None, client_id: UUID | None, limit: int = 200
) -> list[str]:
    """The skills candidates in the list declare, alphabetically."""
    rows = await conn.fetch(
        "SELECT DISTINCT s.skill FROM actors a, unnest(a.skills) AS s(skill) "
        "WHERE a.kind = 'candidate' AND ($1::uuid IS NULL OR a.organization_id = $1) "
        "AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM milestones m "
        "  WHERE m.candidate_id = a.id AND m.client_id = $2)) ORDER BY s.skill LIMIT $3",
        scope,
        client_id,
        limit,
    )
    return [r["skill"] for r in rows]


async def since(conn: Connection, *, candidate_id: UUID, scope: UUID | None) -> datetime | None:
    """When the candidate joined (see SINCE); None for a candidate not in `scope`."""
    found: datetime | None = await conn.fetchval(
        "SELECT " + SINCE + " FROM actors a WHERE a.kind = 'candidate' AND a.id = $1 "  # noqa: S608 - constants
        "AND ($2::uuid IS NULL OR a.organization_id = $2)",
        candidate_id,
        scope,
    )
    return found
