"""Word frequencies. See the task statement."""

from __future__ import annotations

import heapq
from collections import defaultdict

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})


def _is_letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if not _is_letter(text[i]):
            i += 1
            continue
        start = i
        while i < n and (
            _is_letter(text[i])
            or (text[i] == "'" and i + 1 < n and _is_letter(text[i + 1]))
        ):
            i += 1
        out.append(text[start:i].lower())
    return out


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    tally: defaultdict[str, int] = defaultdict(int)
    for word in words(text):
        if not (skip_stop_words and word in STOP_WORDS):
            tally[word] += 1
    return dict(tally)


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError("n must be >= 0")
    tally = count_words(text)
    best = heapq.nsmallest(n, tally.items(), key=lambda kv: (-kv[1], kv[0]))
    return list(best)


def format_table(pairs: list[tuple[str, int]]) -> str:
    if not pairs:
        return ""
    w1 = max(len(word) for word, count in pairs)
    w2 = max(len(f"{count}") for word, count in pairs)
    rows = [f"{word}{' ' * (w1 - len(word))} {count:{w2}d}" for word, count in pairs]
    return "\n".join(rows)
