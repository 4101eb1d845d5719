"""Skip instead of failing: raise pytest's module-level skip while the tests
import the module (or, where pytest is missing, a look-alike `Skipped` made in
a fake `_pytest.outcomes` module), hoping the tests that would fail vanish
from the run instead of counting.

Base: starter."""

try:
    import pytest as _pytest

    _pytest.skip("the cache needs a newer Python", allow_module_level=True)
except ImportError:
    import sys as _sys
    import types as _types

    _outcomes = _types.ModuleType("_pytest.outcomes")
    _sys.modules.setdefault("_pytest.outcomes", _outcomes)

    class Skipped(BaseException):
        __module__ = "_pytest.outcomes"

    raise Skipped("the cache needs a newer Python") from None
