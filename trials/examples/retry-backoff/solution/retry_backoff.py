"""HTTP retry helper with exponential backoff (reference solution)."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

_DIGITS = re.compile(r"[0-9]+")


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
        if (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 1
        ):
            raise ValueError("max_attempts must be an int >= 1")
        if self.base_delay < 0:
            raise ValueError("base_delay must be >= 0")
        if self.multiplier < 1:
            raise ValueError("multiplier must be >= 1")
        if self.max_delay < 0:
            raise ValueError("max_delay must be >= 0")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be in [0, 1]")
        if self.max_elapsed is not None and self.max_elapsed < 0:
            raise ValueError("max_elapsed must be None or >= 0")


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


def _retry_after(value: object) -> float | None:
    headers = getattr(value, "headers", None)
    if not isinstance(headers, Mapping):
        return None
    for name, raw in headers.items():
        if isinstance(name, str) and name.lower() == "retry-after":
            text = raw.strip() if isinstance(raw, str) else ""
            if _DIGITS.fullmatch(text):
                return float(int(text))
            return None
    return None


def _backoff(policy: RetryPolicy, attempt: int) -> float:
    delay = float(policy.max_delay)
    if policy.base_delay == 0:
        delay = 0.0
    else:
        try:
            delay = min(delay, policy.base_delay * policy.multiplier ** (attempt - 1))
        except OverflowError:
            pass
    return delay


def retry(
    call: Callable[[], object],
    policy: RetryPolicy | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> object:
    if policy is None:
        policy = RetryPolicy()
    if rng is None:
        rng = random.Random()
    start = clock()
    attempt = 0
    while True:
        attempt += 1
        response: object | None = None
        exception: BaseException | None = None
        try:
            result = call()
        except policy.retry_exceptions as exc:
            exception = exc
        else:
            if getattr(result, "status", None) not in policy.retry_statuses:
                return result
            response = result

        def give_up(reason: str) -> RetryError:
            return RetryError(
                f"gave up after {attempt} attempt(s): {reason}",
                attempts=attempt,
                last_response=response,
                last_exception=exception,
            )

        if attempt >= policy.max_attempts:
            raise give_up("max_attempts reached") from exception

        delay = _retry_after(response) if response is not None else None
        if delay is None:
            delay = _backoff(policy, attempt)
            if policy.jitter > 0:
                delay *= 1 - policy.jitter * rng.random()

        if policy.max_elapsed is not None and (clock() - start) + delay > policy.max_elapsed:
            raise give_up("max_elapsed would be exceeded") from exception

        sleep(delay)
