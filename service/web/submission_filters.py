"""The console's submission filters: the query string checked once, at the door.

A link or the filter form sends plain strings; `parse` turns them into the
repository's SubmissionFilter or raises a 422 naming the filter at fault, which
the page shows above the form, filled in as it was sent.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import cast, get_args
from urllib.parse import urlencode
from uuid import UUID

import msgspec

from scoring.grading.verdicts import Verdict
from scoring.reputation.events import outside_window
from service.errors import ServiceError, UnprocessableError
from service.pagination import decode_cursor, encode_cursor
from service.repo.submission_list import ConsoleRow, SubmissionFilter, TimedBy
from service.repo.submissions import SubmissionStatus

LIST_PATH = "/operator/submissions"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_NAME = 200  # a display name is at most 200 characters
VERDICTS: tuple[str, ...] = get_args(Verdict)
STATUSES: tuple[str, ...] = get_args(SubmissionStatus)
PRACTICE = {"yes": True, "no": False}
TIMED_BY: tuple[TimedBy, ...] = get_args(TimedBy)


class Asked(msgspec.Struct, frozen=True, kw_only=True):
    """The filters as sent: shown again in the form and carried by the next page's link.
    Empty means "any". `start` and `end` are the `from` and `to` parameters."""

    verdict: str = ""
    trial: str = ""
    candidate: str = ""
    status: str = ""
    practice: str = ""
    by: str = ""
    start: str = ""
    end: str = ""
    limit: str = ""

    def params(self) -> dict[str, str]:
        named = {
            "verdict": self.verdict,
            "trial": self.trial,
            "candidate": self.candidate,
            "status": self.status,
            "practice": self.practice,
            "by": self.by,
            "from": self.start,
            "to": self.end,
            "limit": self.limit,
        }
        return {k: v for k, v in named.items() if v}

    def url(self) -> str:
        """The list's first page with these filters."""
        params = self.params()
        return f"{LIST_PATH}?{urlencode(params)}" if params else LIST_PATH


class Chosen(msgspec.Struct, frozen=True, kw_only=True):
    where: SubmissionFilter
    after: tuple[datetime, UUID] | None
    limit: int


def list_url(**params: str) -> str:
    """The submissions list with these filters (`from` and `to` as `start` and `end`)."""
    renamed = {{"start": "from", "end": "to"}.get(k, k): v for k, v in params.items() if v}
    return f"{LIST_PATH}?{urlencode(renamed)}" if renamed else LIST_PATH


def minute(at: datetime) -> str:
    """A time as the `from` and `to` filters take it: UTC, to the minute."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M}"


def next_page(asked: Asked, last: ConsoleRow) -> str:
    cursor = encode_cursor(last.created_at, last.id)
    return f"{LIST_PATH}?{urlencode({**asked.params(), 'cursor': cursor})}"


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def _refuse(field: str, message: str) -> UnprocessableError:
    return UnprocessableError(message, field=field)


def _plain(field: str, value: str) -> str:
    value = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise _refuse(field, f"The {field} filter holds a control character.")
    return value


def _one_of(field: str, value: str, allowed: Collection[str], what: str) -> str | None:
    value = _plain(field, value)
    if not value:
        return None
    if value not in allowed:
        raise _refuse(field, f"The {field} filter: “{_shown(value)}” is not {what}.")
    return value


def _instant(field: str, value: str, *, end: bool) -> datetime | None:
    """A date (the whole day, UTC) or a date and time (UTC unless it says otherwise)."""
    value = _plain(field, value)
    if not value:
        return None
    try:
        if len(value) == len("2025-03-01"):
            day = date.fromisoformat(value)
            at = datetime(day.year, day.month, day.day, tzinfo=UTC)
            at += timedelta(days=1) if end else timedelta()  # `to` a day: that day included
        else:
            at = datetime.fromisoformat(value)
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise _refuse(
            field,
            f"The {field} filter: “{_shown(value)}” is not a date like 2025-03-01 "
            "or a time like 2025-03-01T14:00 (UTC).",
        ) from exc
    problem = outside_window(at)
    if problem is not None:
        raise _refuse(field, f"The {field} filter: the date {problem}.")
    return at


def _candidate(value: str) -> tuple[UUID | None, str | None]:
    value = _plain("candidate", value)
    if not value:
        return None, None
    try:
        return UUID(value), None
    except ValueError:
        pass
    if len(value) > MAX_NAME:
        raise _refuse("candidate", f"The candidate filter is longer than {MAX_NAME} characters.")
    return None, value


def _limit(value: str) -> int:
    value = _plain("limit", value)
    if not value:
        return PAGE_SIZE
    if not value.isdecimal() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise _refuse("limit", f"The limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(value)


def parse(asked: Asked, *, cursor: str, trials: Collection[str]) -> Chosen:
    """The filter the repository runs, or UnprocessableError naming the filter at fault."""
    verdict = _one_of("verdict", asked.verdict, VERDICTS, "a verdict")
    trial = _one_of("trial", asked.trial, trials, "a trial")
    status = _one_of("status", asked.status, STATUSES, "a status")
    practice = _one_of("practice", asked.practice, PRACTICE, "yes or no")
    by = _one_of("by", asked.by, TIMED_BY, "“sent” or “graded”")
    candidate_id, candidate_name = _candidate(asked.candidate)
    start = _instant("from", asked.start, end=False)
    end = _instant("to", asked.end, end=True)
    if start and end and end <= start:
        raise _refuse("to", "The to filter is not after the from filter: nothing could match.")
    limit = _limit(asked.limit)
    try:
        after = decode_cursor(_plain("cursor", cursor) or None)
    except ServiceError as exc:
        raise _refuse(
            "cursor",
            "The cursor (the link to the next page) is damaged: start again from the first page.",
        ) from exc
    where = SubmissionFilter(
        verdict=verdict,
        trial_id=trial,
        candidate_id=candidate_id,
        candidate_name=candidate_name,
        status=cast("SubmissionStatus | None", status),  # one of STATUSES, checked above
        practice=None if practice is None else PRACTICE[practice],
        timed_by=cast("TimedBy", by or "sent"),  # one of TIMED_BY, checked above
        start=start,
        end=end,
    )
    return Chosen(where=where, after=after, limit=limit)
