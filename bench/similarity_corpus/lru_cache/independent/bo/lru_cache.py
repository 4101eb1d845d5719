"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used."""

    def __init__(self, capacity: int) -> None:
        # bool is an int subclass, but LRUCache(True) is surely a mistake
        if type(capacity) is not int or capacity <= 0:
            raise ValueError("capacity must be an integer >= 1")
        self.capacity = capacity
        # plain dicts keep insertion order: first key = least recently used
        self.data: dict = {}
        self.counters = dict(hits=0, misses=0, evictions=0)

    def _touch(self, key):
        value = self.data.pop(key)
        self.data[key] = value
        return value

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        if key not in self.data:
            self.counters["misses"] += 1
            return default
        self.counters["hits"] += 1
        return self._touch(key)

    def put(self, key: Hashable, value: Any) -> None:
        if key in self.data:
            del self.data[key]
        elif len(self.data) == self.capacity:
            oldest = next(iter(self.data))
            del self.data[oldest]
            self.counters["evictions"] += 1
        self.data[key] = value

    def delete(self, key: Hashable) -> bool:
        if key in self.data:
            del self.data[key]
            return True
        return False

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return [k for k in self.data]

    def stats(self) -> dict[str, int]:
        return dict(self.counters)

    def __len__(self) -> int:
        return len(self.data)
