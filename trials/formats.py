"""Tar (plain or gzipped) and zip, recognised by magic bytes and read member by member.

Each member is handed to a `Tree`, which decides whether it is kept; the
decompressed stream is metered here, so a bomb is stopped by its output, never
by trusting a size its headers declare.
"""

from __future__ import annotations

import io
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import Literal

from trials.errors import SubmissionRejected
from trials.trees import CHUNK, Kind, MiB, Tree

Format = Literal["tar", "tar.gz", "zip"]

RATIO_FLOOR = MiB  # below this much output, the compression ratio is not judged
# Tar headers, pax records and padding add up to a few blocks per member; this
# is what a tar stream may hold beyond the files' own bytes.
_TAR_OVERHEAD_PER_ENTRY = 4 * 512
_TAR_END_ALLOWANCE = 2 * 10240
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def detect(data: bytes) -> Format | None:
    """The archive format from the first bytes, or None."""
    if data[:2] == b"\x1f\x8b":
        return "tar.gz"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip with members; an empty zip
        return "zip"
    if _is_tar_header(data[:512]):
        return "tar"
    return None


def _is_tar_header(block: bytes) -> bool:
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar" or block == bytes(512):  # POSIX/GNU magic; an empty tar
        return True
    # Pre-POSIX (v7) tars have no magic; a valid header checksum is as good.
    try:
        stored = int(block[148:156].replace(b"\0", b" ").strip(), 8)
    except ValueError:
        return False
    return stored == sum(block[:148]) + 8 * 32 + sum(block[156:])


