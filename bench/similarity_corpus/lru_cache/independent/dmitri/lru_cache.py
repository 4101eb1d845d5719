"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used."""

    def __init__(self, capacity: int) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise ValueError("capacity: expected int")
        if capacity < 1:
            raise ValueError("capacity: must be at least 1")
        self.size = capacity
        self.values = {}
        self.order = []  # least recently used at index 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        if key in self.values:
            self.hits = self.hits + 1
            self.order.remove(key)
            self.order.append(key)
            return self.values[key]
        else:
            self.misses = self.misses + 1
            return default

    def put(self, key: Hashable, value: Any) -> None:
        if key in self.values:
            self.order.remove(key)
        else:
            while len(self.order) >= self.size:
                evicted = self.order.pop(0)
                self.values.pop(evicted)
                self.evictions = self.evictions + 1
        self.order.append(key)
        self.values[key] = value

    def delete(self, key: Hashable) -> bool:
        found = key in self.values
        if found:
            self.order.remove(key)
            self.values.pop(key)
        return found

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return self.order.copy()

    def stats(self) -> dict[str, int]:
        result = {}
        result["hits"] = self.hits
        result["misses"] = self.misses
        result["evictions"] = self.evictions
        return result

    def __len__(self) -> int:
        return len(self.order)
