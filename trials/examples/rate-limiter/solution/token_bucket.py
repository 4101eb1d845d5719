"""Token-bucket rate limiter (reference solution)."""

from __future__ import annotations

import math
import time
from typing import Callable

EPSILON = 1e-9


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return value


class TokenBucket:
    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
        initial_tokens: float | None = None,
    ) -> None:
        self.capacity = _positive("capacity", capacity)
        self.refill_rate = _positive("refill_rate", refill_rate)
        if initial_tokens is None:
            initial_tokens = capacity
        elif (
            isinstance(initial_tokens, bool)
            or not isinstance(initial_tokens, (int, float))
            or not 0 <= initial_tokens <= capacity
        ):
            raise ValueError(f"initial_tokens must be in [0, capacity], got {initial_tokens!r}")
        self._clock = clock
        self._tokens = float(initial_tokens)
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._last
        if elapsed > 0:
            self._tokens = min(self.capacity, self._tokens + elapsed * self.refill_rate)
        self._last = now

    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def allow(self, cost: float = 1) -> bool:
        _positive("cost", cost)
        self._refill()
        if cost > self.capacity:
            return False
        if self._tokens + EPSILON >= cost:
            self._tokens = max(0.0, self._tokens - cost)
            return True
        return False

    def retry_after(self, cost: float = 1) -> float:
        _positive("cost", cost)
        self._refill()
        if cost > self.capacity:
            return math.inf
        if self._tokens + EPSILON >= cost:
            return 0.0
        return (cost - self._tokens) / self.refill_rate

    def is_full(self) -> bool:
        self._refill()
        return self._tokens + EPSILON >= self.capacity


class RateLimiter:
    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = _positive("capacity", capacity)
        self.refill_rate = _positive("refill_rate", refill_rate)
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, key: str, cost: float = 1) -> bool:
        _positive("cost", cost)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.capacity, self.refill_rate, self._clock)
            self._buckets[key] = bucket
        return bucket.allow(cost)

    def retry_after(self, key: str, cost: float = 1) -> float:
        _positive("cost", cost)
        bucket = self._buckets.get(key)
        if bucket is None:
            return math.inf if cost > self.capacity else 0.0
        return bucket.retry_after(cost)

    def tokens(self, key: str) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(self.capacity)
        return bucket.tokens()

    def prune(self) -> int:
        full = [key for key, bucket in self._buckets.items() if bucket.is_full()]
        for key in full:
            del self._buckets[key]
        return len(full)

    def __len__(self) -> int:
        return len(self._buckets)
