"""The in-container grader: PID 1 of every sandbox, and the processes it starts.

Docker runs this file's *source* (and `boundary.py`'s) with `python3 -I -c`, so
the image never needs rebuilding when they change; both stay stdlib + pytest.
The host imports them only to read their source and to unit-test pure helpers.
That is also why this file is longer than the house's ~300 lines: splitting it
further would mean shipping more sources into the container.

Who runs what (uids are fixed; the image needs no entry for them):
- PID 1 starts as root with CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_SETPCAP only. Before a
  request arrives it forks, per session, a *submission* process (the sandbox
  user, 10001) and a *tester* (a grader uid of that session's own). Then it
  reads the request, lays the files out with owners and modes (each session's
  tests readable by its tester alone), and drops to uid 10000, losing every
  capability, before any candidate byte runs. Forking before the request means
  no submission process ever held the tests in its memory.
- Each session (the host's `test_paths`, in order: public tests before hidden
  ones) is one pytest run in its tester, talking to its own, fresh submission
  process over a socket (`boundary.py`). A session starts only when the last
  has ended, so nothing a later session's tests reveal to the candidate's code
  can reach an earlier session's results.
- The tester's reporter writes events to a pipe only PID 1 reads; only PID 1
  writes the host's channel (its stdout, the attach socket), first a `started`
  line once the request is in, then one JSON line with the outcome.

What the candidate's code can no longer do, and why: read the tests (other
uid, mode 0700), forge or suppress the report (another process and uid; no
ptrace: different uid and not dumpable), signal or kill PID 1 or the tester
(different uid), or crash PID 1 with hostile files (PID 1 never walks the
candidate's tree). It can still exhaust the container's shared limits (memory,
processes, disk, time, output): each has its own verdict.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.abc
import importlib.machinery
import io
import json
import math
import os
import selectors
import signal
import socket
import sys
import tarfile
import time
import traceback
import types
from pathlib import Path, PurePosixPath
from typing import IO, Any

try:  # on the host
    from sandboxes import boundary
except ImportError:  # in the sandbox, where the bootstrap loaded it under this name
    import trialgate_boundary as boundary  # type: ignore[no-redef]

WORK = "/work"
GRADER_ROOT = f"{WORK}/grader"
SUBMISSION_DIR = f"{WORK}/submission"
SUBMISSION = "submission"
SUPERVISOR_UID = 10000
CANDIDATE_UID = 10001  # the image's "sandbox" user
GRADER_UIDS = (10002, 10003)  # one per session; each reads only its own tests
MAX_SESSIONS = len(GRADER_UIDS)
EVENT_BYTES_CAP = 4 * 1024 * 1024
EVENT_LINE_CAP = 16 * 1024
MESSAGE_CAP = 1024  # a test's failure message
TEXT_CAP = 2048  # collect errors
PROTOCOL_ERRORS_CAP = 50
HEADER_CAP = 64 * 1024
DISK_FREE_MIN = 512 * 1024
PYTEST_EXIT_INTERNAL = 70
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
LAST_CAPABILITY = 63
STARTED = b'{"started":true}\n'
OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
PYTEST_ARGS = (
    f"--rootdir={GRADER_ROOT}", "-p", "no:cacheprovider", "-p", "no:stepwise",
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


def _finite_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value < 1e12
    )


class EventLog:
    """The testers' events, parsed defensively: the tester is trusted, but what it
    reports quotes the candidate's values, and a bug must not break PID 1."""

    def __init__(self, byte_cap: int = EVENT_BYTES_CAP, line_cap: int = EVENT_LINE_CAP) -> None:
        self.tests: dict[str, dict[str, Any]] = {}
        self.collect_errors: dict[str, dict[str, Any]] = {}
        self.compile_errors: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.sessions_finished = 0
        self.submission_gone = False
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
        elif kind == "compile_error":
            self._compile_error(event)
        elif kind == "violation" and isinstance(event.get("reason"), str):
            if len(self.violations) < 5:
                self.violations.append(clean(event["reason"], 300))
        elif kind == "submission_gone":
            self.submission_gone = True
        elif kind == "session_finished" and isinstance(event.get("exitstatus"), int):
            self.sessions_finished += 1
        else:
            self.error("invalid event")

    def _test(self, event: dict[str, Any]) -> None:
        nodeid, outcome = event.get("nodeid"), event.get("outcome")
        message, duration = event.get("message", ""), event.get("duration_ms", 0.0)
        if not (isinstance(nodeid, str) and nodeid and outcome in OUTCOMES) or not (
            isinstance(message, str) and _finite_number(duration)
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
            "message": clean(message, MESSAGE_CAP * 4),
            "duration_ms": float(duration),
        }

    def _collect_error(self, event: dict[str, Any]) -> None:
        nodeid, exception = event.get("nodeid"), event.get("exception")
        message = event.get("message", "")
        if not (
            isinstance(nodeid, str) and isinstance(exception, str) and isinstance(message, str)
        ):
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

    def _compile_error(self, event: dict[str, Any]) -> None:
        path, line, message = event.get("path"), event.get("line"), event.get("message")
        if not (
            isinstance(path, str)
            and isinstance(message, str)
            and isinstance(line, int | float)
            and _finite_number(line)
        ):
            self.error("invalid compile_error event")
            return
        if len(self.compile_errors) < 20:
            self.compile_errors.append(
                {"path": clean(path, 300), "line": int(line), "message": clean(message, 300)}
            )


