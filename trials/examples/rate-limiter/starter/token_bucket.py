"""Token-bucket rate limiter. See statement.md."""

from __future__ import annotations

import time
from typing import Callable


class TokenBucket:
    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
        initial_tokens: float | None = None,
    ) -> None:
        raise NotImplementedError

    def tokens(self) -> float:
        raise NotImplementedError

    def allow(self, cost: float = 1) -> bool:
        raise NotImplementedError

    def retry_after(self, cost: float = 1) -> float:
        raise NotImplementedError


class RateLimiter:
    def __init__(
        self,
        capacity: float,
        refill_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        raise NotImplementedError

    def allow(self, key: str, cost: float = 1) -> bool:
        raise NotImplementedError

    def retry_after(self, key: str, cost: float = 1) -> float:
        raise NotImplementedError

    def tokens(self, key: str) -> float:
        raise NotImplementedError

    def prune(self) -> int:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError
