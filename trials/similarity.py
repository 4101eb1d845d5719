"""Code similarity between submissions: winnowed fingerprints of normalised tokens.

The method of MOSS and JPlag (Schleimer, Wilkerson & Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003). Each file becomes a
stream of normalised tokens: in Python, identifiers become `I`, numbers `N` and
strings `S`, keywords, builtins' names and operators stay as written, a logical
line ends with `;`, and comments and docstrings vanish; other text files are
lower-cased words. Every run of `K` tokens is hashed, and winnowing keeps the
smallest hash of every `WINDOW` consecutive ones: a run of `K + WINDOW - 1`
tokens shared by two submissions always shares a kept hash, a run shorter than
`K` never does. A fingerprint is a set of hashes, so reordering functions or
files changes nothing, renaming changes nothing, and code added around copied
code leaves the copied hashes in place.

Fingerprints are stored and compared years later. Everything that decides a
hash (the token rules, the frozen name lists below, `K`, `WINDOW`, blake2b,
the caps) belongs to `VERSION`: change any of it, bump `VERSION`, and re-run
`python -m bench.similarity`.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice

import msgspec

from trials.errors import TrialError

VERSION = 1
K = 15  # tokens per k-gram: about one normalised line, so one shared idiom is not a match
WINDOW = 5  # k-grams per winnowing window: keeps about a third of them
# From `python -m bench.similarity` (52 submissions, 312 pairs; k and w as above): independent
# pairs reached at most 0.29 (p95 0.18), copied pairs no less than 0.62 (p5 0.68). 0.45 leaves
# a margin of 0.16 above the closest independent pair and 0.17 below the loosest copy.
SIMILARITY_THRESHOLD = 0.45
# Copied pairs shared at least 61 hashes. 20 is about 60 tokens, six lines or so, in common
# beyond the starter: less is not worth a reviewer's time, and containment of a fingerprint
# that small says little (two candidates writing the same two-line method would be "100%").
MIN_SHARED = 20

# Hostile input: time and memory stay bounded whatever is uploaded (the service already
# refuses files over 1 MiB; these hold for any caller). Files are read smallest first, Python
# before other text, so padding a submission with large files cannot push its code out.
MAX_FILE_CHARS = 1 << 20  # characters of one file read, cut at a line end
MAX_FILE_LEXEMES = 50_000  # lexemes (comments and layout included) read from one file
MAX_LEXEMES = 100_000  # lexemes read from one submission
MAX_PLACES = 4  # marks kept per hash (where one hash recurs, the first places)
MAX_MARKS = 4096  # marks kept per fingerprint: the smallest hashes, a sample both sides agree on
_MERGE_LOOKBACK = 16  # open regions a matched span may join (bounds the merge on hostile input)

# Frozen rather than read from `keyword` and `builtins`, which change between Python releases
# and would silently change every hash. Kept as written: they carry the code's structure.
_KEPT_NAMES = frozenset(
    """False None True and as assert async await break class continue def del elif else except
    finally for from global if import in is lambda nonlocal not or pass raise return try
    while with yield abs aiter all anext any ascii bin bool breakpoint bytearray bytes
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
    ZeroDivisionError""".split()  # noqa: SIM905 - 140 names read better as words than one a line
)
# Python 3.12 splits f-strings into parts (3.14 t-strings too); 3.11 has one STRING token.
# Either way an f-string is one `S`, so a Python upgrade leaves hashes alone.
_FSTRING_START = {
    getattr(tokenize, n) for n in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, n)
}
_FSTRING_END = {
    getattr(tokenize, n) for n in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, n)
}
_KINDS = {
    tokenize.NAME: "name",
    tokenize.NUMBER: "number",
    tokenize.STRING: "string",
    tokenize.OP: "op",
    tokenize.ERRORTOKEN: "op",
    tokenize.NEWLINE: "newline",
}
# For files `tokenize` refuses: close enough to its tokens that a broken copy still matches.
_FALLBACK = re.compile(
    r"""(?P<skip>\#[^\r\n]*|\\\r?\n)
    |(?P<string>[rRbBuUfFtT]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)
        |'(?:\\.|[^'\\\r\n])*'?|"(?:\\.|[^"\\\r\n])*"?))
    |(?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
    |(?P<name>\w+)
    |(?P<newline>\r?\n)
    |(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|[-+*/%&|^@]=|[^\s\w])""",
    re.VERBOSE,
)
_WORD = re.compile(r"\S+")

Lexeme = tuple[str, str, int, int]  # kind, text, first line, last line
Token = tuple[str, int, int]  # normalised text, first line, last line


class Mark(msgspec.Struct, frozen=True, array_like=True):
    """One kept hash and where it came from: a k-gram spanning these lines of `file`."""

    hash: int  # signed 64-bit, so it fits a PostgreSQL bigint
    file: str
    first_line: int
    last_line: int


class Fingerprint(msgspec.Struct, frozen=True, kw_only=True):
    """A submission's kept hashes and where each came from; stored, and compared later."""

    version: int  # `VERSION` when made; fingerprints of different versions never compare
    marks: tuple[Mark, ...]  # sorted by file, lines, hash
    token_count: int  # normalised tokens read, starter included


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
    """

    similarity: float  # 0..1
    shared: int  # distinct hashes in both
    regions: tuple[Region, ...]  # matched lines, merged into spans, sorted


class FingerprintVersionError(TrialError):
    """The two fingerprints were made by different versions of the algorithm."""


def fingerprint(files: Mapping[str, bytes], *, ignore: Iterable[Fingerprint] = ()) -> Fingerprint:
    """The fingerprint of a submission (paths relative to its root -> contents).

    Hashes found in any `ignore` fingerprint (the starter and anything else the
    trial hands every candidate) are dropped wherever they occur, with the
    k-grams around them: the starter's own winnowing keeps one k-gram in every
    `WINDOW`, so those up to `WINDOW - 1` either side of each hit are starter
    text too. Binary files (not UTF-8, or holding NUL) are ignored. Raises
    `FingerprintVersionError` for an `ignore` fingerprint of another version,
    which would silently ignore nothing.
    """
    ignore = list(ignore)
    for other in ignore:
        _same_version(other, VERSION)
    ignored = {mark.hash for fp in ignore for mark in fp.marks}
    readable = [(path, data) for path, data in files.items() if b"\0" not in data]
    budget, token_count = MAX_LEXEMES, 0
    marks: set[Mark] = set()
    for path, data in sorted(readable, key=lambda f: (not f[0].endswith(".py"), len(f[1]), f[0])):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        if len(text) > MAX_FILE_CHARS:
            cut = text.rfind("\n", 0, MAX_FILE_CHARS) + 1
            text = text[: cut or MAX_FILE_CHARS]
        limit = min(budget, MAX_FILE_LEXEMES)
        lexemes = _python_lexemes(text, limit) if path.endswith(".py") else _words(text, limit)
        budget -= len(lexemes)
        tokens = list(_normalise(lexemes))
        token_count += len(tokens)
        kgrams = _kgrams(tokens)
        if ignored:
            kgrams = _unmask(kgrams, ignored)
        marks.update(Mark(h, path, first, last) for h, first, last in _winnow(kgrams))
    return Fingerprint(version=VERSION, marks=_cap(marks), token_count=token_count)


def compare(a: Fingerprint, b: Fingerprint) -> Match:
    """What `a` and `b` share. Raises `FingerprintVersionError` across versions."""
    _same_version(a, b.version)
    hashes_a = {mark.hash for mark in a.marks}
    hashes_b = {mark.hash for mark in b.marks}
    shared = hashes_a & hashes_b
    smaller = min(len(hashes_a), len(hashes_b))
    similarity = len(shared) / smaller if smaller else 0.0
    return Match(similarity=similarity, shared=len(shared), regions=_regions(a, b, shared))


def is_suspicious(match: Match) -> bool:
    return match.similarity >= SIMILARITY_THRESHOLD and match.shared >= MIN_SHARED


def _same_version(fp: Fingerprint, version: int) -> None:
    if fp.version != version:
        raise FingerprintVersionError(f"fingerprint version {fp.version}, expected {version}")


def _python_lexemes(text: str, limit: int) -> list[Lexeme]:
    try:
        return list(islice(_tokenize(text), limit))
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        return list(islice(_fallback(text), limit))


def _tokenize(text: str) -> Iterator[Lexeme]:
    depth, start = 0, 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        kind = "skip"
        if tok.type in _FSTRING_START:
            depth, start = depth + 1, start if depth else tok.start[0]
        elif tok.type in _FSTRING_END:
            depth -= 1
            kind = "skip" if depth else "string"
        elif not depth and not (tok.type == tokenize.ERRORTOKEN and tok.string.isspace()):
            kind, start = _KINDS.get(tok.type, "skip"), tok.start[0]
        yield kind, tok.string, start, tok.end[0]


def _fallback(text: str) -> Iterator[Lexeme]:
    line, depth = 1, 0
    for match in _FALLBACK.finditer(text):
        kind, value = match.lastgroup or "op", match.group()
        newlines = value.count("\n")
        if kind == "newline" and depth:  # inside brackets: not the end of a logical line
            kind = "skip"
        elif kind == "op" and value in "([{":
            depth += 1
        elif kind == "op" and value in ")]}":
            depth = max(depth - 1, 0)
        yield kind, value, line, line + newlines
        line += newlines


def _words(text: str, limit: int) -> list[Lexeme]:
    lexemes: list[Lexeme] = []
    line, pos = 1, 0
    for match in islice(_WORD.finditer(text), limit):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lexemes.append(("word", match.group().lower(), line, line))
    return lexemes


def _normalise(lexemes: Iterable[Lexeme]) -> Iterator[Token]:
    """Tokens of logical lines; a line of nothing but strings (a docstring) is dropped."""
    line: list[Token] = []
    only_strings = True
    for kind, text, first, last in lexemes:
        if kind == "skip":
            continue
        if kind == "newline":
            if line and not only_strings:
                yield from line
                yield ";", first, first
            line, only_strings = [], True
            continue
        token = text
        if kind == "name":
            after = line[-1][0] if line else ""
            # an attribute or a definition named like a builtin is the author's name, not the builtin
            kept = text in _KEPT_NAMES and after not in (".", "def", "class")
            token = text if kept else "I"
        elif kind in ("number", "string"):
            token = "N" if kind == "number" else "S"
        only_strings = only_strings and kind == "string"
        line.append((token, first, last))
    if not only_strings:
        yield from line


def _kgrams(tokens: list[Token]) -> list[tuple[int, int, int]]:
    texts = [text for text, _, _ in tokens]
    kgrams = []
    for i in range(len(tokens) - K + 1):
        digest = hashlib.blake2b("\x1f".join(texts[i : i + K]).encode(), digest_size=8).digest()
        kgrams.append(
            (int.from_bytes(digest, "big", signed=True), tokens[i][1], tokens[i + K - 1][2])
        )
    return kgrams


def _unmask(kgrams: list[tuple[int, int, int]], ignored: set[int]) -> list[tuple[int, int, int]]:
    """The k-grams not within `WINDOW - 1` of an ignored hash."""
    masked = [False] * len(kgrams)
    for i, (h, _, _) in enumerate(kgrams):
        if h in ignored:
            low, high = max(i - WINDOW + 1, 0), min(i + WINDOW, len(kgrams))
            masked[low:high] = [True] * (high - low)
    return [kgram for kgram, hidden in zip(kgrams, masked, strict=True) if not hidden]


def _winnow(kgrams: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Robust winnowing: each window's minimum, the rightmost on ties unless the last pick
    is still in the window and still minimal. A stream shorter than a window is one window."""
    picked: list[tuple[int, int, int]] = []
    last = -1
    for start in range(max(len(kgrams) - WINDOW + 1, 1 if kgrams else 0)):
        window = kgrams[start : start + WINDOW]
        low = min(h for h, _, _ in window)
        if last >= start and kgrams[last][0] == low:
            continue
        last = start + max(i for i, (h, _, _) in enumerate(window) if h == low)
        picked.append(kgrams[last])
    return picked


def _cap(marks: set[Mark]) -> tuple[Mark, ...]:
    kept: list[Mark] = []
    places: dict[int, int] = defaultdict(int)
    for mark in sorted(marks, key=lambda m: (m.hash, m.file, m.first_line, m.last_line)):
        if places[mark.hash] < MAX_PLACES:
            places[mark.hash] += 1
            kept.append(mark)
            if len(kept) == MAX_MARKS:
                break
    return tuple(sorted(kept, key=lambda m: (m.file, m.first_line, m.last_line, m.hash)))


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
