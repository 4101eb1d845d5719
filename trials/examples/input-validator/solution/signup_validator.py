"""Signup payload validator (reference solution)."""

from __future__ import annotations

from typing import Any, NamedTuple

ALLOWED_COUNTRIES: frozenset[str] = frozenset(
    {"AU", "BR", "CA", "DE", "ES", "FR", "GB", "IN", "IT", "JP", "NL", "PL", "SE", "US"}
)

KNOWN_FIELDS = ("email", "password", "age", "country", "interests", "newsletter")
MAX_INTERESTS = 5
MAX_INTEREST_LEN = 30

_LOWER = set("abcdefghijklmnopqrstuvwxyz")
_UPPER = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = set("0123456789")


class FieldError(NamedTuple):
    path: str
    code: str


def _valid_email(email: str) -> bool:
    if len(email) > 254 or any(ch.isspace() for ch in email):
        return False
    if email.count("@") != 1:
        return False
    local, domain = email.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


def _password_errors(password: str, email_local: str | None) -> list[str]:
    codes = []
    if len(password) < 8:
        codes.append("too_short")
    if len(password) > 64:
        codes.append("too_long")
    chars = set(password)
    if not chars & _LOWER:
        codes.append("missing_lowercase")
    if not chars & _UPPER:
        codes.append("missing_uppercase")
    if not chars & _DIGIT:
        codes.append("missing_digit")
    if email_local is not None and len(email_local) >= 3 and email_local.lower() in password.lower():
        codes.append("contains_email")
    return codes


def _interest_errors(items: list) -> list[FieldError]:
    errors = []
    if len(items) > MAX_INTERESTS:
        errors.append(FieldError("interests", "too_many"))
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"interests[{i}]"
        if not isinstance(item, str):
            errors.append(FieldError(path, "type"))
            continue
        norm = item.strip().lower()
        if not norm:
            errors.append(FieldError(path, "empty"))
        elif len(item.strip()) > MAX_INTEREST_LEN:
            errors.append(FieldError(path, "too_long"))
        elif norm in seen:
            errors.append(FieldError(path, "duplicate"))
        seen.add(norm)
    return errors


def validate_signup(payload: dict) -> list[FieldError]:
    if not isinstance(payload, dict):
        raise TypeError("payload must be a dict")
    errors: list[FieldError] = []

    def get(name: str) -> Any:
        return payload.get(name)

    email_local: str | None = None
    email = get("email")
    if email is None:
        errors.append(FieldError("email", "required"))
    elif not isinstance(email, str):
        errors.append(FieldError("email", "type"))
    elif not _valid_email(email):
        errors.append(FieldError("email", "invalid_email"))
    else:
        email_local = email.split("@")[0]

    password = get("password")
    if password is None:
        errors.append(FieldError("password", "required"))
    elif not isinstance(password, str):
        errors.append(FieldError("password", "type"))
    else:
        errors += [FieldError("password", c) for c in _password_errors(password, email_local)]

    age = get("age")
    if age is None:
        errors.append(FieldError("age", "required"))
    elif isinstance(age, bool) or not isinstance(age, int):
        errors.append(FieldError("age", "type"))
    elif not 13 <= age <= 120:
        errors.append(FieldError("age", "out_of_range"))

    country = get("country")
    if country is None:
        errors.append(FieldError("country", "required"))
    elif not isinstance(country, str):
        errors.append(FieldError("country", "type"))
    elif country not in ALLOWED_COUNTRIES:
        errors.append(FieldError("country", "unknown_country"))

    interests = get("interests")
    if interests is not None:
        if not isinstance(interests, list):
            errors.append(FieldError("interests", "type"))
        else:
            errors += _interest_errors(interests)

    newsletter = get("newsletter")
    if newsletter is not None and not isinstance(newsletter, bool):
        errors.append(FieldError("newsletter", "type"))

    unknown = sorted(str(key) for key in payload if key not in KNOWN_FIELDS)
    errors += [FieldError(path, "unknown_field") for path in unknown]
    return errors


def is_valid(payload: dict) -> bool:
    return not validate_signup(payload)
