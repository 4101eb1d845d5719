"""Liveness and readiness."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
from litestar import Response, get
from litestar.datastructures import State

from sandboxes.engine import engine_answers
from service.db.connection import DATABASE_UNAVAILABLE
from service.submissions.worker import Worker

CHECK_TIMEOUT = 3.0


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    checks: dict[str, str]


@get("/health", tags=["health"], summary="Liveness: the process answers")
async def health() -> Health:
    return Health(status="ok")


async def _postgres(pool: asyncpg.Pool) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except DATABASE_UNAVAILABLE as exc:  # asyncio.timeout raises TimeoutError, an OSError
        return f"down: {str(exc) or type(exc).__name__}"
    return "ok"


async def _docker(docker_host: str) -> str:
    reason = await asyncio.to_thread(engine_answers, docker_host, timeout=CHECK_TIMEOUT)
    return "ok" if reason is None else f"down: {reason}"


@get(
    "/ready",
    tags=["health"],
    summary="Readiness: PostgreSQL and the Docker engine answer, and the embedded worker claims",
)
async def ready(state: State) -> Response[Readiness]:
    postgres, docker = await asyncio.gather(
        _postgres(state.pool), _docker(state.settings.docker_host)
    )
    checks = {"postgres": postgres, "docker": docker}
    worker: Worker | None = state.worker  # the embedded one, when this process grades
    if worker is not None:
        checks["worker"] = worker.state()
    down = [name for name, result in checks.items() if result != "ok"]
    body = Readiness(status="ok" if not down else "unavailable: " + ", ".join(down), checks=checks)
    return Response(body, status_code=503 if down else 200)
