import pytest

from interval_notation import check_table, iv, ivs
from interval_set import Interval, contains, insert, merge, total_length


def test_merge_overlapping_and_unsorted():
    check_table(merge, [
        ("", ""),
        ("[1, 3)", "[1, 3)"),
        ("[5, 8) [1, 3) [2, 4)", "[1, 4) [5, 8)"),
        ("[0, 10) [2, 3] [4, 5)", "[0, 10)"),
        ("[1, 2) [1, 2) [1, 2)", "[1, 2)"),
        ("(-5, -1] (-3, 0)", "(-5, 0)"),
    ])


def test_merge_touching_bounds():
    check_table(merge, [
        ("[1, 3) [3, 5)", "[1, 5)"),
        ("[1, 3] (3, 5)", "[1, 5)"),
        ("[1, 3) (3, 5)", "[1, 3) (3, 5)"),
        ("(0, 1) (1, 2) (2, 3)", "(0, 1) (1, 2) (2, 3)"),
        ("[0.5, 1.5) [1.5, 2.25]", "[0.5, 2.25]"),
    ])


def test_merge_shared_endpoints_and_points():
    check_table(merge, [
        ("(1, 3) [1, 1]", "[1, 3)"),
        ("[1, 4) (1, 4]", "[1, 4]"),
        ("(1, 3) (1, 3]", "(1, 3]"),
        ("[0, 2) [2, 2] (2, 4)", "[0, 4)"),
        ("(0, 2) [2, 2] [3, 3]", "(0, 2] [3, 3]"),
    ])


def test_merge_statement_example():
    got = merge([Interval(5, 8), Interval(1, 3), Interval(2, 4), Interval(8, 9, False, True)])
    assert got == [Interval(1, 4), Interval(5, 8), Interval(8, 9, False, True)]


def test_merge_accepts_any_iterable_and_keeps_numbers_and_input():
    data = ivs("[4, 6) [1, 2.0]")
    snapshot = list(data)
    out = merge(x for x in data)
    assert out == ivs("[1, 2.0] [4, 6)")
    assert type(out[0].start) is int and type(out[0].end) is float
    assert merge(tuple(data)) == out
    assert data == snapshot


def test_merge_rejects_non_intervals():
    with pytest.raises(TypeError):
        merge([Interval(1, 2), (3, 4)])


def test_insert():
    assert insert(ivs("[1, 3) [6, 9)"), Interval(3, 6)) == ivs("[1, 9)")
    assert insert(ivs("[1, 3) [6, 9)"), iv("(3, 6)")) == ivs("[1, 3) (3, 9)")
    assert insert(ivs("[1, 3)"), iv("[3, 3]")) == ivs("[1, 3]")
    assert insert([], iv("(0, 1]")) == ivs("(0, 1]")
    assert insert(ivs("[10, 20)"), iv("[0, 1)")) == ivs("[0, 1) [10, 20)")


def test_total_length():
    cases = [
        ("", 0),
        ("[0, 4) [2, 6) [10, 10]", 6),
        ("(0, 1) (1, 2)", 2),
        ("[0, 10) [2, 3] [20, 25]", 15),
        ("[0.5, 1.75)", 1.25),
    ]
    got = [(text, total_length(ivs(text))) for text, _ in cases]
    assert got == cases


def test_contains():
    data = ivs("(0, 1] (1, 2) [3, 4) [5, 5]")
    cases = [(0, False), (0.0001, True), (1, True), (2, False), (3, True), (4, False),
             (5, True), (6, False)]
    assert [(x, contains(data, x)) for x, _ in cases] == cases
    assert contains(iter(data), 1.5) is True