class _Metered:
    """A decompressed stream that refuses to grow past a budget or a compression ratio.

    tarfile reads pax and GNU long-name records whole, at whatever size their
    header declares; metering the stream under it is what keeps such a record
    from inflating unbounded. The last bytes read are kept, so the header
    block where tarfile stopped can be looked at afterwards.
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        *,
        budget: int,
        compressed: Callable[[], int] | None,
        max_ratio: float,
    ) -> None:
        self._read = read
        self._budget = budget
        self._compressed = compressed
        self._max_ratio = max_ratio
        self._recent = bytearray()
        self.produced = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._read(CHUNK if size is None or size < 0 else min(size, CHUNK))
        self.produced += len(chunk)
        bomb = (
            self._compressed is not None
            and self.produced > RATIO_FLOOR
            and self.produced > self._max_ratio * max(self._compressed(), 1)
        )
        if bomb:
            raise SubmissionRejected(
                "decompression_bomb", f"compression ratio over {self._max_ratio:g}"
            )
        if self.produced > self._budget:
            raise SubmissionRejected("too_large", f"archive unpacks to over {self._budget} bytes")
        self._recent += chunk
        del self._recent[: -2 * CHUNK]
        return chunk

    def block_at(self, offset: int) -> bytes | None:
        """The (up to) 512 bytes at `offset`, if still among the recent bytes."""
        start = offset - (self.produced - len(self._recent))
        return bytes(self._recent[start : start + 512]) if start >= 0 else None

    def drain_zeros(self) -> None:
        """Read to the end, refusing anything but zero padding."""
        while chunk := self.read(CHUNK):
            if chunk.strip(b"\0"):
                raise SubmissionRejected(
                    "not_an_archive", "data after the end of the tar archive (concatenated tars?)"
                )


def read_tar(data: bytes, tree: Tree, *, gzipped: bool) -> None:
    limits = tree.limits
    budget = (
        limits.max_total_bytes + limits.max_entries * _TAR_OVERHEAD_PER_ENTRY + _TAR_END_ALLOWANCE
    )
    inflater = _Inflater(memoryview(data), gzip=True) if gzipped else None
    stream = _Metered(
        inflater.read if inflater else io.BytesIO(data).read,
        budget=budget,
        compressed=inflater.consumed if inflater else None,
        max_ratio=limits.max_ratio,
    )
    # Stream mode ("r|"): members are read strictly in order, never seeking,
    # so only the metered stream decides how much is decompressed.
    # typeshed asks every fileobj for write, seek, tell and close; stream mode only reads.
    with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
        for member in tar:
            path = tree.admit(member.name, _tar_kind(member))
            if path is None or not member.isreg():
                continue
            extracted = tar.extractfile(member)
            if extracted is None:  # isreg() members always have data; be explicit anyway
                continue
            tree.add(path, extracted.read)
        # tarfile ends its iteration quietly at a damaged header after the
        # first one; that would silently drop the files behind it.
        stop = stream.block_at(tar.offset)
        if stop is None or stop.strip(b"\0"):
            raise SubmissionRejected("not_an_archive", "corrupt tar: a damaged member header")
    # Likewise members after the end-of-archive blocks (two tars concatenated)
    # would be dropped. Reading to the end also has every gzip CRC checked.
    stream.drain_zeros()


def _tar_kind(member: tarfile.TarInfo) -> Kind:
    if member.issparse():  # holes let a tiny record claim any size; nobody needs them here
        return "special"
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    return "special"  # devices, FIFOs, and type flags tarfile does not know


def read_zip(data: bytes, tree: Tree) -> None:
    # zipfile parses the central directory; member data is read here, from the
    # local header on: zipfile's reader keeps private the count of compressed
    # bytes consumed (the ratio guard needs it), and inflates bzip2 and lzma
    # without an output bound (so only store and deflate are accepted).
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > tree.limits.max_entries:
        raise SubmissionRejected("too_many_files", f"more than {tree.limits.max_entries} entries")
    for info in members:
        kind = _zip_kind(info)
        path = tree.admit(_zip_name(info), kind)
        if path is None or kind != "file":
            continue
        if info.flag_bits & 0x1:
            raise SubmissionRejected(
                "not_an_archive", "encrypted zip members are not accepted", path=path
            )
        if info.compress_type not in _ZIP_METHODS:
            raise SubmissionRejected(
                "not_an_archive",
                f"zip compression method {info.compress_type} is not accepted "
                "(use deflate or store)",
                path=path,
            )
        member = _ZipMember(data, info, path)
        stream = _Metered(
            member.read,
            budget=tree.limits.max_file_bytes + CHUNK,
            compressed=member.consumed,
            max_ratio=tree.limits.max_ratio,
        )
        tree.add(path, stream.read)


class _ZipMember:
    """One member's data, read in bounded steps and checked against its CRC at the end."""

    def __init__(self, data: bytes, info: zipfile.ZipInfo, path: str) -> None:
        self._path = path
        offset = info.header_offset
        header = data[offset : offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise self._corrupt("no local header where the directory points")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_length + extra_length
        end = start + info.compress_size
        if end > len(data):
            raise self._corrupt("data runs past the end of the archive")
        source = memoryview(data)[start:end]
        self._next: Callable[[int], bytes]
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = _Inflater(source, gzip=False)
            self._next, self.consumed = inflater.read, inflater.consumed
        else:
            stored = io.BytesIO(source)
            self._next, self.consumed = stored.read, stored.tell
        self._expected = (info.CRC, info.file_size)
        self._crc = 0
        self._size = 0

    def read(self, size: int) -> bytes:
        chunk = self._next(size)
        if chunk:
            self._crc = zlib.crc32(chunk, self._crc)
            self._size += len(chunk)
        elif (self._crc, self._size) != self._expected:
            raise self._corrupt("CRC or size does not match the directory")
        return chunk

    def _corrupt(self, why: str) -> SubmissionRejected:
        return SubmissionRejected("not_an_archive", f"corrupt zip member: {why}", path=self._path)


class _Inflater:
    """Deflate data inflated in bounded steps, counting the compressed bytes used.

    With `gzip`, gzip members one after another (zlib checks each header, CRC
    and length), then optional zero padding, as gzip itself allows; else one
    raw deflate stream, as in a zip member. The `gzip` module is not used: it
    keeps no exact count of input consumed, which the ratio guard needs.
    """

    def __init__(self, source: memoryview, *, gzip: bool) -> None:
        self._source = source
        self._gzip = gzip
        self._position = 0
        self._inflater = self._fresh()

    def _fresh(self) -> zlib._Decompress:
        return zlib.decompressobj(31 if self._gzip else -15)

    def consumed(self) -> int:
        inflater = self._inflater
        return self._position - len(inflater.unconsumed_tail) - len(inflater.unused_data)

    def read(self, size: int) -> bytes:
        if size <= 0:  # zlib would take a max_length of 0 as "no limit"
            return b""
        while True:
            if self._inflater.eof and not self._next_member():
                return b""
            pending = self._inflater.unconsumed_tail
            if not pending:
                pending = bytes(self._source[self._position : self._position + CHUNK])
                self._position += len(pending)
                if not pending:
                    raise SubmissionRejected("not_an_archive", "compressed data ends early")
            out = self._inflater.decompress(pending, size)
            if out:
                return out

    def _next_member(self) -> bool:
        if not self._gzip:
            return False
        self._position = self.consumed()  # back to just after the member that ended
        rest = self._source[self._position :]
        if bytes(rest[:2]) == b"\x1f\x8b":
            self._inflater = self._fresh()
            return True
        if bytes(rest).strip(b"\0"):
            raise SubmissionRejected("not_an_archive", "data after the end of the gzip stream")
        self._position = len(self._source)
        return False


def _zip_name(info: zipfile.ZipInfo) -> str:
    # orig_filename, not filename: zipfile cuts `filename` at the first NUL.
    name = info.orig_filename
    if info.flag_bits & 0x800:  # declared UTF-8
        return name
    # Undeclared: many tools (macOS among them) write UTF-8 without the flag.
    # zipfile decoded as cp437, which maps every byte, so the bytes come back.
    raw = name.encode("cp437")
    return raw.decode("utf-8", "surrogateescape")  # undecodable -> "bad_encoding" later


def _zip_kind(info: zipfile.ZipInfo) -> Kind:
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode):  # Unix mode bits present, whatever system claims to have made it
        if stat.S_ISLNK(mode):
            return "symlink"
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return "special"
    if info.orig_filename.endswith("/") or stat.S_ISDIR(mode):
        return "dir"
    return "file"
