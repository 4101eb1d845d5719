"""The judge's rules, on hand-made runs (the sandbox itself is tested on the real engine)."""

from __future__ import annotations

import msgspec

from scoring.verdicts import (
    Canary,
    ReportedCollectError,
    ReportedTest,
    TestRun,
    judge,
    refused_for_shadowing,
    weight_of,
)

CANARY = Canary(
    must_pass="tests/test_c0ffee.py::test_c0ffee_a", must_fail="tests/test_c0ffee.py::test_c0ffee_b"
)
EXPECTED = (
    "public_tests/test_p.py::test_visible",
    "tests/test_h.py::test_one",
    "tests/test_h.py::test_two",
)


def _run(outcomes: dict[str, str], *, canary_ok: bool = True, **overrides) -> TestRun:
    tests = [ReportedTest(nodeid=k, outcome=v, message=f"msg {k}") for k, v in outcomes.items()]  # type: ignore[arg-type]
    if canary_ok:
        tests += [
            ReportedTest(nodeid=CANARY.must_pass, outcome="passed"),
            ReportedTest(nodeid=CANARY.must_fail, outcome="failed"),
        ]
    any_failure = any(t.outcome in {"failed", "error"} for t in tests)
    base = {
        "status": "ok" if not any_failure else "nonzero_exit",
        "exit_code": 1 if any_failure else 0,
        "tests": tuple(tests),
        "session_finished": True,
    }
    base.update(overrides)
    return msgspec.convert(msgspec.to_builtins(base), TestRun)


def _all(outcome: str) -> dict[str, str]:
    return dict.fromkeys(EXPECTED, outcome)


def _judge(run: TestRun, **kwargs):
    return judge(run, expected_ids=EXPECTED, canary=CANARY, **kwargs)


def test_all_passing_is_accepted_with_full_score():
    grade = _judge(_run(_all("passed")))
    assert (grade.verdict, grade.score) == ("accepted", 1.0)
    assert [t.visible for t in grade.tests] == [True, False, False]


def test_some_passing_is_partial_and_weights_count():
    outcomes = _all("passed") | {"tests/test_h.py::test_two": "failed"}
    grade = _judge(_run(outcomes), weights={"tests/test_h.py::test_two": 2})
    assert grade.verdict == "partial"
    assert grade.score == 0.5  # 2 of 4 weight points


def test_none_passing_is_failed():
    assert _judge(_run(_all("failed"))).verdict == "failed"


def test_skipped_hidden_tests_do_not_count_as_passed_and_are_flagged():
    grade = _judge(_run(_all("passed") | {"tests/test_h.py::test_one": "skipped"}))
    assert grade.verdict == "partial"
    assert "skipped_tests" in grade.flags


def test_a_forced_pass_of_the_must_fail_canary_is_an_integrity_error():
    run = _run(_all("passed"), canary_ok=False)
    forged = msgspec.structs.replace(
        run,
        tests=(
            *run.tests,
            ReportedTest(nodeid=CANARY.must_pass, outcome="passed"),
            ReportedTest(nodeid=CANARY.must_fail, outcome="passed"),
        ),
        exit_code=0,
    )
    grade = _judge(forged)
    assert (grade.verdict, grade.score) == ("integrity_error", 0.0)
    assert "canary_failed" in grade.flags


def test_a_report_without_canaries_is_an_integrity_error():
    grade = _judge(_run(_all("passed"), canary_ok=False))
    assert grade.verdict == "integrity_error"
    assert "missing_tests" in grade.flags


def test_missing_expected_tests_are_an_integrity_error():
    outcomes = _all("passed")
    del outcomes["tests/test_h.py::test_two"]
    grade = _judge(_run(outcomes))
    assert grade.verdict == "integrity_error"
    assert "tests/test_h.py::test_two" in grade.summary


def test_extra_reported_tests_are_an_integrity_error():
    grade = _judge(_run(_all("passed") | {"tests/test_h.py::test_made_up": "passed"}))
    assert grade.verdict == "integrity_error"
    assert "unexpected_tests" in grade.flags


def test_exit_status_contradicting_the_report_is_an_integrity_error():
    run = _run(_all("passed"))
    grade = _judge(msgspec.structs.replace(run, exit_code=0))  # canary failed, yet exit 0
    assert grade.verdict == "integrity_error"
    assert "exit_status_mismatch" in grade.flags


