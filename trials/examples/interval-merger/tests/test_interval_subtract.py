import pytest

from interval_notation import ivs, show
from interval_set import Interval, subtract


def check(cases):
    failures = []
    for base, removals, expected in cases:
        got = show(subtract(ivs(base), ivs(removals)))
        if got != expected:
            failures.append(f"{base} minus {removals}: expected {expected!r}, got {got!r}")
    assert not failures, "\n".join(failures)


def test_subtract_inner_piece_flips_bounds():
    check([
        ("[0, 10)", "[2, 3]", "[0, 2) (3, 10)"),
        ("[0, 10)", "(2, 3)", "[0, 2] [3, 10)"),
        ("[0, 10)", "[5, 5]", "[0, 5) (5, 10)"),
    ])


def test_subtract_at_the_edges():
    check([
        ("[0, 10)", "[0, 0]", "(0, 10)"),
        ("[0, 10]", "[10, 10]", "[0, 10)"),
        ("[0, 10)", "[10, 10]", "[0, 10)"),
        ("[0, 10)", "[-5, 3)", "[3, 10)"),
        ("[0, 10)", "(8, 20]", "[0, 8]"),
        ("[0, 10)", "[20, 30)", "[0, 10)"),
    ])


def test_subtract_everything_or_nothing():
    check([
        ("[0, 10)", "[0, 10)", ""),
        ("[0, 10)", "(0, 10)", "[0, 0]"),
        ("[0, 10]", "(0, 10)", "[0, 0] [10, 10]"),
        ("[0, 10)", "", "[0, 10)"),
        ("", "[0, 1)", ""),
        ("[5, 5]", "(4, 5)", "[5, 5]"),
        ("[5, 5]", "(4, 5]", ""),
    ])


def test_subtract_statement_example():
    got = subtract([Interval(0, 10)], [Interval(2, 3, True, True), Interval(8, 12)])
    assert got == [Interval(0, 2), Interval(3, 8, False, False)]


def test_subtract_many_from_many():
    base = ivs("[0, 5) [10, 20] [30, 40)")
    removals = ivs("[3, 12) (15, 16) [19, 31] [35, 35]")
    assert show(subtract(base, removals)) == "[0, 3) [12, 15] [16, 19) (31, 35) (35, 40)"


def test_subtract_unmerged_overlapping_inputs():
    base = ivs("[4, 8) [0, 5) [7, 9]")           # union [0, 9]
    removals = ivs("[2, 3) [2.5, 4] (8, 9)")      # union [2, 4] and (8, 9)
    assert show(subtract(base, removals)) == "[0, 2) (4, 8] [9, 9]"


def test_subtract_touching_removals_leave_no_slivers():
    base = ivs("[0, 10)")
    assert show(subtract(base, ivs("[2, 4) [4, 6)"))) == "[0, 2) [6, 10)"
    assert show(subtract(base, ivs("[2, 4) (4, 6)"))) == "[0, 2) [4, 4] [6, 10)"


def test_subtract_generators_no_mutation_and_type_check():
    base = ivs("[0, 10)")
    removals = ivs("[1, 2)")
    out = subtract((b for b in base), iter(removals))
    assert out == ivs("[0, 1) [2, 10)")
    assert base == ivs("[0, 10)") and removals == ivs("[1, 2)")
    with pytest.raises(TypeError):
        subtract([Interval(0, 1)], ["[0, 1)"])
