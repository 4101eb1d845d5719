"""`Idempotency-Key` for JSON writes: replay the stored answer, or store the first one."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from service.auth_types import Principal
from service.db.connection import Connection
from service.idempotency import Replay, begin, finish, request_fingerprint

T = TypeVar("T")
IdempotencyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="retry safely: the first answer is replayed (1-200 visible ASCII characters)",
        min_length=1,
        max_length=200,
        pattern=r"\A[\x21-\x7e]+\Z",
    ),
]


async def replayed(
    conn: Connection,
    principal: Principal,
    request: Request[Any, Any, Any],
    key: str | None,
    content: object,
) -> Replay | None:
    """The stored answer when `key` was used before; None for a first request.

    `content` is the request as the handler decoded it, so the same request sent again
    with other whitespace, key order or archive packing is the same request."""
    if key is None:
        return None
    canonical = msgspec.json.encode(content, order="sorted")
    fingerprint = request_fingerprint(request.method, request.url.path, canonical)
    return await begin(
        conn,
        principal,
        key=key,
        method=request.method,
        path=request.url.path,
        fingerprint=fingerprint,
    )


async def answer(
    conn: Connection,
    principal: Principal,
    key: str | None,
    content: T,
    *,
    status_code: int,
    headers: dict[str, str] | None = None,
) -> Response[T]:
    """The answer, stored first when the request carried an Idempotency-Key."""
    if key is not None:
        body = msgspec.json.encode(content)
        await finish(conn, principal, key=key, status_code=status_code, body=body)
    return Response(content, status_code=status_code, headers=headers)
