"""The in-container grader: PID 1 of every sandbox.

Docker runs this file's *source* with `python3 -I -c`, so the image never needs
rebuilding when it changes; it must stay a self-contained stdlib + pytest script.
The host imports it only to read its source and to unit-test the pure helpers.
That is also why it is longer than the house's ~300 lines: splitting it would
mean shipping several sources into the container.

Protocol: stdin carries one JSON header line, then `tar_bytes` bytes of an
uncompressed tar made by the host. Stdout carries exactly one JSON line, the
RunOutcome fields as builtins. The pytest child never holds a copy of stdout, so
candidate code cannot forge that line; it can only write to the event pipe,
whose content is parsed defensively (`EventLog`).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import io
import json
import math
import os
import selectors
import signal
import sys
import tarfile
import time
import traceback
from pathlib import Path, PurePosixPath
from typing import Any

WORK = "/work"
GRADER_INI = "/tmp/trialgate-pytest.ini"  # noqa: S108 - the sandbox's private tmpfs
EVENT_FD = 3  # where the child finds the event pipe
EVENT_BYTES_CAP = 4 * 1024 * 1024
EVENT_LINE_CAP = 16 * 1024
TEXT_CAP = 2048  # failure messages, collect errors
PROTOCOL_ERRORS_CAP = 50
HEADER_CAP = 64 * 1024
SWEEP_SECONDS = 5.0
DISK_FREE_MIN = 512 * 1024
PYTEST_EXIT_INTERNAL = 70
PR_SET_DUMPABLE = 4
OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
PYTEST_ARGS = (
    "-c", GRADER_INI, f"--rootdir={WORK}", "-p", "no:cacheprovider", "-p", "no:stepwise",
    "--capture=no", "-q", "--tb=short", "-o", "console_output_style=classic",
    "--import-mode=prepend",
)  # fmt: skip


class RequestError(Exception):
    """The host sent a request the harness cannot honour."""


def clean(text: str, limit: int = TEXT_CAP) -> str:
    """Cut `text` to `limit` UTF-8 bytes; lone surrogates become "?" so the
    final line always encodes."""
    data = text.encode("utf-8", "replace")[:limit]
    return data.decode("utf-8", "ignore")


class EventLog:
    """The reporter's events, parsed without trusting them: candidate code runs in
    the reporter's process and may write anything to the event pipe."""

    def __init__(self, byte_cap: int = EVENT_BYTES_CAP, line_cap: int = EVENT_LINE_CAP) -> None:
        self.tests: dict[str, dict[str, Any]] = {}
        self.collect_errors: dict[str, dict[str, Any]] = {}
        self.session_finished = False
        self.protocol_errors: list[str] = []
        self._dropped_errors = 0
        self._byte_cap = byte_cap
        self._line_cap = line_cap
        self._received = 0
        self._buffer = bytearray()
        self._skipping = False  # inside an oversized line, until its newline

    def error(self, message: str) -> None:
        if len(self.protocol_errors) < PROTOCOL_ERRORS_CAP:
            self.protocol_errors.append(clean(message, 300))
        else:
            self._dropped_errors += 1

    def feed(self, data: bytes) -> None:
        room = self._byte_cap - self._received
        if len(data) > room:
            if room >= 0:
                self.error(f"event stream over {self._byte_cap} bytes; the rest was ignored")
            self._received = self._byte_cap + 1
            data = data[: max(room, 0)]
        else:
            self._received += len(data)
        self._buffer += data
        while (newline := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:newline])
            del self._buffer[: newline + 1]
            if self._skipping:
                self._skipping = False
            elif len(line) > self._line_cap:
                self.error(f"event line over {self._line_cap} bytes")
            else:
                self._parse(line)
        if len(self._buffer) > self._line_cap:
            if not self._skipping:
                self.error(f"event line over {self._line_cap} bytes")
            self._skipping = True
            self._buffer.clear()

    def finish(self) -> list[str]:
        if self._buffer and not self._skipping:
            self.error("unterminated event line")
        self._buffer.clear()
        if self._dropped_errors:
            self.protocol_errors.append(f"{self._dropped_errors} more protocol errors omitted")
            self._dropped_errors = 0
        return self.protocol_errors

    def _parse(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
            self.error("malformed event line")
            return
        kind = event.get("kind") if isinstance(event, dict) else None
        if kind == "test":
            self._test(event)
        elif kind == "collect_error":
            self._collect_error(event)
        elif kind == "session_finished" and isinstance(event.get("exitstatus"), int):
            if self.session_finished:
                self.error("duplicate session_finished event")
            self.session_finished = True
        else:
            self.error("invalid event")

    def _test(self, event: dict[str, Any]) -> None:
        nodeid, outcome = event.get("nodeid"), event.get("outcome")
        message, duration = event.get("message", ""), event.get("duration_ms", 0.0)
        valid_duration = (
            isinstance(duration, int | float)
            and not isinstance(duration, bool)
            and math.isfinite(duration)
            and duration >= 0
        )
        if not (isinstance(nodeid, str) and nodeid and outcome in OUTCOMES) or not (
            isinstance(message, str) and valid_duration
        ):
            self.error("invalid test event")
            return
        nodeid = clean(nodeid, self._line_cap)
        if nodeid in self.tests:
            self.error(f"duplicate test event for {nodeid[:200]!r}")
            return
        self.tests[nodeid] = {
            "nodeid": nodeid,
            "outcome": outcome,
            "message": clean(message),
            "duration_ms": float(duration),
        }

    def _collect_error(self, event: dict[str, Any]) -> None:
        nodeid, exception = event.get("nodeid"), event.get("exception")
        message = event.get("message", "")
        if not all(isinstance(value, str) for value in (nodeid, exception, message)):
            self.error("invalid collect_error event")
            return
        nodeid = clean(nodeid, self._line_cap)
        if nodeid in self.collect_errors:
            self.error(f"duplicate collect_error event for {nodeid[:200]!r}")
            return
        self.collect_errors[nodeid] = {
            "nodeid": nodeid,
            "exception": clean(exception, 200),
            "message": clean(message),
        }


def classify(stopped: str | None, status: int | None, oom_kills: int) -> tuple[str, int | None]:
    """(status, exit_code) from how the pytest child ended."""
    if stopped is not None:
        return stopped, None
    if status is None:
        return "nonzero_exit", None
    if os.WIFSIGNALED(status):
        oom = os.WTERMSIG(status) == signal.SIGKILL and oom_kills > 0
        return ("oom" if oom else "nonzero_exit"), None
    code = os.waitstatus_to_exitcode(status)
    return ("ok" if code == 0 else "nonzero_exit"), code


def _read_key(path: str, key: str) -> int | None:
    """The value of `key N` in a cgroup stat file such as memory.events."""
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        return None
    return None


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def cgroup_stats(root: str = "/sys/fs/cgroup") -> tuple[int, int, int]:
    """(peak memory bytes, oom kills, pids-limit hits); cgroup v2 first, then v1."""
    peak = _read_int(f"{root}/memory.peak") or _read_int(f"{root}/memory/memory.max_usage_in_bytes")
    ooms = _read_key(f"{root}/memory.events", "oom_kill")
    if ooms is None:
        ooms = _read_key(f"{root}/memory/memory.oom_control", "oom_kill")
    pids = _read_key(f"{root}/pids.events", "max")
    if pids is None:
        pids = _read_key(f"{root}/pids/pids.events", "max")
    return peak or 0, ooms or 0, pids or 0


def disk_nearly_full(paths: tuple[str, ...] = (WORK, "/tmp")) -> bool:  # noqa: S108
    for path in paths:
        try:
            stat = os.statvfs(path)
        except OSError:
            continue
        if stat.f_bavail * stat.f_frsize < DISK_FREE_MIN or stat.f_favail < 16:
            return True
    return False


def read_request(stream: io.BufferedIOBase) -> tuple[dict[str, Any], bytes]:
    line = stream.readline(HEADER_CAP)
    if not line.endswith(b"\n"):
        raise RequestError("no header line")
    header = json.loads(line)
    if not isinstance(header, dict):
        raise RequestError("bad header")
    size, paths = header.get("tar_bytes"), header.get("test_paths")
    wall, output = header.get("wall_seconds"), header.get("output_bytes")
    if not (isinstance(size, int) and size >= 0 and isinstance(paths, list) and paths):
        raise RequestError("bad header")
    if not (isinstance(wall, int | float) and wall > 0 and isinstance(output, int) and output >= 0):
        raise RequestError("bad limits")
    if not all(isinstance(path, str) and _relative_parts(path) for path in paths):
        raise RequestError("bad test path")
    data = stream.read(size)
    if len(data) != size:
        raise RequestError("short tar")
    return header, data


def _relative_parts(name: str) -> tuple[str, ...]:
    """The parts of a safe relative path, or () when it is not one."""
    path = PurePosixPath(name)
    parts = tuple(part for part in path.parts if part != ".")
    if path.is_absolute() or not parts or ".." in parts or parts[0].startswith("-"):
        return ()
    return parts


def extract(data: bytes, dest: str) -> None:
    """Write the tar's files under `dest`. The host made it, but a stray link or
    `..` would still be a bug worth refusing loudly."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar:
            parts = _relative_parts(member.name)
            if not parts:
                raise RequestError(f"unsafe tar member {member.name!r}")
            target = Path(dest, *parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                target.write_bytes(source.read() if source else b"")
            else:
                raise RequestError(f"unsupported tar member {member.name!r}")


def snapshot(roots: list[str]) -> dict[str, str]:
    """Path -> sha256 of every file under the test folders."""
    found: dict[str, str] = {}
    for root in roots:
        for path in sorted(Path(WORK, root).rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(WORK))] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_symlink():
                found[str(path.relative_to(WORK))] = "symlink"
    return found


def seal(roots: list[str]) -> None:
    """Make the test folders read-only. Candidate code runs as the same user and could
    chmod them back, so `changed_files` still compares them after the run."""
    for root in roots:
        for path in sorted(Path(WORK, root).rglob("*"), reverse=True):
            path.chmod(0o555 if path.is_dir() else 0o444)
        Path(WORK, root).chmod(0o555)


def changed_files(before: dict[str, str], roots: list[str]) -> list[str]:
    after = snapshot(roots)
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def exception_name(exc: BaseException) -> str:
    """pytest wraps import-time failures in its CollectError; name the cause."""
    if type(exc).__name__ == "CollectError" and exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__


def phase_outcome(report: Any) -> tuple[str | None, str]:
    """(outcome, message) of one phase's report; outcome None when the phase
    decides nothing (a passing setup or teardown)."""
    if report.failed:
        return ("failed" if report.when == "call" else "error"), report.longreprtext
    if report.skipped:
        wasxfail = getattr(report, "wasxfail", None)
        if wasxfail is not None:
            return "skipped", f"xfail: {wasxfail}" if wasxfail else "xfail"
        longrepr = report.longrepr  # (path, lineno, "Skipped: reason") for a skip
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else ""
        return "skipped", reason.removeprefix("Skipped: ")
    if report.when == "call":
        return "passed", ""  # a non-strict xpass counts as passed
    return None, ""


class Reporter:
    """The pytest plugin: one JSON line per test on the event pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.phases: dict[str, dict[str, Any]] = {}
        self.collect_exceptions: dict[str, str] = {}

    def emit(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            pass  # candidate code closed the pipe; the missing events speak for themselves

    def pytest_exception_interact(self, node: Any, call: Any, report: Any) -> None:
        # Called just before pytest_collectreport; that report keeps only the
        # rendered traceback, not the exception's class.
        if report.when == "collect" and call.excinfo is not None:
            self.collect_exceptions[report.nodeid] = exception_name(call.excinfo.value)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            exception = self.collect_exceptions.pop(report.nodeid, "CollectError")
            self.emit(
                {
                    "kind": "collect_error",
                    "nodeid": report.nodeid,
                    "exception": exception,
                    "message": clean(report.longreprtext),
                }
            )

    def pytest_runtest_logreport(self, report: Any) -> None:
        # One event per test, sent at teardown (which pytest always reports), so
        # a failing teardown after a passing call is one `error`, not two results.
        state = self.phases.setdefault(report.nodeid, {"outcome": None, "message": "", "ms": 0.0})
        state["ms"] += report.duration * 1000
        outcome, message = phase_outcome(report)
        if outcome == "error" or state["outcome"] is None:
            state["outcome"] = outcome
        state["message"] = state["message"] or message
        if report.when == "teardown":
            del self.phases[report.nodeid]
            self.emit(
                {
                    "kind": "test",
                    "nodeid": report.nodeid,
                    "outcome": state["outcome"] or "error",
                    "message": clean(state["message"]),
                    "duration_ms": round(state["ms"], 3),
                }
            )

    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        self.emit({"kind": "session_finished", "exitstatus": int(exitstatus)})


def run_child(test_paths: list[str], out_w: int, event_w: int) -> None:
    """The forked pytest process; never returns."""
    code = PYTEST_EXIT_INTERNAL
    try:
        os.setsid()
        with contextlib.suppress(OSError):  # make the OOM killer pick us, not PID 1
            Path("/proc/self/oom_score_adj").write_text("1000")
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the request stream is PID 1's alone
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        os.dup2(event_w, EVENT_FD)
        os.closerange(EVENT_FD + 1, os.sysconf("SC_OPEN_MAX"))
        os.chdir(WORK)
        sys.path.append(f"{WORK}/submission")  # last: never shadows stdlib or pytest
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        import pytest  # noqa: PLC0415 - imported by main() before the request; a lookup here

        code = int(pytest.main([*test_paths, *PYTEST_ARGS], plugins=[Reporter(EVENT_FD)]))
    except BaseException:  # whatever happens, the child must reach os._exit
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # candidate code may have replaced it
                stream.flush()
        os._exit(code)


class Supervisor:
    """PID 1's side of one run: watch the child, enforce limits, clean up, report."""

    def __init__(self, child: int, output_cap: int, pipes: tuple[int, int, int]) -> None:
        out_r, event_r, wake_r = pipes
        self.child = child
        self.output_cap = output_cap
        self.output = bytearray()
        self.output_total = 0
        self.events = EventLog()
        self.status: int | None = None  # the child's wait status, once reaped
        self.stopped: str | None = None  # "timeout" or "output_limit" once we kill
        self.wake_r = wake_r
        self.sinks = {out_r: self._feed_output, event_r: self.events.feed, wake_r: None}

    def _feed_output(self, data: bytes) -> None:
        self.output_total += len(data)
        room = self.output_cap - len(self.output)
        if room > 0:
            self.output += data[:room]

    def reap(self) -> None:
        """Collect every exited child: orphans are reparented to PID 1."""
        while True:
            try:
                pid, status, _ = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.child:
                self.status = status

    def watch(self, deadline: float) -> None:
        """Until the child ends, the deadline passes or the output overflows."""
        selector = selectors.DefaultSelector()
        for fd in self.sinks:
            selector.register(fd, selectors.EVENT_READ)
        while self.status is None and self.stopped is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stopped = "timeout"
                break
            for key, _ in selector.select(remaining):
                self._drain(key.fd, selector)
            self.reap()
            if self.output_total > self.output_cap:
                self.stopped = "output_limit"
        selector.close()

    def sweep(self) -> None:
        """SIGKILL every other process in the container, fork bombs and setsid
        daemons included, until none remain."""
        if os.getpid() != 1:
            raise RuntimeError("kill(-1) is only safe as PID 1 of a sandbox")
        deadline = time.monotonic() + SWEEP_SECONDS
        while True:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)  # one pass under the task list lock: no fork escapes
            self.reap()
            others = [p for p in Path("/proc").iterdir() if p.name.isdigit() and p.name != "1"]
            if not others or time.monotonic() > deadline:
                return
            time.sleep(0.001)

    def _drain(self, fd: int, selector: selectors.BaseSelector | None = None) -> None:
        """Read `fd` until it would block (at most 1 MiB while the child lives, so
        a flood cannot keep us from the clock); at end of file, stop watching it."""
        for _ in range(16 if selector is not None else sys.maxsize):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                if selector is not None:
                    selector.unregister(fd)
                return
            sink = self.sinks[fd]
            if sink is not None:
                sink(data)
            if fd != self.wake_r and self.output_total > self.output_cap:
                return  # over the limit: stop reading, start killing

    def drain(self) -> None:
        """Whatever is left in the pipes; every writer is dead by now."""
        for fd in self.sinks:
            self._drain(fd)
        if self.stopped is None and self.output_total > self.output_cap:
            self.stopped = "output_limit"

    def outcome(self, duration_ms: int) -> dict[str, Any]:
        peak, oom_kills, pids_hits = cgroup_stats()
        status, exit_code = classify(self.stopped, self.status, oom_kills)
        return {
            "status": status,
            "exit_code": exit_code,
            "tests": list(self.events.tests.values()),
            "collect_errors": list(self.events.collect_errors.values()),
            "session_finished": self.events.session_finished,
            "duration_ms": duration_ms,
            "peak_memory_mb": round(peak / 2**20, 2),
            "output": bytes(self.output).decode("utf-8", "replace"),
            "output_truncated": self.output_total > self.output_cap,
            "pids_limit_hit": pids_hits > 0,
            "disk_full": disk_nearly_full(),
            "protocol_errors": self.events.finish(),
        }


def supervise(header: dict[str, Any]) -> dict[str, Any]:
    out_r, out_w = os.pipe()
    event_r, event_w = os.pipe()
    wake_r, wake_w = os.pipe()
    for fd in (out_r, event_r, wake_r, wake_w):
        os.set_blocking(fd, False)
    # Installed before the fork, so a child that dies at once still wakes us.
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    started = time.monotonic()
    child = os.fork()
    if child == 0:
        run_child(header["test_paths"], out_w, event_w)
    os.close(out_w)
    os.close(event_w)
    supervisor = Supervisor(child, int(header["output_bytes"]), (out_r, event_r, wake_r))
    supervisor.watch(started + float(header["wall_seconds"]))
    duration_ms = int((time.monotonic() - started) * 1000)
    supervisor.sweep()
    supervisor.drain()
    return supervisor.outcome(duration_ms)


def main() -> None:
    if os.getpid() != 1:
        sys.exit("the harness runs only as PID 1 of a sandbox container")
    # Not dumpable: same-uid candidate code cannot ptrace PID 1 or open /proc/1/fd/*.
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        sys.exit(f"trialgate harness: prctl(PR_SET_DUMPABLE) failed: errno {ctypes.get_errno()}")
    sys.dont_write_bytecode = True
    # SIGINT is the one signal Python handles by default; candidate code could
    # otherwise raise KeyboardInterrupt in PID 1 with kill(1, SIGINT).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import _pytest.config  # noqa: PLC0415 - warm pytest before any candidate byte arrives

    for name in _pytest.config.default_plugins:
        importlib.import_module(f"_pytest.{name}")
    importlib.import_module("pytest")
    try:
        header, data = read_request(sys.stdin.buffer)
        extract(data, WORK)
        Path(GRADER_INI).write_text("[pytest]\n")  # so candidate ini files are never read
        test_roots = [p for p in header["test_paths"] if Path(WORK, p).is_dir()]
        originals = snapshot(test_roots)
        seal(test_roots)
    except (RequestError, ValueError, OSError, tarfile.TarError, KeyError) as exc:
        sys.exit(f"trialgate harness: bad request: {exc!r}")
    del data
    outcome = supervise(header)
    outcome["tests_modified"] = changed_files(originals, test_roots)
    line = json.dumps(outcome, ensure_ascii=False, allow_nan=False) + "\n"
    data = line.encode("utf-8")
    while data:
        data = data[os.write(1, data) :]
    os._exit(0)  # all written with os.write; skip the interpreter's teardown


if __name__ == "__main__":
    main()
