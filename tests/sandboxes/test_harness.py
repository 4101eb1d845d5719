"""The harness's pure helpers, on the host: event parsing, status rules, cgroup
files, the request format. Its container behaviour is pinned in test_docker_*."""

from __future__ import annotations

import io
import json
import signal
import tarfile
from pathlib import Path

import pytest

from sandboxes import harness
from sandboxes.harness import EventLog, RequestError, classify


def line(**event: object) -> bytes:
    return json.dumps(event).encode() + b"\n"


def test_events_become_tests_collect_errors_and_session_end() -> None:
    log = EventLog()
    log.feed(line(kind="test", nodeid="t.py::a", outcome="passed", duration_ms=1.5))
    log.feed(line(kind="collect_error", nodeid="u.py", exception="SyntaxError", message="m"))
    data = line(kind="session_finished", exitstatus=1)
    log.feed(data[:5])  # lines may arrive in pieces
    log.feed(data[5:])
    assert log.tests == {
        "t.py::a": {"nodeid": "t.py::a", "outcome": "passed", "message": "", "duration_ms": 1.5}
    }
    assert log.collect_errors["u.py"]["exception"] == "SyntaxError"
    assert log.sessions_finished == 1
    assert log.finish() == []


@pytest.mark.parametrize(
    "data",
    [
        b"not json\n",
        b"[" * 5000 + b"\n",  # deep nesting must not crash the parser
        b'{"kind": "test", "nodeid": "a", "outcome": "won"}\n',
        b'{"kind": "test", "nodeid": "a", "outcome": "passed", "duration_ms": NaN}\n',
        b'{"kind": "test", "nodeid": "", "outcome": "passed"}\n',
        b'{"kind": "collect_error", "nodeid": "a", "exception": 3}\n',
        b'{"kind": "session_finished"}\n',
        b'{"kind": "surprise"}\n',
        b"[1, 2]\n",
    ],
)
def test_malformed_events_are_protocol_errors(data: bytes) -> None:
    log = EventLog()
    log.feed(data)
    assert log.tests == {}
    assert len(log.finish()) == 1


def test_duplicate_nodeid_keeps_the_first_and_records_an_error() -> None:
    log = EventLog()
    log.feed(line(kind="test", nodeid="a", outcome="failed"))
    log.feed(line(kind="test", nodeid="a", outcome="passed"))
    assert log.tests["a"]["outcome"] == "failed"
    assert "duplicate" in log.finish()[0]


def test_oversized_line_is_skipped_up_to_its_newline() -> None:
    log = EventLog(line_cap=100)
    log.feed(b"x" * 150)
    log.feed(b"y" * 150 + b"\n")
    log.feed(line(kind="test", nodeid="a", outcome="passed"))
    assert list(log.tests) == ["a"]
    assert log.finish() == ["event line over 100 bytes"]


def test_event_stream_is_capped() -> None:
    log = EventLog(byte_cap=200)
    for n in range(10):
        log.feed(line(kind="test", nodeid=f"n{n}", outcome="passed"))
    assert 0 < len(log.tests) < 10
    errors = log.finish()
    assert any("over 200 bytes" in error for error in errors)


def test_protocol_errors_are_capped_with_a_count_of_the_rest() -> None:
    log = EventLog()
    log.feed(b"bad\n" * (harness.PROTOCOL_ERRORS_CAP + 7))
    errors = log.finish()
    assert len(errors) == harness.PROTOCOL_ERRORS_CAP + 1
    assert errors[-1] == "7 more protocol errors omitted"


def test_unterminated_last_line_is_a_protocol_error() -> None:
    log = EventLog()
    log.feed(b'{"kind": "session_finished", "exitstatus": 0}')
    assert log.finish() == ["unterminated event line"]


def test_clean_cuts_at_a_character_boundary_and_replaces_surrogates() -> None:
    assert harness.clean("é" * 10, 5) == "éé"
    assert harness.clean("a\ud800b") == "a?b"
    assert harness.clean("ok") == "ok"


def exited(code: int) -> int:
    return code << 8


