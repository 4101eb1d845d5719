"""The rules every graded hostile submission is held to, in one helper.

What the candidate sees is decided by production code: the worker stores the
judge's Grade as the result row and reads it back as a Grade, and the API and
the pages show the candidate `service.submissions.service.result_view` of it.
The checks below read that view, so a field the view adds or drops is judged
as served.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import msgspec

from scoring.grading.verdicts import Grade
from service.auth_types import Principal
from service.submissions.schemas import ResultOut
from service.submissions.service import result_view
from tests.redteam.leaks import HiddenText, find_leaks

SUMMARY_CAP = 1200
MESSAGE_CAP = 1200
CANDIDATE = Principal(key_id=UUID(int=1), role="candidate", actor_id=UUID(int=2))


class Raised(msgspec.Struct, frozen=True, kw_only=True):
    """grade_submission raised instead of returning a Grade."""

    exception: str
    message: str


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """What a submission may earn: at most `ceiling` (None: anything), and
    `accepted` only when `may_accept`; and words it chose while the hidden tests
    ran (`markers`), which the candidate must never be shown."""

    ceiling: float | None
    may_accept: bool
    markers: tuple[str, ...] = ()


def candidate_view(grade: Grade) -> ResultOut:
    return result_view(grade, CANDIDATE)


def broken_rules(result: Grade | Raised, limits: Limits, hidden: HiddenText) -> list[str]:
    """Every rule `result` breaks, in words; empty when it keeps them all."""
    if isinstance(result, Raised):
        return [f"grade_submission raised {result.exception}: {result.message[:600]}"]
    seen = f"verdict={result.verdict} score={result.score} summary={result.summary[:300]!r}"
    broken: list[str] = []
    if result.verdict == "internal_error":
        broken.append(f"the candidate's run was blamed on the platform ({seen})")
    if result.verdict == "accepted" and not limits.may_accept:
        broken.append(f"accepted ({seen})")
    if limits.ceiling is not None and result.score > limits.ceiling:
        broken.append(f"scored {result.score} > {limits.ceiling} the honest base earns ({seen})")
    for where, text in _strings(msgspec.to_builtins(result), "grade"):
        # The stored row: PostgreSQL's text refuses NUL, UTF-8 refuses lone surrogates.
        if "\x00" in text or not _encodes(text):
            broken.append(f"{where} cannot be stored ({text[:80]!r})")
    view = candidate_view(result)
    if len(view.summary) > SUMMARY_CAP:
        broken.append(f"summary of {len(view.summary)} characters ({seen})")
    for test in view.tests:
        if len(test.message) > MESSAGE_CAP:
            broken.append(f"message of {len(test.message)} characters on {test.id}")
    leaky_ids: list[str] = []
    for where, text in _strings(msgspec.to_builtins(view), "result"):
        if bad := sorted({repr(c) for c in text if _is_control(c)}):
            broken.append(f"control characters {', '.join(bad[:8])} in {where}")
        for marker in limits.markers:
            if re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", text):
                broken.append(
                    f"{marker!r}, chosen during the hidden tests, in {where}: {text[:200]!r}"
                )
        if leaks := find_leaks(text, hidden):
            if where.endswith(".id"):
                leaky_ids.append(text)
                continue
            more = f" (and {len(leaks) - 2} more)" if len(leaks) > 2 else ""
            broken.append(f"hidden-test text in {where}: {'; '.join(leaks[:2])}{more}"[:600])
    if leaky_ids:
        broken.append(
            f"hidden test names in {len(leaky_ids)} test ids the candidate sees, e.g. {leaky_ids[0]!r}"
        )
    return broken


def assert_rules_hold(result: Grade | Raised, limits: Limits, hidden: HiddenText) -> None:
    broken = broken_rules(result, limits, hidden)
    assert not broken, "\n".join(broken)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_control(char: str) -> bool:
    return char != "\n" and unicodedata.category(char) == "Cc"


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every string in the view, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, f"{where} key")
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")
