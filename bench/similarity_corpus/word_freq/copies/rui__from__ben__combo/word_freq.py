"""Word frequencies. See the task statement."""

from __future__ import annotations

import string

STOP_WORDS = frozenset({"a", "an", "and", "in", "is", "it", "of", "that", "the", "to"})

LETTER_SET = set(string.ascii_letters)


def count_words(text: str, skip_stop_words: bool = True) -> dict[str, int]:
    table: dict[str, int] = {}
    for wd in words(text):
        if skip_stop_words and wd in STOP_WORDS:
            continue
        table[wd] = table.get(wd, 0) + 1
    return table


def format_table(pairs: list[tuple[str, int]]) -> str:
    """Render (word, count) pairs as a text table."""
    width1 = 0
    width2 = 0
    for word, count in pairs:
        width1 = max(width1, len(word))
        width2 = max(width2, len(str(count)))
    output = []
    for word, count in pairs:
        output.append(word.ljust(width1) + " " + str(count).rjust(width2))
    return "\n".join(output)


def _check_n(n):
    return isinstance(n, int)


def words(text: str) -> list[str]:
    """Lower-cased words of `text` in order: runs of letters, joined by an apostrophe between letters."""
    out = []  # words found so far
    buf = ""
    any_letter = False
    apos = False
    for c in text:
        if c in LETTER_SET:
            any_letter = True
            if apos:
                buf += "'"
                apos = False
            buf += c.lower()
        elif c == "'" and buf and not apos:
            apos = True
        else:
            if buf:
                out.append(buf)
            buf = ""
            apos = False
    if buf:
        out.append(buf)
    return out


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent words that are not stop words: most frequent first, ties alphabetical."""
    if n < 0:
        raise ValueError(f"negative n: {n}")
    results = list(count_words(text).items())
    # sort by word, then by count: Python's sort is stable, so equal counts stay alphabetical
    results.sort()
    results.sort(key=lambda kv: kv[1], reverse=True)
    return results[:n]
