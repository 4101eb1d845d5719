"""The operator's eligibility policies: each tier's current rules, a tier's history with a
diff between any two versions, and a form for the next version with a "what if" first.

The form is read into the API's own input type (`policy_form.py`), so a value the PUT
refuses is refused here, naming the field; a version is stored by the same `save_policy`
the PUT calls. The what-if writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from scoring.eligibility import PolicyRules
from service.db.connection import PooledConnection
from service.eligibility.changes import rule_changes
from service.eligibility.impact import PolicyImpact, policy_impact
from service.eligibility.policies import TIER_PATTERN, save_policy
from service.eligibility.rules import policy_rules
from service.errors import NotFoundError, UnprocessableError
from service.repo import eligibility as repo
from service.repo import organizations as organizations_repo
from service.repo.eligibility import PolicyVersionRow
from service.reputation.refresh import refresh, reputation_tiers
from service.reputation.scorers import SCORERS, Scorers
from service.web.policy_form import (
    MAX_TRIAL_ROWS,
    DraftForm,
    FormProblem,
    TrialRow,
    form_of,
    label,
    organization_of,
    rules_of,
    typed,
)
from service.web.render import page
from service.web.sessions import Viewer, signed_in

Tier = Annotated[str, PathParameter(pattern=TIER_PATTERN)]
Version = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]


async def _tier_page(
    conn: PooledConnection,
    viewer: Viewer,
    tier: str,
    *,
    status: int = 200,
    draft: DraftForm | None = None,
    problem: FormProblem | None = None,
    impact: PolicyImpact | None = None,
    tried: PolicyRules | None = None,
    compare: tuple[int | None, int | None] = (None, None),
    saved: int | None = None,
    unchanged: int | None = None,
) -> Template:
    history = await repo.policy_history(conn, tier=tier)
    if not history:
        raise NotFoundError(
            f"No policy for tier {tier!r}; a new tier is started with PUT /v1/policies/{tier}.",
            field="tier",
        )
    current = history[0]
    form = draft or form_of(current.rules)
    blank = max(1, min(2, MAX_TRIAL_ROWS - len(form.required_trials)))
    return page(
        "operator_policy.html",
        viewer,
        status=status,
        tier=tier,
        current=current,
        history=[(v, policy_rules(v.rules)) for v in history],
        diff=_diff(history, *compare),
        form=form,
        trial_rows=[*form.required_trials, *[TrialRow()] * blank],
        problem=problem,
        problem_label=label(problem.field) if problem else "",
        organizations=await organizations_repo.list_organizations(conn),
        impact=impact,
        draft_changes=rule_changes(current.rules, tried) if tried is not None else None,
        saved=saved,
        unchanged=unchanged,
    )


class VersionDiff(msgspec.Struct, frozen=True, kw_only=True):
    old: PolicyVersionRow
    new: PolicyVersionRow
    changes: list[str]  # from old to new, in words; [] when they ask the same


def _diff(
    history: list[PolicyVersionRow], before: int | None, after: int | None
) -> VersionDiff | None:
    """Two versions and what changed from the first to the second; by default the last change."""
    versions = {v.version: v for v in history}
    for name, asked in (("from", before), ("to", after)):
        if asked is not None and asked not in versions:
            raise NotFoundError(f"Tier {history[0].tier} has no version {asked}.", field=name)
    if before is None and after is None and len(history) < 2:
        return None
    old = versions[before] if before is not None else history[min(1, len(history) - 1)]
    new = versions[after] if after is not None else history[0]
    return VersionDiff(old=old, new=new, changes=rule_changes(old.rules, new.rules))


@get("/operator/policies", include_in_schema=False, guards=[signed_in("admin")])
async def policies_page(
    conn: NamedDependency[PooledConnection], viewer: NamedDependency[Viewer]
) -> Template:
    return page(
        "operator_policies.html",
        viewer,
        policies=[(p, policy_rules(p.rules)) for p in await repo.current_policies(conn)],
    )


@get("/operator/policies/{tier:str}", include_in_schema=False, guards=[signed_in("admin")])
async def policy_page(  # noqa: PLR0917 - Litestar passes parameters by name
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    tier: Tier,
    before: Annotated[int | None, QueryParameter(name="from", ge=1, le=2**31 - 1)] = None,
    after: Annotated[int | None, QueryParameter(name="to", ge=1, le=2**31 - 1)] = None,
    saved: Version = None,
    unchanged: Version = None,
) -> Template:
    return await _tier_page(
        conn, viewer, tier, compare=(before, after), saved=saved, unchanged=unchanged
    )


@post("/operator/policies/{tier:str}/what-if", include_in_schema=False, guards=[signed_in("admin")])
async def what_if(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    tier: Tier,
) -> Template:
    draft = typed(await request.form())
    rules = rules_of(draft)
    if isinstance(rules, FormProblem):
        return await _tier_page(conn, viewer, tier, status=422, draft=draft, problem=rules)
    organization = organization_of(draft)
    if isinstance(organization, FormProblem):
        return await _tier_page(conn, viewer, tier, status=422, draft=draft, problem=organization)
    try:
        impact = await policy_impact(conn, tier=tier, draft=rules, organization_id=organization)
    except UnprocessableError as exc:  # an organization gone since the page was shown
        problem = FormProblem(field=exc.field or "organization", message=exc.detail)
        return await _tier_page(conn, viewer, tier, status=422, draft=draft, problem=problem)
    return await _tier_page(conn, viewer, tier, draft=draft, impact=impact, tried=rules)


@post(
    "/operator/policies/{tier:str}",
    include_in_schema=False,
    guards=[signed_in("admin")],
    dependencies=SCORERS,
)
async def save_version(
    request: Request[Any, Any, Any],
    conn: NamedDependency[PooledConnection],
    viewer: NamedDependency[Viewer],
    scorers: NamedDependency[Scorers],
    tier: Tier,
) -> Any:
    draft = typed(await request.form())
    rules = rules_of(draft)
    if isinstance(rules, FormProblem):
        return await _tier_page(conn, viewer, tier, status=422, draft=draft, problem=rules)
    if not await repo.current_policies(conn, tiers=[tier]):  # the page edits existing tiers
        raise NotFoundError(f"No policy for tier {tier!r}.", field="tier")
    saved = await save_policy(
        conn,
        tier=tier,
        rules=rules,
        created_by=viewer.principal.key_id,
        scored_tiers=await reputation_tiers(conn),
        score_tier=lambda new_tier: refresh(conn, scorers, tiers=[new_tier]),
    )
    shown = "saved" if saved.created else "unchanged"
    return Redirect(
        f"/operator/policies/{tier}?{shown}={saved.row.version}#history", status_code=303
    )


ROUTES = [policies_page, policy_page, what_if, save_version]
