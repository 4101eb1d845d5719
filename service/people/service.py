"""People (candidates and clients): who may read whom."""

from __future__ import annotations

from uuid import UUID

from service.auth_types import Principal
from service.repo.actors import ActorKind


def may_read_actor(principal: Principal, kind: ActorKind, actor_id: UUID) -> bool:
    if principal.role in {"admin", "platform"}:
        return True
    if principal.actor_id == actor_id:
        return True
    # clients review candidates' reputations before hiring
    return principal.role == "client" and kind == "candidate"
