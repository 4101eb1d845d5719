"""The attach-socket conversation: request packing and frame reading, over a
local socket pair standing in for the engine's end."""

from __future__ import annotations

import io
import json
import socket
import struct
import tarfile
from collections.abc import Iterator

import pytest

from sandboxes import channel, harness
from sandboxes.interfaces import RunLimits, RunSpec


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    host, engine = socket.socketpair()
    yield host, engine
    host.close()
    engine.close()


def test_request_is_a_header_line_and_a_tar_of_the_files() -> None:
    spec = RunSpec(
        image="i",
        files={"tests/test_a.py": b"x", "submission/a.py": b"yy"},
        test_paths=("tests", "public_tests"),
        limits=RunLimits(wall_seconds=2.5, output_kb=3),
    )
    header_line, _, payload = channel.pack_request(spec).partition(b"\n")
    header = json.loads(header_line)
    assert header == {
        "tar_bytes": len(payload),
        "wall_seconds": 2.5,
        "output_bytes": 3072,
        "test_paths": ["tests", "public_tests"],
    }
    with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
        assert {m.name: tar.extractfile(m).read() for m in tar} == {  # type: ignore[union-attr]
            "submission/a.py": b"yy",
            "tests/test_a.py": b"x",
        }


@pytest.mark.parametrize("name", ["/etc/passwd", "../x", "tests/../../x", ""])
def test_paths_outside_the_run_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        channel.pack_request(RunSpec(image="i", files={name: b""}))


@pytest.mark.parametrize(
    "paths",
    [
        (),
        ("/tests",),
        ("../tests",),
        ("--pdb",),
        ("a/b",),
        ("submission",),
        (".home",),
        ("t", "t"),
        ("a", "b", "c"),
    ],
)
def test_test_paths_that_are_not_distinct_top_folders_are_refused(paths: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        channel.pack_request(RunSpec(image="i", files={}, test_paths=paths))


def test_files_outside_the_submission_and_the_test_folders_are_refused() -> None:
    with pytest.raises(ValueError):
        channel.pack_request(RunSpec(image="i", files={"elsewhere/x.py": b""}))


def test_reply_line_is_read_across_frames_and_stderr_kept_apart(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    host, engine = pair
    started = harness.STARTED
    engine.sendall(
        frame(2, b"warning\n")
        + frame(1, started[:5])
        + frame(1, started[5:] + b'{"st')
        + frame(1, b'atus"}\ntrailing')
    )
    reply = channel.exchange(host, b"request", seconds=5, cap=10_000)
    assert reply == channel.Reply(
        ending="line", started=True, line=b'{"status"}', stderr=b"warning\n"
    )
    assert engine.recv(100) == b"request"


def test_stream_closing_before_started_is_eof_not_started(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    host, engine = pair
    engine.sendall(frame(1, b"partial") + frame(2, b"Traceback"))
    engine.shutdown(socket.SHUT_WR)
    assert channel.exchange(host, b"", seconds=5, cap=10_000) == channel.Reply(
        ending="eof", stderr=b"Traceback"
    )


def test_stream_closing_after_started_says_the_run_had_started(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    host, engine = pair
    engine.sendall(frame(1, harness.STARTED + b'{"status": "o'))
    engine.shutdown(socket.SHUT_WR)
    reply = channel.exchange(host, b"", seconds=5, cap=10_000)
    assert (reply.ending, reply.started) == ("eof", True)


def test_a_first_line_other_than_started_is_never_taken_as_started(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    host, engine = pair
    engine.sendall(frame(1, b'{"status": "ok"}\n' + harness.STARTED + b'{"status": "ok"}\n'))
    reply = channel.exchange(host, b"", seconds=5, cap=10_000)
    assert (reply.ending, reply.started) == ("eof", False)


def test_silence_past_the_deadline_is_a_timeout(pair: tuple[socket.socket, socket.socket]) -> None:
    host, _ = pair
    assert channel.exchange(host, b"", seconds=0.2, cap=10_000).ending == "timeout"


def test_more_bytes_than_the_cap_is_an_overflow(pair: tuple[socket.socket, socket.socket]) -> None:
    host, engine = pair
    engine.sendall(frame(1, b"x" * 5000))
    assert channel.exchange(host, b"", seconds=5, cap=1000).ending == "overflow"


def test_reply_cap_leaves_room_for_escaped_output() -> None:
    assert channel.reply_cap(1000) > 6 * 1000
