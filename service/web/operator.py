"""The operator's page: is grading keeping up, what is it deciding, what is serving."""

from __future__ import annotations

import asyncpg
from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from service.api.reputation import model_out
from service.auth import require
from service.repo import eligibility as eligibility_repo
from service.repo import models as models_repo
from service.repo import operations
from service.web.render import page
from service.web.sessions import Viewer


@get("/operator", include_in_schema=False)
async def operator_page(
    conn: NamedDependency[asyncpg.Connection], viewer: NamedDependency[Viewer]
) -> Template:
    require(viewer.principal, "admin")
    hours = await operations.runs_per_hour(conn)
    mix = await operations.verdict_mix(conn)
    total = sum(v.runs for v in mix)
    return page(
        "operator.html",
        viewer,
        queue=await operations.queue_depth(conn),
        hours=hours,
        busiest=max((h.runs for h in hours), default=0),
        last_day=sum(h.runs for h in hours),
        mix=mix,
        mix_total=total,
        failures=await operations.recent_failures(conn),
        models=[model_out(m) for m in await models_repo.list_versions(conn, limit=10)],
        policies=await eligibility_repo.current_policies(conn),
    )


ROUTES = [operator_page]
