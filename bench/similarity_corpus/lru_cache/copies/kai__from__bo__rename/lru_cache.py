"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used."""

    def __init__(self, max_size: int) -> None:
        # bool is an int subclass, but LRUCache(True) is surely a mistake
        if type(max_size) is not int or max_size <= 0:
            raise ValueError("capacity must be an integer >= 1")
        self.max_size = max_size
        # plain dicts keep insertion order: first key = least recently used
        self.store: dict = {}
        self.metrics = dict(hits=0, misses=0, evictions=0)

    def _refresh(self, item):
        v = self.store.pop(item)
        self.store[item] = v
        return v

    def get(self, item: Hashable, fallback: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        if item not in self.store:
            self.metrics["misses"] += 1
            return fallback
        self.metrics["hits"] += 1
        return self._refresh(item)

    def put(self, item: Hashable, v: Any) -> None:
        if item in self.store:
            del self.store[item]
        elif len(self.store) == self.max_size:
            first_key = next(iter(self.store))
            del self.store[first_key]
            self.metrics["evictions"] += 1
        self.store[item] = v

    def delete(self, item: Hashable) -> bool:
        if item in self.store:
            del self.store[item]
            return True
        return False

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return [x for x in self.store]

    def stats(self) -> dict[str, int]:
        return dict(self.metrics)

    def __len__(self) -> int:
        return len(self.store)
