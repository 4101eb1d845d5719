"""The operator's page: is grading keeping up, what is it deciding, what is serving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from service.db.connection import PooledConnection
from service.eligibility.rules import policy_rules
from service.repo import eligibility as eligibility_repo
from service.repo import models as models_repo
from service.repo import operations
from service.repo import similarity as similarity_repo
from service.reputation.views import model_out
from service.web import hours_chart
from service.web.render import page
from service.web.sessions import Viewer, signed_in
from service.web.submission_filters import list_url, minute

MIX_DAYS = 7


class MixBar(msgspec.Struct, frozen=True, kw_only=True):
    verdict: str
    runs: int
    share: float  # of every run graded in the period, 0 to 1
    href: str  # exactly these runs in the submissions list


def mix_bars(mix: list[operations.VerdictCount], *, since: datetime) -> list[MixBar]:
    total = sum(v.runs for v in mix) or 1
    start = since.date().isoformat()
    return [
        MixBar(
            verdict=v.verdict,
            runs=v.runs,
            share=v.runs / total,
            href=list_url(verdict=v.verdict, by="graded", start=start),
        )
        for v in mix
    ]


@get("/operator", include_in_schema=False, guards=[signed_in("admin")])
async def operator_page(
    conn: NamedDependency[PooledConnection], viewer: NamedDependency[Viewer]
) -> Template:
    # whole UTC days, so the verdict links can name the same period as a `from` date
    today = datetime.now(UTC).date()
    since = datetime.combine(today - timedelta(days=MIX_DAYS - 1), time(), tzinfo=UTC)
    hours = await operations.runs_per_hour(conn)
    mix = await operations.verdict_mix(conn, since=since)
    return page(
        "operator.html",
        viewer,
        queue=await operations.queue_depth(conn),
        open_flags=await similarity_repo.count_open(conn),
        chart=hours_chart.build(hours),
        last_day_href=list_url(by="graded", start=minute(hours[0].hour)) if hours else "",
        mix=mix_bars(mix, since=since),
        mix_since=since,
        mix_days=MIX_DAYS,
        mix_total=sum(v.runs for v in mix),
        failures=await operations.recent_failures(conn),
        models=[model_out(m) for m in await models_repo.list_versions(conn, limit=10)],
        policies=[
            (p, policy_rules(p.rules)) for p in await eligibility_repo.current_policies(conn)
        ],
    )


ROUTES = [operator_page]
