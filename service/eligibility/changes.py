"""What changed between two versions of a tier's rules, field by field, in words.

The words are those of `rules.py`, so a change reads like the rule it changes:
"min score 55 → 60", "required trials: + 2 trials in python scored 70% or more within
365 days". A requirement whose skill appears once on each side and changed reads as
one change ("required trials in python: 1 → 2 trials"), not a removal and an addition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from scoring.eligibility import PolicyRules, TrialRequirement
from service.eligibility.rules import requirement_words, skill_words

NUMBER_WORDS = {
    "min_score": "min score",
    "min_lower_bound": "min lower bound",
    "min_evidence": "min evidence",
}


def rule_changes(old: PolicyRules, new: PolicyRules) -> list[str]:
    """Every difference from `old` to `new`; [] when they ask the same."""
    changes = []
    for field, words in NUMBER_WORDS.items():
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append(f"{words} {before:g} → {after:g}")
    changes.extend(_trial_changes(old.required_trials, new.required_trials))
    if old.no_open_disputes != new.no_open_disputes:
        changes.append(
            "open disputes: "
            + ("refused → allowed" if old.no_open_disputes else "allowed → refused")
        )
    if old.allow_prior != new.allow_prior:
        changes.append(
            "the prior's score: "
            + ("accepted → not accepted" if old.allow_prior else "not accepted → accepted")
        )
    return changes


def _trial_changes(old: Sequence[TrialRequirement], new: Sequence[TrialRequirement]) -> list[str]:
    kept = Counter(old) & Counter(new)  # the same requirement on both sides says nothing
    removed = list((Counter(old) - kept).elements())
    added = list((Counter(new) - kept).elements())
    changes = []
    for before in list(removed):
        same_skill = [a for a in added if a.skill == before.skill]
        if len(same_skill) == 1 and sum(r.skill == before.skill for r in removed) == 1:
            after = same_skill[0]
            removed.remove(before)
            added.remove(after)
            changes.append(_changed_requirement(before, after))
    changes.extend(f"required trials: − {requirement_words(r)}" for r in removed)
    changes.extend(f"required trials: + {requirement_words(a)}" for a in added)
    return changes


def _changed_requirement(before: TrialRequirement, after: TrialRequirement) -> str:
    parts = []
    if before.min_count != after.min_count:
        parts.append(f"{before.min_count} → {after.min_count} trials")
    if before.min_score != after.min_score:
        parts.append(f"scored {_percent(before.min_score)} → {_percent(after.min_score)} or more")
    if before.window_days != after.window_days:
        parts.append(f"within {before.window_days:g} → {after.window_days:g} days")
    return f"required trials in {skill_words(before.skill)}: " + ", ".join(parts)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"  # not rounded to whole percent: 70% → 70.5% must show
