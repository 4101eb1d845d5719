"""A tier's rules in words: what the operator's page lists and a profile's badges explain."""

from __future__ import annotations

from scoring.eligibility import ANY_SKILL, PolicyRules, TrialRequirement


def skill_words(skill: str) -> str:
    return "every skill the milestone asks for" if skill == ANY_SKILL else skill


def requirement_words(need: TrialRequirement) -> str:
    """One required-trials rule in words: "2 trials in python scored 70% or more within …"."""
    trials = "trial" if need.min_count == 1 else "trials"
    return (
        f"{need.min_count} {trials} in {skill_words(need.skill)} scored {need.min_score:.0%} or more "
        f"within {need.window_days:g} days"
    )


def policy_rules(policy: PolicyRules) -> list[str]:
    """A policy's rules in words, as the eligibility answer applies them."""
    rules = []
    if policy.min_score > 0:
        rules.append(f"Score at least {policy.min_score:g}")
    if policy.min_lower_bound > 0:
        rules.append(f"Lower end of the interval at least {policy.min_lower_bound:g}")
    if policy.min_evidence > 0:
        rules.append(f"At least {policy.min_evidence} pieces of evidence")
    rules.extend(requirement_words(need) for need in policy.required_trials)
    if policy.no_open_disputes:
        rules.append("No open dispute")
    if not policy.allow_prior:
        rules.append("Only a trained model's score counts, not the prior")
    return rules or ["No rules: every candidate is eligible"]
