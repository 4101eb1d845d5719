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
    organization_id: UUID | None = None  # None only for admins

    @property
    def scope(self) -> UUID | None:
        """The organization this caller is confined to; None for an admin, who sees
        across. Fails closed: a non-admin without an organization sees nothing."""
        if self.role == "admin":
            return None
        if self.organization_id is None:
            raise PermissionError(f"a {self.role} key without an organization")
        return self.organization_id

    def sees(self, organization_id: UUID) -> bool:
        """Whether a row of `organization_id` is this caller's to see at all."""
        return self.role == "admin" or organization_id == self.scope
