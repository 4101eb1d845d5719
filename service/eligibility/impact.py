"""What a draft of a tier's rules would change, before it is saved: who becomes eligible,
who stops being.

Every candidate with a stored reputation for the tier is evaluated twice, under the
current version and under the draft, with the same `evaluate`, the same stored reputation
and the same facts a profile's eligibility reads (`preview.stored_inputs`; the candidate's
declared skills stand in for a milestone's). One read brings every candidate's reputation
and facts. Nothing is written: a what-if decides nothing, so it leaves no decision in the
audit trail and stores no version.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from scoring.eligibility import Policy, PolicyRules, evaluate
from service.db.connection import Connection
from service.eligibility.decisions import disputes_since
from service.eligibility.preview import stored_inputs
from service.errors import UnprocessableError
from service.repo import eligibility as repo
from service.repo import organizations as organizations_repo
from service.repo.eligibility import StandingRow

SAMPLE = 20  # names shown per direction
DRAFT = "draft"  # the draft's version, as its decisions would name it


class Affected(msgspec.Struct, frozen=True, kw_only=True):
    candidate_id: UUID
    external_ref: str | None
    name: str  # the display name; the platform's id, or the uuid, when there is none


class PolicyImpact(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    current_version: int | None  # None: no version yet, so nobody is eligible now
    organization_id: UUID | None  # the candidates' organization; None: every organization
    candidates: int  # with a stored reputation for the tier: everyone evaluated
    eligible_now: int  # under the current version
    eligible_with_draft: int
    newly_eligible: int
    newly_ineligible: int
    newly_eligible_sample: list[Affected]  # the first SAMPLE by name
    newly_ineligible_sample: list[Affected]
    took_ms: float  # reading and evaluating, on the server


async def policy_impact(
    conn: Connection,
    *,
    tier: str,
    draft: PolicyRules,
    organization_id: UUID | None,
    now: datetime | None = None,
) -> PolicyImpact:
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    if organization_id is not None and organization_id not in {
        o.id for o in await organizations_repo.list_organizations(conn)
    }:
        raise UnprocessableError(f"No organization {organization_id}.", field="organization")
    found = await repo.current_policies(conn, tiers=[tier])
    current = found[0] if found else None
    rows = await repo.standings(
        conn, tier=tier, organization_id=organization_id, disputes_since=disputes_since(now)
    )
    before = current.policy() if current is not None else None
    after = Policy.of(tier, DRAFT, draft)
    eligible_now = eligible_with_draft = 0
    gained: list[StandingRow] = []
    lost: list[StandingRow] = []
    for row in rows:
        reputation, facts = stored_inputs(row, tier, row.skills, now)
        was = before is not None and evaluate(before, reputation, facts, now=now).eligible
        will = evaluate(after, reputation, facts, now=now).eligible
        eligible_now += was
        eligible_with_draft += will
        if will and not was:
            gained.append(row)
        elif was and not will:
            lost.append(row)
    return PolicyImpact(
        tier=tier,
        current_version=current.version if current is not None else None,
        organization_id=organization_id,
        candidates=len(rows),
        eligible_now=eligible_now,
        eligible_with_draft=eligible_with_draft,
        newly_eligible=len(gained),
        newly_ineligible=len(lost),
        newly_eligible_sample=[_affected(r) for r in gained[:SAMPLE]],
        newly_ineligible_sample=[_affected(r) for r in lost[:SAMPLE]],
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _affected(row: StandingRow) -> Affected:
    assert row.candidate_id is not None  # a standing is of a candidate found
    return Affected(
        candidate_id=row.candidate_id,
        external_ref=row.external_ref,
        name=row.display_name or row.external_ref or str(row.candidate_id),
    )
