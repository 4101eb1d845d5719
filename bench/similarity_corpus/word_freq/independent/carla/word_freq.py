"""Word frequencies. See the task statement."""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

_KEEP = set(ascii_lowercase + "'")


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    cleaned = "".join(c if c in _KEEP else " " for c in text.lower())
    found = []
    for chunk in cleaned.split():
        # in a chunk of letters and apostrophes, an empty piece means the apostrophe
        # was not between two letters, so the word breaks there
        word: list[str] = []
        for piece in chunk.split("'"):
            if piece:
                word.append(piece)
            elif word:
                found.append("'".join(word))
                word = []
        if word:
            found.append("'".join(word))
    return found


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    found = words(text)
    if skip_stop_words:
        found = [w for w in found if w not in STOP_WORDS]
    return dict(Counter(found))


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError("n < 0")
    counts = count_words(text)
    order = sorted(counts, key=lambda w: (-counts[w], w))
    return [(w, counts[w]) for w in order[:n]]


def format_table(pairs: list[tuple[str, int]]) -> str:
    if len(pairs) == 0:
        return ""
    left = max(map(len, (p[0] for p in pairs)))
    right = max(map(len, (str(p[1]) for p in pairs)))
    return "\n".join("%-*s %*d" % (left, w, right, c) for w, c in pairs)
