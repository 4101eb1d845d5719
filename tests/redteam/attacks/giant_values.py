"""Choke the grader on size: `get` returns a 7.5 MB string, `keys` a list of
450 000 distinct strings, `stats` 5 MB of bytes, and `put` keeps a 100 MB
bytearray alive, so copying values across costs the grader's side memory
and time.

Base: starter."""

_HELD = []


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        if not _HELD:
            _HELD.append(bytearray(100 << 20))

    def get(self, key, default=None):
        return "g" * 7_500_000

    def keys(self):
        return [f"key-{n:08d}" for n in range(450_000)]

    def stats(self):
        return b"\xff" * 5_000_000

    def __len__(self):
        return 0
