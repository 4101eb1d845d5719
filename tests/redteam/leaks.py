"""Hidden-test text in what a candidate sees, found plain or encoded.

A leak need not be verbatim: a submission that reads the hidden tests can
compress and encode them before putting them in a message. So besides the text
itself, every run of characters that decodes as base64, base32 or hex is
decoded (at every alignment, since a leak may be glued to other letters), and
the bytes are searched as they are, and inflated where a zlib or gzip stream
starts in them, or as a raw deflate stream.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping

import msgspec

MIN_LINE = 20  # shorter lines ("assert x == 1") are too common to mean a leak
MIN_RUN = 16  # shortest encoded run worth decoding
INFLATE_CAP = 1 << 20  # bytes kept from one inflated stream
DEPTH = 2  # decodings of decodings (hex of base64, ...)

_BASE64_RUN = re.compile(rf"[A-Za-z0-9+/_-]{{{MIN_RUN},}}")
_BASE32_RUN = re.compile(rf"[A-Za-z2-7]{{{MIN_RUN},}}")
_HEX_RUN = re.compile(rf"[0-9A-Fa-f]{{{MIN_RUN},}}")
_TEST_NAME = re.compile(r"^\s*(?:async\s+)?def\s+(test\w*)\s*\(", re.MULTILINE)
_URLSAFE = str.maketrans("-_", "+/")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt'\"\\])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "'": "'", '"': '"', "\\": "\\"}
_ZLIB_STARTS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x1f\x8b")


class HiddenText(msgspec.Struct, frozen=True, kw_only=True):
    """What a candidate must never see: the hidden tests' longer lines and the
    names of their test functions, less whatever is public anyway (a line the
    public tests, starter or statement also contain is no secret)."""

    fragments: frozenset[str]

    @classmethod
    def of(cls, hidden: Mapping[str, bytes], public: Iterable[bytes] = ()) -> HiddenText:
        public_text = "\n".join(data.decode("utf-8", "replace") for data in public)
        found: set[str] = set()
        for data in hidden.values():
            source = data.decode("utf-8", "replace")
            found.update(s for line in source.splitlines() if len(s := line.strip()) >= MIN_LINE)
            found.update(_TEST_NAME.findall(source))
        keep = {text for text in found if text not in public_text}
        return cls(fragments=frozenset(keep))


def find_leaks(text: str, hidden: HiddenText) -> list[str]:
    """Each hidden fragment found in `text`, as "how it was encoded: fragment"."""
    found: dict[str, str] = {}
    for how, candidate in _readings(text, DEPTH):
        for fragment in hidden.fragments:
            if fragment not in found and fragment in candidate:
                found[fragment] = how
    return [f"{how}: {fragment!r}" for fragment, how in sorted(found.items())]


def _readings(text: str, depth: int) -> Iterator[tuple[str, str]]:
    """(how, text) for `text` itself, its backslash escapes undone, and every
    decoding of the encoded runs in it, `depth` levels deep."""
    yield "plain", text
    if "\\" in text:
        yield "escaped", _ESCAPE.sub(_unescape, text)
    if depth == 0:
        return
    for how, data in _decoded_runs(text):
        for how_inflated, payload in _inflated(data):
            inner = payload.decode("utf-8", "replace")
            for how_inner, reading in _readings(inner, depth - 1):
                yield f"{how}{how_inflated} > {how_inner}", reading


def _unescape(match: re.Match[str]) -> str:
    """One backslash escape of a repr, undone."""
    code = match.group(1)
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    number = int(code[1:], 16)
    return chr(number) if number < 0x110000 else match.group()


def _decoded_runs(text: str) -> Iterator[tuple[str, bytes]]:
    for match in _BASE64_RUN.finditer(text):
        run = match.group().translate(_URLSAFE)
        for offset in range(4):
            chunk = run[offset:]
            chunk = chunk[: len(chunk) // 4 * 4]
            if len(chunk) >= MIN_RUN and (data := _b64(chunk)) is not None:
                yield "base64", data
    for match in _BASE32_RUN.finditer(text):
        for offset in range(8):
            chunk = match.group()[offset:]
            chunk = chunk[: len(chunk) // 8 * 8]
            if len(chunk) >= MIN_RUN and (data := _b32(chunk)) is not None:
                yield "base32", data
    for match in _HEX_RUN.finditer(text):
        for offset in range(2):
            chunk = match.group()[offset:]
            yield "hex", bytes.fromhex(chunk[: len(chunk) // 2 * 2])


def _b64(chunk: str) -> bytes | None:
    try:
        return base64.b64decode(chunk, validate=True)
    except binascii.Error:
        return None


def _b32(chunk: str) -> bytes | None:
    try:
        return base64.b32decode(chunk, casefold=True)
    except binascii.Error:
        return None


def _inflated(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The bytes themselves, then whatever inflates from each place a zlib or gzip
    stream could start, then the bytes as a raw deflate stream. Truncated or
    damaged streams still give what inflated before the damage."""
    yield "", data
    for start in range(len(data) - 1):
        if data[start : start + 2] in _ZLIB_STARTS and (
            out := _inflate(data[start:], zlib.MAX_WBITS | 32)
        ):
            yield "+zlib", out
    if out := _inflate(data, -zlib.MAX_WBITS):
        yield "+deflate", out


def _inflate(data: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = bytearray()
    for start in range(0, len(data), 256):
        try:
            out += inflater.decompress(data[start : start + 256], INFLATE_CAP - len(out))
        except zlib.error:
            break
        if len(out) >= INFLATE_CAP or inflater.eof:
            break
    return bytes(out)
