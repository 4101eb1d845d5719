"""Interval set operations with open and closed bounds (reference solution)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Interval:
    start: int | float
    end: int | float
    closed_start: bool = True
    closed_end: bool = False

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be an int or float, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if self.start > self.end:
            raise ValueError(f"start {self.start!r} is after end {self.end!r}")
        if self.start == self.end and not (self.closed_start and self.closed_end):
            raise ValueError("empty interval")

    @property
    def length(self) -> int | float:
        return self.end - self.start

    def __str__(self) -> str:
        left = "[" if self.closed_start else "("
        right = "]" if self.closed_end else ")"
        return f"{left}{self.start}, {self.end}{right}"


def _checked(intervals: Iterable[Interval]) -> list[Interval]:
    items = list(intervals)
    for item in items:
        if not isinstance(item, Interval):
            raise TypeError(f"expected Interval, got {type(item).__name__}")
    return items


def _joinable(a: Interval, b: Interval) -> bool:
    """a.start <= b.start (with closed starts first on ties)."""
    return b.start < a.end or (b.start == a.end and (a.closed_end or b.closed_start))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    items = sorted(_checked(intervals), key=lambda iv: (iv.start, not iv.closed_start))
    out: list[Interval] = []
    for iv in items:
        if out and _joinable(out[-1], iv):
            last = out[-1]
            if iv.end > last.end:
                end, closed_end = iv.end, iv.closed_end
            elif iv.end == last.end:
                end, closed_end = last.end, last.closed_end or iv.closed_end
            else:
                end, closed_end = last.end, last.closed_end
            out[-1] = Interval(last.start, end, last.closed_start, closed_end)
        else:
            out.append(iv)
    return out


def insert(intervals: Iterable[Interval], new: Interval) -> list[Interval]:
    return merge([*_checked(intervals), *_checked([new])])


def _intersect(a: Interval, s, cs: bool, e, ce: bool) -> Interval | None:
    """a ∩ the set bounded by (s, cs, e, ce); s/e may be infinite."""
    if a.start > s:
        start, closed_start = a.start, a.closed_start
    elif s > a.start:
        start, closed_start = s, cs
    else:
        start, closed_start = s, a.closed_start and cs
    if a.end < e:
        end, closed_end = a.end, a.closed_end
    elif e < a.end:
        end, closed_end = e, ce
    else:
        end, closed_end = e, a.closed_end and ce
    if start < end or (start == end and closed_start and closed_end):
        return Interval(start, end, closed_start, closed_end)
    return None


def _minus(a: Interval, r: Interval) -> list[Interval]:
    pieces = [
        _intersect(a, -math.inf, False, r.start, not r.closed_start),
        _intersect(a, r.end, not r.closed_end, math.inf, False),
    ]
    return [p for p in pieces if p is not None]


def subtract(intervals: Iterable[Interval], removals: Iterable[Interval]) -> list[Interval]:
    result = merge(intervals)
    for r in merge(removals):
        result = [piece for a in result for piece in _minus(a, r)]
    return merge(result)


def total_length(intervals: Iterable[Interval]) -> int | float:
    return sum((iv.length for iv in merge(intervals)), 0)


def contains(intervals: Iterable[Interval], x: int | float) -> bool:
    for iv in _checked(intervals):
        if iv.start < x < iv.end:
            return True
        if (x == iv.start and iv.closed_start) or (x == iv.end and iv.closed_end):
            return True
    return False
