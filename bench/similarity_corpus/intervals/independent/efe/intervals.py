"""Closed integer intervals. See the task statement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Interval = tuple[int, int]


def check(interval: Interval) -> None:
    start, end = interval
    if start > end:
        raise ValueError(f"empty interval {interval}")


def _checked(intervals: Iterable[Interval]) -> list[Interval]:
    items = list(intervals)
    for item in items:
        check(item)
    return items


def _runs(sorted_items: list[Interval]) -> Iterator[Interval]:
    """Yield maximal runs from intervals already sorted by start."""
    it = iter(sorted_items)
    try:
        cur_lo, cur_hi = next(it)
    except StopIteration:
        return
    for lo, hi in it:
        if lo > cur_hi + 1:
            yield cur_lo, cur_hi
            cur_lo, cur_hi = lo, hi
        elif hi > cur_hi:
            cur_hi = hi
    yield cur_lo, cur_hi


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same integers ([1, 2] and [3, 4] join)."""
    return list(_runs(sorted(_checked(intervals))))


def insert(intervals: list[Interval], new: Interval) -> list[Interval]:
    return merge(_checked(intervals) + _checked([new]))


def remove(intervals: list[Interval], gone: Interval) -> list[Interval]:
    (g0, g1), = _checked([gone])
    kept: list[Interval] = []
    for lo, hi in merge(intervals):
        overlap_lo, overlap_hi = max(lo, g0), min(hi, g1)
        if overlap_lo > overlap_hi:
            kept.append((lo, hi))
            continue
        kept.extend(piece for piece in ((lo, overlap_lo - 1), (overlap_hi + 1, hi)) if piece[0] <= piece[1])
    return kept


def covered(intervals: list[Interval]) -> int:
    """How many integers the intervals cover."""
    return sum(hi + 1 - lo for lo, hi in merge(intervals))
