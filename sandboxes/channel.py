"""The conversation with a container's harness over Docker's attach socket.

One request in (a JSON header line and a tar of the run's files, on stdin); out
(on stdout) a `started` line once the harness holds the request, before any
candidate byte runs, then one JSON line with the outcome. The `started` line is
how the host tells the infrastructure failing (no `started`) from a run that
went wrong after the candidate's code began (the candidate's to answer for).

Docker multiplexes the container's stdout and stderr on the socket as frames
with an 8-byte header (stream, 0, 0, 0, big-endian length); see
docker.utils.socket. The host bounds what it accepts in both time
and bytes, so a wedged or babbling container cannot hang or flood the worker.
"""

from __future__ import annotations

import io
import struct
import tarfile
import time
from pathlib import PurePosixPath
from typing import Literal, Protocol

import msgspec

from sandboxes import harness
from sandboxes.interfaces import RunSpec

STDOUT, STDERR = 1, 2
STDERR_KEPT = 64 * 1024  # harness diagnostics, for SandboxError messages
_FRAME = struct.Struct(">BxxxL")

Ending = Literal["line", "eof", "timeout", "overflow"]


class _Header(msgspec.Struct, frozen=True, kw_only=True):
    tar_bytes: int
    wall_seconds: float
    output_bytes: int
    test_paths: tuple[str, ...]


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    ending: Ending
    started: bool = False  # the harness acknowledged the request
    line: bytes = b""  # the harness's result line, when ending == "line"
    stderr: bytes = b""


class RawSocket(Protocol):
    def settimeout(self, value: float | None, /) -> None: ...
    def sendall(self, data: bytes, /) -> None: ...
    def recv(self, size: int, /) -> bytes: ...


def reply_cap(output_bytes: int) -> int:
    """The most a healthy harness can write: its output (JSON escapes can grow a
    byte to six) and its events (re-encoded, at most about three times their
    capped size), with room for the rest of the outcome."""
    return 6 * output_bytes + 3 * harness.EVENT_BYTES_CAP + 1024 * 1024


def pack_request(spec: RunSpec) -> bytes:
    """The bytes the harness expects on stdin. A malformed spec is the caller's
    bug, so it raises ValueError here rather than SandboxError later."""
    sessions = spec.test_paths
    if not (
        0 < len(sessions) <= harness.MAX_SESSIONS
        and len(set(sessions)) == len(sessions)
        and all(_top_folder(path) and path != harness.SUBMISSION for path in sessions)
    ):
        raise ValueError(
            f"test paths must be 1 to {harness.MAX_SESSIONS} distinct top-level folders"
            f" other than {harness.SUBMISSION!r}: {sessions!r}"
        )
    allowed = {harness.SUBMISSION, *sessions}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(spec.files.items()):
            if not _inside(name) or PurePosixPath(name).parts[0] not in allowed:
                raise ValueError(
                    f"file path must be under {harness.SUBMISSION}/ or a test path: {name!r}"
                )
            info = tarfile.TarInfo(str(PurePosixPath(name)))
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    payload = buffer.getvalue()
    header = _Header(
        tar_bytes=len(payload),
        wall_seconds=spec.limits.wall_seconds,
        output_bytes=spec.limits.output_kb * 1024,
        test_paths=spec.test_paths,
    )
    return msgspec.json.encode(header) + b"\n" + payload


def _top_folder(name: str) -> bool:
    return _inside(name) and len(PurePosixPath(name).parts) == 1 and not name.startswith(".")


def _inside(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(path.parts)
        and not path.is_absolute()
        and ".." not in path.parts
        and not name.startswith("-")
    )


def exchange(sock: RawSocket, request: bytes, *, seconds: float, cap: int) -> Reply:
    """Send `request`, then read frames until the harness's result line (the one
    after `started`), end of stream, `seconds` elapsed or more than `cap` bytes arrived."""
    deadline = time.monotonic() + seconds
    stdout, stderr, pending = bytearray(), bytearray(), bytearray()
    received = 0
    started = False
    try:
        sock.settimeout(seconds)
        sock.sendall(request)
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = sock.recv(256 * 1024)
            if not chunk:
                return Reply(ending="eof", started=started, stderr=bytes(stderr))
            received += len(chunk)
            if received > cap:
                return Reply(ending="overflow", started=started, stderr=bytes(stderr))
            pending += chunk
            while len(pending) >= _FRAME.size:
                stream, size = _FRAME.unpack_from(pending)
                if len(pending) < _FRAME.size + size:
                    break
                data = pending[_FRAME.size : _FRAME.size + size]
                del pending[: _FRAME.size + size]
                if stream == STDOUT:
                    stdout += data
                elif len(stderr) < STDERR_KEPT:
                    stderr += data[: STDERR_KEPT - len(stderr)]
            if not started and (newline := stdout.find(b"\n")) >= 0:
                if bytes(stdout[: newline + 1]) != harness.STARTED:
                    return Reply(ending="eof", stderr=bytes(stderr) + bytes(stdout[:200]))
                started = True
                del stdout[: newline + 1]
            # The harness writes its result line last and exits; there is no need to
            # wait for the stream to close.
            if started and (newline := stdout.find(b"\n")) >= 0:
                line = bytes(stdout[:newline])
                return Reply(ending="line", started=True, line=line, stderr=bytes(stderr))
    except TimeoutError:
        return Reply(ending="timeout", started=started, stderr=bytes(stderr))