def classify(stopped: str | None, status: int | None, oom_kills: int) -> tuple[str, int | None]:
    """(status, exit_code) from how a tester ended."""
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


def cgroup_cpu_ms(root: str = "/sys/fs/cgroup") -> int:
    """CPU time the container used so far, by the kernel's own account (cgroup v2, then
    v1): a stalled engine on the host cannot add to it, unlike the host's wall clock."""
    usage_usec = _read_key(f"{root}/cpu.stat", "usage_usec")
    if usage_usec is not None:
        return usage_usec // 1000
    usage_ns = _read_int(f"{root}/cpuacct/cpuacct.usage")
    return usage_ns // 1_000_000 if usage_ns is not None else 0


def disk_nearly_full(paths: tuple[str, ...] = (WORK, "/tmp")) -> bool:  # noqa: S108
    for path in paths:
        try:
            stat = os.statvfs(path)
        except OSError:
            continue
        if stat.f_bavail * stat.f_frsize < DISK_FREE_MIN or stat.f_favail < 16:
            return True
    return False


def read_request(stream: IO[bytes]) -> tuple[dict[str, Any], bytes]:
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
    parts = [_relative_parts(path) if isinstance(path, str) else () for path in paths]
    if not all(len(p) == 1 and p[0] != SUBMISSION and p[0][0] != "." for p in parts) or len(
        set(parts)
    ) != len(parts):
        raise RequestError("bad test path")
    if len(paths) > MAX_SESSIONS:
        raise RequestError(f"at most {MAX_SESSIONS} test paths")
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


def extract(data: bytes, dest: str, owners: dict[str, int] | None = None) -> list[str]:
    """Write the tar's files under `dest`: the submission's under `submission/`, each
    session's tests under `grader/<path>/`. With `owners` (top folder -> uid, as
    root), everything is chowned, and each test folder is 0700. Returns the
    submission's file names. The host made the tar, but a stray link, `..` or a
    file outside the known folders would still be a bug worth refusing loudly."""
    found: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar:
            parts = _relative_parts(member.name)
            if not parts:
                raise RequestError(f"unsafe tar member {member.name!r}")
            top = parts[0]
            if owners is not None and top not in owners:
                raise RequestError(f"tar member outside the run's folders: {member.name!r}")
            base = Path(dest) if top == SUBMISSION else Path(dest, "grader")
            target = base.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                target.write_bytes(source.read() if source else b"")
                if top == SUBMISSION:
                    found.append("/".join(parts[1:]))
            else:
                raise RequestError(f"unsupported tar member {member.name!r}")
    if owners is not None:
        for top, uid in owners.items():
            root = Path(dest, top) if top == SUBMISSION else Path(dest, "grader", top)
            root.mkdir(parents=True, exist_ok=True)
            # Mode first and the folder itself last: without CAP_FOWNER and
            # CAP_DAC_OVERRIDE, root loses both once the folder is another's.
            root.chmod(0o755 if top == SUBMISSION else 0o700)
            for path in [*sorted(root.rglob("*"), reverse=True), root]:
                os.chown(path, uid, uid)
    return found


