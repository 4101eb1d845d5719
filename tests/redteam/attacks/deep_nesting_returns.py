"""Choke the grader on nesting: `get` returns a list nested 100000 deep, `keys`
a list that contains itself, `stats` a dict that contains itself inside a
tuple, `delete` a tuple nested 100000 deep, so encoding, decoding, comparing or
printing them recurses without end.

Base: starter."""


def _deep(kind, depth=100_000):
    value = []
    for _ in range(depth):
        value = kind([value])
    return value


_LIST = _deep(list)
_TUPLE = _deep(tuple)
_SELF = []
_SELF.append(_SELF)
_DICT = {"hits": 0}
_DICT["misses"] = (_DICT, [_DICT])


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        return None

    def get(self, key, default=None):
        return _LIST

    def keys(self):
        return _SELF

    def stats(self):
        return _DICT

    def delete(self, key):
        return _TUPLE

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
