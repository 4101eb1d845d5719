"""Hang where the tests start to fail: an honest cache that ignores TTLs which,
the first time a TTL is used, never answers (it sleeps with every signal it can
block blocked), hoping a run cut off by the clock is blamed on the platform or
keeps more than it earned.

Base: no_expiry."""

import signal as _signal
import time as _time


class LRUCache(LRUCache):  # extends the base's class
    def put(self, key, value, ttl=None):
        if ttl is not None:
            _signal.pthread_sigmask(_signal.SIG_BLOCK, set(_signal.Signals))
            while True:
                _time.sleep(3600)
        return super().put(key, value, ttl)
