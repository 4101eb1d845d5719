"""Closed integer intervals. See the task statement."""

from __future__ import annotations

import bisect

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    ordered = sorted(intervals)
    for iv in ordered:
        check(iv)
    res = []
    p = 0
    while p < len(ordered):
        left_end, right_end = ordered[p]
        q = p + 1
        while q < len(ordered) and ordered[q][0] <= right_end + 1:
            right_end = max(right_end, ordered[q][1])
            q += 1
        res.append((left_end, right_end))
        p = q
    return res


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    check(new)
    existing = merge(intervals)
    # base is sorted and disjoint: find where `new` goes, then grow it over its neighbours
    where = bisect.bisect_left(existing, new)
    left_end, right_end = new
    i_from = where
    while i_from > 0 and existing[i_from - 1][1] >= left_end - 1:
        i_from -= 1
        left_end = min(left_end, existing[i_from][0])
        right_end = max(right_end, existing[i_from][1])
    i_to = where
    while i_to < len(existing) and existing[i_to][0] <= right_end + 1:
        right_end = max(right_end, existing[i_to][1])
        i_to += 1
    return existing[:i_from] + [(left_end, right_end)] + existing[i_to:]


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    cut_lo, cut_hi = gone
    res = []
    for left_end, right_end in merge(intervals):
        if right_end < cut_lo or left_end > cut_hi:
            res.append((left_end, right_end))
        else:
            if left_end < cut_lo:
                res.append((left_end, cut_lo - 1))
            if cut_hi < right_end:
                res.append((cut_hi + 1, right_end))
    return res


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    total = 0
    for left_end, right_end in merge(intervals):
        total = total + (right_end - left_end + 1)
    return total