def test_success_exit_without_a_finished_report_is_an_integrity_error():
    run = _run({}, canary_ok=False, session_finished=False, exit_code=0)
    grade = _judge(run)
    assert grade.verdict == "integrity_error"
    assert "report_incomplete" in grade.flags


def test_a_crash_without_a_finished_report_is_a_runtime_error():
    grade = _judge(
        _run({}, canary_ok=False, session_finished=False, exit_code=None, status="nonzero_exit")
    )
    assert grade.verdict == "runtime_error"


def test_malformed_report_lines_are_an_integrity_error():
    grade = _judge(_run(_all("passed"), protocol_errors=("duplicate nodeid",)))
    assert grade.verdict == "integrity_error"


def test_limits_give_their_verdicts_and_keep_the_passed_share():
    partial = _all("passed") | {"tests/test_h.py::test_two": "failed"}
    for status, verdict in [
        ("timeout", "time_limit_exceeded"),
        ("oom", "memory_limit_exceeded"),
        ("output_limit", "output_limit_exceeded"),
    ]:
        grade = _judge(_run(partial, status=status, exit_code=None, session_finished=False))
        assert grade.verdict == verdict
        assert 0 < grade.score < 1
    assert _judge(_run(partial, disk_full=True)).verdict == "output_limit_exceeded"
    fork = _judge(
        _run({}, canary_ok=False, pids_limit_hit=True, session_finished=False, exit_code=None)
    )
    assert fork.verdict == "runtime_error"
    assert "process_limit" in fork.flags


def test_a_syntax_error_in_the_candidate_module_is_a_compile_error():
    run = _run(
        {},
        canary_ok=False,
        exit_code=2,
        collect_errors=(
            ReportedCollectError(
                nodeid="tests/test_h.py", exception="SyntaxError", message="invalid syntax"
            ),
            ReportedCollectError(
                nodeid="public_tests/test_p.py", exception="SyntaxError", message="invalid syntax"
            ),
        ),
    )
    grade = _judge(run)
    assert grade.verdict == "compile_error"
    assert all(t.outcome == "error" for t in grade.tests)
    assert grade.score == 0.0


def test_an_exception_at_import_is_a_runtime_error():
    run = _run(
        {},
        canary_ok=False,
        exit_code=2,
        collect_errors=(
            ReportedCollectError(nodeid="tests/test_h.py", exception="SystemExit", message="0"),
        ),
    )
    assert _judge(run).verdict == "runtime_error"


def test_hidden_test_source_in_the_output_is_flagged():
    source = b"def test_one():\n    assert secret_answer_function(41) == 42\n"
    run = _run(_all("passed"), output="look: assert secret_answer_function(41) == 42\n")
    grade = _judge(run, hidden_sources={"test_h.py": source})
    assert "hidden_test_source_in_output" in grade.flags


def test_shadowing_files_are_refused_with_an_integrity_error():
    grade = refused_for_shadowing(["conftest.py"])
    assert grade.verdict == "integrity_error"
    assert grade.flags == ("harness_file:conftest.py",)


def test_first_matching_weight_pattern_wins():
    weights = {"tests/test_h.py::test_o*": 3, "tests/*": 2}
    assert weight_of("tests/test_h.py::test_one", weights) == 3
    assert weight_of("tests/test_h.py::test_two", weights) == 2
    assert weight_of("public_tests/test_p.py::x", weights) == 1


def test_a_forged_report_under_a_limit_keeps_the_limit_verdict_but_scores_nothing():
    run = _run(_all("passed"), canary_ok=False)
    forged = msgspec.structs.replace(
        run,
        tests=(
            *run.tests,
            ReportedTest(nodeid=CANARY.must_pass, outcome="passed"),
            ReportedTest(nodeid=CANARY.must_fail, outcome="passed"),
        ),
        status="timeout",
        exit_code=None,
        session_finished=False,
    )
    grade = _judge(forged)
    assert (grade.verdict, grade.score) == ("time_limit_exceeded", 0.0)
    assert "canary_failed" in grade.flags


def test_changed_test_files_are_an_integrity_error():
    grade = _judge(_run(_all("passed"), tests_modified=("tests/test_h.py",)))
    assert (grade.verdict, grade.score) == ("integrity_error", 0.0)
    assert "tests_modified" in grade.flags
