"""The sandbox contract: what a run is given, and what it returns.

How the submission behaved is a *returned* `RunOutcome`; the infrastructure
failing (engine down, image missing, protocol broken) is a *raised* `SandboxError`.
"""

from __future__ import annotations

from typing import Literal, Protocol

import msgspec

# no_report: the run ended, after the candidate's code had started, without the
# harness's report, and no check independent of the submission shows the
# infrastructure failed; it counts against the candidate.
RunStatus = Literal["ok", "nonzero_exit", "timeout", "oom", "output_limit", "no_report"]
TestOutcome = Literal["passed", "failed", "error", "skipped"]


class SandboxError(Exception):
    """The sandbox itself failed; the submission is not to blame."""


class ImageMissingError(SandboxError):
    """The runtime image is not present in the engine."""


class RunLimits(msgspec.Struct, frozen=True, kw_only=True):
    wall_seconds: float = 20.0
    memory_mb: int = 256
    pids: int = 64
    output_kb: int = 256
    cpus: float = 1.0
    disk_mb: int = 64


class RunSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One test run.

    `files` maps paths relative to the run's work directory to their bytes:
    the candidate's files under `submission/`, test trees under their own
    top-level folders (`tests/`, `public_tests/`). `test_paths` names those
    folders, one test session each, run in this order and each with a fresh
    process for the candidate's code: put the tests whose results the candidate
    may read first. The candidate's code never sees any test folder.
    """

    image: str
    files: dict[str, bytes]
    test_paths: tuple[str, ...] = ("tests",)
    limits: RunLimits = RunLimits()


class TestEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One test's result as the in-container reporter saw it."""

    nodeid: str
    outcome: TestOutcome
    message: str = ""
    duration_ms: float = 0.0


class CollectError(msgspec.Struct, frozen=True, kw_only=True):
    """A test module (or folder) that could not be collected."""

    nodeid: str
    exception: str  # the exception's class name, e.g. "SyntaxError"
    message: str = ""


class CompileError(msgspec.Struct, frozen=True, kw_only=True):
    """A candidate's Python file that does not compile, as the grader's compiler saw it."""

    path: str
    line: int
    message: str


class RunOutcome(msgspec.Struct, frozen=True, kw_only=True):
    status: RunStatus
    exit_code: int | None  # pytest's exit code; None when the run was killed
    tests: tuple[TestEvent, ...] = ()
    collect_errors: tuple[CollectError, ...] = ()
    session_finished: bool = False  # the reporter saw pytest's session end
    duration_ms: int = 0  # wall time by the harness's clock, inside the container
    cpu_ms: int = 0  # CPU time of the whole container, by its cgroup
    peak_memory_mb: float = 0.0
    output: str = ""  # the run's stdout+stderr, cut at the output limit
    output_truncated: bool = False
    pids_limit_hit: bool = False
    disk_full: bool = False
    protocol_errors: tuple[str, ...] = ()  # malformed, oversized or duplicated reporter events
    compile_errors: tuple[CompileError, ...] = ()
    violations: tuple[str, ...] = ()  # how the candidate's process broke the test protocol
    submission_ended: str | None = None  # the candidate's process ended while tests needed it


class Sandbox(Protocol):
    def run(self, spec: RunSpec) -> RunOutcome: ...

    def close(self) -> None: ...
