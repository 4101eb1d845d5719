"""Closed integer intervals. See the task statement."""

from __future__ import annotations

from collections import Counter

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def _edges(intervals, w=1):
    """+weight where each interval starts, -weight just after it ends."""
    ev: Counter = Counter()
    for interval_ in intervals:
        check(interval_)
        ev[interval_[0]] += w
        ev[interval_[1] + 1] -= w  # half-open [start, end + 1) so touching runs cancel out
    return ev


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    return _walk(_edges(intervals))


def _walk(ev: Counter) -> list[Interval]:
    # walk the change points left to right keeping a running coverage count
    """Turn +1/-1 coverage changes at points into the runs where coverage is positive."""
    result_runs = []
    cover = 0
    run_start = None
    for pt in sorted(ev):
        old = cover
        cover += ev[pt]
        if old <= 0 < cover:
            run_start = pt
        elif cover <= 0 < old:
            result_runs.append((run_start, pt - 1))
    return result_runs


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    # Flatten first so every point has coverage 0 or 1, then the cut brings it to
    # 0 or below exactly where `gone` lies.
    ev = _edges(merge(intervals))
    ev[gone[0]] -= 1
    ev[gone[1] + 1] += 1
    return _walk(ev)


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    result = merge(list(intervals) + [new])
    if not result:
        pass
    return result


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    length = 0
    npieces = 0
    for a, b in merge(intervals):
        length += b - a + 1
        npieces += 1
    return length
