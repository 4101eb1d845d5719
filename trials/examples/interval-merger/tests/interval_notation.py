"""Test helper: build Interval objects from bracket notation, e.g. iv("(1, 2.5]")."""

import re

from interval_set import Interval

_ONE = re.compile(r"\s*([\[(])\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)\s*([\])])\s*")


def _num(text):
    return float(text) if "." in text else int(text)


def iv(text):
    m = _ONE.fullmatch(text)
    if not m:
        raise AssertionError(f"bad interval notation in test: {text!r}")
    left, a, b, right = m.groups()
    return Interval(_num(a), _num(b), left == "[", right == "]")


def ivs(text):
    """'[1, 3) (4, 5]' -> [Interval, Interval]; '' -> []"""
    parts = re.findall(r"[\[(][^\])]*[\])]", text)
    return [iv(p) for p in parts]


def show(intervals):
    return " ".join(str(i) for i in intervals)


def check_table(func, cases):
    """Run func(ivs(given)) for each (given, expected) pair; report every mismatch at once."""
    failures = []
    for given, expected in cases:
        got = show(func(ivs(given)))
        if got != expected:
            failures.append(f"{given!r}: expected {expected!r}, got {got!r}")
    assert not failures, "\n".join(failures)
