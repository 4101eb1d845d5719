"""Records that must agree across a boundary the packages' import rules keep apart.

`sandboxes` returns a RunOutcome and `scoring` judges a TestRun; scoring may not
import sandboxes, so the grader converts one into the other. These tests make a
field added on one side and not the other fail here, not silently in grading.
"""

from __future__ import annotations

import msgspec

from sandboxes.interfaces import CollectError as SandboxCollectError
from sandboxes.interfaces import CompileError, RunOutcome, TestEvent
from scoring.grading.verdicts import (
    ReportedCollectError,
    ReportedCompileError,
    ReportedTest,
    TestRun,
)
from service.grading.grader import as_test_run


def _names(struct: type[msgspec.Struct]) -> list[str]:
    return [f.name for f in msgspec.structs.fields(struct)]


def test_a_run_outcome_and_a_test_run_have_the_same_fields() -> None:
    assert _names(RunOutcome) == _names(TestRun)
    assert _names(TestEvent) == _names(ReportedTest)
    assert _names(SandboxCollectError) == _names(ReportedCollectError)
    assert _names(CompileError) == _names(ReportedCompileError)


def test_every_field_survives_the_conversion() -> None:
    outcome = RunOutcome(
        status="nonzero_exit",
        exit_code=1,
        tests=(
            TestEvent(nodeid="tests/t.py::test_a", outcome="failed", message="m", duration_ms=1.5),
        ),
        collect_errors=(
            SandboxCollectError(nodeid="tests/u.py", exception="SyntaxError", message="x"),
        ),
        session_finished=True,
        duration_ms=12,
        cpu_ms=9,
        peak_memory_mb=3.5,
        output="out",
        output_truncated=True,
        pids_limit_hit=True,
        disk_full=True,
        protocol_errors=("p",),
        compile_errors=(CompileError(path="a.py", line=3, message="bad"),),
        violations=("v",),
        submission_ended="exited with code 3",
    )
    assert msgspec.to_builtins(as_test_run(outcome)) == msgspec.to_builtins(outcome)
