"""Plain-looking values that lie: subclasses of int, str, float, list, dict and
tuple whose `==` is always true, `!=` always false, and (for the dict) whose
every item is such an int; returned from `get`, `keys`, `stats`, `delete` and
`len`, in the hope that they cross as the plain type they imitate.

Base: starter."""


def _liar(base):
    return type(
        f"Lying{base.__name__.title()}",
        (base,),
        {"__eq__": lambda s, o: True, "__ne__": lambda s, o: False, "__hash__": lambda s: 0},
    )


_Int, _Str, _Float, _List, _Tuple = (_liar(t) for t in (int, str, float, list, tuple))


class _Dict(dict):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = lambda self: 0

    def __getitem__(self, key):
        return _Int(0)


class LRUCache:
    def __init__(self, *args, **kwargs):
        self.calls = 0

    def put(self, key, value, ttl=None):
        return None

    def get(self, key, default=None):
        self.calls += 1
        return (_Int(0), _Str(""), _Float(0.0), _Tuple())[self.calls % 4]

    def keys(self):
        return _List()

    def stats(self):
        return _Dict()

    def delete(self, key):
        return _Int(1)

    def __len__(self):
        return _Int(0)

    def __contains__(self, key):
        return _Int(0)
