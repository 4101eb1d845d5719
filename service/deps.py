"""Dependencies every handler may ask for: a connection in a transaction, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from service.auth import caller
from service.auth_types import Principal
from service.db.connection import PooledConnection

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_conn(
    request: Request[Any, Any, Any], state: State
) -> AsyncIterator[PooledConnection]:
    # Writes get one transaction per request: committed when the handler returns, rolled
    # back when it raises (Litestar throws the handler's exception into this generator).
    # Reads skip BEGIN/COMMIT: two round trips saved on the hottest paths.
    pool: asyncpg.Pool = state.pool  # State holds Any: say what the lifespan put there
    async with pool.acquire() as conn:
        if request.method in READ_ONLY_METHODS:
            yield conn
        else:
            async with conn.transaction():
                yield conn


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    # The guard has usually looked the key up already; its own short look-up otherwise,
    # so a handler that needs no connection (a cached read) never takes one from the pool.
    return await caller(request)


DEPENDENCIES = {
    "conn": Provide(provide_conn),
    "principal": Provide(provide_principal),
}
