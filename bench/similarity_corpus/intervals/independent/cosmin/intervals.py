"""Closed integer intervals. See the task statement."""

from __future__ import annotations

from functools import reduce

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def _absorb(acc: list[Interval], item: Interval) -> list[Interval]:
    if acc and item[0] - 1 <= acc[-1][1]:
        return acc[:-1] + [(acc[-1][0], max(acc[-1][1], item[1]))]
    return acc + [item]


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    list(map(check, intervals))
    return reduce(_absorb, sorted(intervals, key=lambda iv: iv[0]), [])


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    check(new)
    return merge(intervals + [new])


def _minus(piece: Interval, gone: Interval) -> list[Interval]:
    lo, hi = piece
    g_lo, g_hi = gone
    left = (lo, min(hi, g_lo - 1))
    right = (max(lo, g_hi + 1), hi)
    return [iv for iv in (left, right) if iv[0] <= iv[1]]


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    return [part for piece in merge(intervals) for part in _minus(piece, gone)]


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    return reduce(lambda total, iv: total + iv[1] - iv[0] + 1, merge(intervals), 0)
