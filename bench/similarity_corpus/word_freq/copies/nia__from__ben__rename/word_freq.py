"""Word frequencies. See the task statement."""

from __future__ import annotations

import string

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

ALPHA = set(string.ascii_letters)


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    found = []
    word_so_far = ""
    saw_quote = False
    for char in text:
        if char in ALPHA:
            if saw_quote:
                word_so_far += "'"
                saw_quote = False
            word_so_far += char.lower()
        elif char == "'" and word_so_far and not saw_quote:
            saw_quote = True
        else:
            if word_so_far:
                found.append(word_so_far)
            word_so_far = ""
            saw_quote = False
    if word_so_far:
        found.append(word_so_far)
    return found


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    freq: dict[str, int] = {}
    for token in words(text):
        if skip_stop_words and token in STOP_WORDS:
            continue
        freq[token] = freq.get(token, 0) + 1
    return freq


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError(f"negative n: {n}")
    ranked = list(count_words(text).items())
    ranked.sort()  # alphabetical first: the next sort is stable, so ties stay in this order
    ranked.sort(key=lambda entry: entry[1], reverse=True)
    return ranked[:n]


def format_table(pairs: list[tuple[str, int]]) -> str:
    wlen = 0
    clen = 0
    for term, num in pairs:
        wlen = max(wlen, len(term))
        clen = max(clen, len(str(num)))
    rows = []
    for term, num in pairs:
        rows.append(term.ljust(wlen) + " " + str(num).rjust(clen))
    return "\n".join(rows)
