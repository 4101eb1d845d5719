"""Dependencies every handler may ask for: a connection in a transaction, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from service.auth import authenticate
from service.auth_types import Principal


async def provide_conn(state: State) -> AsyncIterator[asyncpg.Connection]:
    # One transaction per request: committed when the handler returns, rolled back
    # when it raises (Litestar throws the handler's exception into this generator).
    async with state.pool.acquire() as conn, conn.transaction():
        yield conn


async def provide_principal(
    request: Request, conn: NamedDependency[asyncpg.Connection]
) -> Principal:
    return await authenticate(request, conn)


DEPENDENCIES = {
    "conn": Provide(provide_conn),
    "principal": Provide(provide_principal),
}
