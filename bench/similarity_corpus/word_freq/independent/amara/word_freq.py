"""Word frequencies. See the task statement."""

from __future__ import annotations

import re
from collections import Counter

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    return WORD.findall(text.lower())


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    counts = Counter(words(text))
    if skip_stop_words:
        for stop in STOP_WORDS:
            counts.pop(stop, None)
    return dict(counts)


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError("n must not be negative")
    ranked = sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def format_table(pairs: list[tuple[str, int]]) -> str:
    if not pairs:
        return ""
    word_width = max(len(word) for word, _ in pairs)
    count_width = max(len(str(count)) for _, count in pairs)
    return "\n".join(f"{word:<{word_width}} {count:>{count_width}}" for word, count in pairs)
