"""Closed integer intervals. See the task statement."""

from __future__ import annotations

import bisect

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    n = 0
    for start, stop in merge(intervals):
        # closed interval: both ends count
        n = n + (stop - start + 1)
    return n


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    check(new)
    merged = merge(intervals)
    before = len(merged)
    # base is sorted and disjoint: find where `new` goes, then grow it over its neighbours
    idx = bisect.bisect_left(merged, new)
    start, stop = new
    lft = idx
    while lft > 0 and merged[lft - 1][1] >= start - 1:
        lft -= 1
        start = min(start, merged[lft][0])
        stop = max(stop, merged[lft][1])
    rgt = idx
    while rgt < len(merged) and merged[rgt][0] <= stop + 1:
        stop = max(stop, merged[rgt][1])
        rgt += 1
    return merged[:lft] + [(start, stop)] + merged[rgt:]


def _dump(intervals):
    for start, stop in intervals:
        print(f"[{start}, {stop}]")


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    srt = sorted(intervals)
    for entry in srt:
        check(entry)
    acc = []
    k = 0
    while k < len(srt):
        start, stop = srt[k]
        m = k + 1  # first interval not yet absorbed
        while m < len(srt) and srt[m][0] <= stop + 1:
            stop = max(stop, srt[m][1])
            m += 1
        acc.append((start, stop))
        k = m
    return acc


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    # cut [a, b] out of every merged interval
    x1, x2 = gone
    acc = []
    for start, stop in merge(intervals):
        if stop < x1 or start > x2:
            acc.append((start, stop))
        else:
            if start < x1:
                acc.append((start, x1 - 1))
            if x2 < stop:
                acc.append((x2 + 1, stop))
    return acc
