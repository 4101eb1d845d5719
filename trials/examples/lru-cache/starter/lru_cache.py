"""LRU cache with per-entry TTL. See statement.md."""

from __future__ import annotations

import time
from typing import Any, Callable, Hashable


class LRUCache:
    def __init__(
        self,
        capacity: int,
        default_ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        raise NotImplementedError

    def get(self, key: Hashable, default: Any = None) -> Any:
        raise NotImplementedError

    def put(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        raise NotImplementedError

    def delete(self, key: Hashable) -> bool:
        raise NotImplementedError

    def keys(self) -> list:
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        raise NotImplementedError
