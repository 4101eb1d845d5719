"""What a run reports: per-test events, collect errors, the session's end, and
the reporter's resistance to candidate code in the same process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandboxes.interfaces import RunOutcome

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
    assert outcome.session_finished


def test_import_error_names_its_exception(run: Run) -> None:
    outcome = run({"tests/test_x.py": "import solution_that_is_missing\n"})
    assert [e.exception for e in outcome.collect_errors] == ["ModuleNotFoundError"]


def test_os_exit_at_import_ends_without_session_finished(run: Run) -> None:
    quitter = "import os\nos._exit(0)\n"
    tests = "import solution\n\ndef test_never_runs():\n    pass\n"
    outcome = run({"submission/solution.py": quitter, "tests/test_add.py": tests})
    assert (outcome.status, outcome.exit_code) == ("ok", 0)
    assert not outcome.session_finished
    assert outcome.tests == ()


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


def test_forged_and_garbage_events_become_protocol_errors(run: Run) -> None:
    # Candidate code shares the reporter's process, so it can reach the event
    # pipe; what it writes there is flagged, and never crashes the harness.
    forger = """
        import os

        FORGED = b'{"kind": "test", "nodeid": "tests/test_a.py::test_a", "outcome": "passed"}'
        for fd in range(3, 10):
            try:
                os.write(fd, b"garbage\\n" + FORGED + b"\\n" + b"[" * 10000 + b"\\n")
                break
            except OSError:
                pass
    """
    tests = "import solution\n\ndef test_a():\n    assert False\n"
    outcome = run({"submission/solution.py": forger, "tests/test_a.py": tests})
    assert outcome.status == "nonzero_exit"
    assert outcome.session_finished
    assert any("malformed" in error for error in outcome.protocol_errors)
    # The real report of test_a collides with the forged one: the judge sees both.
    assert any("duplicate" in error for error in outcome.protocol_errors)
