"""Closed integer intervals. See the task statement."""

from __future__ import annotations

from collections import Counter

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def _coverage_runs(changes: Counter) -> list[Interval]:
    """Turn +1/-1 coverage changes at points into the runs where coverage is positive."""
    spans = []
    level = 0
    since = None
    for x in sorted(changes):
        prev_level = level
        level += changes[x]
        if prev_level <= 0 < level:
            since = x
        elif level <= 0 < prev_level:
            spans.append((since, x - 1))
    return spans


def _deltas(intervals, sign=1):
    changes: Counter = Counter()
    for span in intervals:
        check(span)
        changes[span[0]] += sign
        changes[span[1] + 1] -= sign  # half-open [start, end + 1) so touching runs cancel out
    return changes


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    return _coverage_runs(_deltas(intervals))


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    return merge(list(intervals) + [new])


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    # Flatten first so every point has coverage 0 or 1, then the cut brings it to
    # 0 or below exactly where `gone` lies.
    changes = _deltas(merge(intervals))
    changes[gone[0]] -= 1
    changes[gone[1] + 1] += 1
    return _coverage_runs(changes)


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    acc = 0
    for first, last in merge(intervals):
        acc += last - first + 1
    return acc
