"""Make the tests' side pay to read our answers: `get` returns a Fraction of two
random four-million-bit integers built without normalising (so their gcd is
computed on the reading side), `keys` 10 000-digit Decimals with huge exponents, and
`stats` a megabyte-long hexadecimal integer, each as plain data.

Base: starter."""

from decimal import Decimal as _Decimal
from fractions import Fraction as _Fraction
from random import getrandbits as _bits

_A = _bits(4 << 20) | 1
_B = _bits(4 << 20) | 1


class LRUCache:
    def __init__(self, *args, **kwargs):
        pass

    def put(self, key, value, ttl=None):
        return None

    def get(self, key, default=None):
        return _Fraction(_A, _B, _normalize=False)

    def keys(self):
        return [_Decimal("9" * 9_990 + "E+999999"), _Decimal("-" + "7" * 9_990 + "E-999999")]

    def stats(self):
        return {"hits": (1 << (4 << 20) - 8) - 1}
