"""From a test run to a verdict, a weighted score and per-test results.

Pure: the grader hands in what the sandbox observed (`TestRun`); nothing here
runs code. The sandbox failing is not judged here at all: it is raised
elsewhere and retried, never turned into a candidate-facing verdict.

Trust model: everything the in-container reporter says could have been forged
by candidate code running in the same process. So the judge cross-checks the
report against facts the candidate cannot forge (exit status, limits hit, the
trial's expected test ids, canary tests whose outcome is known in advance) and
answers `integrity_error` when they disagree, never `accepted`.
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
RunStatus = Literal["ok", "nonzero_exit", "timeout", "oom", "output_limit"]

PUBLIC_PREFIX = "public_tests/"
COMPILE_EXCEPTIONS = frozenset(
    {"SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError"}
)
# pytest's exit codes: 0 all passed, 1 some failed, 2 interrupted (e.g. collection errors)
PYTEST_OK, PYTEST_TESTS_FAILED = 0, 1
LEAK_MIN_LINE = 24  # shorter lines (imports, asserts on small values) match too easily


class ReportedTest(msgspec.Struct, frozen=True, kw_only=True):
    nodeid: str
    outcome: Outcome
    message: str = ""
    duration_ms: float = 0.0


class ReportedCollectError(msgspec.Struct, frozen=True, kw_only=True):
    nodeid: str
    exception: str
    message: str = ""


class TestRun(msgspec.Struct, frozen=True, kw_only=True):
    """What the sandbox observed of one run."""

    status: RunStatus
    exit_code: int | None
    tests: tuple[ReportedTest, ...] = ()
    collect_errors: tuple[ReportedCollectError, ...] = ()
    session_finished: bool = False
    duration_ms: int = 0
    peak_memory_mb: float = 0.0
    output: str = ""
    output_truncated: bool = False
    pids_limit_hit: bool = False
    disk_full: bool = False
    protocol_errors: tuple[str, ...] = ()
    tests_modified: tuple[str, ...] = ()


class Canary(msgspec.Struct, frozen=True, kw_only=True):
    """Two tests injected into every run: one must pass, one must fail."""

    must_pass: str
    must_fail: str

    @property
    def ids(self) -> frozenset[str]:
        return frozenset({self.must_pass, self.must_fail})


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
    duration_ms: int = 0
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
    run: TestRun,
    expected: Sequence[str],
    weights: Mapping[str, float],
    canary_ids: frozenset[str],
) -> tuple[list[TestResult], list[str], list[str]]:
    """Per-test results over the expected ids, plus ids reported but not expected, and missing."""
    reported = {t.nodeid: t for t in run.tests if t.nodeid not in canary_ids}
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
                    message=event.message,
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
            f"not run: {blocker.exception} while collecting {blocker.nodeid}: {blocker.message}"
            if blocker
            else "not run"
        )
        results.append(
            TestResult(id=test_id, outcome="error", visible=visible, weight=weight, message=message)
        )
    extra = sorted(set(reported) - set(expected))
    return results, extra, missing


def _last_error_line(error: ReportedCollectError) -> str:
    """The exception's own line, without the traceback: candidates read the summary, and a
    traceback through a hidden test module would show its source."""
    lines = [line[1:].strip() for line in error.message.splitlines() if line.startswith("E ")]
    return (lines[-1] if lines else error.exception)[:300]


def _score(results: Sequence[TestResult]) -> float:
    total = sum(r.weight for r in results)
    if total <= 0:
        return 0.0
    return round(sum(r.weight for r in results if r.outcome == "passed") / total, 6)


def _leak_flags(output: str, hidden_sources: Mapping[str, bytes]) -> list[str]:
    lines = {
        line.strip()
        for source in hidden_sources.values()
        for line in source.decode("utf-8", "replace").splitlines()
        if len(line.strip()) >= LEAK_MIN_LINE
    }
    return ["hidden_test_source_in_output"] if any(line in output for line in lines) else []


def judge(
    run: TestRun,
    *,
    expected_ids: Sequence[str],
    weights: Mapping[str, float] | None = None,
    canary: Canary | None = None,
    hidden_sources: Mapping[str, bytes] | None = None,
) -> Grade:
    weights = weights or {}
    canary_ids = canary.ids if canary else frozenset()
    results, extra, missing = _results(run, expected_ids, weights, canary_ids)
    score = _score(results)
    flags = _leak_flags(run.output, hidden_sources or {})
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
            summary=summary,
            tests=tuple(results),
            flags=(*flags, *more),
            duration_ms=run.duration_ms,
            peak_memory_mb=run.peak_memory_mb,
            output=run.output,
        )

    reported = {t.nodeid: t.outcome for t in run.tests}

    # Whether the reported outcomes can be believed at all. Candidate code shares a
    # process with the reporter, so anything that contradicts what it cannot forge
    # voids the report.
    distrust: tuple[Verdict, str, str] | None = None
    if run.protocol_errors:
        distrust = (
            "integrity_error",
            "The test report was malformed: " + "; ".join(run.protocol_errors[:3]),
            "report_malformed",
        )
    elif run.tests_modified:
        distrust = (
            "integrity_error",
            "The test files were changed during the run: " + ", ".join(run.tests_modified[:5]),
            "tests_modified",
        )
    elif canary and reported.get(canary.must_fail) == "passed":
        distrust = (
            "integrity_error",
            "The test machinery was tampered with: a test that must fail passed.",
            "canary_failed",
        )
    elif canary and reported.get(canary.must_pass) not in (None, "passed"):
        distrust = (
            "integrity_error",
            "The test machinery was tampered with: a test that must pass failed.",
            "canary_failed",
        )
    trusted = distrust is None

    # 1. Limits: the candidate used more than the trial allows. Never a pass, so these
    # name the cause; the passed share counts only when the report is trustworthy.
    limit_flags = [distrust[2]] if distrust else []
    if run.pids_limit_hit and not run.session_finished:
        return grade(
            "runtime_error",
            "The run started more processes than the limit.",
            keep_score=trusted,
            more=["process_limit", *limit_flags],
        )
    if run.status == "timeout":
        return grade(
            "time_limit_exceeded",
            "The tests did not finish within the time limit.",
            keep_score=trusted,
            more=limit_flags,
        )
    if run.status == "oom":
        return grade(
            "memory_limit_exceeded",
            "The run used more memory than the limit.",
            keep_score=trusted,
            more=limit_flags,
        )
    if run.status == "output_limit":
        return grade(
            "output_limit_exceeded",
            "The run printed more output than the limit.",
            keep_score=trusted,
            more=limit_flags,
        )
    if run.disk_full:
        return grade(
            "output_limit_exceeded",
            "The run wrote more data to disk than the limit.",
            keep_score=trusted,
            more=["disk_full", *limit_flags],
        )
    # 2. A report that cannot be believed.
    if distrust is not None:
        return grade(distrust[0], distrust[1], keep_score=False, more=[distrust[2]])
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
    # 4. Collection failures are the candidate's code failing to import.
    if run.collect_errors:
        first = run.collect_errors[0]
        kind = "compile_error" if first.exception in COMPILE_EXCEPTIONS else "runtime_error"
        return grade(kind, f"{first.exception} while loading the tests: {_last_error_line(first)}")
    # 5. The report must cover exactly the expected tests, canaries included.
    if extra:
        return grade(
            "integrity_error",
            f"The report names tests that do not exist: {', '.join(extra[:5])}",
            keep_score=False,
            more=["unexpected_tests"],
        )
    if missing or (canary and not canary.ids <= reported.keys()):
        gone = missing or sorted((canary.ids if canary else frozenset()) - reported.keys())
        return grade(
            "integrity_error",
            f"The report leaves out tests: {', '.join(list(gone)[:5])}",
            keep_score=False,
            more=["missing_tests"],
        )
    # 6. The exit status must agree with the outcomes (canaries make a clean run exit 1).
    any_failure = any(o in {"failed", "error"} for o in reported.values())
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
        summary="The submission contains files that would take over the test run: "
        + ", ".join(paths[:10]),
        flags=tuple(f"harness_file:{p}" for p in paths),
    )
