"""One-time sign-in links: an admin or platform hands one to a person who has no key at hand.

The link's token is random; only its sha256 is stored. It works once, before it
expires, and signs in as the API key it was made for.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec

from service.auth import create_key, secret_hash
from service.db.connection import Connection
from service.errors import UnprocessableError
from service.repo import actors as actors_repo
from service.repo import web_sessions as repo

LINK_PATH = "/sign-in/link/{token}"
DEFAULT_TTL_SECONDS = 24 * 3600
MAX_TTL_SECONDS = 7 * 24 * 3600


class SignInLink(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    path: str  # where the link is opened, relative to the service's address
    expires_at: datetime


async def create_sign_in_link(
    conn: Connection,
    *,
    key_id: UUID,
    created_by: UUID | None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> SignInLink:
    """A link that signs in once as the key `key_id`; `created_by` is the issuing key."""
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
    await repo.insert_link(
        conn,
        token_hash=secret_hash(token),
        key_id=key_id,
        created_by=created_by,
        expires_at=expires_at,
    )
    return SignInLink(token=token, path=LINK_PATH.format(token=token), expires_at=expires_at)


async def create_actor_sign_in_link(
    conn: Connection,
    *,
    actor_id: UUID,
    created_by: UUID | None,
    scope: UUID | None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> SignInLink:
    """A link for a candidate or client of the caller's organization (`scope`): a key of
    their own is made for it, named so."""
    for kind in ("candidate", "client"):
        actor = await actors_repo.get_actor(conn, kind=kind, actor_id=actor_id, scope=scope)
        if actor is not None:
            _, key_id = await create_key(
                conn, role=actor.kind, actor_id=actor.id, name="web sign-in link"
            )
            return await create_sign_in_link(
                conn, key_id=key_id, created_by=created_by, ttl_seconds=ttl_seconds
            )
    raise UnprocessableError(f"No candidate or client {actor_id}.", field="actor_id")
