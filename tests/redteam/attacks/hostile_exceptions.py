"""Exceptions built to trouble whoever renders them: an ExceptionGroup of 2000
errors with long messages and a cause chain 1000 deep from `put`; from `get` a
KeyboardInterrupt subclass, from `keys` a SystemExit, from `stats` a
GeneratorExit, from `delete` a StopIteration, and from `len` and `in` errors
carrying a self-containing list, a 10**5000 and a `__str__` that itself fails.
None of them is a ValueError, so no test can pass through them.

Base: starter."""

_SELF = []
_SELF.append(_SELF)


def _chained(depth):
    error = RuntimeError("root")
    for level in range(depth):
        try:
            raise RuntimeError(f"level {level}") from error
        except RuntimeError as exc:
            error = exc
    return error


class _Interrupt(KeyboardInterrupt):
    pass


class _Unprintable(Exception):
    def __str__(self):
        raise RecursionError("no text for you")

    __repr__ = __str__


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        group = ExceptionGroup("many", [RuntimeError("x" * 2000) for _ in range(2000)])
        raise group from _chained(1000)

    def get(self, key, default=None):
        raise _Interrupt("stop the session")

    def keys(self):
        raise SystemExit(0)

    def stats(self):
        raise GeneratorExit

    def delete(self, key):
        raise StopIteration(key)

    def __len__(self):
        raise RuntimeError(_SELF, 10**5000)

    def __contains__(self, key):
        raise _Unprintable()
