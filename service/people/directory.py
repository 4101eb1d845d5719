"""Finding candidates: the list a page shows (search, skill, pages) and opening one by id.

Who sees whom follows the API: admins and platforms list their organization's
candidates (an admin every organization's); a client lists the candidates it has
milestones with, those with a milestone to rate first, and may open any candidate of its
organization by id. A candidate lists no one.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from service.auth import require
from service.auth_types import Principal
from service.db.connection import Connection
from service.errors import ServiceError
from service.pagination import pack, unpack
from service.people.service import may_read_actor
from service.repo import actors as actors_repo
from service.repo import directory as repo
from service.repo.directory import CardRow

PAGE_SIZE = 25
MAX_SEARCH = 200  # longer than any name (display names are at most 200 characters)
UNNAMED = "Unnamed candidate"


def label(display_name: str, external_ref: str | None) -> str:
    """What a person is called on a page: the name; the platform's id only without one."""
    return display_name.strip() or external_ref or UNNAMED


class Card(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    platform_id: str | None  # the platform's own id, shown beside the name
    skills: list[str]
    since: datetime  # see service.repo.directory.SINCE
    milestones: int  # with the client looking; 0 for the others
    to_rate: int


class CardPage(msgspec.Struct, frozen=True, kw_only=True):
    cards: list[Card]
    next_cursor: str | None  # the page after this one, if there is one
    previous_cursor: str | None  # the page before it, unless this is the first
    skills: list[str]  # to filter by: what the listed candidates declare


class _Cursor(msgspec.Struct, frozen=True, array_like=True):
    settled: bool
    key: str
    id: UUID


def _encode(row: CardRow) -> str:
    return pack(_Cursor(row.settled, row.sort_key, row.id))


def _decode(cursor: str | None, field: str) -> tuple[bool, str, UUID] | None:
    if not cursor:
        return None
    try:
        parsed = unpack(cursor, _Cursor)
    except ValueError as exc:
        raise ServiceError(
            "That page link is not one this site handed out; start again from the first page.",
            field=field,
        ) from exc
    return parsed.settled, parsed.key, parsed.id


def _card(row: CardRow) -> Card:
    return Card(
        id=row.id,
        name=label(row.display_name, row.external_ref),
        platform_id=row.external_ref,
        skills=row.skills,
        since=row.since,
        milestones=row.milestones,
        to_rate=row.to_rate,
    )


async def card_page(
    conn: Connection,
    principal: Principal,
    *,
    name: str = "",
    skill: str = "",
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> CardPage:
    """One page of the candidates `principal` may list, names containing `name` (any
    case) and declaring `skill`; `after`/`before` are cursors from an earlier page."""
    require(principal, "admin", "platform", "client")
    client_id = principal.actor_id if principal.role == "client" else None
    scope = principal.scope
    name, skill = name.strip()[:MAX_SEARCH], skill.strip()[:MAX_SEARCH]
    back = _decode(before, "before")
    rows = await repo.cards(
        conn,
        scope=scope,
        client_id=client_id,
        name=name or None,
        skill=skill or None,
        after=None if back else _decode(after, "after"),
        before=back,
        limit=size + 1,  # one more tells whether there is a further page
    )
    further, rows = len(rows) > size, rows[:size]
    if back is not None:
        rows.reverse()  # read nearest first, going back
        previous = _encode(rows[0]) if further else None
        following = _encode(rows[-1]) if rows else before
    else:
        previous = _encode(rows[0]) if after and rows else None
        following = _encode(rows[-1]) if further else None
    return CardPage(
        cards=[_card(r) for r in rows],
        next_cursor=following,
        previous_cursor=previous,
        skills=await repo.skills(conn, scope=scope, client_id=client_id),
    )


def _as_uuid(ref: str) -> UUID | None:
    try:
        return UUID(ref)
    except ValueError:
        return None


async def find(conn: Connection, principal: Principal, ref: str) -> UUID | str:
    """The candidate named by the platform's id or our uuid, among those `principal` may
    open; otherwise a sentence saying why none is opened."""
    ref = ref.strip()
    if not ref:
        return "Enter a candidate's platform id (as your platform shows it) or its uuid."
    ref_id = _as_uuid(ref)
    rows = await actors_repo.find_by_ref(
        conn, kind="candidate", ref=ref[:MAX_SEARCH], ref_id=ref_id, scope=principal.scope
    )
    named = [r for r in rows if r.id == ref_id] or rows
    found = {r.id for r in named if may_read_actor(principal, "candidate", r.id)}
    where = "in any organization" if principal.scope is None else "in your organization"
    if not found:
        return f"No candidate with the platform id or uuid “{ref[:80]}” {where}."
    if len(found) > 1:
        return (
            f"“{ref[:80]}” is the platform id of candidates in several organizations; "
            "open the one you mean by its uuid."
        )
    return found.pop()
