"""LRU cache with per-entry TTL (reference solution)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Callable, Hashable


def _check_ttl(ttl: float | None) -> None:
    if ttl is None:
        return
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
        raise ValueError(f"ttl must be a number > 0, got {ttl!r}")


class LRUCache:
    def __init__(
        self,
        capacity: int,
        default_ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be an int >= 1, got {capacity!r}")
        _check_ttl(default_ttl)
        self._capacity = capacity
        self._default_ttl = default_ttl
        self._clock = clock
        # key -> (value, expires_at or None); order: least recently used first
        self._data: OrderedDict[Hashable, tuple[Any, float | None]] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._expirations = 0

    # -- internals -------------------------------------------------------
    def _purge(self, now: float) -> None:
        """Drop every entry that has expired at `now`, counting each once."""
        dead = [k for k, (_, exp) in self._data.items() if exp is not None and now >= exp]
        for k in dead:
            del self._data[k]
        self._expirations += len(dead)

    # -- public API ------------------------------------------------------
    def get(self, key: Hashable, default: Any = None) -> Any:
        self._purge(self._clock())
        if key in self._data:
            self._data.move_to_end(key)
            self._hits += 1
            return self._data[key][0]
        self._misses += 1
        return default

    def put(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        _check_ttl(ttl)
        if ttl is None:
            ttl = self._default_ttl
        now = self._clock()
        self._purge(now)
        expires_at = None if ttl is None else now + ttl
        if key in self._data:
            self._data[key] = (value, expires_at)
            self._data.move_to_end(key)
            return
        if len(self._data) >= self._capacity:
            self._data.popitem(last=False)
            self._evictions += 1
        self._data[key] = (value, expires_at)

    def delete(self, key: Hashable) -> bool:
        self._purge(self._clock())
        if key in self._data:
            del self._data[key]
            return True
        return False

    def keys(self) -> list:
        self._purge(self._clock())
        return list(self._data)

    def stats(self) -> dict[str, int]:
        self._purge(self._clock())
        return {
            "hits": self._hits,
            "misses": self._misses,
            "evictions": self._evictions,
            "expirations": self._expirations,
        }

    def __len__(self) -> int:
        self._purge(self._clock())
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        self._purge(self._clock())
        return key in self._data
