"""People (candidates and clients): registering them, and who may read whom."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from service.auth import require
from service.auth_types import Principal
from service.db.connection import Connection
from service.errors import NotFoundError, ServiceError, UnprocessableError
from service.repo import actors as repo
from service.repo import organizations as organizations_repo
from service.repo import reputation as reputation_repo
from service.repo.actors import ActorKind, ActorRow


async def register(
    conn: Connection,
    *,
    kind: ActorKind,
    external_ref: str | None,
    display_name: str,
    skills: Sequence[str] = (),
    created_by: UUID | None,
    organization_id: UUID,
) -> ActorRow:
    """A new candidate or client. A candidate is queued for scoring: the refresher stores
    their reputation within about a second, and reads never compute one themselves."""
    row = await repo.insert_actor(
        conn,
        kind=kind,
        external_ref=external_ref,
        display_name=display_name,
        skills=list(dict.fromkeys(skills)),
        created_by=created_by,
        organization_id=organization_id,
    )
    if kind == "candidate":
        await reputation_repo.mark_dirty(conn, candidate_ids=[row.id])
    return row


async def acting_organization(conn: Connection, principal: Principal, slug: str | None) -> UUID:
    """The organization a caller acts in (where people they register or import belong, whose
    candidates they match): their own; for an admin, the one named (the default one when
    none is)."""
    if principal.role != "admin":
        if slug is not None:
            raise UnprocessableError(
                "Only admins name an organization; yours is implied by your key.",
                field="organization",
            )
        scope = principal.scope
        assert scope is not None  # not an admin
        return scope
    if slug is None:
        return await organizations_repo.default_organization_id(conn)
    return await organization_named(conn, slug)


async def organization_named(conn: Connection, slug: str) -> UUID:
    """The organization with this slug; a 422 naming `organization` when there is none."""
    found = await organizations_repo.find_organization(conn, slug=slug)
    if found is None:
        raise UnprocessableError(f"No organization {slug!r}.", field="organization")
    return found.id


def may_read_actor(principal: Principal, kind: ActorKind, actor_id: UUID) -> bool:
    """Within the caller's organization (the row was read with the caller's scope)."""
    if principal.role in {"admin", "platform"}:
        return True
    if principal.actor_id == actor_id:
        return True
    # clients review candidates' reputations before hiring
    return principal.role == "client" and kind == "candidate"


async def candidate_in_scope(
    conn: Connection, principal: Principal, candidate_id: UUID
) -> ActorRow:
    """The candidate, if in the caller's organization; otherwise not found, exactly as a
    candidate that does not exist."""
    row = await repo.get_actor(conn, kind="candidate", actor_id=candidate_id, scope=principal.scope)
    if row is None:
        raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
    return row


async def acting_candidate(
    conn: Connection, principal: Principal, requested: UUID | None
) -> tuple[UUID, UUID]:
    """Whom a caller acts for: a candidate themself, or the candidate a platform or an
    admin names. Returns (the candidate, their organization)."""
    if principal.role == "candidate":
        if requested is not None and requested != principal.actor_id:
            raise ServiceError("A candidate acts only for themself.", field="candidate_id")
        assert principal.actor_id is not None  # a database constraint on candidate keys
        organization = principal.scope
        assert organization is not None  # not an admin
        return principal.actor_id, organization
    require(principal, "admin", "platform")
    if requested is None:
        raise ServiceError("Name the candidate (candidate_id).", field="candidate_id")
    found = await repo.get_actor(conn, kind="candidate", actor_id=requested, scope=principal.scope)
    if found is None:
        raise UnprocessableError(f"No candidate {requested}.", field="candidate_id")
    return requested, found.organization_id
