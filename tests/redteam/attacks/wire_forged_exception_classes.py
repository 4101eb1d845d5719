"""Lie about exception classes on the wire: patch this side's boundary encoder
so every error the cache raises is announced as a class pytest treats
specially or the tests' side should refuse: unittest's SkipTest, bdb's
BdbQuit, SystemExit, GeneratorExit, KeyboardInterrupt, an uninitialisable
BaseExceptionGroup, pytest's own Skipped, mirrors named Skipped or Exit
deriving from BaseException, and ids of objects the tests handed over.

Base: starter."""

import itertools as _itertools
import sys as _sys

_CLAIMS = _itertools.cycle(
    [
        ["C", "unittest.case", "SkipTest"],
        ["C", "bdb", "BdbQuit"],
        ["C", "builtins", "SystemExit"],
        ["C", "builtins", "GeneratorExit"],
        ["C", "builtins", "KeyboardInterrupt"],
        ["C", "builtins", "BaseExceptionGroup"],
        ["C", "_pytest.outcomes", "Skipped"],
        ["C", "pytest", "skip.Exception"],
        ["X", 900001, "Skipped", [["C", "builtins", "BaseException"]]],
        ["X", 900002, "Exit", [["C", "builtins", "SystemExit"]]],
        ["Y", 1],
        ["Y", 2],
    ]
)


class _Marked(RuntimeError):
    pass


_boundary = _sys.modules.get("trialgate_boundary")
if _boundary is not None:
    _original = _boundary.Endpoint._encode_exception

    def _encode_exception(self, exc, depth, _original=_original):
        encoded = _original(self, exc, depth)
        if isinstance(exc, _Marked) and type(encoded) is list and encoded[:1] == ["E"]:
            encoded[1] = next(_CLAIMS)
        return encoded

    _boundary.Endpoint._encode_exception = _encode_exception


class LRUCache:
    def __init__(self, *args, **kwargs):
        raise _Marked("skip me")
