import pytest

from token_bucket import RateLimiter, TokenBucket


def test_bucket_example():
    now = [0.0]
    bucket = TokenBucket(capacity=2, refill_rate=0.5, clock=lambda: now[0])
    assert bucket.allow() is True
    assert bucket.allow() is True
    assert bucket.allow() is False
    assert bucket.retry_after() == pytest.approx(2.0)
    now[0] = 2.0
    assert bucket.allow() is True


def test_limiter_example():
    now = [0.0]
    limiter = RateLimiter(capacity=1, refill_rate=1, clock=lambda: now[0])
    assert limiter.allow("alice") is True
    assert limiter.allow("alice") is False
    assert limiter.allow("bob") is True
    assert len(limiter) == 2
