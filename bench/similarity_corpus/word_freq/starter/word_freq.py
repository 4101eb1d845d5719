"""Word frequencies. See the task statement."""

from __future__ import annotations

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    raise NotImplementedError


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    raise NotImplementedError


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    raise NotImplementedError


def format_table(pairs: list[tuple[str, int]]) -> str:
    raise NotImplementedError
