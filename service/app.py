"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from service.api import health
from service.db.pool import create_pool
from service.errors import EXCEPTION_HANDLERS
from service.settings import Settings


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url)
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = Litestar(
        route_handlers=[health.health, health.ready],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="trialgate", version="0.1.0", path="/schema"),
        debug=False,
    )
    app.state.settings = settings
    return app
