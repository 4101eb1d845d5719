from interval_set import Interval, contains, insert, merge, subtract, total_length


def test_statement_examples():
    assert merge([Interval(5, 8), Interval(1, 3), Interval(2, 4), Interval(8, 9, False, True)]) == [
        Interval(1, 4),
        Interval(5, 8),
        Interval(8, 9, False, True),
    ]
    assert insert([Interval(1, 3), Interval(6, 9)], Interval(3, 6)) == [Interval(1, 9)]
    assert subtract([Interval(0, 10)], [Interval(2, 3, True, True), Interval(8, 12)]) == [
        Interval(0, 2),
        Interval(3, 8, False, False),
    ]
    assert total_length([Interval(0, 4), Interval(2, 6), Interval(10, 10, True, True)]) == 6
    assert contains([Interval(0, 4)], 4) is False


def test_str():
    assert str(Interval(1, 2.5)) == "[1, 2.5)"
    assert str(Interval(0, 3, False, True)) == "(0, 3]"
