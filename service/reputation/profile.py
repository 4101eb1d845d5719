"""A candidate's profile as a person reads it: the score with its context, and the work.

Everything is read within the viewer's organization and answered from what is stored:
the reputation (or that there is none yet), where its score stands among the
organization's candidates, each tier's eligibility under the current policies, the
reasons that moved it either way, trials, ratings and milestones. Who sees what is the
API's rule: a client reads other clients' ratings only blended, and its own milestones
only; platforms and admins read every milestone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from service.auth_types import Principal
from service.db.connection import Connection
from service.eligibility.preview import TierAnswer, tier_answers
from service.errors import NotFoundError, NotScoredYetError
from service.people.directory import label
from service.people.service import may_read_actor
from service.repo import actors as actors_repo
from service.repo import directory as directory_repo
from service.repo import profiles as repo
from service.repo import score_history
from service.repo.actors import ActorRow
from service.repo.profiles import RatingSummary, ScoreRank, TrialResultRow, WorkItem
from service.repo.score_history import ScorePoint
from service.reputation.refresh import DEFAULT_TIER, reputation_tiers
from service.reputation.views import ReasonOut, ReputationOut, read_reputation

# A client sees other clients' ratings only blended: with fewer, one rating could be read off.
MIN_RATINGS_SHOWN = 3
# A rank among fewer says little, and among very few it says who the others are.
MIN_PEERS = 5


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    """Where a stored score stands among the organization's candidates scored for the tier."""

    peers: int
    top_percent: int | None  # "top N%": None below MIN_PEERS


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    candidate: ActorRow
    name: str
    platform_id: str | None
    since: datetime  # see service.repo.directory.SINCE
    tier: str
    tiers: list[str]
    reputation: ReputationOut | None  # None: not scored for `tier` yet
    standing: Standing | None
    helping: list[ReasonOut]  # reasons that add points, largest first
    hurting: list[ReasonOut]  # reasons that take points away, largest first
    eligibility: list[TierAnswer]
    points: list[ScorePoint]
    trials: list[TrialResultRow]
    ratings: RatingSummary
    work: list[WorkItem]
    work_of_viewer: bool  # the work shown is only the viewing client's own milestones


def standing_of(rank: ScoreRank | None) -> Standing | None:
    if rank is None:
        return None
    if rank.peers < MIN_PEERS:
        return Standing(peers=rank.peers, top_percent=None)
    # Ties share the better place: the best of 20 is the top 5%, the last the top 100%.
    return Standing(peers=rank.peers, top_percent=math.ceil(100 * (rank.higher + 1) / rank.peers))


def split_reasons(reasons: Sequence[ReasonOut]) -> tuple[list[ReasonOut], list[ReasonOut]]:
    """(what adds points, what takes points away), each largest effect first."""
    helping = sorted((r for r in reasons if r.effect > 0), key=lambda r: -r.effect)
    hurting = sorted((r for r in reasons if r.effect < 0), key=lambda r: r.effect)
    return helping, hurting


def blended(principal: Principal, summary: RatingSummary) -> RatingSummary:
    if principal.role != "client" or summary.count >= MIN_RATINGS_SHOWN:
        return summary
    return RatingSummary(
        count=summary.count, average=None, quality=None, communication=None, timeliness=None
    )


async def read_profile(
    conn: Connection, principal: Principal, candidate_id: UUID, *, tier: str = DEFAULT_TIER
) -> Profile:
    """The profile, if `principal` may read the candidate; otherwise not found, exactly as
    a candidate that does not exist."""
    scope = principal.scope
    actor = await actors_repo.get_actor(conn, kind="candidate", actor_id=candidate_id, scope=scope)
    since = await directory_repo.since(conn, candidate_id=candidate_id, scope=scope)
    if actor is None or since is None or not may_read_actor(principal, "candidate", candidate_id):
        raise NotFoundError(f"No candidate {candidate_id}.", field="candidate_id")
    try:
        reputation: ReputationOut | None = await read_reputation(
            conn, candidate_id=candidate_id, tier=tier, scope=scope
        )
    except NotScoredYetError:
        reputation = None  # the page says so; the rest of the profile still shows
    helping, hurting = split_reasons(reputation.reasons if reputation else [])
    rank = await repo.score_rank(conn, candidate_id=candidate_id, tier=tier, scope=scope)
    own_work = principal.role == "client"
    return Profile(
        candidate=actor,
        name=label(actor.display_name, actor.external_ref),
        platform_id=actor.external_ref,
        since=since,
        tier=tier,
        tiers=await reputation_tiers(conn),
        reputation=reputation,
        standing=standing_of(rank) if reputation else None,
        helping=helping,
        hurting=hurting,
        eligibility=await tier_answers(
            conn, candidate_id=candidate_id, skills=actor.skills, scope=scope
        ),
        points=await score_history.points(conn, candidate_id=candidate_id, tier=tier),
        trials=await repo.trial_results(conn, candidate_id=candidate_id),
        ratings=blended(principal, await repo.rating_summary(conn, candidate_id=candidate_id)),
        work=await repo.work_history(
            conn,
            candidate_id=candidate_id,
            client_id=principal.actor_id if own_work else None,
            scope=scope,
        ),
        work_of_viewer=own_work,
    )