def exception_name(exc: BaseException) -> str:
    """pytest wraps import-time failures in its CollectError; name the cause. A
    class the submission made is named by what it derives from, never by its own
    (candidate-chosen) name."""
    if type(exc).__name__ == "CollectError" and exc.__cause__ is not None:
        exc = exc.__cause__
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return "Exception"


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
    """The tester's pytest plugin: one JSON line per test on the event pipe."""

    def __init__(self, fd: int, endpoint: boundary.Endpoint) -> None:
        self.fd = fd
        self.endpoint = endpoint
        self.phases: dict[str, dict[str, Any]] = {}
        self.collect_exceptions: dict[str, str] = {}

    def emit(self, event: dict[str, Any]) -> None:
        data = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        with contextlib.suppress(OSError):  # PID 1 is gone: the run is over anyway
            while data:
                data = data[os.write(self.fd, data) :]

    def pytest_exception_interact(self, node: Any, call: Any, report: Any) -> None:
        # Called just before pytest_collectreport; that report keeps only the
        # rendered traceback, not the exception's class.
        if report.when == "collect" and call.excinfo is not None:
            self.collect_exceptions[report.nodeid] = exception_name(call.excinfo.value)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            exception = self.collect_exceptions.pop(report.nodeid, "CollectError")
            message = boundary.escape(report.longreprtext, TEXT_CAP)
            self.emit(
                {
                    "kind": "collect_error",
                    "nodeid": report.nodeid,
                    "exception": exception,
                    "message": clean(message),
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
                    "message": clean(
                        boundary.escape(state["message"], MESSAGE_CAP), MESSAGE_CAP * 4
                    ),
                    "duration_ms": round(state["ms"], 3),
                }
            )

    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        if self.endpoint.violation is not None:
            self.emit({"kind": "violation", "reason": self.endpoint.violation})
        elif self.endpoint.gone:
            self.emit({"kind": "submission_gone"})
        self.emit({"kind": "session_finished", "exitstatus": int(exitstatus)})

    def compile_check(self, root: str, names: list[str]) -> None:
        """Compile (never run) each of the candidate's Python files, so a syntax error
        is reported with a file and line that the grader, not the candidate, wrote."""
        for name in names:
            if not name.endswith(".py"):
                continue
            try:
                source = Path(root, name).read_bytes()
                compile(source, name, "exec", dont_inherit=True)
            except SyntaxError as exc:
                line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else 0
                text = exc.msg if isinstance(exc.msg, str) else "invalid syntax"
                self.emit({"kind": "compile_error", "path": name, "line": line, "message": text})
            except (ValueError, OSError, RecursionError, MemoryError) as exc:
                self.emit(
                    {
                        "kind": "compile_error",
                        "path": name,
                        "line": 0,
                        "message": type(exc).__name__,
                    }
                )


