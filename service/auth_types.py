"""Who is calling: the principal behind an API key."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import msgspec

Role = Literal["admin", "platform", "client", "candidate"]
EVERY_ROLE: tuple[Role, ...] = ("admin", "platform", "client", "candidate")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    key_id: UUID
    role: Role
    actor_id: UUID | None = None
