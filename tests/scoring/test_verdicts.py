"""The judge's rules, on hand-made runs (the sandbox itself is tested on the real engine)."""

from __future__ import annotations

import msgspec

from scoring.grading.verdicts import (
    ReportedCollectError,
    ReportedCompileError,
    ReportedTest,
    TestRun,
    judge,
    refused_for_shadowing,
    weight_of,
)

EXPECTED = (
    "public_tests/test_p.py::test_visible",
    "tests/test_h.py::test_one",
    "tests/test_h.py::test_two",
)


def _run(outcomes: dict[str, str], **overrides) -> TestRun:
    tests = [ReportedTest(nodeid=k, outcome=v, message=f"msg {k}") for k, v in outcomes.items()]  # type: ignore[arg-type]
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
    return judge(run, expected_ids=EXPECTED, **kwargs)


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


def test_a_boundary_violation_voids_the_run_whatever_passed():
    grade = _judge(_run(_all("passed"), violations=("a malformed message",)))
    assert (grade.verdict, grade.score) == ("integrity_error", 0.0)
    assert "boundary_violation" in grade.flags
    assert "malformed" not in grade.summary  # the reason is for operators


def test_no_report_after_the_candidate_started_is_counted_against_it():
    grade = _judge(_run({}, status="no_report", exit_code=None, session_finished=False))
    assert (grade.verdict, grade.score) == ("integrity_error", 0.0)
    assert "no_report" in grade.flags


def test_the_submission_ending_mid_run_is_a_runtime_error_keeping_what_passed():
    outcomes = _all("passed") | {"tests/test_h.py::test_two": "failed"}
    grade = _judge(_run(outcomes, submission_ended="exited with code 3"))
    assert grade.verdict == "runtime_error"
    assert grade.summary == "The submission's process ended while the tests were still using it."
    assert "submission_ended:exited with code 3" in grade.flags  # its exit code: operators only
    assert grade.score == round(2 / 3, 6)


def test_missing_expected_tests_are_an_integrity_error():
    outcomes = _all("passed")
    del outcomes["tests/test_h.py::test_two"]
    grade = _judge(_run(outcomes))
    assert grade.verdict == "integrity_error"
    assert grade.summary == "The report leaves out tests: 1 hidden test"


def test_extra_reported_tests_are_an_integrity_error():
    grade = _judge(_run(_all("passed") | {"tests/test_h.py::test_made_up": "passed"}))
    assert grade.verdict == "integrity_error"
    assert "unexpected_tests" in grade.flags


def test_exit_status_contradicting_the_report_is_an_integrity_error():
    run = _run(_all("passed") | {"tests/test_h.py::test_two": "failed"})
    grade = _judge(msgspec.structs.replace(run, exit_code=0))  # a test failed, yet exit 0
    assert grade.verdict == "integrity_error"
    assert "exit_status_mismatch" in grade.flags


def test_success_exit_without_a_finished_report_is_an_integrity_error():
    run = _run({}, session_finished=False, exit_code=0)
    grade = _judge(run)
    assert grade.verdict == "integrity_error"
    assert "report_incomplete" in grade.flags


def test_a_crash_without_a_finished_report_is_a_runtime_error():
    grade = _judge(_run({}, session_finished=False, exit_code=None, status="nonzero_exit"))
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
    fork = _judge(_run({}, pids_limit_hit=True, session_finished=False, exit_code=None))
    assert fork.verdict == "runtime_error"
    assert "process_limit" in fork.flags


def test_a_syntax_error_is_a_compile_error_named_by_the_graders_compiler():
    run = _run(
        {},
        exit_code=2,
        collect_errors=(
            ReportedCollectError(
                nodeid="public_tests/test_p.py", exception="SyntaxError", message="E   whatever"
            ),
            ReportedCollectError(
                nodeid="tests/test_h.py", exception="SyntaxError", message="invalid syntax"
            ),
        ),
        compile_errors=(ReportedCompileError(path="lru.py", line=17, message="expected ':'"),),
    )
    grade = _judge(run)
    assert grade.verdict == "compile_error"
    assert grade.summary == "lru.py, line 17: expected ':'"
    assert all(t.outcome == "error" for t in grade.tests)
    assert grade.score == 0.0


def test_an_exception_at_import_is_a_runtime_error():
    run = _run(
        {},
        exit_code=2,
        collect_errors=(
            ReportedCollectError(nodeid="tests/test_h.py", exception="SystemExit", message="0"),
        ),
    )
    assert _judge(run).verdict == "runtime_error"


def test_what_the_candidate_chose_is_quoted_only_from_public_tests_and_escaped():
    chosen = "E   ValueError: \x1b[31m" + "leak " * 200
    public = ReportedCollectError(
        nodeid="public_tests/test_p.py", exception="ValueError", message=chosen
    )
    hidden = ReportedCollectError(nodeid="tests/test_h.py", exception="ValueError", message=chosen)
    shown = _judge(_run({}, exit_code=2, collect_errors=(public, hidden))).summary
    assert shown.startswith("ValueError while loading the tests: ValueError: \\x1b[31mleak")
    assert len(shown) < 300
    silent = _judge(_run({}, exit_code=2, collect_errors=(hidden, public))).summary
    assert silent == "ValueError while loading the hidden tests."
    grade = _judge(_run({}, exit_code=2, collect_errors=(hidden,)))
    assert all("leak" not in t.message for t in grade.tests if not t.visible)


def test_shadowing_files_are_refused_with_an_integrity_error():
    grade = refused_for_shadowing(["conftest.py"])
    assert grade.verdict == "integrity_error"
    assert grade.flags == ("harness_file:conftest.py",)


def test_first_matching_weight_pattern_wins():
    weights = {"tests/test_h.py::test_o*": 3, "tests/*": 2}
    assert weight_of("tests/test_h.py::test_one", weights) == 3
    assert weight_of("tests/test_h.py::test_two", weights) == 2
    assert weight_of("public_tests/test_p.py::x", weights) == 1


def test_a_violation_under_a_limit_keeps_the_limit_verdict_but_scores_nothing():
    run = _run(
        _all("passed"),
        violations=("a malformed message",),
        status="timeout",
        exit_code=None,
        session_finished=False,
    )
    grade = _judge(run)
    assert (grade.verdict, grade.score) == ("time_limit_exceeded", 0.0)
    assert "boundary_violation" in grade.flags


def test_every_text_of_a_grade_can_be_stored_whatever_the_run_printed():
    nasty = "a\x00b\ud800c"
    outcomes = {"public_tests/test_p.py::test_visible": "failed"} | dict.fromkeys(
        EXPECTED[1:], "passed"
    )
    run = _run(outcomes, output=nasty, violations=(nasty,))
    run = msgspec.structs.replace(
        run, tests=tuple(msgspec.structs.replace(t, message=nasty) for t in run.tests)
    )
    grade = _judge(run)
    texts = [grade.summary, grade.output, *grade.flags, *(t.message for t in grade.tests)]
    for text in texts:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogate left
    assert grade.output == "a\\x00b?c"
