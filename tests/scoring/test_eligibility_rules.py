"""Each eligibility rule fails with its own code and sentence; all pass means eligible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from scoring.eligibility import CandidateFacts, Policy, TrialFact, TrialRequirement, evaluate
from scoring.errors import InputMismatchError
from scoring.reputation.model import Reputation

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def reputation(**changes: object) -> Reputation:
    base = {
        "candidate": "c1",
        "as_of": NOW,
        "tier": "premium",
        "score": 80.0,
        "lower": 70.0,
        "upper": 88.0,
        "evidence": 40,
        "effective_evidence": 25.0,
        "per_skill": (),
        "reasons": (),
        "model_version": "gbm-abc",
        "source": "model",
    }
    return Reputation(**{**base, **changes})


def facts(**changes: object) -> CandidateFacts:
    base = {
        "candidate": "c1",
        "milestone_skills": ("python", "sql"),
        "open_disputes": 0,
        "trials": (
            TrialFact(skills=("python",), score=0.9, at=NOW - timedelta(days=10)),
            TrialFact(skills=("sql", "python"), score=0.85, at=NOW - timedelta(days=40)),
        ),
    }
    return CandidateFacts(**{**base, **changes})


POLICY = Policy(
    tier="premium",
    version="premium-v3",
    min_score=60,
    min_lower_bound=50,
    min_evidence=20,
    required_trials=(TrialRequirement(skill="*", min_count=1, min_score=0.8, window_days=180),),
    no_open_disputes=True,
)


def codes(decision: object) -> list[str]:
    return [r.code for r in decision.reasons]  # type: ignore[attr-defined]


def test_a_strong_candidate_is_eligible_and_the_decision_records_its_basis() -> None:
    decision = evaluate(POLICY, reputation(), facts(), now=NOW)
    assert decision.eligible and decision.reasons == ()
    assert (decision.score_used, decision.policy_version, decision.model_version) == (
        80.0,
        "premium-v3",
        "gbm-abc",
    )
    assert decision.decided_at == NOW


@pytest.mark.parametrize(
    ("rep", "fact", "code", "words"),
    [
        ({"score": 55.0}, {}, "score_below_minimum", "55.0 is below the minimum of 60"),
        ({"lower": 45.0}, {}, "lower_bound_below_minimum", "lower bound 45.0"),
        ({"evidence": 5}, {}, "insufficient_evidence", "5 pieces of evidence"),
        ({}, {"open_disputes": 2}, "open_disputes", "2 dispute(s) still open"),
        ({}, {"trials": ()}, "missing_trials", "0 passed python trial(s)"),
    ],
)
def test_each_rule_fails_with_its_reason(rep: dict, fact: dict, code: str, words: str) -> None:
    decision = evaluate(POLICY, reputation(**rep), facts(**fact), now=NOW)
    assert not decision.eligible
    assert code in codes(decision)
    assert any(words in r.message for r in decision.reasons)


def test_every_failed_rule_is_reported_not_just_the_first() -> None:
    decision = evaluate(
        POLICY,
        reputation(score=10.0, lower=2.0, evidence=1),
        facts(open_disputes=1, trials=()),
        now=NOW,
    )
    assert codes(decision) == [
        "score_below_minimum",
        "lower_bound_below_minimum",
        "insufficient_evidence",
        "missing_trials",
        "missing_trials",
        "open_disputes",
    ]
    assert {r.skill for r in decision.reasons if r.code == "missing_trials"} == {"python", "sql"}


def test_trials_outside_the_window_or_below_the_pass_mark_do_not_count() -> None:
    old = TrialFact(skills=("python", "sql"), score=0.95, at=NOW - timedelta(days=200))
    weak = TrialFact(skills=("python", "sql"), score=0.7, at=NOW - timedelta(days=1))
    future = TrialFact(skills=("python", "sql"), score=0.95, at=NOW + timedelta(days=1))
    decision = evaluate(POLICY, reputation(), facts(trials=(old, weak, future)), now=NOW)
    assert codes(decision) == ["missing_trials", "missing_trials"]


def test_a_named_skill_requirement_ignores_the_milestone_skills() -> None:
    policy = msgspec.structs.replace(
        POLICY, required_trials=(TrialRequirement(skill="rust", min_count=2),)
    )
    decision = evaluate(policy, reputation(), facts(), now=NOW)
    assert codes(decision) == ["missing_trials"] and decision.reasons[0].skill == "rust"


def test_disputes_may_be_allowed_by_policy() -> None:
    policy = msgspec.structs.replace(POLICY, no_open_disputes=False)
    assert evaluate(policy, reputation(), facts(open_disputes=3), now=NOW).eligible


def test_a_tier_can_refuse_the_prior() -> None:
    policy = msgspec.structs.replace(POLICY, allow_prior=False)
    decision = evaluate(
        policy, reputation(source="prior", model_version="prior-0-0.550"), facts(), now=NOW
    )
    assert codes(decision) == ["prior_not_accepted"]
    assert decision.source == "prior" and decision.model_version == "prior-0-0.550"


@pytest.mark.parametrize(
    ("rep", "fact", "now"),
    [
        ({"candidate": "c2"}, {}, NOW),
        ({"tier": "basic"}, {}, NOW),
        ({}, {}, datetime(2024, 6, 1)),
    ],
)
def test_mismatched_inputs_are_refused(rep: dict, fact: dict, now: datetime) -> None:
    with pytest.raises(InputMismatchError):
        evaluate(POLICY, reputation(**rep), facts(**fact), now=now)


def test_policies_are_validated_when_read() -> None:
    with pytest.raises(msgspec.ValidationError, match="min_score"):
        msgspec.json.decode(b'{"tier":"basic","version":"v1","min_score":150}', type=Policy)
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(b'{"tier":"basic","version":"v1","min_scor":50}', type=Policy)
