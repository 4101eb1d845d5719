"""From a test run to a verdict, a weighted score and per-test results.

Pure: the grader hands in what the sandbox observed (`TestRun`); nothing here
runs code. The sandbox failing is not judged here at all: it is raised
elsewhere and retried, never turned into a candidate-facing verdict.

Trust model: the report comes from the grader's side of the sandbox boundary
(sandboxes/boundary.py), which candidate code cannot reach; what the candidate
*can* do is break the protocol between the two, end its own process, or run
out of a limit, and each of those is judged here, never as a pass. The report
is still cross-checked (expected test ids, exit status against outcomes), so a
fault on the grader's side is an `integrity_error`, never `accepted`.

What a candidate reads (the summary, public tests' messages) is built from the
grader's facts; text the candidate's code chose appears only as a short,
escaped excerpt, and only from the public tests, which run before the hidden
tests in a process of their own.

Longer than the house's ~300 lines so that the judge's rules, one ordered
chain, stay in one place with the records they read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

Verdict = Literal[
    "accepted",
    "partial",
    "failed",
    "compile_error",
    "runtime_error",
    "time_limit_exceeded",
    "memory_limit_exceeded",
    "output_limit_exceeded",
    "integrity_error",
    "internal_error",
]
Outcome = Literal["passed", "failed", "error", "skipped"]
RunStatus = Literal["ok", "nonzero_exit", "timeout", "oom", "output_limit", "no_report"]

PUBLIC_PREFIX = "public_tests/"
EXCERPT_CAP = 200
MESSAGE_CAP = 1024  # what a candidate reads of one public test
COMPILE_EXCEPTIONS = frozenset(
    {"SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError"}
)
# pytest's exit codes: 0 all passed, 1 some failed, 2 interrupted (e.g. collection errors)
PYTEST_OK, PYTEST_TESTS_FAILED = 0, 1


class ReportedTest(msgspec.Struct, frozen=True, kw_only=True):
    nodeid: str
    outcome: Outcome
    message: str = ""
    duration_ms: float = 0.0


class ReportedCollectError(msgspec.Struct, frozen=True, kw_only=True):
    nodeid: str
    exception: str
    message: str = ""


class ReportedCompileError(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    line: int
    message: str


class TestRun(msgspec.Struct, frozen=True, kw_only=True):
    """What the sandbox observed of one run."""

    status: RunStatus
    exit_code: int | None
    tests: tuple[ReportedTest, ...] = ()
    collect_errors: tuple[ReportedCollectError, ...] = ()
    session_finished: bool = False
    duration_ms: int = 0
    cpu_ms: int = 0
    peak_memory_mb: float = 0.0
    output: str = ""
    output_truncated: bool = False
    pids_limit_hit: bool = False
    disk_full: bool = False
    protocol_errors: tuple[str, ...] = ()
    compile_errors: tuple[ReportedCompileError, ...] = ()
    violations: tuple[str, ...] = ()
    submission_ended: str | None = None


class TestResult(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    outcome: Outcome
    visible: bool
    weight: float
    message: str = ""
    duration_ms: float = 0.0


class Grade(msgspec.Struct, frozen=True, kw_only=True):
    verdict: Verdict
    score: float
    summary: str
    tests: tuple[TestResult, ...] = ()
    flags: tuple[str, ...] = ()
    duration_ms: int = 0  # wall time measured inside the sandbox
    cpu_ms: int = 0  # CPU time measured by the sandbox's cgroup
    peak_memory_mb: float = 0.0
    output: str = ""  # raw output: operators only, it can leak hidden tests


def weight_of(test_id: str, weights: Mapping[str, float]) -> float:
    """The first matching pattern's weight (declared order), else 1."""
    for pattern, weight in weights.items():
        if fnmatch.fnmatchcase(test_id, pattern):
            return float(weight)
    return 1.0


def _collect_error_covers(error_nodeid: str, test_id: str) -> bool:
    prefix = error_nodeid.rstrip("/")
    return test_id == prefix or test_id.startswith((prefix + "::", prefix + "/"))


