"""An LRU cache with per-entry TTL, written apart from the trial's reference solution.

Tests that need a correct submission which is nobody's copy use it: the reference
solution itself is what the similarity check flags.
"""

import time


class _Entry:
    __slots__ = ("expires", "value")

    def __init__(self, value, expires):
        self.value = value
        self.expires = expires


def _valid_ttl(ttl):
    if ttl is None:
        return True
    if type(ttl) is bool or type(ttl) not in (int, float):
        return False
    return ttl > 0


class LRUCache:
    def __init__(self, capacity, default_ttl=None, clock=time.monotonic):
        if type(capacity) is not int or capacity <= 0:
            raise ValueError("capacity must be a positive int")
        if not _valid_ttl(default_ttl):
            raise ValueError("default_ttl must be positive")
        self.capacity = capacity
        self.default_ttl = default_ttl
        self.clock = clock
        self.entries = {}  # insertion order is recency order: oldest first
        self.counts = dict.fromkeys(("hits", "misses", "evictions", "expirations"), 0)

    def _expire(self):
        now = self.clock()
        stale = []
        for key, entry in self.entries.items():
            if entry.expires is not None and entry.expires <= now:
                stale.append(key)
        for key in stale:
            self.entries.pop(key)
            self.counts["expirations"] += 1
        return now

    def get(self, key, default=None):
        self._expire()
        entry = self.entries.pop(key, None)
        if entry is None:
            self.counts["misses"] += 1
            return default
        self.entries[key] = entry
        self.counts["hits"] += 1
        return entry.value

    def put(self, key, value, ttl=None):
        if not _valid_ttl(ttl):
            raise ValueError("ttl must be positive")
        now = self._expire()
        life = self.default_ttl if ttl is None else ttl
        expires = None if life is None else now + life
        if key in self.entries:
            del self.entries[key]
        elif len(self.entries) == self.capacity:
            oldest = next(iter(self.entries))
            del self.entries[oldest]
            self.counts["evictions"] += 1
        self.entries[key] = _Entry(value, expires)

    def delete(self, key):
        self._expire()
        return self.entries.pop(key, None) is not None

    def keys(self):
        self._expire()
        return list(self.entries)

    def stats(self):
        self._expire()
        return dict(self.counts)

    def __len__(self):
        self._expire()
        return len(self.entries)

    def __contains__(self, key):
        self._expire()
        return key in self.entries
