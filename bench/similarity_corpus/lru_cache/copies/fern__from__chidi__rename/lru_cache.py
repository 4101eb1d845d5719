"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class Entry:
    __slots__ = ("k", "val", "before", "after")

    def __init__(self, k: Any = None, val: Any = None) -> None:
        self.k = k
        self.val = val
        self.before: Entry | None = None
        self.after: Entry | None = None


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used.

    A hash map from key to node of a doubly linked list ordered by use, with sentinel
    nodes at both ends: every operation is O(1).
    """

    def __init__(self, capacity: int) -> None:
        ok = isinstance(capacity, int) and not isinstance(capacity, bool)
        if not ok or capacity < 1:
            raise ValueError(capacity)
        self.max_items = capacity
        self.index: dict[Hashable, Entry] = {}
        self.front = Entry()  # head.next is the least recently used
        self.rear = Entry()  # tail.prev is the most recently used
        self.front.after, self.rear.before = self.rear, self.front
        self.hit_count = self.miss_count = self.evict_count = 0

    def _detach(self, entry: Entry) -> None:
        entry.before.after = entry.after  # type: ignore[union-attr]
        entry.after.before = entry.before  # type: ignore[union-attr]

    def _push_back(self, entry: Entry) -> None:
        current_last = self.rear.before
        current_last.after = entry  # type: ignore[union-attr]
        entry.before = current_last
        entry.after = self.rear
        self.rear.before = entry

    def get(self, k: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        entry = self.index.get(k)
        if entry is None:
            self.miss_count += 1
            return default
        self.hit_count += 1
        self._detach(entry)
        self._push_back(entry)
        return entry.val

    def put(self, k: Hashable, val: Any) -> None:
        entry = self.index.get(k)
        if entry is not None:
            entry.val = val
            self._detach(entry)
            self._push_back(entry)
            return
        if len(self.index) == self.max_items:
            oldest = self.front.after
            self._detach(oldest)  # type: ignore[arg-type]
            del self.index[oldest.k]  # type: ignore[union-attr]
            self.evict_count += 1
        entry = Entry(k, val)
        self.index[k] = entry
        self._push_back(entry)

    def delete(self, k: Hashable) -> bool:
        entry = self.index.pop(k, None)
        if entry is None:
            return False
        self._detach(entry)
        return True

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        result = []
        entry = self.front.after
        while entry is not self.rear:
            result.append(entry.k)  # type: ignore[union-attr]
            entry = entry.after  # type: ignore[union-attr]
        return result

    def stats(self) -> dict[str, int]:
        return {"hits": self.hit_count, "misses": self.miss_count, "evictions": self.evict_count}

    def __len__(self) -> int:
        return len(self.index)
