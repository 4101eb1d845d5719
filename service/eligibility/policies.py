"""Eligibility policies as they come in: one tier's rules (`scoring.eligibility.PolicyRules`),
checked at the door by their own constraints, stored and applied as they are."""

from __future__ import annotations

TIER_PATTERN = r"\A[a-z0-9][a-z0-9_-]{0,63}\Z"
