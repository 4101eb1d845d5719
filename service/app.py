"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from service import web
from service.api import (
    actors,
    attempts,
    calibration,
    eligibility,
    events,
    health,
    matches,
    reputation,
    sign_in_links,
    similarity,
    submissions,
    trials,
)
from service.api import webhooks as webhooks_api
from service.db.pool import create_pool
from service.deps import DEPENDENCIES
from service.eligibility.batching import DecisionBatcher
from service.errors import EXCEPTION_HANDLERS
from service.fields import refuse_nul_in_url
from service.grading.sandboxes import SandboxProvider
from service.openapi import document, explorer
from service.reputation.refresher import run_refresher
from service.reputation.scorers import Scorers
from service.settings import Settings
from service.submissions.worker import Worker, WorkerConfig
from service.web.errors import with_pages
from service.webhooks import delivery as webhooks


def create_app(
    settings: Settings, *, embedded_worker: bool | None = None, refresher: bool | None = None
) -> Litestar:
    run_worker = settings.embedded_worker if embedded_worker is None else embedded_worker
    # Reputation refreshes are background work too: by default they run where the worker runs.
    run_refresher_task = run_worker if refresher is None else refresher

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url)
        provider = SandboxProvider(settings.docker_host, pool_size=settings.sandbox_pool_size)
        app.state.pool = pool
        app.state.sandboxes = provider
        app.state.scorers = scorers = Scorers()
        app.state.decisions = decisions = DecisionBatcher(pool)
        stop = asyncio.Event()
        background: list[asyncio.Task[None]] = []
        app.state.worker = None
        if run_worker:
            app.state.worker = worker = Worker(pool, provider, WorkerConfig.from_settings(settings))
            background = [
                asyncio.create_task(worker.run(stop)),
                asyncio.create_task(
                    webhooks.run_deliveries(
                        pool, stop, allow_private=settings.webhook_private_targets
                    )
                ),
            ]
        if run_refresher_task:
            background.append(asyncio.create_task(run_refresher(pool, scorers, stop)))
        try:
            yield
        finally:
            stop.set()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(provider.close)
            await decisions.close()
            await pool.close()

    explorer_plugins, explorer_files = explorer()
    app = Litestar(
        route_handlers=[
            health.health,
            health.ready,
            actors.CandidateController,
            actors.ClientController,
            trials.TrialController,
            submissions.SubmissionController,
            attempts.AttemptController,
            similarity.SimilarityController,
            webhooks_api.WebhookController,
            events.EngagementController,
            events.MilestoneController,
            events.EventImportController,
            reputation.ReputationController,
            reputation.ModelController,
            calibration.CalibrationController,
            eligibility.PolicyController,
            eligibility.EligibilityController,
            matches.MatchController,
            sign_in_links.SignInLinkController,
            web.router(),
            web.static_files(),
            explorer_files,
        ],
        dependencies=DEPENDENCIES,
        before_request=refuse_nul_in_url,
        lifespan=[lifespan],
        # Pages get the same statuses as the API, rendered as pages instead of problem+json.
        exception_handlers=with_pages(EXCEPTION_HANDLERS),
        template_config=web.template_config(),
        csrf_config=web.csrf_config(settings),
        openapi_config=OpenAPIConfig(
            title="trialgate",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={"api_key": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"api_key": []}],
            render_plugins=explorer_plugins,
        ),
        debug=False,
        # logs.configure() owns logging: one JSON object per line, for every logger
        logging_config=None,
    )
    app.state.settings = settings
    app.state.worker = None  # set by the lifespan when this process grades
    document(app, public={"/health": [], "/ready": [503]})
    return app
