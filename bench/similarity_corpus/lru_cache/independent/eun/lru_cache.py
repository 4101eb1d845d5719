"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

import itertools
from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used.

    Each entry remembers when it was last used, as a tick from a counter; eviction
    looks for the smallest tick. Simple rather than fast: eviction is O(n).
    """

    def __init__(self, capacity: int) -> None:
        if capacity is True or capacity is False or not isinstance(capacity, int):
            raise ValueError("capacity must be an int")
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._limit = capacity
        self._store: dict[Hashable, list[Any]] = {}  # key -> [last used tick, value]
        self._clock = itertools.count()
        self._stats = {"hits": 0, "misses": 0, "evictions": 0}

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        entry = self._store.get(key)
        if entry is None:
            self._stats["misses"] += 1
            return default
        self._stats["hits"] += 1
        entry[0] = next(self._clock)
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        if key not in self._store and len(self._store) >= self._limit:
            lru = min(self._store, key=lambda k: self._store[k][0])
            del self._store[lru]
            self._stats["evictions"] += 1
        self._store[key] = [next(self._clock), value]

    def delete(self, key: Hashable) -> bool:
        return self._store.pop(key, None) is not None

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return sorted(self._store, key=lambda k: self._store[k][0])

    def stats(self) -> dict[str, int]:
        return self._stats.copy()

    def __len__(self) -> int:
        return len(self._store)
