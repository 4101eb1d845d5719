"""Reason codes: which features moved a candidate's score most, in plain words.

Each feature is swapped, one at a time, to its population baseline (the median
of the training rows, or a blank candidate's value for the prior) and the model
re-scored; the change is that feature's effect. The largest effects are
reported — up to three that raise the score and up to two that lower it, so a
weak point is never crowded out by strengths — each with a code that says which
side of the baseline the candidate is on, its direction and its size in points.
A feature the model does not use (no signal) has no effect, so it is never a
reason. Swapping is model-agnostic and exact for the model actually served.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np

from scoring.reputation.features import COL, FEATURE_NAMES, REFERENCE

MIN_EFFECT_POINTS = 0.5  # effects smaller than half a point are noise, not reasons
TOP_RAISING = 3
TOP_LOWERING = 2
# Features of the milestone asked about, not of the candidate: they move the
# score but say nothing about the person, so they are never given as reasons; nor
# are the references a milestone's own skills are measured against.
CONTEXT_FEATURES = frozenset({"tier_rate", "market_rate", "log_amount", *REFERENCE.values()})

# feature -> ((code, text) when above the baseline, (code, text) when below)
_WORDS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "trial_best_skill": (
        ("high_trial_scores", "Strong trial results in the requested skills"),
        ("low_trial_scores", "Weak or no trial results in the requested skills"),
    ),
    "trial_mean": (
        ("high_trial_average", "Trial scores are high on average"),
        ("low_trial_average", "Trial scores are low on average"),
    ),
    "trial_best": (
        ("strong_best_trial", "At least one excellent trial result"),
        ("no_strong_trial", "No strong trial result yet"),
    ),
    "trial_count": (
        ("many_trials", "Has taken many trials"),
        ("few_trials", "Has taken few trials"),
    ),
    "good_share": (
        ("strong_track_record", "Most milestones were accepted on time"),
        ("weak_track_record", "Fewer milestones than usual were accepted on time"),
    ),
    "dispute_rate": (
        ("frequent_disputes", "Milestones end in dispute more often than usual"),
        ("rare_disputes", "Milestones rarely end in dispute"),
    ),
    "late_rate": (
        ("late_deliveries", "Deliveries are often late"),
        ("on_time_deliveries", "Deliveries are usually on time"),
    ),
    "unaccepted_rate": (
        ("many_revisions", "Work is often sent back or cancelled"),
        ("few_revisions", "Work is rarely sent back or cancelled"),
    ),
    "outcome_evidence": (
        ("many_milestones", "Many milestones delivered"),
        ("few_milestones", "Few milestones delivered so far"),
    ),
    "days_since_dispute": (
        ("no_recent_dispute", "No dispute for a long time"),
        ("recent_dispute", "A milestone was disputed recently"),
    ),
    "rating_mean": (
        ("high_ratings", "Clients rate this candidate highly"),
        ("low_ratings", "Client ratings are below usual"),
    ),
    "rating_rel": (
        ("above_rater_average", "Rated above what the same clients usually give"),
        ("below_rater_average", "Rated below what the same clients usually give"),
    ),
    "rating_low_share": (
        ("some_low_ratings", "Several ratings of 3 stars or less"),
        ("few_low_ratings", "Hardly any low ratings"),
    ),
    "rating_quality": (
        ("high_quality_ratings", "Clients rate the quality of work highly"),
        ("low_quality_ratings", "Clients rate the quality of work low"),
    ),
    "rating_evidence": (
        ("many_ratings", "Rated by many clients"),
        ("few_ratings", "Few client ratings so far"),
    ),
    "tier_rate": (
        ("easy_tier", "Milestones of this tier usually go well"),
        ("demanding_tier", "Milestones of this tier go well less often"),
    ),
    "skill_good_share": (
        ("strong_skill_record", "Milestones in the requested skills went well"),
        ("weak_skill_record", "Milestones in the requested skills went well less often"),
    ),
    "skill_match": (
        ("proven_skills", "Has proven the requested skills"),
        ("unproven_skills", "Has not proven some requested skills"),
    ),
    "log_amount": (
        ("large_milestone", "The milestone is larger than usual"),
        ("small_milestone", "The milestone is smaller than usual"),
    ),
    "declared_trial_best_skill": (
        ("high_declared_trial_scores", "Strong trial results in the declared skills"),
        ("low_declared_trial_scores", "Weak or no trial results in the declared skills"),
    ),
    "declared_skill_match": (
        ("proven_declared_skills", "Has proven the declared skills"),
        ("unproven_declared_skills", "Has not proven some declared skills"),
    ),
    "declared_skill_good_share": (
        ("strong_declared_skill_record", "Milestones in the declared skills went well"),
        ("weak_declared_skill_record", "Milestones in the declared skills went well less often"),
    ),
    "market_rate": (
        ("good_market", "Milestones on this platform usually go well"),
        ("hard_market", "Milestones on this platform go well less often"),
    ),
    "tier_log_amount": (
        ("large_tier", "Milestones of this tier are usually large"),
        ("small_tier", "Milestones of this tier are usually small"),
    ),
    "tenure_days": (
        ("long_tenure", "Active on the platform for a long time"),
        ("new_candidate", "New on the platform"),
    ),
}
assert set(_WORDS) == set(FEATURE_NAMES), "every feature needs reason words"


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    text: str
    feature: str
    effect: float  # score points this factor adds (+) or removes (-) vs the baseline
    direction: Literal["raises", "lowers"] = "raises"


def swap_targets(values: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """What each feature is swapped to: its baseline; for a feature of the milestone in
    hand, the candidate's own served reference (so its effect is how the milestone's skills
    differ from the candidate's usual ones); a reference stays as it is."""
    targets = np.array(baseline, dtype=np.float64, copy=True)
    for feature, reference in REFERENCE.items():
        targets[COL[feature]] = values[COL[reference]]
        targets[COL[reference]] = values[COL[reference]]
    return targets


def swapped_rows(values: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """One row per feature, equal to `values` except that feature set to its swap target."""
    rows = np.repeat(values[None, :], len(values), axis=0)
    np.fill_diagonal(rows, swap_targets(values, baseline))
    return rows


def top_reasons(
    values: np.ndarray, baseline: np.ndarray, proba: float, swapped_proba: np.ndarray
) -> tuple[Reason, ...]:
    effects = (proba - swapped_proba) * 100.0
    targets = swap_targets(values, baseline)
    order = np.argsort(-np.abs(effects), kind="stable")
    raising: list[Reason] = []
    lowering: list[Reason] = []
    for j in order:
        name = FEATURE_NAMES[j]
        effect = round(float(effects[j]), 2)
        if name in CONTEXT_FEATURES:
            continue
        if abs(effect) < MIN_EFFECT_POINTS:
            break
        side = raising if effect > 0 else lowering
        if len(side) == (TOP_RAISING if effect > 0 else TOP_LOWERING):
            continue
        above, below = _WORDS[name]
        code, words = above if values[j] > targets[j] else below
        side.append(
            Reason(
                code=code,
                text=words,
                feature=name,
                effect=effect,
                direction="raises" if effect > 0 else "lowers",
            )
        )
    return tuple(sorted(raising + lowering, key=lambda r: -abs(r.effect)))
