"""Grading, wired: trial package + candidate files -> sandbox run -> verdict.

The one code path behind `trialgate trials check`, `trialgate grade` and the
service's worker. Blocking (the Docker SDK is synchronous): async callers run
it in a thread.
"""

from __future__ import annotations

import msgspec

from sandboxes.interfaces import RunLimits, RunOutcome, RunSpec, Sandbox
from scoring.grading.verdicts import Grade, TestRun, judge, refused_for_shadowing
from trials.manifest import RUNTIMES
from trials.package import TrialPackage
from trials.submissions import harness_shadowing

# Public tests first: each folder is a session of its own, and a session runs only
# after the last has ended, so nothing the hidden tests show the candidate's code
# can reach a public test's message.
TEST_TREES = ("public_tests", "tests")
HINT_CAP = 300


class TrialCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The result of grading a trial's own solution and starter."""

    trial_id: str
    version: str
    content_hash: str
    ok: bool
    problems: tuple[str, ...]
    expected_tests: tuple[str, ...]
    solution: Grade
    starter: Grade


def run_spec(
    package: TrialPackage, files: dict[str, bytes], *, public_only: bool = False
) -> RunSpec:
    """`public_only`: a practice run, whose sandbox never holds the hidden tests."""
    limits = package.manifest.limits
    tree: dict[str, bytes] = {f"submission/{path}": data for path, data in files.items()}
    if not public_only:
        tree.update({f"tests/{path}": data for path, data in package.tests.items()})
    tree.update({f"public_tests/{path}": data for path, data in package.public_tests.items()})
    return RunSpec(
        image=RUNTIMES[package.manifest.runtime],
        files=tree,
        test_paths=tuple(
            t
            for t in TEST_TREES
            if (t == "tests" and not public_only) or (t == "public_tests" and package.public_tests)
        ),
        limits=RunLimits(
            wall_seconds=limits.wall_seconds,
            memory_mb=limits.memory_mb,
            pids=limits.pids,
            output_kb=limits.output_kb,
        ),
    )


def as_test_run(outcome: RunOutcome) -> TestRun:
    """The sandbox's outcome as the judge reads it: the same fields (tests/sandboxes/test_records.py)."""
    return msgspec.convert(msgspec.to_builtins(outcome), TestRun)


def run_files(
    sandbox: Sandbox, package: TrialPackage, files: dict[str, bytes], *, public_only: bool = False
) -> TestRun:
    return as_test_run(sandbox.run(run_spec(package, files, public_only=public_only)))


def grade_submission(
    sandbox: Sandbox,
    package: TrialPackage,
    files: dict[str, bytes],
    *,
    expected_tests: tuple[str, ...],
    public_only: bool = False,
) -> Grade:
    """Grade a candidate's files (a practice run: on the public tests only). Raises
    SandboxError when the infrastructure fails."""
    shadowing = harness_shadowing(files)
    if shadowing:
        return refused_for_shadowing(shadowing)
    if public_only:
        expected_tests = tuple(t for t in expected_tests if t.startswith("public_tests/"))
    run = run_files(sandbox, package, files, public_only=public_only)
    return judge(run, expected_ids=expected_tests, weights=package.manifest.weights)


def _first_line_of_error(message: str) -> str:
    lines = [line[1:].strip() for line in message.splitlines() if line.startswith("E ")]
    return (lines[0] if lines else message.strip().splitlines()[-1:] or [""])[0][:HINT_CAP]


def check_trial(sandbox: Sandbox, package: TrialPackage) -> TrialCheck:
    """Grade the reference solution (must score 1.0) and the starter (must not).

    A test that fails against the reference solution is named with its first
    error line: that is also how a test that cannot work across the sandbox
    boundary shows itself (it compares a submission object with a value of its
    own, or reads what the boundary does not hand over), and why."""
    problems: list[str] = []
    run = run_files(sandbox, package, package.solution)
    expected = tuple(sorted(t.nodeid for t in run.tests))
    if not expected:
        problems.append("solution/: the run reported no tests")
    solution = judge(run, expected_ids=expected, weights=package.manifest.weights)
    if solution.verdict != "accepted":
        problems.append(f"solution/: must be accepted, got {solution.verdict} ({solution.summary})")
        problems.extend(
            f"{t.id}: fails against the solution: {_first_line_of_error(t.message)}"
            for t in solution.tests
            if t.outcome != "passed"
        )
    starter = grade_submission(sandbox, package, package.starter, expected_tests=expected)
    if starter.verdict == "accepted":
        problems.append("starter/: must not pass every test, but it was accepted")
    hidden = [t for t in expected if t.startswith("tests/")]
    if expected and not hidden:
        problems.append("tests/: no hidden test was collected")
    return TrialCheck(
        trial_id=package.manifest.id,
        version=package.manifest.version,
        content_hash=package.content_hash,
        ok=not problems,
        problems=tuple(problems),
        expected_tests=expected,
        solution=solution,
        starter=starter,
    )
