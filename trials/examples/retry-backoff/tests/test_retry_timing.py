import pytest

from retry_backoff import Response, RetryError, RetryPolicy, retry
from retry_fakes import FakeClock, FakeSleeper, NoRandom, ScriptedCall, ScriptedRandom


def make_env(outcomes, cost=0.0):
    clock = FakeClock()
    return clock, FakeSleeper(clock), ScriptedCall(outcomes, clock, cost)


def test_exponential_backoff_capped_by_max_delay():
    clock, sleeper, call = make_env([Response(503)] * 6 + [Response(200)])
    policy = RetryPolicy(max_attempts=7, base_delay=0.5, multiplier=2, max_delay=5)
    retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom())
    assert sleeper.calls == pytest.approx([0.5, 1.0, 2.0, 4.0, 5.0, 5.0])


def test_statement_example_mixed_failures():
    clock, sleeper, call = make_env([Response(503), ConnectionError(), Response(503), Response(200)])
    policy = RetryPolicy(max_attempts=4, base_delay=1, multiplier=3, max_delay=5)
    result = retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom())
    assert result.status == 200
    assert sleeper.calls == pytest.approx([1.0, 3.0, 5.0])


def test_zero_delay_still_sleeps():
    clock, sleeper, call = make_env([Response(503), Response(503), Response(200)])
    retry(call, RetryPolicy(base_delay=0), sleep=sleeper, clock=clock, rng=NoRandom())
    assert sleeper.calls == [0, 0]


def test_jitter_uses_one_rng_value_per_backoff():
    clock, sleeper, call = make_env([Response(503)] * 3 + [Response(200)])
    rng = ScriptedRandom([0.5, 0.0, 1.0])
    policy = RetryPolicy(max_attempts=4, base_delay=2, multiplier=2, max_delay=100, jitter=0.5)
    retry(call, policy, sleep=sleeper, clock=clock, rng=rng)
    # backoffs 2, 4, 8; delay = backoff * (1 - 0.5 * r)
    assert sleeper.calls == pytest.approx([1.5, 4.0, 4.0])
    assert rng.calls == 3


def test_rng_not_used_when_giving_up_on_max_attempts():
    clock, sleeper, call = make_env([Response(503), Response(503)])
    rng = ScriptedRandom([0.25])
    with pytest.raises(RetryError):
        retry(call, RetryPolicy(max_attempts=2, base_delay=1, jitter=1), sleep=sleeper, clock=clock, rng=rng)
    assert rng.calls == 1
    assert sleeper.calls == pytest.approx([0.75])


def test_retry_after_header_overrides_backoff():
    clock, sleeper, call = make_env(
        [
            Response(429, {"retry-after": " 30 "}),   # case-insensitive, above max_delay, no jitter
            Response(503, {"Retry-After": "0"}),
            Response(503),                            # third failure: ordinary backoff, n = 3
            Response(200),
        ]
    )
    rng = ScriptedRandom([0.0])
    policy = RetryPolicy(max_attempts=4, base_delay=1, multiplier=2, max_delay=10, jitter=0.5)
    retry(call, policy, sleep=sleeper, clock=clock, rng=rng)
    assert sleeper.calls == pytest.approx([30.0, 0.0, 4.0])
    assert rng.calls == 1


def test_invalid_retry_after_falls_back_to_backoff():
    for value in ["Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1.5", "", "soon", "+3"]:
        clock, sleeper, call = make_env([Response(503, {"Retry-After": value}), Response(200)])
        retry(call, RetryPolicy(base_delay=0.25), sleep=sleeper, clock=clock, rng=NoRandom())
        assert sleeper.calls == pytest.approx([0.25]), value


def test_max_elapsed_counts_time_spent_in_calls():
    # each call takes 2 s; delays 1, 2, 4 ...
    clock, sleeper, call = make_env([Response(503)] * 10, cost=2.0)
    policy = RetryPolicy(max_attempts=10, base_delay=1, multiplier=2, max_delay=60, max_elapsed=10)
    with pytest.raises(RetryError) as info:
        retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom())
    # t=2 +1 -> 3 (ok), t=5 +2 -> 7 (ok), t=9 +4 -> 13 > 10: give up without sleeping
    assert sleeper.calls == pytest.approx([1.0, 2.0])
    assert info.value.attempts == 3
    assert info.value.last_response.status == 503


def test_max_elapsed_boundary_is_inclusive():
    clock, sleeper, call = make_env([Response(503), Response(503), Response(200)], cost=1.0)
    policy = RetryPolicy(max_attempts=5, base_delay=2, multiplier=1, max_elapsed=5)
    # t=1, +2 = 3 <= 5 -> sleep; t=4, +2 = 6 > 5 -> give up
    with pytest.raises(RetryError):
        retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom())
    assert sleeper.calls == pytest.approx([2.0])
    clock, sleeper, call = make_env([Response(503), Response(200)], cost=3.0)
    result = retry(call, policy, sleep=sleeper, clock=clock, rng=NoRandom())  # t=3, +2 = 5 == 5
    assert result.status == 200


def test_max_elapsed_applies_to_retry_after_and_jittered_delay():
    clock, sleeper, call = make_env([Response(503, {"Retry-After": "120"}), Response(200)])
    with pytest.raises(RetryError) as info:
        retry(call, RetryPolicy(max_elapsed=60), sleep=sleeper, clock=clock, rng=NoRandom())
    assert info.value.attempts == 1
    assert sleeper.calls == []
    clock, sleeper, call = make_env([Response(503), Response(200)])
    rng = ScriptedRandom([0.5])
    policy = RetryPolicy(base_delay=8, jitter=0.5, max_elapsed=6)  # 8 * 0.75 = 6 -> allowed
    assert retry(call, policy, sleep=sleeper, clock=clock, rng=rng).status == 200
    assert sleeper.calls == pytest.approx([6.0])
