"""`Idempotency-Key` on writes: the first answer is stored and replayed for retries.

The key row is inserted at the start of the request's transaction, so a
concurrent retry waits on it and then replays the committed answer; the same
key with a different request body is refused, never replayed.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Response

from service.auth_types import Principal
from service.db.connection import Connection, returned_row
from service.errors import ConflictError

IdempotencyKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Replay(msgspec.Struct, frozen=True, kw_only=True):
    status_code: int
    body: bytes

    def response(self) -> Response[Any]:
        # The content is bytes: the handler's own answer, encoded when it was first given.
        # Handlers return this where they declare Response[TheirAnswer], the type Litestar
        # documents the body with; Any lets these bytes stand for that answer.
        return Response(
            self.body,
            status_code=self.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def begin(
    conn: Connection,
    principal: Principal,
    *,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
) -> Replay | None:
    """None when this request is the first with `key`; else the stored answer to replay.

    `key` was checked at the door (1-200 visible ASCII characters, api/replay.py)."""
    inserted = await conn.fetchval(
        "INSERT INTO idempotency_keys (api_key_id, key, method, path, request_sha256, "
        "status_code, response_body) VALUES ($1, $2, $3, $4, $5, 0, '') "
        "ON CONFLICT DO NOTHING RETURNING true",
        principal.key_id,
        key,
        method,
        path,
        fingerprint,
    )
    if inserted:
        return None
    # The insert met the committed row with this key (the primary key), and keys are never
    # deleted: it is there to read.
    row = returned_row(
        await conn.fetchrow(
            "SELECT request_sha256, status_code, response_body FROM idempotency_keys "
            "WHERE api_key_id = $1 AND key = $2",
            principal.key_id,
            key,
        )
    )
    if row["request_sha256"] != fingerprint:
        raise ConflictError(
            "This Idempotency-Key was used for a different request.", field="Idempotency-Key"
        )
    return Replay(status_code=row["status_code"], body=bytes(row["response_body"]))


async def finish(
    conn: Connection, principal: Principal, *, key: str, status_code: int, body: bytes
) -> None:
    await conn.execute(
        "UPDATE idempotency_keys SET status_code = $3, response_body = $4 "
        "WHERE api_key_id = $1 AND key = $2",
        principal.key_id,
        key,
        status_code,
        body,
    )
