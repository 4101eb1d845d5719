"""Grading, wired: trial package + candidate files -> sandbox run -> verdict.

The one code path behind `trialgate trials check`, `trialgate grade` and the
service's worker. Blocking (the Docker SDK is synchronous): async callers run
it in a thread.
"""

from __future__ import annotations

import secrets

import msgspec

from sandboxes.interfaces import RunLimits, RunOutcome, RunSpec, Sandbox
from scoring.verdicts import Canary, Grade, TestRun, judge, refused_for_shadowing
from trials.manifest import RUNTIMES
from trials.package import TrialPackage
from trials.submissions import harness_shadowing

TEST_TREES = ("tests", "public_tests")


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


def _canary(nonce: str) -> tuple[Canary, str, bytes]:
    # A neutral module name, unpredictable per run, so code aiming to forge a report
    # cannot tell the canaries apart from the trial's own tests by name.
    filename = f"tests/test_{nonce}.py"
    source = (
        f"def test_{nonce}_a():\n    pass\n\n\n"
        f"def test_{nonce}_b():\n    assert False, 'this test must fail'\n"
    ).encode()
    canary = Canary(
        must_pass=f"{filename}::test_{nonce}_a", must_fail=f"{filename}::test_{nonce}_b"
    )
    return canary, filename, source


def run_spec(
    package: TrialPackage, files: dict[str, bytes], canary_file: tuple[str, bytes]
) -> RunSpec:
    limits = package.manifest.limits
    tree: dict[str, bytes] = {f"submission/{path}": data for path, data in files.items()}
    tree.update({f"tests/{path}": data for path, data in package.tests.items()})
    tree.update({f"public_tests/{path}": data for path, data in package.public_tests.items()})
    tree[canary_file[0]] = canary_file[1]
    return RunSpec(
        image=RUNTIMES[package.manifest.runtime],
        files=tree,
        test_paths=tuple(t for t in TEST_TREES if t == "tests" or package.public_tests),
        limits=RunLimits(
            wall_seconds=limits.wall_seconds,
            memory_mb=limits.memory_mb,
            pids=limits.pids,
            output_kb=limits.output_kb,
        ),
    )


def _as_test_run(outcome: RunOutcome) -> TestRun:
    return msgspec.convert(msgspec.to_builtins(outcome), TestRun)


def run_files(
    sandbox: Sandbox, package: TrialPackage, files: dict[str, bytes]
) -> tuple[TestRun, Canary]:
    canary, name, source = _canary(secrets.token_hex(6))
    outcome = sandbox.run(run_spec(package, files, (name, source)))
    return _as_test_run(outcome), canary


def grade_submission(
    sandbox: Sandbox,
    package: TrialPackage,
    files: dict[str, bytes],
    *,
    expected_tests: tuple[str, ...],
) -> Grade:
    """Grade a candidate's files. Raises SandboxError when the infrastructure fails."""
    shadowing = harness_shadowing(files)
    if shadowing:
        return refused_for_shadowing(shadowing)
    run, canary = run_files(sandbox, package, files)
    return judge(
        run,
        expected_ids=expected_tests,
        weights=package.manifest.weights,
        canary=canary,
        hidden_sources=package.tests,
    )


def check_trial(sandbox: Sandbox, package: TrialPackage) -> TrialCheck:
    """Grade the reference solution (must score 1.0) and the starter (must not)."""
    problems: list[str] = []
    run, canary = run_files(sandbox, package, package.solution)
    expected = tuple(sorted(t.nodeid for t in run.tests if t.nodeid not in canary.ids))
    if not expected:
        problems.append("solution/: the run reported no tests")
    solution = judge(
        run,
        expected_ids=expected,
        weights=package.manifest.weights,
        canary=canary,
        hidden_sources=package.tests,
    )
    if solution.verdict != "accepted":
        failing = [t.id for t in solution.tests if t.outcome != "passed"][:5]
        problems.append(
            f"solution/: must be accepted, got {solution.verdict} ({solution.summary})"
            + (f"; not passing: {', '.join(failing)}" if failing else "")
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
