"""Word frequencies. See the task statement."""

from __future__ import annotations

import itertools
import re

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

# Anything that is neither a letter nor an apostrophe flanked by letters separates words.
_SEPARATOR = re.compile(r"(?:[^A-Za-z']|'(?![A-Za-z])|(?<![A-Za-z])')+")


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters.

    Splitting on separators leaves empty strings at the ends, which are dropped.
    """
    return [part.lower() for part in _SEPARATOR.split(text) if part]


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    # groupby needs equal words next to each other, hence the sort
    kept = sorted(w for w in words(text) if not skip_stop_words or w not in STOP_WORDS)
    return {word: sum(1 for _ in group) for word, group in itertools.groupby(kept)}


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    # reject negative sizes early
    if n < 0:
        raise ValueError("n must be a count")
    return list(itertools.islice(sorted(count_words(text).items(), key=_rank), n))


def _rank(pair: tuple[str, int]) -> tuple[int, str]:
    """Sort key: highest count first, then alphabetical."""
    word, count = pair
    return -count, word


def format_table(pairs: list[tuple[str, int]]) -> str:
    """Aligned two-column table; empty input gives an empty string."""
    # default=0 keeps max() happy when there are no pairs
    word_col = max((len(word) for word, _ in pairs), default=0)
    count_col = max((len(str(count)) for _, count in pairs), default=0)
    return "\n".join(word.ljust(word_col) + " " + str(count).rjust(count_col) for word, count in pairs)
