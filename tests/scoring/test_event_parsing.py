from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scoring.errors import EventLineInvalid
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    KnownIds,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
    encode_event,
    parse_event_line,
    read_history,
    validate_history,
)

AT = '"at":"2024-03-01T10:00:00Z"'


def line(body: str) -> bytes:
    return ("{" + body + "," + AT + "}").encode()


def test_each_event_type_parses_into_its_struct() -> None:
    assert isinstance(
        parse_event_line(line('"type":"candidate","id":"c1","skills":["python"]'), 1),
        CandidateJoined,
    )
    assert isinstance(parse_event_line(line('"type":"client","id":"k1"'), 1), ClientJoined)
    trial = parse_event_line(
        line(
            '"type":"trial_result","candidate":"c1","trial":"lru","skills":["python"],'
            '"score":0.85,"verdict":"partial"'
        ),
        1,
    )
    assert isinstance(trial, TrialResult) and trial.score == 0.85
    ms = parse_event_line(
        line(
            '"type":"milestone","id":"m1","candidate":"c1","client":"k1","tier":"standard",'
            '"skills":["python"],"amount":500,"due":"2024-03-10T00:00:00+02:00"'
        ),
        1,
    )
    assert isinstance(ms, MilestoneOpened) and ms.due.utcoffset() is not None
    out = parse_event_line(
        line('"type":"milestone_outcome","milestone":"m1","outcome":"accepted","on_time":true'), 1
    )
    assert isinstance(out, MilestoneOutcome)
    rating = parse_event_line(
        line(
            '"type":"rating","milestone":"m1","stars":5,"quality":5,'
            '"communication":4,"timeliness":5'
        ),
        1,
    )
    assert isinstance(rating, Rating) and rating.communication == 4


def test_events_round_trip_through_json() -> None:
    event = Rating(milestone="m1", stars=4, at=datetime(2024, 1, 1, tzinfo=UTC))
    assert parse_event_line(encode_event(event), 1) == event


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ('"type":"rating","milestone":"m1","stars":0', "stars", ">= 1"),
        ('"type":"rating","milestone":"m1","stars":6', "stars", "<= 5"),
        (
            '"type":"trial_result","candidate":"c1","trial":"t","score":1.5,"verdict":"accepted"',
            "score",
            "<= 1",
        ),
        ('"type":"candidate","id":""', "id", "length >= 1"),
        ('"type":"candidate","id":"' + "x" * 201 + '"', "id", "length <= 200"),
        (
            '"type":"milestone","id":"m","candidate":"c","client":"k","tier":"basic","amount":-1,'
            '"due":"2024-03-10T00:00:00Z"',
            "amount",
            ">= 0",
        ),
        (
            '"type":"milestone_outcome","milestone":"m1","outcome":"lost","on_time":true',
            "outcome",
            "Invalid",
        ),
        ('"type":"client","id":"k1","nickname":"bob"', "nickname", "unknown field"),
        ('"type":"wizard","id":"k1"', "type", "unknown event type"),
    ],
)
def test_invalid_lines_name_the_field_at_fault(body: str, field: str, words: str) -> None:
    with pytest.raises(EventLineInvalid) as caught:
        parse_event_line(line(body), 12)
    assert caught.value.lineno == 12
    assert caught.value.field == field
    assert words in caught.value.reason
    assert str(caught.value).startswith("line 12:")


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(EventLineInvalid) as caught:
        parse_event_line(b'{"type":"client","id":"k1","at":"2024-03-01T10:00:00"}', 3)
    assert caught.value.field == "at"
    assert "timezone" in caught.value.reason


def test_missing_field_and_broken_json_are_named() -> None:
    with pytest.raises(EventLineInvalid) as caught:
        parse_event_line(b'{"type":"client","id":"k1"}', 1)
    assert caught.value.field == "at"
    with pytest.raises(EventLineInvalid) as caught:
        parse_event_line(b'{"type":"client",', 2)
    assert "JSON" in caught.value.reason


def test_read_history_collects_every_bad_line() -> None:
    data = b"\n".join(
        [line('"type":"client","id":"k1"'), b"{oops", line('"type":"client","id":""'), b""]
    )
    parsed = read_history(data)
    assert len(parsed.events) == 1 and parsed.linenos == (1,)
    assert [p.lineno for p in parsed.problems] == [2, 3]
    assert parsed.problems[1].field == "id"


def _at(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=UTC)


def test_validate_history_requires_references_to_point_backwards() -> None:
    events = [
        TrialResult(candidate="c1", trial="t", score=0.5, verdict="partial", at=_at(1)),
        CandidateJoined(id="c1", at=_at(2)),
        MilestoneOpened(
            id="m1", candidate="c1", client="k9", tier="basic", amount=10, due=_at(9), at=_at(3)
        ),
        Rating(milestone="m2", stars=5, at=_at(4)),
        MilestoneOutcome(milestone="m1", outcome="accepted", on_time=True, at=_at(5)),
        MilestoneOutcome(milestone="m1", outcome="disputed", on_time=True, at=_at(6)),
        CandidateJoined(id="c1", at=_at(7)),
    ]
    problems = validate_history(events)
    found = {(p.lineno, p.code, p.field) for p in problems}
    assert found == {
        (1, "unknown_reference", "candidate"),
        (3, "unknown_reference", "client"),
        (4, "unknown_reference", "milestone"),
        (6, "duplicate_outcome", "milestone"),
        (7, "duplicate_id", "id"),
    }


def test_validate_history_accepts_ids_known_from_earlier_batches() -> None:
    events = [
        MilestoneOpened(
            id="m2", candidate="c1", client="k1", tier="basic", amount=10, due=_at(9), at=_at(3)
        ),
        Rating(milestone="m1", stars=4, at=_at(4)),
    ]
    known = KnownIds(
        candidates=frozenset({"c1"}), clients=frozenset({"k1"}), milestones=frozenset({"m1"})
    )
    assert validate_history(events, known=known) == ()


def test_validate_history_flags_an_outcome_dated_before_its_milestone() -> None:
    events = [
        CandidateJoined(id="c1", at=_at(1)),
        ClientJoined(id="k1", at=_at(1)),
        MilestoneOpened(
            id="m1", candidate="c1", client="k1", tier="basic", amount=10, due=_at(9), at=_at(5)
        ),
        MilestoneOutcome(milestone="m1", outcome="accepted", on_time=True, at=_at(2)),
    ]
    (problem,) = validate_history(events, linenos=[10, 11, 12, 13])
    assert (problem.lineno, problem.code, problem.field) == (13, "time_order", "at")
