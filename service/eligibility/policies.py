"""Eligibility policies as they come in: one tier's rules, checked at the door."""

from __future__ import annotations

from typing import Annotated

import msgspec

from service.fields import Percent, Skill

TIER_PATTERN = r"\A[a-z0-9][a-z0-9_-]{0,63}\Z"


class TrialRequirementIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    skill: Skill  # a skill, or "*" for every skill the milestone asks for
    min_count: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    min_score: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.8  # a pass
    window_days: Annotated[float, msgspec.Meta(gt=0.0, le=3650.0)] = 365.0


class PolicyIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    min_score: Percent = 0.0
    min_lower_bound: Percent = 0.0
    min_evidence: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0
    required_trials: Annotated[list[TrialRequirementIn], msgspec.Meta(max_length=32)] = []
    no_open_disputes: bool = True
    allow_prior: bool = True  # False: only a trained model's score will do
