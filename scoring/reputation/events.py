"""A platform's bulk history: one JSON event per line, read into Structs.

The events are the only input of the reputation model. They are decoded
strictly (unknown fields and naive datetimes are refused) because a silently
misread rating would quietly move someone's reputation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

from scoring.errors import EventLineInvalid
from scoring.grading.verdicts import Verdict

ONE_LINE = r"\A[^\x00-\x1f\x7f]*\Z"  # no control characters: no id or name needs them
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]
Skill = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ONE_LINE)]
Skills = Annotated[tuple[Skill, ...], msgspec.Meta(max_length=32)]
Tier = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ONE_LINE)]
At = Annotated[datetime, msgspec.Meta(tz=True)]
# Dates kept: from 1970 up to 2200. Outside that a date is a typo or a probe, and near the
# edges of Python's and PostgreSQL's ranges it would not even convert to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def outside_window(at: datetime) -> str | None:
    """Why `at` is not a date this service keeps, or None."""
    try:
        inside = EARLIEST <= at.astimezone(UTC) < LATEST
    except (OverflowError, ValueError):
        inside = False
    return None if inside else f"must be from {EARLIEST.year} up to {LATEST.year}"


Stars = Annotated[int, msgspec.Meta(ge=1, le=5)]
Score = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Amount = Annotated[float, msgspec.Meta(ge=0.0)]

Outcome = Literal["accepted", "revision_requested", "disputed", "cancelled"]
TrialVerdict = Verdict  # the grader's verdicts: imported history speaks the same language


class _Event(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"
):
    pass


class CandidateJoined(_Event, tag="candidate", frozen=True, kw_only=True):
    id: Id
    skills: Skills = ()
    at: At


class ClientJoined(_Event, tag="client", frozen=True, kw_only=True):
    id: Id
    at: At


class TrialResult(_Event, tag="trial_result", frozen=True, kw_only=True):
    candidate: Id
    trial: Id
    skills: Skills = ()
    score: Score
    verdict: TrialVerdict
    at: At


class MilestoneOpened(_Event, tag="milestone", frozen=True, kw_only=True):
    id: Id
    candidate: Id
    client: Id
    tier: Tier
    skills: Skills = ()
    amount: Amount
    due: At
    at: At


class MilestoneOutcome(_Event, tag="milestone_outcome", frozen=True, kw_only=True):
    milestone: Id
    outcome: Outcome
    on_time: bool
    at: At


class Rating(_Event, tag="rating", frozen=True, kw_only=True):
    milestone: Id
    stars: Stars
    quality: Stars | None = None
    communication: Stars | None = None
    timeliness: Stars | None = None
    at: At


Event = CandidateJoined | ClientJoined | TrialResult | MilestoneOpened | MilestoneOutcome | Rating

_decoder = msgspec.json.Decoder(Event)
_encoder = msgspec.json.Encoder()
_AT_PATH = re.compile(r"`\$\.([^`]+)`")
_NAMED = re.compile(r"(?:unknown|required) field `([^`]+)`")


def parse_event_line(line: bytes, lineno: int) -> Event:
    """Decode one line, or raise `EventLineInvalid` naming the field at fault."""
    if not line.strip():
        raise EventLineInvalid(lineno, "empty line")
    try:
        event = _decoder.decode(line)
    except RecursionError as exc:
        raise EventLineInvalid(lineno, "the line nests too deeply") from exc
    except msgspec.ValidationError as exc:
        message = str(exc)
        at_path = _AT_PATH.search(message)
        match = at_path or _NAMED.search(message)
        field = match.group(1) if match else None
        reason = message.split(" - at ", maxsplit=1)[0]
        reason = reason.replace(f"matching regex {ONE_LINE!r}", "without control characters")
        if field == "type" and "Invalid value" in message:
            reason = f"unknown event type ({reason.lower()})"
        elif at_path is not None:
            reason = f"field `{field}`: {reason}"
        raise EventLineInvalid(lineno, reason, field) from exc
    except msgspec.DecodeError as exc:
        raise EventLineInvalid(lineno, f"not a JSON object ({exc})") from exc
    for field in ("at", "due"):
        when = getattr(event, field, None)
        problem = None if when is None else outside_window(when)
        if problem is not None:
            raise EventLineInvalid(lineno, f"field `{field}`: {problem}", field)
    return event


def encode_event(event: Event) -> bytes:
    return _encoder.encode(event)


class LineProblem(msgspec.Struct, frozen=True, kw_only=True):
    lineno: int
    code: str
    reason: str
    field: str | None = None


class ParsedHistory(msgspec.Struct, frozen=True, kw_only=True):
    """Every readable event with its line number, and a problem per unreadable line."""

    events: tuple[Event, ...]
    linenos: tuple[int, ...]
    problems: tuple[LineProblem, ...]


def read_history(data: bytes) -> ParsedHistory:
    """Read a whole JSONL file, collecting bad lines instead of stopping at the first."""
    events: list[Event] = []
    linenos: list[int] = []
    problems: list[LineProblem] = []
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue  # a trailing blank line is not an error in a bulk export
        try:
            events.append(parse_event_line(line, lineno))
            linenos.append(lineno)
        except EventLineInvalid as exc:
            problems.append(
                LineProblem(lineno=lineno, code="invalid_line", reason=exc.reason, field=exc.field)
            )
    return ParsedHistory(events=tuple(events), linenos=tuple(linenos), problems=tuple(problems))


class KnownIds(msgspec.Struct, frozen=True, kw_only=True):
    """Ids already stored before this batch, so a batch may refer to them."""

    candidates: frozenset[str] = frozenset()
    clients: frozenset[str] = frozenset()
    milestones: frozenset[str] = frozenset()


def validate_history(
    events: Iterable[Event],
    *,
    known: KnownIds | None = None,
    linenos: Sequence[int] | None = None,
) -> tuple[LineProblem, ...]:
    """Check that every reference points backwards: to an earlier line or a known id.

    Also refuses duplicate definitions and a second outcome or rating for the
    same milestone, since the model reads one of each per milestone.
    """
    known = known or KnownIds()
    candidates, clients = set(known.candidates), set(known.clients)
    milestones = dict.fromkeys(known.milestones, datetime.min)
    opened_at: dict[str, datetime] = {}
    with_outcome: set[str] = set()
    with_rating: set[str] = set()
    problems: list[LineProblem] = []

    for position, event in enumerate(events):
        lineno = linenos[position] if linenos is not None else position + 1

        def problem(code: str, reason: str, field: str, lineno: int = lineno) -> None:
            problems.append(LineProblem(lineno=lineno, code=code, reason=reason, field=field))

        match event:
            case CandidateJoined(id=ident):
                if ident in candidates:
                    problem("duplicate_id", f"candidate `{ident}` is defined twice", "id")
                candidates.add(ident)
            case ClientJoined(id=ident):
                if ident in clients:
                    problem("duplicate_id", f"client `{ident}` is defined twice", "id")
                clients.add(ident)
            case TrialResult(candidate=cand):
                if cand not in candidates:
                    problem(
                        "unknown_reference", f"candidate `{cand}` not defined before", "candidate"
                    )
            case MilestoneOpened(id=ident, candidate=cand, client=client, at=at):
                if ident in milestones:
                    problem("duplicate_id", f"milestone `{ident}` is defined twice", "id")
                if cand not in candidates:
                    problem(
                        "unknown_reference", f"candidate `{cand}` not defined before", "candidate"
                    )
                if client not in clients:
                    problem("unknown_reference", f"client `{client}` not defined before", "client")
                milestones[ident] = at
                opened_at[ident] = at
            case MilestoneOutcome(milestone=ident, at=at) | Rating(milestone=ident, at=at):
                seen = with_outcome if isinstance(event, MilestoneOutcome) else with_rating
                kind = "outcome" if isinstance(event, MilestoneOutcome) else "rating"
                if ident not in milestones:
                    problem(
                        "unknown_reference", f"milestone `{ident}` not defined before", "milestone"
                    )
                elif ident in seen:
                    problem(
                        "duplicate_" + kind, f"second {kind} for milestone `{ident}`", "milestone"
                    )
                elif ident in opened_at and at < opened_at[ident]:
                    problem("time_order", f"{kind} is dated before its milestone opened", "at")
                seen.add(ident)
    return tuple(problems)
