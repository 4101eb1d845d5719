"""Print what no database can store: a NUL byte, a lone surrogate escaped into
the output and into an exception message, hoping that storing the grade fails,
that the failure passes for the database going away, and that the job loops
for ever without a verdict ever counting against the candidate.

Base: starter."""

import sys as _sys

_sys.stdout.write("before\x00after \udcff\n")
_sys.stdout.flush()


def _boom(*_args, **_kwargs):
    raise ValueError("nul \x00 here, surrogate \ud800 there")


LRUCache.get = _boom