def _results(
    run: TestRun, expected: Sequence[str], weights: Mapping[str, float]
) -> tuple[list[TestResult], list[str], list[str]]:
    """Per-test results over the expected ids, plus ids reported but not expected, and missing."""
    reported = {t.nodeid: t for t in run.tests}
    results: list[TestResult] = []
    missing: list[str] = []
    for test_id in expected:
        event = reported.get(test_id)
        visible = test_id.startswith(PUBLIC_PREFIX)
        weight = weight_of(test_id, weights)
        if event is not None:
            results.append(
                TestResult(
                    id=test_id,
                    outcome=event.outcome,
                    visible=visible,
                    weight=weight,
                    message=excerpt(event.message, MESSAGE_CAP, lines=True)
                    if visible
                    else event.message,
                    duration_ms=event.duration_ms,
                )
            )
            continue
        blocker = next(
            (e for e in run.collect_errors if _collect_error_covers(e.nodeid, test_id)), None
        )
        if blocker is None:
            missing.append(test_id)
        message = (
            excerpt(
                f"not run: {blocker.exception} while collecting {blocker.nodeid}: {blocker.message}",
                MESSAGE_CAP,
                lines=True,
            )
            if blocker and visible
            else f"not run: {blocker.exception} while collecting {blocker.nodeid}"
            if blocker
            else "not run"
        )
        results.append(
            TestResult(id=test_id, outcome="error", visible=visible, weight=weight, message=message)
        )
    extra = sorted(set(reported) - set(expected))
    return results, extra, missing


def excerpt(text: str, limit: int = EXCERPT_CAP, *, lines: bool = False) -> str:
    """Text the candidate's code may have chosen, safe to show: anything
    unprintable (newlines too, unless `lines`) escaped, and at most `limit`
    characters once escaped, an ellipsis marking a cut."""
    out: list[str] = []
    size = 0
    for char in text:
        shown = char if char.isprintable() or (lines and char == "\n") else repr(char)[1:-1]
        if size + len(shown) > limit - 1:
            out.append("…")
            break
        out.append(shown)
        size += len(shown)
    return "".join(out)


def _collect_summary(run: TestRun, error: ReportedCollectError, kind: Verdict) -> str:
    """What went wrong while loading the tests, in words the grader chose. The
    exception's own line is quoted only from the public tests: their session ran
    before the candidate's code met any hidden test."""
    if kind == "compile_error" and run.compile_errors:
        first = run.compile_errors[0]
        where = (
            f"{excerpt(first.path, 100)}, line {first.line}"
            if first.line
            else excerpt(first.path, 100)
        )
        return f"{where}: {excerpt(first.message)}"
    if not error.nodeid.startswith(PUBLIC_PREFIX):
        return f"{error.exception} while loading the hidden tests."
    lines = [line[1:].strip() for line in error.message.splitlines() if line.startswith("E ")]
    return f"{error.exception} while loading the tests: {excerpt(lines[-1] if lines else '')}"


def storable(text: str) -> str:
    """`text` as any store and any page can take it: a NUL byte (which PostgreSQL's
    text refuses) shown as an escape, a lone surrogate (which UTF-8 cannot
    carry) as "?". Whatever the candidate's code printed, its grade can be kept."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    return text.encode("utf-8", "replace").decode("utf-8")


def _some_ids(ids: Sequence[str]) -> str:
    """Public test ids by name, hidden ones by count: a hidden id may be made from
    values the candidate's code returned while the hidden tests were collected."""
    public = [i for i in ids if i.startswith(PUBLIC_PREFIX)][:5]
    hidden = sum(not i.startswith(PUBLIC_PREFIX) for i in ids)
    parts = [excerpt(", ".join(public))] if public else []
    if hidden:
        parts.append(f"{hidden} hidden test{'s' if hidden > 1 else ''}")
    return "; ".join(parts)


def _score(results: Sequence[TestResult]) -> float:
    total = sum(r.weight for r in results)
    if total <= 0:
        return 0.0
    return round(sum(r.weight for r in results if r.outcome == "passed") / total, 6)


