"""What a match request sends and what it answers, checked at the door.

The API decodes a body into `MatchIn`; the client page reads its form into the same type
(`read_match`), so whatever one refuses the other refuses, naming the same field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from scoring.reputation.events import ONE_LINE
from service.errors import UnprocessableError, field_from_msgspec
from service.fields import Skill, Tier

MAX_SKILLS = 32
MAX_EXCLUDED = 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_AMOUNT = 1e9
INTERVAL_LEVEL = 0.9

Slug = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9][a-z0-9-]{1,62}\Z")]


class MatchIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A milestone to find candidates for."""

    tier: Tier
    amount: Annotated[
        float,
        msgspec.Meta(ge=0.0, le=MAX_AMOUNT, description="the milestone's amount, finite"),
    ]
    skills: Annotated[
        list[Skill],
        msgspec.Meta(max_length=MAX_SKILLS, description="the skills it asks for"),
    ] = []
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    exclude: Annotated[
        list[UUID],
        msgspec.Meta(
            max_length=MAX_EXCLUDED,
            description="candidates to leave out (another organization's ids change nothing)",
        ),
    ] = []
    organization: (
        Annotated[
            Slug,
            msgspec.Meta(
                description="admins only: the organization whose candidates to rank (default: "
                "`default`); everyone else's are their own organization's"
            ),
        ]
        | None
    ) = None

    def wanted(self) -> tuple[str, ...]:
        """The skills asked for, each once, in the order given."""
        return tuple(dict.fromkeys(self.skills))


class IntervalOut(msgspec.Struct, frozen=True, kw_only=True):
    lower: float
    upper: float
    level: float


class FailedRuleOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    code: str
    message: str  # the rule, in words
    skill: str | None = None


class EligibilityOut(msgspec.Struct, frozen=True, kw_only=True):
    """What `POST /v1/eligibility` would answer for this candidate, tier and skills now;
    nothing is stored."""

    eligible: bool
    failed: list[FailedRuleOut]  # one per failed rule; empty when eligible
    policy_version: int


class ReasonOut(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    text: str
    feature: str
    effect: float  # points of this milestone's chance this factor adds (+) or removes (-)
    direction: Literal["raises", "lowers"]


class MatchOut(msgspec.Struct, frozen=True, kw_only=True):
    rank: int  # 1 for the best
    candidate_id: UUID
    external_ref: str | None
    display_name: str
    chance: float  # 0-100: the predicted chance that this milestone goes well with them
    interval: IntervalOut
    # None only when the candidate's stored reputation went away since the index was built
    eligibility: EligibilityOut | None
    reasons: list[ReasonOut]  # the factors that moved the chance most, largest first
    model_version: str  # the scorer of the chance: the promoted model, or a prior
    source: Literal["model", "prior"]


class MatchesOut(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    organization_id: UUID
    tier: str
    skills: list[str]  # each once
    amount: float
    policy_version: int  # the tier's policy eligibility was evaluated with
    ranked: int  # candidates ranked: those with a usable stored reputation, less `exclude`
    # stored reputations of the tier left out of the ranking: scored by a scorer that does
    # not serve now (mid-refresh) or before matching existed; the refresher replaces them
    unscored: int
    matches: list[MatchOut]
    source: Literal["model", "prior"] | None = None  # None when nothing was ranked
    note: str | None = None  # says so when the prior serves


_PATTERN = re.compile(r"matching regex '.*'\Z")


def readable(message: str) -> str:
    """msgspec's message as the API words it (`service.errors`): no raw expression."""
    message = message.replace(f"matching regex {ONE_LINE!r}", "without control characters")
    return _PATTERN.sub("in the documented format (the OpenAPI schema gives the pattern)", message)


def read_match(data: Mapping[str, Any]) -> MatchIn:
    """A form's text values as `MatchIn` ("800" is the number 800); a 422 naming the field,
    with the API's message, when the API would refuse them."""
    try:
        return msgspec.convert(dict(data), MatchIn, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise UnprocessableError(
            readable(message.split(" - ", 1)[0]), field=field_from_msgspec(message) or "body"
        ) from exc
