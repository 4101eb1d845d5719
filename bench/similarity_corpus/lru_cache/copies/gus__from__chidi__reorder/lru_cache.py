"""A least-recently-used cache. Fill in the methods; see the task statement."""

from __future__ import annotations

from typing import Any, Hashable


class LRUCache:
    """Holds at most `capacity` entries; a new key stored when full evicts the least recently used.

    A hash map from key to node of a doubly linked list ordered by use, with sentinel
    nodes at both ends: every operation is O(1).
    """

    def put(self, key: Hashable, value: Any) -> None:
        node = self.nodes.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
            self._append(node)
            return
        if len(self.nodes) == self.cap:
            victim = self.head.next
            self._unlink(victim)  # type: ignore[arg-type]
            del self.nodes[victim.key]  # type: ignore[union-attr]
            self.n_evict += 1
        node = _Node(key, value)
        self.nodes[key] = node
        self._append(node)

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        out = []
        node = self.head.next
        while node is not self.tail:
            out.append(node.key)  # type: ignore[union-attr]
            node = node.next  # type: ignore[union-attr]
        return out

    def _unlink(self, node: _Node) -> None:
        node.prev.next = node.next  # type: ignore[union-attr]
        node.next.prev = node.prev  # type: ignore[union-attr]

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for `key` (which becomes the most recently used), or `default`."""
        node = self.nodes.get(key)
        if node is None:
            self.n_miss += 1
            return default
        self.n_hit += 1
        self._unlink(node)
        self._append(node)
        return node.value

    def _append(self, node: _Node) -> None:
        last = self.tail.prev
        last.next = node  # type: ignore[union-attr]
        node.prev = last
        node.next = self.tail
        self.tail.prev = node

    def delete(self, key: Hashable) -> bool:
        node = self.nodes.pop(key, None)
        if node is None:
            return False
        self._unlink(node)
        return True

    def stats(self) -> dict[str, int]:
        return {"hits": self.n_hit, "misses": self.n_miss, "evictions": self.n_evict}

    def __len__(self) -> int:
        return len(self.nodes)

    def __init__(self, capacity: int) -> None:
        valid = isinstance(capacity, int) and not isinstance(capacity, bool)
        if not valid or capacity < 1:
            raise ValueError(capacity)
        self.cap = capacity
        self.nodes: dict[Hashable, _Node] = {}
        self.head = _Node()  # head.next is the least recently used
        self.tail = _Node()  # tail.prev is the most recently used
        self.head.next, self.tail.prev = self.tail, self.head
        self.n_hit = self.n_miss = self.n_evict = 0


class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key: Any = None, value: Any = None) -> None:
        self.key = key
        self.value = value
        self.prev: _Node | None = None
        self.next: _Node | None = None
