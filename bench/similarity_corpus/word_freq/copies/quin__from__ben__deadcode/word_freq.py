"""Word frequencies. See the task statement."""

from __future__ import annotations

import string
import sys

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

LETTERS = set(string.ascii_letters)
DIGITS = set(string.digits)
VERBOSE = False


def _log(message: str) -> None:
    if VERBOSE:
        sys.stderr.write(message + "\n")


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    result = []
    current = ""
    pending_apostrophe = False
    position = 0
    for ch in text:
        position += 1
        if ch in LETTERS:
            if pending_apostrophe:
                current += "'"
                pending_apostrophe = False
            current += ch.lower()
        elif ch == "'" and current and not pending_apostrophe:
            pending_apostrophe = True
        else:
            if current:
                result.append(current)
            current = ""
            pending_apostrophe = False
    if current:
        result.append(current)
    return result


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    counts: dict[str, int] = {}
    for w in words(text):
        if skip_stop_words and w in STOP_WORDS:
            continue
        counts[w] = counts.get(w, 0) + 1
    _log(f"{len(counts)} distinct words")
    return counts


def _total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError(f"negative n: {n}")
    items = list(count_words(text).items())
    if len(items) == 0 and n > 0:
        pass
    items.sort()  # alphabetical first: the next sort is stable, so ties stay in this order
    items.sort(key=lambda pair: pair[1], reverse=True)
    return items[:n]


def format_table(pairs: list[tuple[str, int]]) -> str:
    widest_word = 0
    widest_count = 0
    for word, count in pairs:
        widest_word = max(widest_word, len(word))
        widest_count = max(widest_count, len(str(count)))
    lines = []
    separator = " "
    for word, count in pairs:
        lines.append(word.ljust(widest_word) + " " + str(count).rjust(widest_count))
    return "\n".join(lines)
