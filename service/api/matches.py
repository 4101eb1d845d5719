"""Matching: the caller's candidates ranked for one milestone (`POST /v1/matches`)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from service.auth import allow
from service.auth_types import Principal
from service.db.connection import PooledConnection
from service.matching.cache import MATCHING, MatchIndexes
from service.matching.schemas import MatchesOut, MatchIn
from service.matching.service import find_matches
from service.reputation.scorers import SCORERS, Scorers

DEPENDENCIES = {**SCORERS, **MATCHING}


class MatchController(Controller):
    tags = ("matching",)
    dependencies = DEPENDENCIES

    @post(
        "/v1/matches",
        summary="Who fits a milestone: the organization's candidates ranked by their chance "
        "that it goes well, with interval, eligibility and reasons; nothing is stored",
        description="Each chance is the serving model's (or the prior's) prediction for this "
        "milestone's skills, tier and amount, from each candidate's stored reputation. "
        "Eligibility is what `POST /v1/eligibility` would answer now for the same candidate, "
        "tier and skills, but no decision is stored: a match is a search. `ranked` counts "
        "the candidates ranked, `unscored` the stored reputations left out (scored by a "
        "scorer that does not serve now, or before matching existed). Admins name the "
        "organization (`organization`, default `default`); everyone else ranks their own.",
        status_code=200,
        guards=[allow("admin", "platform", "client")],
    )
    async def match(
        self,
        conn: NamedDependency[PooledConnection],
        principal: NamedDependency[Principal],
        scorers: NamedDependency[Scorers],
        match_indexes: NamedDependency[MatchIndexes],
        data: JSONBody[MatchIn],
    ) -> MatchesOut:
        return await find_matches(conn, principal, data, scorers=scorers, indexes=match_indexes)
