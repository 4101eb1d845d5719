"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class ListNode:
    """A doubly linked list node."""

    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key: Any = None, value: Any = None) -> None:
        self.key = key
        self.value = value
        self.prev: ListNode | None = None
        self.next: ListNode | None = None


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used.

    A hash map from key to node of a doubly linked list ordered by use, with sentinel
    nodes at both ends: every operation is O(1).
    """

    def __init__(self, capacity: int) -> None:
        good = isinstance(capacity, int) and not isinstance(capacity, bool)
        if not good or capacity < 1:
            raise ValueError(capacity)
        self.limit = capacity
        self.lookup: dict[Hashable, ListNode] = {}
        self.sentinel_l = ListNode()  # head.next is the least recently used
        self.sentinel_r = ListNode()  # tail.prev is the most recently used
        # the two sentinels point at each other while the cache is empty
        self.sentinel_l.next, self.sentinel_r.prev = self.sentinel_r, self.sentinel_l
        self._calls = 0
        self.hits = self.misses = self.evictions = 0

    def _size(self) -> int:
        return len(self.lookup)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        n = self.lookup.get(key)
        self._calls += 1
        if n is None:
            self.misses += 1
            return default
        self.hits += 1
        self._remove(n)
        self._add_last(n)
        return n.value

    def put(self, key: Hashable, value: Any) -> None:
        n = self.lookup.get(key)
        if n is not None:
            n.value = value
            self._remove(n)
            self._add_last(n)
            return
        # evict the least recently used entry when we are full
        if len(self.lookup) == self.limit:
            lru_node = self.sentinel_l.next
            self._remove(lru_node)  # type: ignore[arg-type]
            del self.lookup[lru_node.key]  # type: ignore[union-attr]
            self.evictions += 1
        n = ListNode(key, value)
        self.lookup[key] = n
        self._add_last(n)

    def _remove(self, n: ListNode) -> None:
        n.prev.next = n.next  # type: ignore[union-attr]
        n.next.prev = n.prev  # type: ignore[union-attr]

    def _add_last(self, n: ListNode) -> None:
        tail_prev = self.sentinel_r.prev
        tail_prev.next = n  # type: ignore[union-attr]
        n.prev = tail_prev
        n.next = self.sentinel_r
        self.sentinel_r.prev = n

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        ks = []
        n = self.sentinel_l.next
        while n is not self.sentinel_r:
            ks.append(n.key)  # type: ignore[union-attr]
            n = n.next  # type: ignore[union-attr]
        return ks

    def stats(self) -> dict[str, int]:
        # counts since the cache was created
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions}

    def delete(self, key: Hashable) -> bool:
        n = self.lookup.pop(key, None)
        if n is None:
            return False
        self._remove(n)
        if not self.lookup:
            pass  # now empty
        return True

    def __len__(self) -> int:
        return len(self.lookup)
