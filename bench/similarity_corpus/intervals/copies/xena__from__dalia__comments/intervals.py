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
    # sort by start (then end) so overlapping intervals end up next to each other
    items = sorted(intervals)
    for item in items:
        check(item)
    out = []
    # i marks the first interval of the group being merged
    i = 0
    while i < len(items):
        lo, hi = items[i]
        j = i + 1
        # "+ 1": integer intervals that touch, like (1, 2) and (3, 4), are joined too
        while j < len(items) and items[j][0] <= hi + 1:
            hi = max(hi, items[j][1])
            j += 1
        out.append((lo, hi))
        i = j
    return out


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    """Add `new` to the intervals and merge; same as merge(intervals + [new]) but without a full re-merge."""
    check(new)
    base = merge(intervals)
    # base is sorted and disjoint: find where `new` goes, then grow it over its neighbours
    pos = bisect.bisect_left(base, new)
    lo, hi = new
    # grow leftwards while the previous interval overlaps or touches
    left = pos
    while left > 0 and base[left - 1][1] >= lo - 1:
        left -= 1
        lo = min(lo, base[left][0])
        hi = max(hi, base[left][1])
    # and rightwards likewise
    right = pos
    while right < len(base) and base[right][0] <= hi + 1:
        hi = max(hi, base[right][1])
        right += 1
    return base[:left] + [(lo, hi)] + base[right:]


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    """The integers of `intervals` that are not in `gone`."""
    check(gone)
    a, b = gone
    out = []
    for lo, hi in merge(intervals):
        # no overlap: keep it whole
        if hi < a or lo > b:
            out.append((lo, hi))
        else:
            # keep the parts sticking out on either side
            if lo < a:
                out.append((lo, a - 1))
            if b < hi:
                out.append((b + 1, hi))
    return out


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    count = 0
    for lo, hi in merge(intervals):
        count = count + (hi - lo + 1)
    return count
