"""Bearer API keys: `tg_<prefix>_<secret>`, stored as prefix + sha256(secret).

The secret is 256 random bits, so a fast hash is enough: there is nothing to
brute-force, and verification stays cheap on the hot read path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from uuid import UUID

import asyncpg
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from service.auth_types import Principal, Role
from service.db.connection import Connection
from service.errors import ForbiddenError, UnauthorizedError
from service.repo import keys as keys_repo
from service.repo import organizations as organizations_repo

KEY_SCHEME = "tg"


def secret_hash(secret: str) -> bytes:
    """How every bearer secret is stored: API keys, web sessions, sign-in links."""
    return hashlib.sha256(secret.encode()).digest()


def new_key() -> tuple[str, str, bytes]:
    """(full key shown once, prefix stored, secret hash stored)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{KEY_SCHEME}_{prefix}_{secret}", prefix, secret_hash(secret)


async def create_key(
    conn: Connection,
    *,
    role: Role,
    actor_id: UUID | None,
    name: str,
    organization_id: UUID | None = None,
) -> tuple[str, UUID]:
    """A new key. Admin keys belong to no organization; a candidate's or client's to their
    own; a platform's to `organization_id`, or the default organization when left out."""
    if role == "admin":
        organization_id = None
    elif role == "platform" and organization_id is None:
        organization_id = await organizations_repo.default_organization_id(conn)
    full, prefix, secret_hash = new_key()
    key_id = await keys_repo.insert_key(
        conn,
        prefix=prefix,
        secret_hash=secret_hash,
        role=role,
        actor_id=actor_id,
        name=name,
        organization_id=organization_id,
    )
    return full, key_id


def split_key(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a `tg_<prefix>_<secret>` key, or None if it is not shaped so."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def _parse(header: str | None) -> tuple[str, str]:
    if not header:
        raise UnauthorizedError("Send an API key as `Authorization: Bearer <key>`.")
    scheme, _, token = header.partition(" ")
    found = split_key(token)
    if scheme.lower() != "bearer" or found is None:
        raise UnauthorizedError("The Authorization header does not hold a trialgate API key.")
    return found


class _RecentKeys:
    """Keys verified in the last few seconds, so hot read paths skip the key query.

    A revoked key keeps working for at most `ttl` seconds in each process.
    """

    def __init__(self, ttl: float = 10.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[tuple[str, bytes], tuple[float, Principal]] = {}

    def get(self, prefix: str, secret_hash: bytes) -> Principal | None:
        entry = self._entries.get((prefix, secret_hash))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, prefix: str, secret_hash: bytes, principal: Principal) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[(prefix, secret_hash)] = (time.monotonic() + self.ttl, principal)


recent_keys = _RecentKeys()


Connection_ = ASGIConnection[Any, Any, Any, Any]


async def authenticate(connection: Connection_, pool: asyncpg.Pool) -> Principal:
    prefix, secret = _parse(connection.headers.get("authorization"))
    hashed = secret_hash(secret)
    cached = recent_keys.get(prefix, hashed)
    if cached is not None:
        return cached
    async with pool.acquire() as conn:
        principal = await verify_key(conn, prefix=prefix, secret=secret)
    if principal is None:
        raise UnauthorizedError("The API key is unknown or revoked.")
    recent_keys.put(prefix, hashed, principal)
    return principal


async def verify_key(conn: Connection, *, prefix: str, secret: str) -> Principal | None:
    """The principal of an active key, or None; never cached (sign-in pages use it too)."""
    stored = await keys_repo.find_active_key(conn, prefix=prefix)
    if stored is None or not hmac.compare_digest(stored.secret_hash, secret_hash(secret)):
        return None
    return Principal(
        key_id=stored.id,
        role=stored.role,
        actor_id=stored.actor_id,
        organization_id=stored.organization_id,
    )


def require(principal: Principal, *roles: Role, why: str | None = None) -> None:
    if principal.role not in roles:
        raise ForbiddenError(
            why
            or f"This needs one of the roles {', '.join(roles)}; the key's role is {principal.role}."
        )


async def caller(connection: Connection_) -> Principal:
    """The API key's principal, looked up once per request: guards and handlers share it."""
    known = connection.scope.get("user")
    if isinstance(known, Principal):
        return known
    principal = await authenticate(connection, connection.app.state.pool)
    connection.scope["user"] = principal
    return principal


class RoleGuard:
    """A Litestar guard: the caller must hold one of `roles`. Subclasses say who calls.

    Guards run before the body is read and before any dependency, so a caller
    without the role learns nothing about the resource or its own input.
    """

    def __init__(self, *roles: Role, why: str | None = None) -> None:
        self.roles: tuple[Role, ...] = roles
        self.why = why

    async def principal(self, connection: Connection_) -> Principal:
        raise NotImplementedError

    async def __call__(self, connection: Connection_, _: BaseRouteHandler) -> None:
        require(await self.principal(connection), *self.roles, why=self.why)


class allow(RoleGuard):  # noqa: N801 - read as a rule where it is used: guards=[allow("admin")]
    """The API's guard: the bearer key's role."""

    async def principal(self, connection: Connection_) -> Principal:
        return await caller(connection)
