import math

import pytest

from token_bucket import RateLimiter


class Clock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_keys_have_independent_buckets():
    clock = Clock()
    rl = RateLimiter(2, 1, clock=clock)
    assert rl.allow("a") and rl.allow("a")
    assert rl.allow("a") is False
    assert rl.allow("b") is True
    assert rl.tokens("a") == pytest.approx(0)
    assert rl.tokens("b") == pytest.approx(1)
    clock.now += 1
    assert rl.allow("a") is True
    assert rl.allow("a") is False


def test_buckets_created_lazily_only_by_allow():
    clock = Clock()
    rl = RateLimiter(5, 1, clock=clock)
    assert len(rl) == 0
    assert rl.tokens("ghost") == pytest.approx(5)
    assert rl.retry_after("ghost") == 0.0
    assert rl.retry_after("ghost", cost=6) == math.inf
    assert len(rl) == 0
    rl.allow("x", cost=2)
    rl.allow("y")
    assert len(rl) == 2


def test_new_key_bucket_starts_full_even_later():
    clock = Clock()
    rl = RateLimiter(3, 1, clock=clock)
    rl.allow("early", cost=3)
    clock.now += 500
    assert rl.allow("late", cost=3) is True
    assert rl.allow("late") is False


def test_retry_after_per_key():
    clock = Clock()
    rl = RateLimiter(2, 0.5, clock=clock)
    rl.allow("k", cost=2)
    assert rl.retry_after("k") == pytest.approx(2.0)
    assert rl.retry_after("other") == 0.0
    assert rl.retry_after("k", cost=3) == math.inf


def test_prune_drops_only_full_buckets():
    clock = Clock()
    rl = RateLimiter(4, 1, clock=clock)
    rl.allow("a", cost=1)
    rl.allow("b", cost=4)
    rl.allow("c", cost=2)
    clock.now += 2          # a full again, b has 2, c full again
    assert rl.prune() == 2
    assert len(rl) == 1
    assert rl.tokens("b") == pytest.approx(2)
    assert rl.prune() == 0
    clock.now += 2
    assert rl.prune() == 1
    assert len(rl) == 0


def test_limiter_validation():
    with pytest.raises(ValueError):
        RateLimiter(0, 1, clock=Clock())
    with pytest.raises(ValueError):
        RateLimiter(1, 0, clock=Clock())
    rl = RateLimiter(1, 1, clock=Clock())
    with pytest.raises(ValueError):
        rl.allow("k", cost=0)
