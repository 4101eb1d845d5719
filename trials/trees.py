"""An untrusted file tree being read: its limits, the files accepted so far, folders on disk.

Every source (folder, tar, zip, JSON file map) feeds members one at a time to
a `Tree`, which checks a member's name and kind before any byte is read
(`admit`), reads its bytes in bounded chunks (`add`), and settles the result
(`finish`). The first reason to refuse raises `SubmissionRejected`.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import msgspec

from trials.errors import SubmissionRejected
from trials.paths import check_unique, collision_key, depth, is_junk, safe_path

MiB = 1024 * 1024
CHUNK = 64 * 1024  # read size for member data; bounds the overshoot past a limit

Kind = Literal["file", "dir", "symlink", "hardlink", "special"]


class ArchiveLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    max_files: int = 200  # regular files kept (junk not counted)
    max_total_bytes: int = 4 * MiB  # all kept files, uncompressed
    max_file_bytes: int = MiB  # any one file, uncompressed
    max_depth: int = 8  # path components, `a/b/c.py` is 3; counted after unwrapping
    max_archive_bytes: int = 8 * MiB  # the archive as uploaded
    max_ratio: float = 100.0  # decompressed / compressed, judged past `formats.RATIO_FLOOR`

    @property
    def max_entries(self) -> int:
        """Members of any kind (folders and junk too) looked at before giving up."""
        return 4 * self.max_files + 64


class Tree:
    """The files accepted so far, and the counters every source is held to."""

    def __init__(self, limits: ArchiveLimits, *, unwrap: bool) -> None:
        self.limits = limits
        self.unwrap = unwrap
        # One extra level is tolerated while reading when a wrapper folder may
        # still be unwrapped; the exact depth is checked in `finish`.
        self.max_depth = limits.max_depth + (1 if unwrap else 0)
        self.files: dict[str, bytes] = {}
        self.keys: dict[str, str] = {}
        self.entries = 0
        self.total = 0

    def admit(self, raw_name: str, kind: Kind) -> str | None:
        """Check a member before reading it: its normalized path, or None to skip it.

        Folders that are not junk are admitted (their path returned) so a folder
        walk can descend; archive readers just skip them.
        """
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise SubmissionRejected(
                "too_many_files", f"more than {self.limits.max_entries} entries"
            )
        path = safe_path(raw_name)
        if path is None or is_junk(path):
            return None
        if kind == "dir":
            return path
        if kind == "symlink":
            raise SubmissionRejected("symlink", "symbolic links are not accepted", path=path)
        if kind == "hardlink":
            raise SubmissionRejected("symlink", "hard links are not accepted", path=path)
        if kind == "special":
            raise SubmissionRejected("special_file", "only regular files are accepted", path=path)
        if depth(path) > self.max_depth:
            raise self.too_deep(path)
        key = collision_key(path)
        if key in self.keys:
            raise SubmissionRejected(
                "unsafe_path",
                f"same name as {self.keys[key]!r} (case and Unicode form are ignored)",
                path=path,
            )
        if len(self.files) >= self.limits.max_files:
            raise SubmissionRejected("too_many_files", f"more than {self.limits.max_files} files")
        self.keys[key] = path
        return path

    def add(self, path: str, read: Callable[[int], bytes]) -> None:
        """Read an admitted file's bytes, stopping at most one chunk past a limit."""
        room = min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.total)
        chunks: list[bytes] = []
        size = 0
        while size <= room:
            chunk = read(min(CHUNK, room + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > self.limits.max_file_bytes:
            raise SubmissionRejected(
                "file_too_large", f"over {self.limits.max_file_bytes} bytes", path=path
            )
        if size > room:
            raise SubmissionRejected(
                "too_large", f"files total over {self.limits.max_total_bytes} bytes", path=path
            )
        self.files[path] = b"".join(chunks)
        self.total += size

    def finish(self) -> dict[str, bytes]:
        """The accepted files, unwrapped if asked, sorted by path."""
        if not self.files:
            raise SubmissionRejected("empty", "no files")
        check_unique(list(self.files))
        files = _unwrapped(self.files) if self.unwrap else self.files
        for path in files:
            if depth(path) > self.limits.max_depth:
                raise self.too_deep(path)
        return dict(sorted(files.items()))

    def too_deep(self, path: str) -> SubmissionRejected:
        return SubmissionRejected(
            "too_deep", f"more than {self.limits.max_depth} levels deep", path=path
        )


def _unwrapped(files: dict[str, bytes]) -> dict[str, bytes]:
    tops = {path.split("/", 1)[0] for path in files}
    if len(tops) != 1 or any("/" not in path for path in files):
        return files
    (top,) = tops
    if f"{top}/__init__.py" in files:  # the candidate's package, not a wrapper
        return files
    return {path[len(top) + 1 :]: data for path, data in files.items()}


# Folders are walked through directory file descriptors with O_NOFOLLOW, so a
# symlink swapped in between the stat and the open is refused, not followed;
# O_NONBLOCK keeps a FIFO swapped in the same way from hanging the open.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def read_folder(root: Path, tree: Tree) -> None:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _walk(fd, "", tree)
    finally:
        os.close(fd)


def _walk(dir_fd: int, prefix: str, tree: Tree) -> None:
    for name in sorted(os.listdir(dir_fd)):
        status = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        mode = status.st_mode
        kind = _kind_of_mode(mode)
        if kind == "file" and status.st_nlink > 1:
            # Another name for the same file may lie outside the folder (an
            # archive unpacked by a tool that honours hard links, say).
            kind = "hardlink"
        path = tree.admit(prefix + name, kind)
        if path is None:
            continue
        is_dir = stat.S_ISDIR(mode)
        if is_dir and depth(path) >= tree.max_depth:  # its files would be too deep
            raise tree.too_deep(path)
        try:
            fd = os.open(name, _DIR_FLAGS if is_dir else _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            # Replaced by a link (or a file by a folder) since the stat.
            raise SubmissionRejected("symlink", "changed while being read", path=path) from exc
        try:
            if stat.S_IFMT(os.fstat(fd).st_mode) != stat.S_IFMT(mode):
                raise SubmissionRejected("special_file", "changed while being read", path=path)
            if is_dir:
                _walk(fd, f"{prefix}{name}/", tree)
            else:
                tree.add(path, functools.partial(os.read, fd))
        finally:
            os.close(fd)


def _kind_of_mode(mode: int) -> Kind:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "special"
