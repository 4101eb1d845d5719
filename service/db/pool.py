"""One asyncpg pool per process, with the same connection set-up everywhere."""

from __future__ import annotations

import asyncpg
import msgspec


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb and json as Python values, encoded with msgspec."""
    for name in ("jsonb", "json"):
        await conn.set_type_codec(
            name,
            encoder=lambda value: msgspec.json.encode(value).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def open_connection(database_url: str) -> asyncpg.Connection:
    """A connection of its own (the command line, one-off work), set up as the pool's are."""
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def reset_connection(conn: asyncpg.Connection) -> None:
    """What a released connection needs here, and no more.

    asyncpg's default runs `RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all()`
    on every release: a round trip per request. The service opens no cursors, listens
    to nothing and holds advisory locks only on its own migration connection, so an
    abandoned transaction is the one thing to undo.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


IDLE_IN_TRANSACTION_MS = 300_000


async def create_pool(
    database_url: str, *, max_size: int = 10, server_settings: dict[str, str] | None = None
) -> asyncpg.Pool:
    # min_size=0: the app starts (and /ready answers 503) even while PostgreSQL is down,
    # and connections are made afresh after a restart. A transaction left idle (a stuck
    # caller) is ended by the server, so its locks and its connection come back.
    settings = {"idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_MS)}
    return await asyncpg.create_pool(
        database_url,
        min_size=0,
        max_size=max_size,
        init=init_connection,
        reset=reset_connection,
        max_inactive_connection_lifetime=60,
        command_timeout=60,
        server_settings={**settings, **(server_settings or {})},
    )
