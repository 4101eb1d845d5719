"""The word_freq spec as asserts (see ../README.md)."""

from __future__ import annotations

from types import ModuleType

TEXT = """The cat and the hat. The CAT's hat, don't you see? 'Tis the cat's!
A hat is a hat -- is it not? Cats and hats; rock'n'roll, o''clock x-ray."""


def check(m: ModuleType) -> None:
    assert m.words("") == [] and m.words("...") == []
    assert m.words("Don't STOP 'tis' ok'") == ["don't", "stop", "tis", "ok"]
    assert m.words("rock'n'roll o''clock x-ray a1b") == [
        "rock'n'roll",
        "o",
        "clock",
        "x",
        "ray",
        "a",
        "b",
    ]
    assert m.words("café") == ["caf"]
    counts = m.count_words(TEXT)
    assert counts["hat"] == 4 and counts["cat"] == 1 and counts["cat's"] == 2
    assert "the" not in counts and "a" not in counts
    every = m.count_words(TEXT, skip_stop_words=False)
    assert every["the"] == 4 and every["is"] == 2 and every["hat"] == 4
    assert m.top_words(TEXT, 3) == [("hat", 4), ("cat's", 2), ("cat", 1)]
    assert m.top_words(TEXT, 0) == [] and m.top_words("", 5) == []
    assert len(m.top_words(TEXT, 100)) == len(counts)
    try:
        m.top_words(TEXT, -1)
    except ValueError:
        pass
    else:
        raise AssertionError("n < 0 must raise ValueError")
    assert m.format_table([]) == ""
    assert (
        m.format_table([("hat", 4), ("cat's", 12), ("x", 100)]) == "hat     4\ncat's  12\nx     100"
    )
    assert m.format_table([("a", 1)]) == "a 1"
