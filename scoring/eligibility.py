"""Eligibility: may this candidate take a milestone of this tier?

A `Policy` is a versioned set of rules for one tier. `evaluate` applies every
rule (it does not stop at the first failure, so the candidate and the platform
see everything that stands in the way) and returns a `Decision` that records
what it was based on: the score, the policy version and the model version.
Pure: the caller supplies the reputation, the facts and the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec

from scoring.errors import InputMismatchError
from scoring.reputation.events import ONE_LINE
from scoring.reputation.model import Reputation

Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
ANY_SKILL = "*"  # in a requirement: every skill the milestone asks for

RuleCode = Literal[
    "score_below_minimum",
    "lower_bound_below_minimum",
    "insufficient_evidence",
    "missing_trials",
    "open_disputes",
    "prior_not_accepted",
]


class TrialRequirement(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    skill: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ONE_LINE)]  # or "*"
    min_count: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    min_score: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.8  # a pass
    window_days: Annotated[float, msgspec.Meta(gt=0.0, le=3650.0)] = 365.0


class PolicyRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A tier's rules: what an admin sends, what is stored, what a decision applies."""

    min_score: Percent = 0.0
    min_lower_bound: Percent = 0.0
    min_evidence: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0
    required_trials: Annotated[tuple[TrialRequirement, ...], msgspec.Meta(max_length=32)] = ()
    no_open_disputes: bool = True
    allow_prior: bool = True  # False: a tier that needs a trained model's judgement


class Policy(PolicyRules, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One version of one tier's rules."""

    tier: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    version: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]

    @classmethod
    def of(cls, tier: str, version: int | str, rules: PolicyRules) -> Policy:
        return cls(tier=tier, version=str(version), **msgspec.structs.asdict(rules))


class TrialFact(msgspec.Struct, frozen=True, kw_only=True):
    skills: tuple[str, ...]
    score: float
    at: datetime


class CandidateFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the service read about the candidate and the milestone asked for."""

    candidate: str
    milestone_skills: tuple[str, ...] = ()
    trials: tuple[TrialFact, ...] = ()
    open_disputes: int = 0


class FailedRule(msgspec.Struct, frozen=True, kw_only=True):
    code: RuleCode
    message: str
    skill: str | None = None


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    candidate: str
    tier: str
    eligible: bool
    reasons: tuple[FailedRule, ...]  # one per failed rule; empty when eligible
    score_used: float
    lower_bound_used: float
    evidence_used: int
    source: Literal["model", "prior"]
    policy_version: str
    model_version: str
    decided_at: datetime


def evaluate(
    policy: Policy, reputation: Reputation, facts: CandidateFacts, *, now: datetime
) -> Decision:
    if now.tzinfo is None:
        raise InputMismatchError("`now` must be timezone-aware")
    if reputation.candidate != facts.candidate:
        raise InputMismatchError(
            f"reputation is for {reputation.candidate!r}, facts for {facts.candidate!r}"
        )
    if reputation.tier != policy.tier:
        raise InputMismatchError(
            f"reputation was scored for tier {reputation.tier!r}, policy is for {policy.tier!r}"
        )
    failed: list[FailedRule] = []
    tier = policy.tier
    if reputation.score < policy.min_score:
        failed.append(
            FailedRule(
                code="score_below_minimum",
                message=f"Reputation score {reputation.score:.1f} is below the minimum of "
                f"{policy.min_score:g} for {tier} milestones.",
            )
        )
    if reputation.lower < policy.min_lower_bound:
        failed.append(
            FailedRule(
                code="lower_bound_below_minimum",
                message=f"The score's lower bound {reputation.lower:.1f} is below the minimum of "
                f"{policy.min_lower_bound:g}: there is not yet enough evidence to be sure.",
            )
        )
    if reputation.evidence < policy.min_evidence:
        failed.append(
            FailedRule(
                code="insufficient_evidence",
                message=f"{reputation.evidence} pieces of evidence (trials, milestones, ratings); "
                f"{policy.min_evidence} are needed for {tier} milestones.",
            )
        )
    failed.extend(_trial_rules(policy, facts, now))
    if policy.no_open_disputes and facts.open_disputes > 0:
        failed.append(
            FailedRule(
                code="open_disputes",
                message=f"{facts.open_disputes} dispute(s) still open; {tier} milestones need none.",
            )
        )
    if not policy.allow_prior and reputation.source == "prior":
        failed.append(
            FailedRule(
                code="prior_not_accepted",
                message=f"{tier} milestones need a score from the trained model, not the prior.",
            )
        )
    return Decision(
        candidate=facts.candidate,
        tier=tier,
        eligible=not failed,
        reasons=tuple(failed),
        score_used=reputation.score,
        lower_bound_used=reputation.lower,
        evidence_used=reputation.evidence,
        source=reputation.source,
        policy_version=policy.version,
        model_version=reputation.model_version,
        decided_at=now,
    )


def _trial_rules(policy: Policy, facts: CandidateFacts, now: datetime) -> list[FailedRule]:
    failed = []
    for req in policy.required_trials:
        skills = facts.milestone_skills if req.skill == ANY_SKILL else (req.skill,)
        since = now - timedelta(days=req.window_days)
        for skill in skills:
            passed = sum(
                1
                for t in facts.trials
                if skill in t.skills and t.score >= req.min_score and since <= t.at <= now
            )
            if passed < req.min_count:
                failed.append(
                    FailedRule(
                        code="missing_trials",
                        skill=skill,
                        message=f"{passed} passed {skill} trial(s) (score ≥ {req.min_score:g}) in the "
                        f"last {req.window_days:g} days; {req.min_count} needed.",
                    )
                )
    return failed
