"""Untrusted file trees in and out: a folder, a tar (plain or gzipped), a zip, a JSON file map.

Reading gives `{relative POSIX path: bytes}` and writes nothing to disk, so no
member can land outside where it belongs. Limits are enforced on the bytes
actually decompressed, read in bounded chunks; sizes declared in headers are
never trusted. A gzip or zip bomb costs at most a limit plus one chunk of
memory and time, and the first reason to refuse ends the reading with
`SubmissionRejected`.

Conventions shared by every source:

- Folder entries are skipped (empty folders vanish); only regular files count.
- Well-known junk (`__pycache__/`, `*.pyc`, `.DS_Store`, `__MACOSX/`, ...;
  see `trials.paths`) is dropped silently.
- Links (symbolic or hard, code "symlink") and special files are refused,
  never followed.
- A single top-level folder wrapping everything, as "compress this folder"
  tools make, is unwrapped: `myproject/app.py` becomes `app.py`. Not when that
  folder is a Python package (it holds `__init__.py`): then it is the
  candidate's code, e.g. `shop/__init__.py`, and keeps its name. File maps are
  never unwrapped; their paths are exactly what the client sent.

Name rules live in `trials.paths`, limits and accounting (and folders) in
`trials.trees`, tar and zip themselves in `trials.formats`.

Writing (`write_tar`, `write_zip`) is deterministic: the same files give the
same bytes, whatever their origin.
"""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

from trials import formats
from trials.errors import SubmissionRejected
from trials.paths import safe_path
from trials.trees import ArchiveLimits, Tree, read_folder

__all__ = [
    "SUBMISSION_LIMITS",
    "ArchiveLimits",
    "read_file_map",
    "read_tree",
    "tree_sha256",
    "write_tar",
    "write_zip",
]

SUBMISSION_LIMITS = ArchiveLimits()
_CORRUPT = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,  # malformed zip extra fields
    NotImplementedError,  # zip compression methods Python lacks
)


def read_tree(
    source: Path | bytes, limits: ArchiveLimits = SUBMISSION_LIMITS, *, unwrap: bool = True
) -> dict[str, bytes]:
    """Read a folder, or a tar / tar.gz / zip recognised by its first bytes (not its name).

    Raises `SubmissionRejected`, or `OSError` when `source` is a host path
    that cannot be read. A folder `source` may itself be a symlink (the host
    chose it); nothing inside it is followed.
    """
    if isinstance(source, str):  # a path or the content? Make the caller say.
        raise TypeError("read_tree takes a Path (file or folder) or an archive's bytes")
    tree = Tree(limits, unwrap=unwrap)
    if isinstance(source, Path) and source.is_dir():
        read_folder(source, tree)
        return tree.finish()
    if isinstance(source, Path):
        if not source.is_file():  # a FIFO would block the open; a device never ends
            raise SubmissionRejected("not_an_archive", "not a regular file or a folder")
        with source.open("rb") as handle:
            data = handle.read(limits.max_archive_bytes + 1)
    else:
        data = bytes(source)
    if len(data) > limits.max_archive_bytes:
        raise SubmissionRejected("too_large", f"archive is over {limits.max_archive_bytes} bytes")
    fmt = formats.detect(data)
    if fmt is None:
        raise SubmissionRejected("not_an_archive", "not a folder, tar, tar.gz or zip archive")
    try:
        if fmt == "zip":
            formats.read_zip(data, tree)
        else:
            formats.read_tar(data, tree, gzipped=fmt == "tar.gz")
    except SubmissionRejected:
        raise
    except UnicodeDecodeError as exc:
        raise SubmissionRejected("bad_encoding", f"member name is not UTF-8: {exc}") from exc
    except _CORRUPT as exc:
        raise SubmissionRejected("not_an_archive", f"corrupt {fmt} archive: {exc}") from exc
    return tree.finish()


def read_file_map(
    mapping: dict[str, str], limits: ArchiveLimits = SUBMISSION_LIMITS
) -> dict[str, bytes]:
    """A JSON-style `{path: UTF-8 text}` map, under the same path rules and limits."""
    if not isinstance(mapping, dict):
        raise SubmissionRejected("not_an_archive", "a file map is an object of path -> text")
    tree = Tree(limits, unwrap=False)
    for name, text in mapping.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise SubmissionRejected("not_an_archive", "a file map is an object of path -> text")
        if safe_path(name) is None:
            raise SubmissionRejected("unsafe_path", "empty file name", path=name)
        path = tree.admit(name, "file")
        if path is None:  # junk
            continue
        if len(text) > limits.max_file_bytes:  # UTF-8 never has fewer bytes than characters
            raise SubmissionRejected(
                "file_too_large", f"over {limits.max_file_bytes} bytes", path=path
            )
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, e.g. from "\ud800" in JSON
            raise SubmissionRejected("bad_encoding", "text is not valid UTF-8", path=path) from None
        tree.add(path, io.BytesIO(data).read)
    return tree.finish()


def tree_sha256(files: dict[str, bytes]) -> str:
    """A hash of paths and contents only: same files, same hash, whatever the container.

    Length-prefixed so no two different trees serialize alike.
    """
    digest = hashlib.sha256(b"trialgate-tree-v1\n")
    for path in sorted(files):
        name = path.encode("utf-8")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(files[path]).to_bytes(8, "big") + files[path])
    return digest.hexdigest()


def write_tar(files: dict[str, bytes], prefix: str = "") -> bytes:
    """An uncompressed tar of `files` under `prefix`, for the Docker archive API or storage.

    Sorted, mtime 0, owner 0:0 without names, files 0644 and their folders
    0755 (listed explicitly so extraction does not invent permissions).
    """
    placed = _prefixed(files, prefix)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders: set[str] = set()
        for path in placed:
            parts = path.split("/")
            for end in range(1, len(parts)):
                folder = "/".join(parts[:end])
                if folder not in folders:
                    folders.add(folder)
                    tar.addfile(_tar_info(folder, stat.S_IFDIR | 0o755, 0))
        for path, data in placed.items():
            info = _tar_info(path, stat.S_IFREG | 0o644, len(data))
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write_zip(files: dict[str, bytes], prefix: str = "") -> bytes:
    """A deflated zip of `files` under `prefix`; sorted, dated 1980-01-01, files 0644."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in _prefixed(files, prefix).items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3  # Unix, so the mode bits below are honoured
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _prefixed(files: dict[str, bytes], prefix: str) -> dict[str, bytes]:
    """Paths re-checked (the host builds these too) and put under `prefix`, sorted."""
    base = safe_path(prefix) if prefix else None
    out: dict[str, bytes] = {}
    for path in sorted(files):
        clean = safe_path(path)
        if clean is None:
            raise SubmissionRejected("unsafe_path", "empty file name", path=path)
        out[f"{base}/{clean}" if base else clean] = files[path]
    return out


def _tar_info(name: str, mode: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if stat.S_ISDIR(mode) else tarfile.REGTYPE
    info.mode = stat.S_IMODE(mode)
    info.size = size
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
