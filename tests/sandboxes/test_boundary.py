"""The boundary protocol on its own, over a local socket pair: the tests' side
(trusted) here, the candidate's side in a thread, as in the sandbox."""

from __future__ import annotations

import datetime
import decimal
import fractions
import json
import socket
import struct
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from sandboxes import boundary
from sandboxes.boundary import Endpoint, ProtocolViolationError, SubmissionGoneError


class CandidateError(Exception):
    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class Pair(NamedTuple):
    path: str
    code: str


class AnythingGoes:
    def __eq__(self, other: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return True

    def __sub__(self, other: object) -> int:
        return 0

    __hash__ = object.__hash__


class LyingInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


def candidate_module() -> types.ModuleType:
    """What the candidate's process would import."""
    module = types.ModuleType("solution")

    def echo(value: Any) -> Any:
        return value

    def call(function: Any, *args: Any) -> Any:
        return function(*args)

    def fail(message: str) -> None:
        raise CandidateError(message, attempts=3)

    def wrap(error: BaseException) -> None:
        raise CandidateError("wrapped", attempts=1) from error

    def interrupt() -> None:
        raise KeyboardInterrupt

    def read(target: Any, name: str) -> Any:
        return getattr(target, name)

    def catch(function: Any, kinds: tuple[type[BaseException], ...]) -> str:
        try:
            function()
        except kinds as exc:
            return f"caught {type(exc).__name__}"
        return "nothing raised"

    def pairs() -> list[Pair]:
        return [Pair("email", "required"), Pair("age", "range")]

    def is_pair(value: Any) -> bool:
        return type(value) is Pair

    module.__dict__.update(
        echo=echo,
        call=call,
        fail=fail,
        wrap=wrap,
        interrupt=interrupt,
        read=read,
        catch=catch,
        pairs=pairs,
        is_pair=is_pair,
        Pair=Pair,
        CandidateError=CandidateError,
        anything=AnythingGoes,
        liar=lambda: LyingInt(5),
    )
    return module


@pytest.fixture
def remote() -> Iterator[Endpoint]:
    """The tests' endpoint, talking to a candidate endpoint served in a thread."""
    tests_end, candidate_end = socket.socketpair()
    module = candidate_module()

    def serve() -> None:
        endpoint = Endpoint(candidate_end, trusted=False)
        endpoint.exports[0] = module  # what an "import" would hand over
        endpoint.serve_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint = Endpoint(tests_end, trusted=True)
    yield endpoint
    tests_end.close()
    thread.join(timeout=5)
    candidate_end.close()


def solution(endpoint: Endpoint) -> Any:
    return endpoint._proxy(0)


PLAIN = [
    None,
    True,
    0,
    -(2**200),
    1.5,
    float("inf"),
    "text \ud800 with a lone surrogate",
    b"\x00\xff",
    bytearray(b"ab"),
    3 + 4j,
    decimal.Decimal("215.50"),
    fractions.Fraction(1, 3),
    datetime.datetime(
        2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    datetime.date(2026, 1, 2),
    datetime.time(23, 59),
    datetime.timedelta(days=-1, microseconds=5),
    [1, (2, 3), {"k": {4, 5}}, frozenset({"x"})],
]


@pytest.mark.parametrize("value", PLAIN, ids=lambda v: type(v).__name__)
def test_plain_data_crosses_by_value_with_its_exact_type(remote: Endpoint, value: Any) -> None:
    back = solution(remote).echo(value)
    assert back == value
    assert type(back) is type(value)


def test_nan_crosses_as_nan(remote: Endpoint) -> None:
    back = solution(remote).echo(float("nan"))
    assert back != back


def test_an_object_that_equals_anything_never_equals_a_test_value(remote: Endpoint) -> None:
    anything = solution(remote).anything()
    assert isinstance(anything, boundary.Proxy)
    assert anything != 5
    assert not (anything == [1, 2])  # noqa: SIM201
    assert anything not in [5, "x", None]
    with pytest.raises(TypeError):
        _ = anything < 5
    with pytest.raises(TypeError):
        _ = anything - 0.5
    assert anything == solution(remote).anything()  # two of its own: its own rules


def test_a_subclass_of_a_plain_type_is_not_plain(remote: Endpoint) -> None:
    liar = solution(remote).liar()
    assert isinstance(liar, boundary.Proxy)
    assert liar != 5
    assert int(liar) == 5  # asking it for a plain value is fine


def test_identity_survives_round_trips_both_ways(remote: Endpoint) -> None:
    mine = object()
    assert solution(remote).echo(mine) is mine
    theirs = solution(remote).anything()
    assert solution(remote).echo(theirs) is theirs


def test_the_tests_callbacks_are_called_across(remote: Endpoint) -> None:
    calls: list[int] = []

    def clock(step: int) -> int:
        calls.append(step)
        return len(calls)

    assert solution(remote).call(clock, 7) == 1
    assert calls == [7]


def test_candidate_exceptions_are_real_classes_on_the_tests_side(remote: Endpoint) -> None:
    error_class = solution(remote).CandidateError
    assert isinstance(error_class, type)
    assert issubclass(error_class, Exception)
    with pytest.raises(error_class) as info:
        solution(remote).fail("boom")
    assert str(info.value) == "boom"
    assert info.value.attempts == 3  # read from the original
    with pytest.raises(ValueError):
        solution(remote).call(int, "not a number")


def test_a_test_exception_keeps_its_identity_as_the_cause(remote: Endpoint) -> None:
    boom = TimeoutError("read timed out")
    with pytest.raises(Exception) as info:
        solution(remote).wrap(boom)
    assert info.value.__cause__ is boom


def test_test_exception_classes_can_be_caught_by_the_candidate(remote: Endpoint) -> None:
    class FlakyError(Exception):
        pass

    def raise_flaky() -> None:
        raise FlakyError

    assert solution(remote).catch(raise_flaky, (FlakyError,)) == "caught FlakyError"


def test_keyboard_interrupt_from_the_candidate_is_an_ordinary_error(remote: Endpoint) -> None:
    with pytest.raises(boundary.SubmissionInterruptError):
        solution(remote).interrupt()


def test_named_tuples_compare_as_tuples_and_keep_their_class(remote: Endpoint) -> None:
    pairs = solution(remote).pairs()
    assert pairs == [("email", "required"), ("age", "range")]
    pair_class = solution(remote).Pair
    assert isinstance(pairs[0], pair_class)
    assert pairs[0].code == "required"
    assert solution(remote).is_pair(pair_class("x", "y")) is True


def test_the_candidate_reads_only_public_attributes_of_what_it_is_handed(remote: Endpoint) -> None:
    class Fake:
        visible = 1
        _hidden = 2

    assert solution(remote).read(Fake(), "visible") == 1
    with pytest.raises(AttributeError):
        solution(remote).read(Fake(), "_hidden")
    with pytest.raises(AttributeError):
        solution(remote).read(Fake(), "__dict__")
    generator = (x for x in [1])
    with pytest.raises(AttributeError):
        solution(remote).read(generator, "gi_frame")
    assert list(solution(remote).echo(generator)) == [1]  # iterating it is fine


@pytest.mark.parametrize(
    "opaque",
    [
        types.ModuleType("m"),
        (lambda: None).__code__,
        pytest.__loader__ and __import__("sys")._getframe(),
    ],
    ids=["module", "code", "frame"],
)
def test_modules_code_and_frames_are_never_handed_over(remote: Endpoint, opaque: Any) -> None:
    with pytest.raises(TypeError):
        solution(remote).echo(opaque)


def frame(payload: Any) -> bytes:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return struct.pack(">I", len(raw)) + raw


@pytest.fixture
def scripted() -> Iterator[Callable[[bytes], Endpoint]]:
    """A tests' endpoint whose other side answers the first request with `reply`."""
    sockets: list[socket.socket] = []

    def make(reply: bytes) -> Endpoint:
        tests_end, candidate_end = socket.socketpair()
        sockets.extend((tests_end, candidate_end))

        def answer() -> None:
            candidate_end.recv(1 << 20)
            candidate_end.sendall(reply)

        threading.Thread(target=answer, daemon=True).start()
        return Endpoint(tests_end, trusted=True)

    yield make
    for sock in sockets:
        sock.close()


BROKEN = {
    "garbage": b"\x00\x00\x00\x07garbage",
    "oversized frame": struct.pack(">I", boundary.FRAME_CAP + 1),
    "not json": frame(b"[1, 2"),
    "wrong shape": frame({"kind": "a"}),
    "answer to another question": frame(["a", 99, 1]),
    "unknown tag": frame(["a", 1, ["zz", 1]]),
    "reference never handed over": frame(["a", 1, ["Y", 12345]]),
    "deep nesting": frame(b'["a", 1, ' + b'["l", [' * 5000 + b"]]" * 5000 + b"]"),
    "too many values": frame(["a", 1, ["l", [0] * (boundary.ITEMS_CAP + 1)]]),
    "bad base64": frame(["a", 1, ["b", "%%%"]]),
    "bad decimal": frame(["a", 1, ["D", "not a number"]]),
    "error that is no exception": frame(["e", 1, 5]),
    "class that is not an exception": frame(
        ["e", 1, ["E", ["C", "os", "system"], [], 1, None, None, None]]
    ),
}


@pytest.mark.parametrize("reply", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_answer_is_a_violation_and_ends_the_conversation(
    scripted: Callable[[bytes], Endpoint], reply: bytes
) -> None:
    endpoint = scripted(reply)
    with pytest.raises(ProtocolViolationError):
        endpoint.request("call", endpoint._proxy(1), [], {})
    assert endpoint.violation is not None
    with pytest.raises(ProtocolViolationError):
        endpoint.request("call", endpoint._proxy(1), [], {})


def test_a_request_for_a_test_object_by_value_is_refused_not_served(
    scripted: Callable[[bytes], Endpoint],
) -> None:
    # The candidate may act only on objects the tests handed over: naming one by
    # value (here a class by name) gets a refusal, and nothing runs.
    request = frame(["q", 1, "call", [["C", "builtins", "ValueError"], ["l", []], ["d", []]]])
    endpoint = scripted(request + frame(["a", 1, 7]))
    assert endpoint.request("call", endpoint._proxy(1), [], {}) == 7
    assert endpoint.violation is None


def test_the_candidate_process_ending_is_not_a_violation(
    scripted: Callable[[bytes], Endpoint],
) -> None:
    endpoint = scripted(b"")
    endpoint.sock.shutdown(socket.SHUT_WR)
    threading.Event().wait(0.05)
    with pytest.raises(SubmissionGoneError):
        endpoint.request("call", endpoint._proxy(1), [], {})
    assert endpoint.violation is None
    assert endpoint.gone


def test_escape_shows_control_bidi_and_tab_characters_and_bounds_what_it_shows() -> None:
    assert boundary.escape("a\x1b[31mb\u202ec\nd\te", 100) == "a\\x1b[31mb\\u202ec\nd\\te"
    assert boundary.escape("x" * 10, 5) == "xxxx…"
    assert len(boundary.escape("\x00" * 1000, 1024)) <= 1024