@pytest.mark.parametrize(
    ("stopped", "status", "ooms", "expected"),
    [
        (None, exited(0), 0, ("ok", 0)),
        (None, exited(1), 0, ("nonzero_exit", 1)),
        (None, exited(0), 3, ("ok", 0)),  # a killed grandchild does not fail the run
        (None, signal.SIGKILL, 1, ("oom", None)),
        (None, signal.SIGKILL, 0, ("nonzero_exit", None)),
        (None, signal.SIGSEGV, 1, ("nonzero_exit", None)),
        ("timeout", signal.SIGKILL, 1, ("timeout", None)),
        ("output_limit", exited(0), 0, ("output_limit", None)),
    ],
)
def test_status_rules(
    stopped: str | None, status: int, ooms: int, expected: tuple[str, int | None]
) -> None:
    assert classify(stopped, status, ooms) == expected


def test_cgroup_v2_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "memory.peak").write_text("104857600\n")
    (tmp_path / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    (tmp_path / "pids.events").write_text("max 12\n")
    assert harness.cgroup_stats(str(tmp_path)) == (100 * 2**20, 1, 12)


def test_cgroup_v1_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    (tmp_path / "pids").mkdir()
    (tmp_path / "memory" / "memory.max_usage_in_bytes").write_text("2048\n")
    (tmp_path / "memory" / "memory.oom_control").write_text(
        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
    )
    (tmp_path / "pids" / "pids.events").write_text("max 0\n")
    assert harness.cgroup_stats(str(tmp_path)) == (2048, 2, 0)


def test_missing_cgroup_files_read_as_zero(tmp_path: Path) -> None:
    assert harness.cgroup_stats(str(tmp_path)) == (0, 0, 0)


def tar_of(*members: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for member in members:
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return buffer.getvalue()


def test_request_is_read_and_extracted(tmp_path: Path) -> None:
    member = tarfile.TarInfo("submission/pkg/mod.py")
    member.size = 3
    payload = tar_of(member, data=b"x=1")
    header = {"tar_bytes": len(payload), "wall_seconds": 1, "output_bytes": 9, "test_paths": ["t"]}
    stream = io.BytesIO(json.dumps(header).encode() + b"\n" + payload)
    got, data = harness.read_request(stream)
    harness.extract(data, str(tmp_path))
    assert got["test_paths"] == ["t"]
    assert (tmp_path / "submission" / "pkg" / "mod.py").read_bytes() == b"x=1"


@pytest.mark.parametrize("paths", [[], ["/abs"], ["../up"], ["--pdb"], [3]])
def test_bad_test_paths_are_refused(paths: list[object]) -> None:
    header = {"tar_bytes": 0, "wall_seconds": 1, "output_bytes": 9, "test_paths": paths}
    with pytest.raises(RequestError):
        harness.read_request(io.BytesIO(json.dumps(header).encode() + b"\n"))


@pytest.mark.parametrize(
    "limits",
    [
        {"wall_seconds": 0, "output_bytes": 9},
        {"wall_seconds": 1},
        {"wall_seconds": "1", "output_bytes": 9},
    ],
)
def test_bad_limits_are_refused(limits: dict[str, object]) -> None:
    header = {"tar_bytes": 0, "test_paths": ["t"], **limits}
    with pytest.raises(RequestError):
        harness.read_request(io.BytesIO(json.dumps(header).encode() + b"\n"))


def test_short_tar_is_refused() -> None:
    header = {"tar_bytes": 10, "wall_seconds": 1, "output_bytes": 9, "test_paths": ["t"]}
    with pytest.raises(RequestError):
        harness.read_request(io.BytesIO(json.dumps(header).encode() + b"\nabc"))


def test_links_and_escapes_in_the_tar_are_refused(tmp_path: Path) -> None:
    link = tarfile.TarInfo("tests/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(RequestError):
        harness.extract(tar_of(link), str(tmp_path))
    with pytest.raises(RequestError):
        harness.extract(tar_of(tarfile.TarInfo("../escape")), str(tmp_path))


def test_main_refuses_to_run_outside_a_container() -> None:
    # Forking graders and changing users on the host would be a disaster; the guard is the safety net.
    with pytest.raises(SystemExit):
        harness.main()
