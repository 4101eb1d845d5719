"""The intervals spec as asserts (see ../README.md)."""

from __future__ import annotations

import random
from types import ModuleType


def _points(intervals: list[tuple[int, int]]) -> set[int]:
    return {x for a, b in intervals for x in range(a, b + 1)}


def _canonical(intervals: list[tuple[int, int]]) -> bool:
    return all(a <= b for a, b in intervals) and all(
        intervals[i][1] + 1 < intervals[i + 1][0] for i in range(len(intervals) - 1)
    )


def check(m: ModuleType) -> None:
    assert m.merge([]) == [] and m.covered([]) == 0
    assert m.merge([(5, 6), (1, 2), (3, 3)]) == [(1, 3), (5, 6)]
    assert m.merge([(1, 10), (2, 3), (10, 12)]) == [(1, 12)]
    assert m.insert([(1, 2), (8, 9)], (4, 5)) == [(1, 2), (4, 5), (8, 9)]
    assert m.insert([(1, 2), (8, 9)], (3, 7)) == [(1, 9)]
    assert m.remove([(1, 10)], (4, 6)) == [(1, 3), (7, 10)]
    assert m.remove([(1, 10)], (0, 20)) == [] and m.remove([(1, 3)], (5, 6)) == [(1, 3)]
    assert m.remove([(1, 3), (5, 9)], (3, 5)) == [(1, 2), (6, 9)]
    assert m.covered([(1, 3), (2, 5), (10, 10)]) == 6
    for bad in ([(3, 1)], [(1, 2), (5, 4)]):
        for call in (
            lambda b=bad: m.merge(b),
            lambda b=bad: m.covered(b),
            lambda b=bad: m.insert(b, (1, 1)),
        ):
            try:
                call()
            except ValueError:
                continue
            raise AssertionError(f"{bad} must raise ValueError")
    for call in (lambda: m.insert([(1, 2)], (2, 1)), lambda: m.remove([(1, 2)], (2, 1))):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("a bad argument must raise ValueError")
    rng = random.Random(7)
    for _ in range(200):
        xs = []
        for _ in range(rng.randint(0, 6)):
            a = rng.randint(-10, 30)
            xs.append((a, a + rng.randint(0, 6)))
        a = rng.randint(-10, 30)
        gone = (a, a + rng.randint(0, 8))
        merged = m.merge(list(xs))
        assert _canonical(merged) and _points(merged) == _points(xs), xs
        assert m.covered(list(xs)) == len(_points(xs))
        left = m.remove(list(xs), gone)
        assert _canonical(left) and _points(left) == _points(xs) - _points([gone]), (xs, gone)
        assert m.insert(list(xs), gone) == m.merge([*xs, gone])
