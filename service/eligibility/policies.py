"""Eligibility policies as they come in: one tier's rules (`scoring.eligibility.PolicyRules`),
checked at the door by their own constraints, stored and applied as they are.

`save_policy` is the one way a version is stored, whichever door it comes through (the
API's PUT, the operator's page): the same comparison with the current version, the same
numbering, the same author recorded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from uuid import UUID

import msgspec

from scoring.eligibility import PolicyRules
from service.db.connection import Connection
from service.repo import eligibility as repo
from service.repo.eligibility import PolicyRow

TIER_PATTERN = r"\A[a-z0-9][a-z0-9_-]{0,63}\Z"

# Scores every candidate for a tier. Given by the front door (the reputation refresh),
# which this layer sits below and may not import.
ScoreTier = Callable[[str], Awaitable[object]]


class SavedPolicy(msgspec.Struct, frozen=True, kw_only=True):
    row: PolicyRow  # the version now current
    created: bool  # False: the rules equal the current version's, so nothing was stored


async def save_policy(
    conn: Connection,
    *,
    tier: str,
    rules: PolicyRules,
    created_by: UUID,
    scored_tiers: Collection[str],
    score_tier: ScoreTier,
) -> SavedPolicy:
    """The tier's next version, unless `rules` equal the current one's (then nothing changes).

    `scored_tiers`: the tiers reputations are kept for. Reputations are kept per tier, so
    a tier not among them gets everyone scored for it (`score_tier`) once its first
    version is stored.
    """
    current = await repo.current_policies(conn, tiers=[tier])
    if current and current[0].rules == rules:
        return SavedPolicy(row=current[0], created=False)
    row = await repo.insert_policy(conn, tier=tier, rules=rules, created_by=created_by)
    if tier not in scored_tiers:
        await score_tier(tier)
    return SavedPolicy(row=row, created=True)
