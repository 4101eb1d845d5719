"""Code similarity between submissions: winnowed fingerprints of normalised tokens.

The method of MOSS and JPlag (Schleimer, Wilkerson & Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003). Each file becomes a
stream of normalised tokens: in Python, identifiers become `I`, numbers `N` and
strings `S`, keywords, builtins' names and operators stay as written, a
statement ends with `;`, and comments and docstrings vanish; other text files
are lower-cased words. Every run of `K` tokens is hashed, and winnowing keeps
the smallest hash of every `WINDOW` consecutive ones: a run of `K + WINDOW - 1`
tokens shared by two submissions always shares a kept hash, a run shorter than
`K` never does. A fingerprint is a set of hashes, so reordering functions or
files changes nothing, renaming changes nothing, and code added around copied
code leaves the copied hashes in place.

Python is read as Python reads it, so that what runs is what is compared:
bytes are decoded by the file's encoding declaration (PEP 263, or a BOM), line
ends are `\\n`, `\\r\\n` or `\\r`, and identifiers are NFKC-normalised (`len`
spelt in mathematical bold letters is still the builtin). What Python would
refuse is still read, as closely as it can be: a copy need not run to be a
copy. Spelling that changes nothing is normalised away: `;` ends a statement
as a line end does, a comma before a closing bracket is dropped, and so is a
statement that has no effect (`pass`, or a lone name, number, `...` or string,
as a docstring is).

What it cannot see: a k-gram is about a line long, so one junk statement
between every two (`_ = 0`; binding a name is not a no-op, and a rule for it
would be sidestepped by `_ = x`) leaves no k-gram of the original whole; and
Python kept in a file not named `.py` and run by `exec` is compared as words.

Fingerprints are stored and compared years later. Everything that decides a
hash (the token rules, the frozen name lists below, `K`, `WINDOW`, the hash,
the caps) belongs to `VERSION`: change any of it, bump `VERSION`, and re-run
`python -m bench.similarity`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import string
import tokenize
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, compress, islice, repeat
from operator import ne, not_
from typing import NamedTuple

import msgspec

from trials.errors import TrialError

VERSION = 2
K = 15  # tokens per k-gram: about one normalised line, so one shared idiom is not a match
WINDOW = 5  # k-grams per winnowing window: keeps about a third of them
# From `python -m bench.similarity` (52 submissions, 312 pairs; k and w as above): independent
# pairs reached at most 0.36 (p95 0.16), copied pairs no less than 0.66 (p5 0.70). 0.45 leaves
# a margin of 0.09 above the closest independent pair and 0.21 below the loosest copy. Which
# k-grams winnowing keeps depends on the hash, and small fingerprints are noisy: over 20
# choices of `_BASE` that closest pair (64 hashes) ranged from 0.25 to 0.36.
SIMILARITY_THRESHOLD = 0.45
# Copied pairs shared at least 59 hashes. 20 is about 60 tokens, six lines or so, in common
# beyond the starter: less is not worth a reviewer's time, and containment of a fingerprint
# that small says little (two candidates writing the same two-line method would be "100%").
MIN_SHARED = 20

# Hostile input: time and memory stay bounded whatever is uploaded, under a microsecond per
# character read. All 4 MiB of the largest submission the service accepts are read
# (`trials.archives.SUBMISSION_LIMITS`, uncompressed), so nothing in it can push a copy out of
# the budget, wherever the copy sits. Past that (other callers), Python is read before other
# text and small files before large ones.
MAX_CHARS = 1 << 22  # characters read from one submission
MAX_PLACES = 4  # marks kept per hash (where one hash recurs, its first places)
# Marks kept per fingerprint: those of the smallest hashes, a bottom-k sample both sides agree
# on (see `Fingerprint.threshold`). Nothing is left out of a submission below about 200,000
# normalised tokens of code that does not repeat itself (some 600 KB); a few MB at most to store.
MAX_MARKS = 1 << 16
_MERGE_LOOKBACK = 16  # open regions a matched span may join (bounds the merge on hostile input)

# Frozen rather than read from `keyword` and `builtins`, which change between Python releases
# and would silently change every hash. Kept as written: they carry the code's structure.
_KEYWORDS = frozenset(
    """False None True and as assert async await break class continue def del elif else except
    finally for from global if import in is lambda nonlocal not or pass raise return try
    while with yield""".split()  # noqa: SIM905 - names read better as words than one a line
)
_BUILTINS = frozenset(
    """abs aiter all anext any ascii bin bool breakpoint bytearray bytes
    callable chr classmethod compile complex delattr dict dir divmod enumerate eval exec
    filter float format frozenset getattr globals hasattr hash help hex id input int
    isinstance issubclass iter len list locals map max memoryview min next object oct open
    ord pow print property range repr reversed round set setattr slice sorted staticmethod
    str sum super tuple type vars zip ArithmeticError AssertionError AttributeError
    BaseException Ellipsis EOFError Exception FileNotFoundError ImportError IndexError
    KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError
    NotImplemented NotImplementedError OSError OverflowError PermissionError RecursionError
    RuntimeError StopAsyncIteration StopIteration SyntaxError SystemExit TimeoutError
    TypeError UnicodeDecodeError UnicodeEncodeError UnicodeError ValueError
    ZeroDivisionError""".split()  # noqa: SIM905 - 100 names read better as words than one a line
)
_KEPT_NAMES = _KEYWORDS | _BUILTINS
_DEFINERS = frozenset({".", "def", "class"})  # a name after these is the author's, not a builtin
# A statement of one of these alone does nothing: `pass`, or an expression whose value is
# dropped. (Lone `break`, `continue`, `return`, `raise` and `yield` do something.)
_NO_OPS = _BUILTINS | {"I", "N", "...", "pass", "True", "False", "None"}

# One pass for valid and broken files alike (five times as fast as `tokenize`, which also
# changes between Python releases): close enough to Python's tokens that a file reads the same
# either way. The commonest lexemes come first; a name glued to a quote is a string's prefix
# only if it can be one (`rb"x"`, but `return"x"`).
_LEXEME = re.compile(
    r"""(?P<name>[^\W\d]\w*+(?!['"])|[^\W\d]\w*+(?<!\b[rRbBuUfFtT])(?<!\b[rRbBuUfFtT]{2}))
    |(?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
    |(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|[-+*/%&|^@]=|[^\s\w'"\#\\])
    |(?P<newline>\n)
    |(?P<string>[rRbBuUfFtT]{0,2}(?:'''(?:\\[\s\S]|[^\\])*?(?:'''|\Z)
        |\"\"\"(?:\\[\s\S]|[^\\])*?(?:\"\"\"|\Z)|'(?:\\[\s\S]|[^'\\\n])*'?|"(?:\\[\s\S]|[^"\\\n])*"?))
    |(?P<skip>\#[^\n]*|\\\n)""",
    re.VERBOSE,
)
_NAME, _NUMBER, _OP, _NEWLINE, _STRING, _SKIP = range(1, 7)  # `_LEXEME`'s groups, in order
_OPEN, _CLOSE, _END = range(7, 10)  # operators told apart: brackets, and `;`
# `findall` (without groups) is a third faster than `finditer`; a lexeme's first character
# tells its group, except a string prefix's, a dot's and those beyond ASCII (see `_group`).
_LEXEMES = re.compile(re.sub(r"\(\?P<\w+>", "(?:", _LEXEME.pattern), re.VERBOSE)
_GROUP_OF_FIRST = {
    **dict.fromkeys("!$%&*+,-/:<=>?@^`|~", _OP),
    **dict.fromkeys("([{", _OPEN),
    **dict.fromkeys(")]}", _CLOSE),
    ";": _END,
    **dict.fromkeys(string.digits, _NUMBER),
    **dict.fromkeys(set(string.ascii_letters + "_") - set("rRbBuUfFtT"), _NAME),
    "\n": _NEWLINE,
    "'": _STRING,
    '"': _STRING,
    "#": _SKIP,
    "\\": _SKIP,
}

# A k-gram's hash: the polynomial sum_i v(t_i) * BASE**(K-1-i) mod 2**64 of its tokens' values,
# v(t) the first 8 bytes of blake2b(t); rolled along the stream, one multiply per token.
_MASK = (1 << 64) - 1
_BASE = 0x9E3779B97F4A7C15  # odd, so every power of it is too and no token's weight vanishes
_LEAVING = pow(_BASE, K - 1, 1 << 64)
_SIGNED = 1 << 63  # hashes are stored minus this: the same order, and they fit a bigint


class _Tokens(NamedTuple):
    texts: list[str]
    lines: list[int]  # the line each starts on
    ends: dict[int, int]  # the line a token ends on, by index, where later than it starts


class Mark(msgspec.Struct, frozen=True, array_like=True):
    """One kept hash and where it came from: a k-gram spanning these lines of `file`."""

    hash: int  # signed 64-bit, so it fits a PostgreSQL bigint
    file: str
    first_line: int
    last_line: int


class Fingerprint(msgspec.Struct, frozen=True, kw_only=True):
    """A submission's kept hashes and where each came from; stored, and compared later.

    At most `MAX_MARKS` marks are kept: those of the smallest hashes. When that
    left some out, `threshold` is the largest hash kept; every hash up to it is
    kept, none above it. Hash values are uniform, so the kept hashes are a
    uniform sample of all of them, and any two fingerprints agree on which of
    their hashes fall at or below the lower of their two thresholds (a bottom-k
    sketch): `compare` looks only there.
    """

    version: int  # `VERSION` when made; fingerprints of different versions never compare
    marks: tuple[Mark, ...]  # sorted by file, lines, hash
    token_count: int  # normalised tokens read, starter included
    threshold: int | None = None  # None: no hash was left out


class Region(msgspec.Struct, frozen=True, kw_only=True):
    file_a: str
    first_line_a: int
    last_line_a: int
    file_b: str
    first_line_b: int
    last_line_b: int


class Match(msgspec.Struct, frozen=True, kw_only=True):
    """How much two submissions share.

    `similarity` is shared hashes over the hashes of the *smaller* fingerprint
    (the higher of MOSS's two per-side percentages), not Jaccard: a copy padded
    with comments, dead code or extra features keeps the copied hashes but
    grows its own set, which would dilute Jaccard and hide the copy.
    Containment of a tiny set means little, hence `MIN_SHARED`.

    When either fingerprint was capped, both are first cut to the hashes at or
    below the lower threshold: the same uniform sample of both, so the ratio
    still estimates containment however much was added around a copy, and
    `shared` counts sampled hashes. The limit is `MIN_SHARED`, still asked of
    the sample: a copy of h hashes keeps about h * MAX_MARKS / D of them, D the
    distinct hashes of the whole submission, so it stays flagged while D is
    below about h * 3,000 (h * 10,000 tokens of code that never repeats). A
    132-hash copy behind 4 MB of generated code still shows 28; smaller copies
    or more padding go unflagged (a capped fingerprint is itself unusual). And
    the hash is public: an author who reads this could write padding whose
    k-grams hash below the copy's and fill the sample; a keyed hash (a secret
    of the deployment) would stop that.
    """

    similarity: float  # 0..1
    shared: int  # distinct hashes in both (in the common sample, when capped)
    regions: tuple[Region, ...]  # matched lines, merged into spans, sorted


class FingerprintVersionError(TrialError):
    """The two fingerprints were made by different versions of the algorithm."""


def fingerprint(files: Mapping[str, bytes], *, ignore: Iterable[Fingerprint] = ()) -> Fingerprint:
    """The fingerprint of a submission (paths relative to its root -> contents).

    Hashes found in any `ignore` fingerprint (the starter and anything else the
    trial hands every candidate) are dropped wherever they occur, with the
    k-grams around them: the starter's own winnowing keeps one k-gram in every
    `WINDOW`, so those up to `WINDOW - 1` either side of each hit are starter
    text too. (Of a capped `ignore` fingerprint only its sample is known, so
    only the text around sampled hashes is dropped.) Files holding a NUL byte
    are binary and ignored: Python refuses such source. Raises
    `FingerprintVersionError` for an `ignore` fingerprint of another version,
    which would silently ignore nothing.
    """
    ignore = list(ignore)
    for other in ignore:
        _same_version(other, VERSION)
    ignored = {mark.hash + _SIGNED for fp in ignore for mark in fp.marks}
    readable = [(path, data) for path, data in files.items() if b"\0" not in data]
    budget, token_count, capped = MAX_CHARS, 0, False
    read: list[tuple[str, _Tokens, list[tuple[int, int]]]] = []
    for path, data in sorted(readable, key=lambda f: (not f[0].endswith(".py"), len(f[1]), f[0])):
        if budget <= 0:
            break
        python = path.endswith(".py")
        text = _decode(data, python=python)[:budget]
        budget -= len(text)
        tokens = _python_tokens(text) if python else _words(text)
        token_count += len(tokens.texts)
        hashes = _kgram_hashes(tokens.texts)
        where: Sequence[int] = range(len(hashes))
        if ignored:
            hashes, where = _unmask(hashes, ignored)
        places, left_out = _places(hashes, _winnow(hashes))
        read.append((path, tokens, [(h, where[i]) for h, i in places]))
        capped = capped or left_out
    distinct = {h for _, _, places in read for h, _ in places}
    cutoff = max(distinct, default=0)
    if len(distinct) > MAX_MARKS:
        cutoff, capped = sorted(distinct)[MAX_MARKS - 1], True
    found: dict[int, set[tuple[str, int, int]]] = defaultdict(set)  # hash -> file, lines
    for path, tokens, places in read:
        for h, i in places:
            if h <= cutoff:
                last = i + K - 1
                found[h].add((path, tokens.lines[i], tokens.ends.get(last, tokens.lines[last])))
    in_order = (Mark(h - _SIGNED, *p) for h in sorted(found) for p in sorted(found[h])[:MAX_PLACES])
    marks = list(islice(in_order, MAX_MARKS))
    threshold = None
    if capped or len({mark.hash for mark in marks}) < len(distinct):
        threshold = marks[-1].hash
    marks.sort(key=lambda m: (m.file, m.first_line, m.last_line, m.hash))
    return Fingerprint(
        version=VERSION, marks=tuple(marks), token_count=token_count, threshold=threshold
    )


def compare(a: Fingerprint, b: Fingerprint) -> Match:
    """What `a` and `b` share. Raises `FingerprintVersionError` across versions."""
    _same_version(a, b.version)
    limits = [fp.threshold for fp in (a, b) if fp.threshold is not None]
    limit = min(limits) if limits else None
    hashes_a = {m.hash for m in a.marks if limit is None or m.hash <= limit}
    hashes_b = {m.hash for m in b.marks if limit is None or m.hash <= limit}
    shared = hashes_a & hashes_b
    smaller = min(len(hashes_a), len(hashes_b))
    similarity = len(shared) / smaller if smaller else 0.0
    return Match(similarity=similarity, shared=len(shared), regions=_regions(a, b, shared))


def is_suspicious(match: Match) -> bool:
    return match.similarity >= SIMILARITY_THRESHOLD and match.shared >= MIN_SHARED


def _same_version(fp: Fingerprint, version: int) -> None:
    if fp.version != version:
        raise FingerprintVersionError(f"fingerprint version {fp.version}, expected {version}")


def _decode(data: bytes, *, python: bool) -> str:
    """Text as Python would read it; bytes it would refuse become U+FFFD rather than
    hiding the file (one stray byte must not take a copy out of the comparison)."""
    encoding = "utf-8-sig"
    if python:
        # SyntaxError: an unknown encoding, or one at odds with a BOM, which Python refuses
        with contextlib.suppress(SyntaxError):
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    try:
        text = data.decode(encoding, errors="replace")
    except (LookupError, UnicodeError):  # a codec that is not for text, or that cannot replace
        text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _python_tokens(text: str) -> _Tokens:
    tokens: list[str] = []
    lines: list[int] = []
    ends: dict[int, int] = {}
    line, depth, start, only_strings = 1, 0, 0, True  # `start`: where this statement began
    for lexeme in _LEXEMES.findall(text):
        group = _GROUP_OF_FIRST.get(lexeme[0]) or _group(lexeme)
        normal = lexeme
        if group == _NAME:
            if normal not in _KEPT_NAMES and not normal.isascii():
                normal = unicodedata.normalize("NFKC", normal)  # as Python reads identifiers
            if normal not in _KEPT_NAMES or (len(tokens) > start and tokens[-1] in _DEFINERS):
                normal = "I"
        elif group == _OPEN:
            depth += 1
        elif group == _CLOSE:
            depth = max(depth - 1, 0)
            if len(tokens) > start and tokens[-1] == ",":  # `f(a, b,)` is `f(a, b)`
                tokens.pop()
                lines.pop()
        elif group == _END or (group == _NEWLINE and not depth):
            count = len(tokens)
            if only_strings or (count - start == 1 and tokens[start] in _NO_OPS):
                del tokens[start:], lines[start:]  # a docstring, or a statement doing nothing
                for i in range(start, count):
                    ends.pop(i, None)
            elif count > start:
                tokens.append(";")
                lines.append(line)
            start, only_strings = len(tokens), True
            line += group == _NEWLINE
            continue
        elif group == _NUMBER:
            normal = "N"
        elif group == _STRING:
            breaks = lexeme.count("\n")
            if breaks:
                ends[len(tokens)] = line + breaks
            tokens.append("S")
            lines.append(line)
            line += breaks
            continue
        elif group != _OP:  # a comment, a backslash ending the line, a line end inside brackets
            line += lexeme.count("\n")
            continue
        only_strings = False
        tokens.append(normal)
        lines.append(line)
    if only_strings or (len(tokens) - start == 1 and tokens[start] in _NO_OPS):
        del tokens[start:], lines[start:]
    return _Tokens(tokens, lines, ends)


def _group(lexeme: str) -> int:
    """Which of `_LEXEME`'s groups found `lexeme`, where its first character does not tell."""
    match = _LEXEME.match(lexeme)
    return match.lastindex if match and match.lastindex else _OP


def _words(text: str) -> _Tokens:
    text = text.lower()
    rows = text.split("\n")
    counts = map(len, map(str.split, rows))
    return _Tokens(
        text.split(), list(chain.from_iterable(map(repeat, range(1, len(rows) + 1), counts))), {}
    )


def _kgram_hashes(tokens: list[str]) -> list[int]:
    """The hash of every run of `K` tokens, unsigned."""
    if len(tokens) < K:
        return []
    values, leaving = {}, {}
    for text in set(tokens):
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        values[text] = int.from_bytes(digest, "big")
        leaving[text] = -values[text] * _LEAVING & _MASK
    entering = list(map(values.__getitem__, tokens))
    h = 0
    for value in entering[:K]:
        h = (h * _BASE + value) & _MASK
    hashes = [h]
    append = hashes.append
    for old, new in zip(map(leaving.__getitem__, tokens), entering[K:], strict=False):
        h = ((h + old) * _BASE + new) & _MASK
        append(h)
    return hashes


def _unmask(hashes: list[int], ignored: set[int]) -> tuple[list[int], list[int]]:
    """The hashes not within `WINDOW - 1` k-grams of an ignored one, and their indices."""
    masked = bytearray(len(hashes))
    for i in compress(range(len(hashes)), map(ignored.__contains__, hashes)):
        low, high = max(i - WINDOW + 1, 0), min(i + WINDOW, len(hashes))
        masked[low:high] = bytes([1]) * (high - low)
    where = list(compress(range(len(hashes)), map(not_, masked)))
    return [hashes[i] for i in where], where


def _winnow(hashes: list[int]) -> list[int]:
    """Indices of the k-grams kept: the smallest hash of every window of `WINDOW` consecutive
    ones (of all of them, in a stream shorter than a window), at its first place there; while
    it stays the smallest, the windows after share it."""
    n = len(hashes)
    if n <= WINDOW:
        return [hashes.index(min(hashes))] if hashes else []
    lows = list(map(min, *(hashes[j : n - WINDOW + 1 + j] for j in range(WINDOW))))
    changed = [True, *map(ne, lows[1:], lows)]
    starts = compress(range(len(lows)), changed)
    stops = compress(range(WINDOW, len(lows) + WINDOW), changed)
    return list(map(hashes.index, compress(lows, changed), starts, stops))


def _places(hashes: list[int], picks: list[int]) -> tuple[list[tuple[int, int]], bool]:
    """(hash, index) of the picks of a file's `MAX_MARKS` smallest hashes, up to `MAX_PLACES`
    of each (only those can be among the submission's smallest), and whether any hash was
    left out."""
    picked = list(map(hashes.__getitem__, picks))
    kept = set(picked)
    left_out = len(kept) > MAX_MARKS
    if left_out:
        kept = set(sorted(kept)[:MAX_MARKS])
    places: dict[int, int] = defaultdict(int)
    found = []
    for h, i in zip(picked, picks, strict=True):
        if h in kept and places[h] < MAX_PLACES:
            places[h] += 1
            found.append((h, i))
    return found, left_out


def _regions(a: Fingerprint, b: Fingerprint, shared: set[int]) -> tuple[Region, ...]:
    """Pairs of marks with a shared hash, merged where both sides overlap or touch."""
    in_b: dict[int, list[Mark]] = defaultdict(list)
    for mark in b.marks:
        if mark.hash in shared:
            in_b[mark.hash].append(mark)
    spans: dict[tuple[str, str], list[tuple[int, int, int, int]]] = defaultdict(list)
    for ma in a.marks:
        for mb in in_b.get(ma.hash, ()):
            spans[ma.file, mb.file].append(
                (ma.first_line, ma.last_line, mb.first_line, mb.last_line)
            )
    regions: list[Region] = []
    for (file_a, file_b), pairs in sorted(spans.items()):
        merged: list[list[int]] = []
        for fa, la, fb, lb in sorted(pairs):
            for region in reversed(merged[-_MERGE_LOOKBACK:]):
                if fa <= region[1] + 1 and fb <= region[3] + 1 and lb >= region[2] - 1:
                    region[1:] = [max(region[1], la), min(region[2], fb), max(region[3], lb)]
                    break
            else:
                merged.append([fa, la, fb, lb])
        regions += [
            Region(
                file_a=file_a,
                first_line_a=r[0],
                last_line_a=r[1],
                file_b=file_b,
                first_line_b=r[2],
                last_line_b=r[3],
            )
            for r in merged
        ]
    return tuple(
        sorted(regions, key=lambda r: (r.file_a, r.first_line_a, r.file_b, r.first_line_b))
    )
