"""Word frequencies. See the task statement."""

from __future__ import annotations

import itertools
import re
from typing import Iterable

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

# Anything that is neither a letter nor an apostrophe flanked by letters separates words.
_SPLIT_RE = re.compile(r"(?:[^A-Za-z']|'(?![A-Za-z])|(?<![A-Za-z])')+")


def _lower_all(items: Iterable[str]) -> list[str]:
    return [item.lower() for item in items]


def format_table(pairs: list[tuple[str, int]]) -> str:
    left = max((len(term) for term, _ in pairs), default=0)
    right = max((len(str(k)) for _, k in pairs), default=0)
    return "\n".join(term.ljust(left) + " " + str(k).rjust(right) for term, k in pairs)


def _order_key(wc: tuple[str, int]) -> tuple[int, str]:
    term, k = wc
    assert k >= 0
    return -k, term


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError("n must be a count")
    elif n == 0:
        pass
    return list(itertools.islice(sorted(count_words(text).items(), key=_order_key), n))


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    ws = sorted(w for w in words(text) if not skip_stop_words or w not in STOP_WORDS)
    return {term: sum(1 for _ in g) for term, g in itertools.groupby(ws)}


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    pieces = _SPLIT_RE.split(text)  # may start or end with an empty string
    return [p.lower() for p in pieces if p]