def judge(
    run: TestRun, *, expected_ids: Sequence[str], weights: Mapping[str, float] | None = None
) -> Grade:
    results, extra, missing = _results(run, expected_ids, weights or {})
    score = _score(results)
    flags: list[str] = []
    if run.output_truncated:
        flags.append("output_truncated")
    if any(r.outcome == "skipped" for r in results):
        flags.append("skipped_tests")

    def grade(
        verdict: Verdict, summary: str, *, keep_score: bool = True, more: Sequence[str] = ()
    ) -> Grade:
        return Grade(
            verdict=verdict,
            score=score if keep_score else 0.0,
            summary=storable(summary),
            tests=tuple(
                msgspec.structs.replace(t, id=storable(t.id), message=storable(t.message))
                for t in results
            ),
            flags=tuple(storable(flag) for flag in (*flags, *more)),
            duration_ms=run.duration_ms,
            cpu_ms=run.cpu_ms,
            peak_memory_mb=run.peak_memory_mb,
            output=storable(run.output),
        )

    # Whether the outcomes can be believed at all: the candidate's code broke the
    # protocol between it and the tests (its answers may be anything), or the
    # grader's own report is malformed.
    distrust: tuple[str, str] | None = None
    if run.violations:
        distrust = (
            "The submission's code broke the protocol between it and the tests.",
            "boundary_violation",
        )
    elif run.protocol_errors:
        distrust = ("The test report was malformed.", "report_malformed")
    trusted = distrust is None
    distrust_flags = (
        [distrust[1], *(f"violation:{v}" for v in run.violations[:3])] if distrust else []
    )

    # 1. Limits: the candidate used more than the trial allows. Never a pass, so these
    # name the cause; the passed share counts only when the report is trustworthy.
    if run.pids_limit_hit and not run.session_finished:
        return grade(
            "runtime_error",
            "The run started more processes than the limit.",
            keep_score=trusted,
            more=["process_limit", *distrust_flags],
        )
    limits: dict[str, tuple[Verdict, str]] = {
        "timeout": ("time_limit_exceeded", "The tests did not finish within the time limit."),
        "oom": ("memory_limit_exceeded", "The run used more memory than the limit."),
        "output_limit": ("output_limit_exceeded", "The run printed more output than the limit."),
    }
    if run.status in limits:
        verdict, summary = limits[run.status]
        return grade(verdict, summary, keep_score=trusted, more=distrust_flags)
    if run.disk_full:
        return grade(
            "output_limit_exceeded",
            "The run wrote more data to disk than the limit.",
            keep_score=trusted,
            more=["disk_full", *distrust_flags],
        )
    # 2. A report that cannot be believed, or none at all.
    if distrust is not None:
        return grade("integrity_error", distrust[0], keep_score=False, more=distrust_flags)
    if run.status == "no_report":
        return grade(
            "integrity_error",
            "The run ended without a report from the tests.",
            keep_score=False,
            more=["no_report"],
        )
    # 3. A run that stopped without finishing its report.
    if not run.session_finished:
        if run.exit_code == PYTEST_OK:
            return grade(
                "integrity_error",
                "The test process exited successfully without completing its report.",
                keep_score=False,
                more=["report_incomplete"],
            )
        how = "was killed" if run.exit_code is None else f"exited with code {run.exit_code}"
        return grade("runtime_error", f"The test process {how} before the tests finished.")
    # 4. The candidate's process ended while the tests still needed it. How it ended
    # (an exit code it chose, maybe while the hidden tests ran) is for operators.
    if run.submission_ended is not None:
        return grade(
            "runtime_error",
            "The submission's process ended while the tests were still using it.",
            more=["submission_ended", f"submission_ended:{excerpt(run.submission_ended, 60)}"],
        )
    # 5. Collection failures are the candidate's code failing to import.
    if run.collect_errors:
        first = run.collect_errors[0]
        kind: Verdict = (
            "compile_error" if first.exception in COMPILE_EXCEPTIONS else "runtime_error"
        )
        return grade(kind, _collect_summary(run, first, kind))
    # 6. The report must cover exactly the expected tests.
    if extra:
        return grade(
            "integrity_error",
            f"The report names tests that do not exist: {_some_ids(extra)}",
            keep_score=False,
            more=["unexpected_tests"],
        )
    if missing:
        return grade(
            "integrity_error",
            f"The report leaves out tests: {_some_ids(missing)}",
            keep_score=False,
            more=["missing_tests"],
        )
    # 7. The exit status must agree with the outcomes.
    any_failure = any(r.outcome in {"failed", "error"} for r in results)
    if (run.exit_code == PYTEST_OK and any_failure) or (
        run.exit_code == PYTEST_TESTS_FAILED and not any_failure
    ):
        return grade(
            "integrity_error",
            "The exit status contradicts the reported outcomes.",
            keep_score=False,
            more=["exit_status_mismatch"],
        )
    if run.exit_code not in (PYTEST_OK, PYTEST_TESTS_FAILED):
        return grade("runtime_error", f"The test run ended abnormally (exit code {run.exit_code}).")
    if score >= 1.0:
        return grade("accepted", "Every test passed.")
    if score > 0:
        passed = sum(r.outcome == "passed" for r in results)
        return grade("partial", f"{passed} of {len(results)} tests passed.")
    return grade("failed", "No test passed.")


def refused_for_shadowing(paths: Sequence[str]) -> Grade:
    """A submission that ships files which would take over the test harness is not run."""
    return Grade(
        verdict="integrity_error",
        score=0.0,
        summary=storable(
            "The submission contains files that would take over the test run: "
            + ", ".join(paths[:10])
        ),
        flags=tuple(storable(f"harness_file:{p}") for p in paths),
    )
