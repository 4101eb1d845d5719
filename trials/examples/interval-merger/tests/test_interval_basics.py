import math

import pytest

from interval_set import Interval


def test_defaults_are_half_open_and_length():
    i = Interval(1, 3)
    assert (i.start, i.end, i.closed_start, i.closed_end) == (1, 3, True, False)
    assert i == Interval(1, 3, True, False)
    assert i != Interval(1, 3, True, True)
    assert Interval(2, 9).length == 7
    assert Interval(1.5, 2, False, True).length == 0.5
    assert Interval(4, 4, True, True).length == 0


def test_str():
    cases = [
        (Interval(1, 2.5), "[1, 2.5)"),
        (Interval(0, 3, False, True), "(0, 3]"),
        (Interval(-4, -1, False, False), "(-4, -1)"),
        (Interval(7, 7, True, True), "[7, 7]"),
    ]
    assert [str(i) for i, _ in cases] == [text for _, text in cases]


def test_invalid_intervals_rejected():
    cases = [
        ((3, 1), ValueError),
        ((5, 5), ValueError),
        ((5, 5, True, False), ValueError),
        ((5, 5, False, True), ValueError),
        ((5, 5, False, False), ValueError),
        (("1", 2), TypeError),
        ((1, None), TypeError),
        ((True, 2), TypeError),
        ((0, math.inf), ValueError),
        ((-math.inf, 0), ValueError),
        ((math.nan, 1), ValueError),
    ]
    for args, exc in cases:
        with pytest.raises(exc):
            Interval(*args)
