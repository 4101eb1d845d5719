"""The connection types the service passes around, and the one row a statement must return."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
import asyncpg.exceptions
from asyncpg.pool import PoolConnectionProxy

# What the pool lends: a proxy that forwards to the connection it holds. asyncpg makes
# isinstance(proxy, asyncpg.Connection) true at run time, but the proxy is no subclass of
# Connection, and its type says so. Handlers name this: it is what `provide_conn` yields,
# and Litestar checks an injected value against one class (a union of two it cannot check).
PooledConnection: TypeAlias = PoolConnectionProxy

# What repositories and the functions around them take: a connection from the pool, or
# one opened directly (the command line, tests).
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy


def returned_row(row: asyncpg.Record | None) -> asyncpg.Record:
    """The row of a statement that always returns one: `INSERT ... RETURNING`, an aggregate,
    or a read of a row the same transaction has just shown to exist.

    None here is a bug (the statement or the schema changed under the code reading it),
    answered as any other: an error, never a half-built value.
    """
    if row is None:
        raise RuntimeError("the statement returned no row where one is always expected")
    return row


# What a database outage looks like from here: the socket failing, the server
# refusing, the driver losing the connection, or asyncpg's protocol caught
# mid-operation when the server restarts (InternalClientError, "cannot switch
# to state"). Loops that must outlive an outage catch exactly these.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
# The narrower set: the connection or the server is gone, whatever was asked. A
# PostgresError outside it (bad data, a constraint) is about the statement sent.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    OSError,  # TimeoutError included
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)
