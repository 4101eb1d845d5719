"""Plain values that break naive encoders and comparisons: `get` returns NaN,
`keys` lone surrogates and NULs, `stats` a signalling-NaN Decimal, an
infinite-exponent Decimal and a Fraction of huge terms, `delete` a complex
NaN, `len` a bool and `in` a float NaN.

Base: starter."""

from decimal import Decimal as _Decimal
from fractions import Fraction as _Fraction


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        return None

    def get(self, key, default=None):
        return float("nan")

    def keys(self):
        return ["\ud800", "\udfff\x00", "a\x00c", "\U0010ffff"]

    def stats(self):
        return {
            "hits": _Decimal("sNaN"),
            "misses": _Decimal("9e999999"),
            "evictions": _Fraction(10**4000, 3**6000),
            "expirations": float("-inf"),
        }

    def delete(self, key):
        return complex(float("nan"), float("inf"))

    def __len__(self):
        return True

    def __contains__(self, key):
        return float("nan")
