"""Drown the run where it starts to fail: an honest cache that ignores TTLs
which, the first time a TTL is used, writes 20 MB to stdout and stderr,
hoping an output flood voids the failures rather than counting them.

Base: no_expiry."""

import os as _os


class LRUCache(LRUCache):  # extends the base's class
    def put(self, key, value, ttl=None):
        if ttl is not None:
            for fd in (1, 2):
                for _ in range(10):
                    try:
                        _os.write(fd, b"flood " * 170_000)
                    except OSError:
                        pass
        return super().put(key, value, ttl)
