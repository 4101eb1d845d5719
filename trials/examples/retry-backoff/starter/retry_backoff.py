"""HTTP retry helper with exponential backoff. See statement.md."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.1
    multiplier: float = 2.0
    max_delay: float = 10.0
    max_elapsed: float | None = None
    jitter: float = 0.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    retry_exceptions: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)

    def __post_init__(self) -> None:
        # TODO: validate the fields (see statement.md)
        pass


class RetryError(Exception):
    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        last_response: object | None = None,
        last_exception: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_response = last_response
        self.last_exception = last_exception


def retry(
    call: Callable[[], object],
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> object:
    raise NotImplementedError
