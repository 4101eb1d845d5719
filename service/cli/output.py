"""How commands talk to a person: progress on stderr, results on stdout."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int = 1) -> int:
    print(f"trialgate: error: {message}", file=sys.stderr, flush=True)
    return code
