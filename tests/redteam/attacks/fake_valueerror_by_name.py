"""An exception that only calls itself ValueError: a RuntimeError subclass
named ValueError, with module `builtins` and qualname `ValueError`, raised from
every constructor call and every `put`, hoping a test expecting ValueError
(`pytest.raises(ValueError)`) accepts it by its name.

Base: starter."""


class ValueError(RuntimeError):  # shadows the builtin: the lie is the point
    pass


ValueError.__module__ = "builtins"
ValueError.__qualname__ = "ValueError"


class LRUCache:
    def __init__(self, *args, **kwargs):
        raise ValueError("capacity must be an int >= 1")

    def put(self, key, value, ttl=None):
        raise ValueError("ttl must be > 0")
