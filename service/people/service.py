"""People (candidates and clients): registering them, and who may read whom."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from service.auth_types import Principal
from service.db.connection import Connection
from service.repo import actors as repo
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
    )
    if kind == "candidate":
        await reputation_repo.mark_dirty(conn, candidate_ids=[row.id])
    return row


def may_read_actor(principal: Principal, kind: ActorKind, actor_id: UUID) -> bool:
    if principal.role in {"admin", "platform"}:
        return True
    if principal.actor_id == actor_id:
        return True
    # clients review candidates' reputations before hiring
    return principal.role == "client" and kind == "candidate"
