"""The operator's page: is grading keeping up, what is it deciding, what is serving."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from scoring.eligibility import PolicyRules
from service.db.connection import PooledConnection
from service.repo import eligibility as eligibility_repo
from service.repo import models as models_repo
from service.repo import operations
from service.repo import similarity as similarity_repo
from service.reputation.views import model_out
from service.web.render import page
from service.web.sessions import Viewer, signed_in


def policy_rules(policy: PolicyRules) -> list[str]:
    """A policy's rules in words, as the eligibility answer applies them."""
    rules = []
    if policy.min_score > 0:
        rules.append(f"Score at least {policy.min_score:g}")
    if policy.min_lower_bound > 0:
        rules.append(f"Lower end of the interval at least {policy.min_lower_bound:g}")
    if policy.min_evidence > 0:
        rules.append(f"At least {policy.min_evidence} pieces of evidence")
    for need in policy.required_trials:
        skill = "every skill the milestone asks for" if need.skill == "*" else need.skill
        trials = "trial" if need.min_count == 1 else "trials"
        rules.append(
            f"{need.min_count} {trials} in {skill} scored {need.min_score:.0%} or more "
            f"within {need.window_days:g} days"
        )
    if policy.no_open_disputes:
        rules.append("No open dispute")
    if not policy.allow_prior:
        rules.append("Only a trained model's score counts, not the prior")
    return rules or ["No rules: every candidate is eligible"]


@get("/operator", include_in_schema=False, guards=[signed_in("admin")])
async def operator_page(
    conn: NamedDependency[PooledConnection], viewer: NamedDependency[Viewer]
) -> Template:
    hours = await operations.runs_per_hour(conn)
    mix = await operations.verdict_mix(conn)
    total = sum(v.runs for v in mix)
    return page(
        "operator.html",
        viewer,
        queue=await operations.queue_depth(conn),
        open_flags=await similarity_repo.count_open(conn),
        hours=hours,
        busiest=max((h.runs for h in hours), default=0),
        last_day=sum(h.runs for h in hours),
        mix=mix,
        mix_total=total,
        failures=await operations.recent_failures(conn),
        models=[model_out(m) for m in await models_repo.list_versions(conn, limit=10)],
        policies=[
            (p, policy_rules(p.rules)) for p in await eligibility_repo.current_policies(conn)
        ],
    )


ROUTES = [operator_page]
