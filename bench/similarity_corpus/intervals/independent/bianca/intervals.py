"""Closed integer intervals. See the task statement."""

from __future__ import annotations

from collections import Counter

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def _sweep(events: Counter) -> list[Interval]:
    """Turn +1/-1 coverage changes at points into the runs where coverage is positive."""
    runs = []
    depth = 0
    opened = None
    for point in sorted(events):
        before = depth
        depth += events[point]
        if before <= 0 < depth:
            opened = point
        elif depth <= 0 < before:
            runs.append((opened, point - 1))
    return runs


def _events(intervals, weight=1):
    events: Counter = Counter()
    for iv in intervals:
        check(iv)
        events[iv[0]] += weight
        events[iv[1] + 1] -= weight  # half-open [start, end + 1) so touching runs cancel out
    return events


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    return _sweep(_events(intervals))


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    return merge(list(intervals) + [new])


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    # Flatten first so every point has coverage 0 or 1, then the cut brings it to
    # 0 or below exactly where `gone` lies.
    events = _events(merge(intervals))
    events[gone[0]] -= 1
    events[gone[1] + 1] += 1
    return _sweep(events)


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    total = 0
    for lo, hi in merge(intervals):
        total += hi - lo + 1
    return total
