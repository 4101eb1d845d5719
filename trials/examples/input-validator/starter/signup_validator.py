"""Signup payload validator. See statement.md."""

from __future__ import annotations

from typing import NamedTuple

ALLOWED_COUNTRIES: frozenset[str] = frozenset(
    {"AU", "BR", "CA", "DE", "ES", "FR", "GB", "IN", "IT", "JP", "NL", "PL", "SE", "US"}
)


class FieldError(NamedTuple):
    path: str
    code: str


def validate_signup(payload: dict) -> list[FieldError]:
    raise NotImplementedError


def is_valid(payload: dict) -> bool:
    raise NotImplementedError
