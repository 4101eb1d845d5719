"""Names of untrusted files: which are safe to keep, which are junk, which collide.

Every member name from an archive, a folder or a JSON file map passes through
`safe_path` before anything else is looked at, so the rest of the code only
ever sees relative POSIX paths without `..`, drive letters or control
characters.
"""

from __future__ import annotations

import unicodedata

from trials.errors import SubmissionRejected

MAX_NAME_BYTES = 255  # one path component, as on Linux filesystems
MAX_PATH_BYTES = 1024  # whole path; far beyond any real project, far below PATH_MAX

# Folders and files that operating systems and tools leave behind. They are
# dropped silently: rejecting a submission over a `.DS_Store` helps nobody.
# Compiled bytecode is dropped on purpose too: Python imports a stray `x.pyc`
# as module `x`, which would run code nobody can read.
JUNK_DIRS = frozenset({"__pycache__", "__MACOSX", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db"})
JUNK_SUFFIXES = (".pyc", ".pyo")
APPLE_DOUBLE_PREFIX = "._"  # macOS resource forks that tar and zip tools add beside files

# Unicode categories refused anywhere in a name: control characters, invisible
# formatting (bidi overrides can disguise `evil.py` as `yp.live`), surrogates,
# private use, and line/paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Zl", "Zp"})
_UNPRINTABLE = _REFUSED_CATEGORIES | {"Cs"}


def safe_path(raw: str) -> str | None:
    """The normalized relative POSIX path for a member name, or None for the root itself.

    Empty and `.` components are dropped (`./a//b` is `a/b`); everything
    ambiguous or escaping is refused with `SubmissionRejected`.
    """
    shown = printable(raw)
    try:
        encoded = raw.encode("utf-8")
    except UnicodeEncodeError:
        # Undecodable bytes arrive as lone surrogates (Python's surrogateescape).
        raise SubmissionRejected("bad_encoding", "file name is not UTF-8", path=shown) from None
    for char in raw:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise SubmissionRejected(
                "unsafe_path", f"control character {char!r} in file name", path=shown
            )
    if "\\" in raw:
        raise SubmissionRejected("unsafe_path", "backslash in file name", path=shown)
    if ":" in raw:
        # Drive letters (C:), Windows alternate streams, and pytest's `::` separator.
        raise SubmissionRejected("unsafe_path", "':' in file name", path=shown)
    if raw.startswith("/"):
        raise SubmissionRejected("unsafe_path", "absolute path", path=shown)
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SubmissionRejected("unsafe_path", "'..' in path", path=shown)
    if len(encoded) > MAX_PATH_BYTES or any(len(part.encode()) > MAX_NAME_BYTES for part in parts):
        raise SubmissionRejected("unsafe_path", "file name too long", path=shown)
    return "/".join(parts) or None


def printable(raw: str) -> str:
    """A name safe to put in a message or a log line: refused characters escaped."""
    return "".join(
        ascii(char)[1:-1] if unicodedata.category(char) in _UNPRINTABLE else char for char in raw
    )


def is_junk(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(part in JUNK_DIRS for part in parts)
        or name in JUNK_FILES
        or name.endswith(JUNK_SUFFIXES)
        or name.startswith(APPLE_DOUBLE_PREFIX)
    )


def collision_key(path: str) -> str:
    """Equal for paths one filesystem could treat as the same file.

    macOS and Windows ignore case, and macOS normalizes Unicode, so `Cart.py`
    and `cart.py`, or `é` composed and decomposed, must not both be kept.
    """
    return unicodedata.normalize("NFC", path).casefold()


def depth(path: str) -> int:
    return path.count("/") + 1


def check_unique(paths: list[str]) -> None:
    """Refuse two paths that collide, or a path that is both a file and a folder."""
    files: dict[str, str] = {}
    for path in paths:
        key = collision_key(path)
        if key in files:
            raise SubmissionRejected(
                "unsafe_path",
                f"same name as {files[key]!r} (case and Unicode form are ignored)",
                path=path,
            )
        files[key] = path
    for path in paths:
        parts = collision_key(path).split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in files:
                raise SubmissionRejected(
                    "unsafe_path", f"{files[folder]!r} is both a file and a folder", path=path
                )
