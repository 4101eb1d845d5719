"""Keyset pagination: an opaque cursor over (created_at, id), newest first."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import msgspec
from litestar.params import QueryParameter

from scoring.reputation.events import outside_window
from service.errors import ServiceError

T = TypeVar("T")
P = TypeVar("P", bound=msgspec.Struct)
# A query parameter: Litestar enforces the bounds given to QueryParameter itself.
LimitQuery = Annotated[int, QueryParameter(ge=1, le=200, description="page size, 1 to 200")]


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    items: list[T]
    next_cursor: str | None = None


class _Cursor(msgspec.Struct, frozen=True, array_like=True):
    created_at: datetime
    id: UUID


def pack(position: msgspec.Struct) -> str:
    """A position in a list as an opaque, URL-safe token."""
    raw = msgspec.json.encode(position)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unpack(token: str, kind: type[P]) -> P:
    """The position a token holds; ValueError when it is not one `pack` made."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (ValueError, msgspec.DecodeError) as exc:
        raise ValueError("not a position this site handed out") from exc


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    return pack(_Cursor(created_at, row_id))


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if not cursor:
        return None
    try:
        parsed = unpack(cursor, _Cursor)
    except ValueError as exc:
        raise ServiceError("The cursor is not one this API handed out.", field="cursor") from exc
    if outside_window(parsed.created_at) is not None:
        raise ServiceError("The cursor is not one this API handed out.", field="cursor")
    return parsed.created_at, parsed.id
