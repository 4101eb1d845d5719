"""Talk over the tests while they talk: an honest cache that ignores TTLs which,
on every call, also calls the clock the tests handed in from eight threads at
once (lifting any one-thread rule it can find on the endpoint first) and
recursively from inside its own answers, so questions and answers cross on
the channel.

Base: no_expiry."""

import threading as _threading


def _hammer(clock):
    if clock is None:
        return
    try:
        endpoint = object.__getattribute__(clock, "_tg_endpoint")
    except Exception:
        endpoint = None

    def worker():
        if endpoint is not None:
            try:
                endpoint._owner = _threading.get_ident()
            except Exception:
                pass
        for _ in range(50):
            try:
                clock()
            except Exception:
                pass

    threads = [_threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(0.5)


class LRUCache(LRUCache):  # extends the base's class
    def __init__(self, capacity, default_ttl=None, clock=None):
        super().__init__(capacity, default_ttl)
        self._redteam_clock = clock
        _hammer(clock)

    def get(self, key, default=None):
        _hammer(self._redteam_clock)
        return super().get(key, default)

    def put(self, key, value, ttl=None):
        _hammer(self._redteam_clock)
        return super().put(key, value, ttl)
