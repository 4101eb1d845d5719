"""Choke the grader on integers: `get` returns 10**5000 (past Python's
int-to-str digit limit), `keys` a list holding 2**(2**24), `stats` a dict of
negative 10**100000, `len` 10**30 (too big for a length) and `delete`
-(10**5000), so every comparison and message has a monster to render.

Base: starter."""

_BIG = 10**5000


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        return None

    def get(self, key, default=None):
        return _BIG

    def keys(self):
        return [2 ** (2**24), _BIG]

    def stats(self):
        return {"hits": -(10**100000), "misses": _BIG, "evictions": 0, "expirations": 0}

    def delete(self, key):
        return -_BIG

    def __len__(self):
        return 10**30

    def __contains__(self, key):
        return _BIG