class SubmissionModule(types.ModuleType):
    """A module of the candidate's, seen from the tests: attributes are read from
    and written to the real module in the submission process."""

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(self.__dict__["_tg_remote"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name.endswith("__"):
            super().__setattr__(name, value)  # the import system's own bookkeeping
        else:
            setattr(self.__dict__["_tg_remote"], name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.__dict__["_tg_remote"], name)

    def __dir__(self) -> list[str]:
        return list(dir(self.__dict__["_tg_remote"]))


class SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on the tester's `sys.meta_path`: the candidate's top-level modules
    (and their submodules) import as `SubmissionModule`s. Anything the tests'
    folders or the standard library provide is found first, so a candidate's
    file can never stand in for a test helper or a library."""

    def __init__(self, top_names: set[str], endpoint: Any) -> None:
        self.top_names = top_names
        self.endpoint = endpoint

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.partition(".")[0] not in self.top_names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        __tracebackhide__ = True
        remote = self.endpoint.request("import", spec.name)
        module = SubmissionModule(spec.name)
        module.__dict__["_tg_remote"] = remote
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def submission_top_names(files: list[str]) -> set[str]:
    """Importable top-level names among the candidate's files: `x.py` and folders."""
    names = set()
    for name in files:
        head, sep, _ = name.partition("/")
        top = head if sep else head.removesuffix(".py") if head.endswith(".py") else ""
        if top.isidentifier():
            names.add(top)
    return names


def _drop_to(uid: int) -> None:
    """Become `uid` for good: no groups, no capabilities (setuid from root clears the
    effective and permitted sets; the bounding set is emptied first, so nothing,
    not even an exec, could bring one back)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for capability in range(LAST_CAPABILITY + 1):
        prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last one
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _not_dumpable() -> None:
    # Not dumpable: no ptrace of this process and no /proc/<pid>/{mem,fd,environ} for others.
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        os._exit(PYTEST_EXIT_INTERNAL)


def _child_setup(keep: tuple[int, ...], output_w: int) -> None:
    """Common to every process PID 1 starts: signals back to default, stdin empty,
    stdout and stderr to the output pipe, every other descriptor closed."""
    os.setsid()
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    # Python's own default: a closed pipe or socket is an error to handle, not a
    # death (a tester whose candidate's process was killed must still report).
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    for fd in range(3, 1024):
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def submission_process(sock_fd: int) -> None:
    """The candidate's process: serve the tester's calls until it hangs up; never returns."""
    code = 0
    try:
        with contextlib.suppress(OSError):  # make the OOM killer pick us, not the graders
            Path("/proc/self/oom_score_adj").write_text("1000")
        _drop_to(CANDIDATE_UID)
        os.environ.clear()
        home = "/tmp"  # noqa: S108 - the container's own tmpfs, the candidate's to use
        os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"})
        sock = socket.socket(fileno=sock_fd)
        endpoint = boundary.Endpoint(sock, trusted=False)
        # The first call arrives only once PID 1 has laid the files out.
        first = endpoint._recv()
        os.chdir(SUBMISSION_DIR)
        sys.path.append(SUBMISSION_DIR)  # last: never shadows the standard library
        sys.dont_write_bytecode = True
        if first[0] == "q":
            endpoint._serve(first)
            endpoint.serve_forever()
    except boundary.SubmissionGoneError:
        pass
    except BaseException:  # the candidate's code may raise anything, SystemExit included
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # candidate code may have replaced it
                stream.flush()
        os._exit(code)


def tester_process(session: int, control_fd: int, event_fd: int, sock_fd: int) -> None:
    """A session's pytest run over its tests, with the candidate's modules as proxies."""
    code = PYTEST_EXIT_INTERNAL
    try:
        uid = GRADER_UIDS[session]
        _drop_to(uid)
        _not_dumpable()
        with os.fdopen(control_fd, "rb") as control:
            raw = control.read(HEADER_CAP)
        if not raw:
            os._exit(0)  # no such session in this run
        config = json.loads(raw)
        home = f"{GRADER_ROOT}/.home-{session}"
        scratch, ini = f"{home}/scratch", f"{home}/pytest.ini"
        os.environ.clear()
        os.environ.update(
            {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": scratch, "LANG": "C.UTF-8"}
        )
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        os.chdir(GRADER_ROOT)
        endpoint = boundary.Endpoint(socket.socket(fileno=sock_fd), trusted=True)
        sys.meta_path.append(SubmissionFinder(set(config["modules"]), endpoint))
        reporter = Reporter(event_fd, endpoint)
        reporter.compile_check(SUBMISSION_DIR, config["compile"])
        import pytest  # noqa: PLC0415 - imported by main() before the request; a lookup here

        args = [config["path"], "-c", ini, f"--basetemp={scratch}/pytest", *PYTEST_ARGS]
        code = int(pytest.main(args, plugins=[reporter]))
    except BaseException:  # whatever happens, the tester must reach os._exit
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


class Session:
    """One tester and its submission process, forked before the request arrives."""

    def __init__(self, index: int, output_w: int, event_w: int) -> None:
        self.index = index
        tester_sock, submission_sock = socket.socketpair()
        control_r, self.control_w = os.pipe()
        self.submission = os.fork()
        if self.submission == 0:
            _child_setup((submission_sock.fileno(),), output_w)
            submission_process(submission_sock.fileno())
        self.tester = os.fork()
        if self.tester == 0:
            keep = (control_r, event_w, tester_sock.fileno())
            _child_setup(keep, output_w)
            tester_process(index, control_r, event_w, tester_sock.fileno())
        os.close(control_r)
        tester_sock.close()
        submission_sock.close()
        self.tester_status: int | None = None
        self.submission_status: int | None = None

    def start(self, config: dict[str, Any] | None) -> None:
        """Hand the tester its work (None: no work, it exits)."""
        with contextlib.suppress(OSError):  # a tester that died already is found by reap
            if config is not None:
                os.write(self.control_w, json.dumps(config).encode())
        os.close(self.control_w)


class Supervisor:
    """PID 1's side of one run: watch the sessions, enforce limits, report."""

    def __init__(self, output_cap: int, pipes: tuple[int, int, int]) -> None:
        out_r, event_r, wake_r = pipes
        self.output_cap = output_cap
        self.output = bytearray()
        self.output_total = 0
        self.events = EventLog()
        self.sessions: list[Session] = []
        self.ended: Session | None = None  # where the candidate's process ended mid-tests
        self.stopped: str | None = None  # "timeout" or "output_limit" once we stop
        self.wake_r, self.event_r = wake_r, event_r
        self.sinks = {out_r: self._feed_output, event_r: self.events.feed, wake_r: None}
        self.selector = selectors.DefaultSelector()
        for fd in self.sinks:
            self.selector.register(fd, selectors.EVENT_READ)

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
            for session in self.sessions:
                if pid == session.tester:
                    session.tester_status = status
                elif pid == session.submission:
                    session.submission_status = status

    def watch(self, session: Session, deadline: float) -> None:
        """Until the session's tester ends, the deadline passes or the output overflows."""
        gone_before = self.events.submission_gone
        while session.tester_status is None and self.stopped is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stopped = "timeout"
                break
            for key, _ in self.selector.select(remaining):
                self._drain(key.fd, live=True)
            self.reap()
            if self.output_total > self.output_cap:
                self.stopped = "output_limit"
        self._drain(self.event_r, live=True)  # the tester's last events, before judging them
        if self.events.submission_gone and not gone_before and self.ended is None:
            self.ended = session  # the session whose tester lost the candidate's process

    def _drain(self, fd: int, *, live: bool) -> None:
        """Read `fd` until it would block (at most 1 MiB while children live, so
        a flood cannot keep us from the clock); at end of file, stop watching it."""
        for _ in range(16 if live else 64):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(fd)
                return
            sink = self.sinks[fd]
            if sink is not None:
                sink(data)
            if fd != self.wake_r and self.output_total > self.output_cap:
                return  # over the limit: stop reading

    def drain(self) -> None:
        """What the testers wrote before they ended; the candidate's stragglers may
        still be writing output, so this reads what is there and no more."""
        for fd in self.sinks:
            self._drain(fd, live=False)
        if self.stopped is None and self.output_total > self.output_cap:
            self.stopped = "output_limit"

    def outcome(self, duration_ms: int, cpu_ms: int = 0) -> dict[str, Any]:
        peak, oom_kills, pids_hits = cgroup_stats()
        ran = [s for s in self.sessions if s.tester_status is not None or self.stopped]
        statuses = [classify(self.stopped, s.tester_status, oom_kills) for s in ran] or [
            classify(self.stopped, None, oom_kills)
        ]
        status, exit_code = _combine(statuses)
        submission_ended = None
        if self.events.submission_gone:
            ended = self.ended.submission_status if self.ended is not None else None
            submission_ended = _describe(ended) if ended is not None else "its socket closed"
            limit_hit = status in ("timeout", "output_limit")
            if ended is not None and _oom_killed(ended, oom_kills) and not limit_hit:
                status, exit_code = "oom", None
        return {
            "status": status,
            "exit_code": exit_code,
            "tests": list(self.events.tests.values()),
            "collect_errors": list(self.events.collect_errors.values()),
            "compile_errors": self.events.compile_errors,
            "session_finished": self.events.sessions_finished == len(ran) and bool(ran),
            "duration_ms": duration_ms,
            "cpu_ms": cpu_ms,
            "peak_memory_mb": round(peak / 2**20, 2),
            "output": bytes(self.output).decode("utf-8", "replace"),
            "output_truncated": self.output_total > self.output_cap,
            "pids_limit_hit": pids_hits > 0,
            "disk_full": disk_nearly_full(),
            "protocol_errors": self.events.finish(),
            "violations": self.events.violations,
            "submission_ended": submission_ended,
        }


def _oom_killed(status: int, oom_kills: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL and oom_kills > 0


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


def _combine(statuses: list[tuple[str, int | None]]) -> tuple[str, int | None]:
    """One (status, exit code) for the run: the worst session decides."""
    for worst in ("timeout", "output_limit", "oom"):
        if any(status == worst for status, _ in statuses):
            return worst, None
    codes = [code for _, code in statuses]
    if any(code is None for code in codes):
        return "nonzero_exit", None
    odd = [code for code in codes if code not in (0, 1)]
    code = odd[0] if odd else max(c for c in codes if c is not None)
    return ("ok" if code == 0 else "nonzero_exit"), code


def _warm_pytest() -> None:
    import _pytest.config  # noqa: PLC0415 - warm pytest before any candidate byte arrives

    for name in _pytest.config.default_plugins:
        importlib.import_module(f"_pytest.{name}")
    importlib.import_module("pytest")


def _take_request() -> tuple[dict[str, Any], list[str]]:
    """Read the request, lay its files out for their users, and drop root for good;
    returns the header and the submission's file names."""
    header, data = read_request(sys.stdin.buffer)
    paths = header["test_paths"]
    owners = {SUBMISSION: CANDIDATE_UID} | {p: GRADER_UIDS[i] for i, p in enumerate(paths)}
    Path(GRADER_ROOT).mkdir(mode=0o711, exist_ok=True)
    Path(GRADER_ROOT).chmod(0o711)
    for i in range(MAX_SESSIONS):  # ready before any candidate code could fill the disk
        home = Path(GRADER_ROOT, f".home-{i}")
        home.mkdir()
        home.chmod(0o700)  # before chown: without CAP_FOWNER, root cannot after
        (home / "scratch").mkdir(mode=0o700)
        (home / "pytest.ini").write_text("[pytest]\n")  # so no ini file in the tests is read
        for path in (home / "scratch", home / "pytest.ini", home):
            os.chown(path, GRADER_UIDS[i], GRADER_UIDS[i])
    files = extract(data, WORK, owners)
    _drop_to(SUPERVISOR_UID)
    return header, files


def main() -> None:
    if os.getpid() != 1:
        sys.exit("the harness runs only as PID 1 of a sandbox container")
    _not_dumpable()
    sys.dont_write_bytecode = True
    # SIGINT is the one signal Python handles by default; nothing should raise
    # KeyboardInterrupt in PID 1.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_pytest()
    out_r, out_w = os.pipe()
    event_r, event_w = os.pipe()
    wake_r, wake_w = os.pipe()
    for fd in (out_r, event_r, wake_r, wake_w):  # the children's write ends stay blocking
        os.set_blocking(fd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    supervisor = Supervisor(0, (out_r, event_r, wake_r))
    # Forked now, before the request: no candidate process ever held the tests.
    supervisor.sessions = [Session(i, out_w, event_w) for i in range(MAX_SESSIONS)]
    os.close(out_w)
    os.close(event_w)
    try:
        header, files = _take_request()
    except (RequestError, ValueError, OSError, tarfile.TarError, KeyError) as exc:
        traceback.print_exc()
        sys.exit(f"trialgate harness: bad request: {exc!r}")
    paths = header["test_paths"]
    os.write(1, STARTED)
    supervisor.output_cap = int(header["output_bytes"])
    modules = sorted(submission_top_names(files))
    started, cpu_started = time.monotonic(), cgroup_cpu_ms()
    deadline = started + float(header["wall_seconds"])
    for index, session in enumerate(supervisor.sessions):
        if index >= len(paths) or supervisor.stopped is not None:
            session.start(None)
            continue
        compile_names = files if index == 0 else []
        session.start({"path": paths[index], "modules": modules, "compile": compile_names})
        supervisor.watch(session, deadline)
    duration_ms = int((time.monotonic() - started) * 1000)
    cpu_ms = max(0, cgroup_cpu_ms() - cpu_started)  # the run's, not the warm-up's
    supervisor.reap()
    supervisor.drain()
    supervisor.sessions = supervisor.sessions[: len(paths)]
    outcome = supervisor.outcome(duration_ms, cpu_ms)
    line = json.dumps(outcome, ensure_ascii=False, allow_nan=False) + "\n"
    data = line.encode("utf-8", "replace")
    while data:
        data = data[os.write(1, data) :]
    # Exiting ends the container: the kernel kills every process left in it.
    os._exit(0)


if __name__ == "__main__":
    main()
