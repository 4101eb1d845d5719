"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used."""

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._evictions = 0

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        try:
            value = self._entries[key]
        except KeyError:
            self._misses += 1
            return default
        self._entries.move_to_end(key)
        self._hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if key in self._entries:
            self._entries.move_to_end(key)
        elif len(self._entries) >= self._capacity:
            self._entries.popitem(last=False)
            self._evictions += 1
        self._entries[key] = value

    def delete(self, key: Hashable) -> bool:
        return self._entries.pop(key, _MISSING) is not _MISSING

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return list(self._entries)

    def stats(self) -> dict[str, int]:
        return {"hits": self._hits, "misses": self._misses, "evictions": self._evictions}

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()
