"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used."""

    def __init__(self, cap: int) -> None:
        # bool is an int subclass, but LRUCache(True) is surely a mistake
        if type(cap) is not int or cap <= 0:
            raise ValueError("capacity must be an integer >= 1")
        self.cap = cap
        # plain dicts keep insertion order: first key = least recently used
        self.entries: dict = {}
        self.stat = dict(hits=0, misses=0, evictions=0)

    def put(self, name: Hashable, val: Any) -> None:
        if name in self.entries:
            del self.entries[name]
        elif len(self.entries) == self.cap:
            lru_key = next(iter(self.entries))
            del self.entries[lru_key]
            self.stat["evictions"] += 1
        self.entries[name] = val

    def get(self, name: Hashable, otherwise: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        n_before = len(self.entries)
        if name not in self.entries:
            self.stat["misses"] += 1
            return otherwise
        self.stat["hits"] += 1
        return self._bump(name)

    def _bump(self, name):
        """Move `key` to the most recently used end and return its value."""
        val = self.entries.pop(name)
        self.entries[name] = val
        return val

    def delete(self, name: Hashable) -> bool:
        """Forget `key`, saying whether it was there."""
        if name in self.entries:
            del self.entries[name]
            return True
        return False

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self):
        return f"LRUCache({self.cap})"

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return [k for k in self.entries]

    def stats(self) -> dict[str, int]:
        return dict(self.stat)
