"""What a run reports: per-test events, collect errors, the sessions' ends, and
what the candidate's code, in its own process, can and cannot do to the report."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandboxes.interfaces import CompileError, RunOutcome

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("sandbox")]

Run = Callable[..., RunOutcome]

SOLUTION = """
    def add(a, b):
        return a + b
"""


def test_passing_and_failing_tests_produce_one_event_each(run: Run) -> None:
    tests = """
        from solution import add

        def test_adds():
            assert add(1, 2) == 3

        def test_wrong():
            print("visible output")
            assert add(1, 2) == 4
    """
    outcome = run({"submission/solution.py": SOLUTION, "tests/test_add.py": tests})
    assert (outcome.status, outcome.exit_code) == ("nonzero_exit", 1)
    assert outcome.session_finished
    assert [(t.nodeid, t.outcome) for t in outcome.tests] == [
        ("tests/test_add.py::test_adds", "passed"),
        ("tests/test_add.py::test_wrong", "failed"),
    ]
    assert "assert 3 == 4" in outcome.tests[1].message
    assert all(t.duration_ms > 0 for t in outcome.tests)
    assert "visible output" in outcome.output
    assert "1 failed, 1 passed" in outcome.output
    assert outcome.protocol_errors == ()
    assert 0 < outcome.peak_memory_mb < 256


def test_all_passing_is_ok(run: Run) -> None:
    outcome = run({"tests/test_one.py": "def test_one():\n    assert True\n"})
    assert (outcome.status, outcome.exit_code) == ("ok", 0)
    assert not outcome.disk_full
    assert not outcome.pids_limit_hit


def test_skips_xfails_and_fixture_errors_map_to_one_outcome_per_test(run: Run) -> None:
    tests = """
        import pytest

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup broke")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown broke")

        def test_setup_error(broken_setup):
            pass

        def test_teardown_error(broken_teardown):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.xfail(reason="known bug")
        def test_xfail():
            assert False

        @pytest.mark.xfail(reason="fixed meanwhile")
        def test_xpass():
            pass
    """
    outcome = run({"tests/test_kinds.py": tests})
    got = {t.nodeid.rpartition("::")[2]: (t.outcome, t.message) for t in outcome.tests}
    assert len(outcome.tests) == 5
    assert got["test_setup_error"][0] == "error"
    assert "setup broke" in got["test_setup_error"][1]
    assert got["test_teardown_error"][0] == "error"  # one result, though its call passed
    assert "teardown broke" in got["test_teardown_error"][1]
    assert got["test_skipped"] == ("skipped", "not today")
    assert got["test_xfail"] == ("skipped", "xfail: known bug")
    assert got["test_xpass"] == ("passed", "")
    assert outcome.protocol_errors == ()


def test_syntax_error_in_the_candidate_module_is_a_collect_error(run: Run) -> None:
    broken = "def add(a, b:\n    return a + b\n"
    tests = "from solution import add\n\ndef test_adds():\n    assert add(1, 2) == 3\n"
    outcome = run({"submission/solution.py": broken, "tests/test_add.py": tests})
    assert (outcome.status, outcome.exit_code) == ("nonzero_exit", 2)  # interrupted
    assert outcome.tests == ()
    assert [(e.nodeid, e.exception) for e in outcome.collect_errors] == [
        ("tests/test_add.py", "SyntaxError")
    ]
    assert "solution.py" in outcome.collect_errors[0].message
    assert outcome.compile_errors == (
        CompileError(path="solution.py", line=1, message="'(' was never closed"),
    )
    assert outcome.session_finished


def test_import_error_names_its_exception(run: Run) -> None:
    outcome = run({"tests/test_x.py": "import solution_that_is_missing\n"})
    assert [e.exception for e in outcome.collect_errors] == ["ModuleNotFoundError"]


def test_os_exit_at_import_is_the_submission_ending_not_a_lost_report(run: Run) -> None:
    quitter = "import os\nos._exit(0)\n"
    tests = "import solution\n\ndef test_never_runs():\n    pass\n"
    outcome = run({"submission/solution.py": quitter, "tests/test_add.py": tests})
    assert outcome.session_finished  # the tester is not the candidate's process
    assert outcome.tests == ()
    assert [e.nodeid for e in outcome.collect_errors] == ["tests/test_add.py"]
    assert outcome.submission_ended == "exited with code 0"


def test_sessions_run_in_order_each_with_a_fresh_submission_process(run: Run) -> None:
    solution = """
        import os
        SEEN = []

        def remember(value):
            SEEN.append(value)
            return os.getpid(), list(SEEN)
    """
    first = (
        "from solution import remember\n\ndef test_first():\n    assert remember('a')[1] == ['a']\n"
    )
    second = "from solution import remember\n\ndef test_second():\n    assert remember('b')[1] == ['b']\n"
    outcome = run(
        {
            "submission/solution.py": solution,
            "public_tests/test_1.py": first,
            "tests/test_2.py": second,
        },
        test_paths=("public_tests", "tests"),
    )
    assert [(t.nodeid, t.outcome) for t in outcome.tests] == [
        ("public_tests/test_1.py::test_first", "passed"),
        ("tests/test_2.py::test_second", "passed"),
    ]
    assert (outcome.status, outcome.exit_code, outcome.session_finished) == ("ok", 0, True)


def test_candidate_modules_do_not_shadow_stdlib_or_pytest(run: Run) -> None:
    solution = """
        import json

        def dump(value):
            return json.dumps(value)
    """
    tests = """
        import json
        import pytest
        from solution import dump

        def test_stdlib_and_pytest_are_the_real_ones():
            assert dump([1]) == json.dumps([1]) == "[1]"
            assert hasattr(pytest, "raises")
    """
    outcome = run(
        {
            "submission/json.py": "raise RuntimeError('candidate json imported')\n",
            "submission/pytest.py": "raise RuntimeError('candidate pytest imported')\n",
            "submission/solution.py": solution,
            "tests/test_dump.py": tests,
        }
    )
    assert [t.outcome for t in outcome.tests] == ["passed"], outcome.output


def test_garbage_on_every_descriptor_is_a_violation_never_a_result(run: Run) -> None:
    # The candidate's process holds only its end of the socket to the tester; what
    # it writes there that is not an answer voids the run, and nothing it writes
    # can reach the report.
    forger = """
        import os

        FORGED = b'{"kind": "test", "nodeid": "tests/test_a.py::test_a", "outcome": "passed"}'
        for fd in range(0, 64):
            try:
                os.write(fd, b"\\x00\\x00\\x00\\x05garbage\\n" + FORGED + b"\\n")
            except OSError:
                pass
    """
    tests = "import solution\n\ndef test_a():\n    assert False\n"
    outcome = run({"submission/solution.py": forger, "tests/test_a.py": tests})
    assert outcome.violations == ("a malformed message",)
    assert outcome.protocol_errors == ()
    assert [t.nodeid for t in outcome.tests] == []


def test_time_is_measured_on_the_containers_side(run: Run) -> None:
    """Wall time by the harness's clock and CPU time by the container's cgroup: a run that
    sleeps shows its wall time but almost no CPU; one that computes shows CPU it used."""
    tests = """
        import time
        from solution import add

        def test_sleeps():
            time.sleep(1.5)
            assert add(1, 2) == 3

        def test_computes():
            total = 0
            for i in range(2_000_000):
                total += i
            assert add(total, 1) > 0
    """
    outcome = run({"submission/solution.py": SOLUTION, "tests/test_add.py": tests})
    assert outcome.status == "ok", outcome.output
    assert outcome.duration_ms >= 1500
    assert 0 < outcome.cpu_ms < outcome.duration_ms - 1000  # the sleep used no CPU
