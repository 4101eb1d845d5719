"""Closed integer intervals. See the task statement."""

from __future__ import annotations

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    raise NotImplementedError


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    raise NotImplementedError


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    raise NotImplementedError


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    raise NotImplementedError
