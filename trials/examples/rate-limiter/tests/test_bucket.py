import math

import pytest

from token_bucket import TokenBucket


class Clock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_new_bucket_is_full_and_drains(clock):
    b = TokenBucket(3, 1, clock=clock)
    assert b.tokens() == pytest.approx(3)
    assert [b.allow() for _ in range(4)] == [True, True, True, False]
    assert b.tokens() == pytest.approx(0)


def test_continuous_fractional_refill(clock):
    b = TokenBucket(10, 2, clock=clock, initial_tokens=0)
    clock.now += 0.25
    assert b.tokens() == pytest.approx(0.5)
    assert b.allow() is False
    clock.now += 0.25
    assert b.allow() is True
    assert b.tokens() == pytest.approx(0)


def test_refill_is_capped_at_capacity(clock):
    b = TokenBucket(5, 1, clock=clock)
    assert b.allow(cost=5)
    clock.now += 1000
    assert b.tokens() == pytest.approx(5)
    assert b.allow(cost=5)
    assert b.allow() is False


def test_failed_allow_consumes_nothing(clock):
    b = TokenBucket(4, 1, clock=clock, initial_tokens=2.5)
    assert b.allow(cost=3) is False
    assert b.tokens() == pytest.approx(2.5)
    assert b.allow(cost=2.5) is True
    assert b.tokens() == pytest.approx(0)


def test_cost_above_capacity_never_allowed(clock):
    b = TokenBucket(2, 1, clock=clock)
    assert b.allow(cost=3) is False
    assert b.tokens() == pytest.approx(2)
    assert b.retry_after(cost=3) == math.inf
    assert b.retry_after(cost=math.inf) == math.inf


def test_float_tolerance(clock):
    b = TokenBucket(1, 1, clock=clock, initial_tokens=0)
    for _ in range(3):
        clock.now += 1 / 3  # 1 s in total; 100.0 + 3 * (1/3) - 100.0 < 1.0 in floats
    assert b.allow() is True
    assert b.tokens() >= 0


def test_retry_after_values(clock):
    b = TokenBucket(4, 0.5, clock=clock)
    assert b.retry_after() == 0.0
    assert b.allow(cost=4)
    assert b.retry_after() == pytest.approx(2.0)
    assert b.retry_after(cost=3) == pytest.approx(6.0)
    clock.now += 1.5
    assert b.retry_after() == pytest.approx(0.5)
    assert b.tokens() == pytest.approx(0.75)   # retry_after consumed nothing
    clock.now += 0.5
    assert b.retry_after() == 0.0
    assert b.allow() is True


def test_retry_after_then_wait_succeeds(clock):
    b = TokenBucket(3, 0.75, clock=clock, initial_tokens=1)
    assert b.allow(cost=2) is False
    wait = b.retry_after(cost=2)
    clock.now += wait
    assert b.allow(cost=2) is True


def test_clock_going_backwards_adds_and_removes_nothing(clock):
    b = TokenBucket(10, 1, clock=clock, initial_tokens=4)
    clock.now -= 50
    assert b.tokens() == pytest.approx(4)
    clock.now += 3          # 3 s after the earlier reading
    assert b.tokens() == pytest.approx(7)


def test_invalid_construction(clock):
    for args, kwargs in [
        ((0, 1), {}),
        ((-1, 1), {}),
        ((5, 0), {}),
        ((5, -2), {}),
        ((5, 1), {"initial_tokens": 6}),
        ((5, 1), {"initial_tokens": -0.1}),
    ]:
        with pytest.raises(ValueError):
            TokenBucket(*args, clock=clock, **kwargs)
    assert TokenBucket(5, 1, clock=clock, initial_tokens=0).tokens() == 0
    assert TokenBucket(5, 1, clock=clock, initial_tokens=5).tokens() == pytest.approx(5)


def test_invalid_cost(clock):
    b = TokenBucket(5, 1, clock=clock)
    for cost in (0, -1):
        with pytest.raises(ValueError):
            b.allow(cost=cost)
        with pytest.raises(ValueError):
            b.retry_after(cost=cost)
    assert b.tokens() == pytest.approx(5)
