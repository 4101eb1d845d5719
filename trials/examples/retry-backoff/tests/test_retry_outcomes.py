import pytest

from retry_backoff import Response, RetryError, RetryPolicy, retry
from retry_fakes import FakeClock, FakeSleeper, NoRandom, ScriptedCall


def run(outcomes, policy=None, **kw):
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    call = ScriptedCall(outcomes, clock)
    result = retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom(), **kw)
    return result, call, sleeper


def test_success_on_first_attempt_does_not_sleep():
    ok = Response(200, {}, b"ok")
    result, call, sleeper = run([ok])
    assert result is ok
    assert call.calls == 1
    assert sleeper.calls == []


def test_retryable_statuses_then_success():
    ok = Response(200)
    result, call, sleeper = run([Response(503), Response(429), ok], RetryPolicy(max_attempts=5))
    assert result is ok
    assert call.calls == 3
    assert len(sleeper.calls) == 2


def test_non_retryable_status_returned_immediately():
    for status in (200, 201, 204, 400, 404, 500, 501):
        response = Response(status)
        result, call, sleeper = run([response, Response(200)])
        assert result is response, status
        assert call.calls == 1, status
        assert sleeper.calls == [], status


def test_custom_retry_statuses_and_plain_objects():
    policy = RetryPolicy(retry_statuses=frozenset({500}))
    result, call, _ = run([Response(500), Response(503)], policy)
    assert result.status == 503
    assert call.calls == 2
    sentinel = object()  # no `status` attribute: a success
    result, call, _ = run([sentinel], policy)
    assert result is sentinel


def test_gives_up_after_max_attempts_with_last_response():
    last = Response(502, {}, b"bad gateway")
    with pytest.raises(RetryError) as info:
        run([Response(503), Response(503), last], RetryPolicy(max_attempts=3))
    err = info.value
    assert err.attempts == 3
    assert err.last_response is last
    assert err.last_exception is None


def test_retryable_exceptions_and_cause():
    boom = TimeoutError("read timed out")
    with pytest.raises(RetryError) as info:
        run([ConnectionResetError("reset"), boom], RetryPolicy(max_attempts=2))
    err = info.value
    assert err.attempts == 2
    assert err.last_exception is boom
    assert err.last_response is None
    assert err.__cause__ is boom


def test_non_retryable_exception_propagates_unchanged():
    bug = KeyError("oops")
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    call = ScriptedCall([Response(503), bug, Response(200)], clock)
    with pytest.raises(KeyError) as info:
        retry(call, RetryPolicy(max_attempts=5), sleep=sleeper, clock=clock, rng=NoRandom())
    assert info.value is bug
    assert call.calls == 2
    assert len(sleeper.calls) == 1


def test_custom_retry_exceptions():
    class Flaky(Exception):
        pass

    policy = RetryPolicy(retry_exceptions=(Flaky,))
    ok = Response(200)
    result, call, _ = run([Flaky(), ok], policy)
    assert result is ok
    with pytest.raises(ConnectionError):
        run([ConnectionError("not retryable under this policy")], policy)


def test_max_attempts_one_never_sleeps():
    with pytest.raises(RetryError) as info:
        run([Response(503)], RetryPolicy(max_attempts=1))
    assert info.value.attempts == 1


def test_default_policy_is_three_attempts():
    with pytest.raises(RetryError) as info:
        run([ConnectionError(), ConnectionError(), ConnectionError()])
    assert info.value.attempts == 3


def test_policy_validation():
    bad = [
        {"max_attempts": 0},
        {"max_attempts": 2.5},
        {"base_delay": -0.1},
        {"multiplier": 0.5},
        {"max_delay": -1},
        {"jitter": -0.1},
        {"jitter": 1.5},
        {"max_elapsed": -1},
    ]
    accepted = []
    for kwargs in bad:
        try:
            RetryPolicy(**kwargs)
        except ValueError:
            continue
        accepted.append(kwargs)
    assert accepted == [], "these invalid policies were accepted"
    RetryPolicy(max_attempts=1, base_delay=0, multiplier=1, max_delay=0, jitter=1, max_elapsed=0)
