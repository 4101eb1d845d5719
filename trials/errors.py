"""What can go wrong with a trial package or a candidate's submission.

`TrialPackageInvalid` is an author's mistake and lists every problem found, so
one round of fixes is enough. `SubmissionRejected` is a candidate's upload that
is unsafe or out of bounds; it stops at the first reason, because a hostile
archive deserves no further reading.
"""

from __future__ import annotations

from typing import Literal

import msgspec

RejectionCode = Literal[
    "not_an_archive",
    "unsafe_path",
    "symlink",
    "special_file",
    "too_many_files",
    "too_large",
    "file_too_large",
    "too_deep",
    "decompression_bomb",
    "bad_encoding",
    "empty",
    "harness_file",
]


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong in a trial package, located as precisely as known."""

    file: str  # path inside the package, e.g. "trial.toml" or "tests/test_cart.py"
    field: str | None = None  # dotted path inside a structured file, e.g. "limits.memory_mb"
    line: int | None = None  # 1-based
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field is not None:
            where = f"{where}: {self.field}"
        return f"{where}: {self.message}"


class TrialError(Exception):
    """Base of everything the `trials` package raises on purpose."""


# The two names below state an outcome, which reads better at the raise site and in
# the service's error table than an -Error suffix would.
class TrialPackageInvalid(TrialError):  # noqa: N818 - an outcome, see above
    """A trial package (or its manifest) failed validation."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"invalid trial package ({count}):\n" + "\n".join(map(str, problems)))


class SubmissionRejected(TrialError):  # noqa: N818 - an outcome, see above
    """Uploaded files were refused before anything was kept."""

    def __init__(self, code: RejectionCode, message: str, *, path: str | None = None) -> None:
        self.code: RejectionCode = code
        self.path = path
        self.message = message
        super().__init__(f"{code}: {path}: {message}" if path else f"{code}: {message}")
