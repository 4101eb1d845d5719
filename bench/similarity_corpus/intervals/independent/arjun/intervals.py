"""Closed integer intervals. See the task statement."""

from __future__ import annotations

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    for interval in intervals:
        check(interval)
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    check(new)
    return merge([*intervals, new])


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    check(gone)
    cut_start, cut_end = gone
    result = []
    for start, end in merge(intervals):
        if end < cut_start or start > cut_end:
            result.append((start, end))
            continue
        if start < cut_start:
            result.append((start, cut_start - 1))
        if end > cut_end:
            result.append((cut_end + 1, end))
    return result


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    return sum(end - start + 1 for start, end in merge(intervals))
