"""The Docker implementation of `Sandbox`: one fresh, locked-down container per run.

Each container runs the harness (sandboxes/harness.py) as PID 1. A run takes a
started container from the warm pool, sends the request over the attach socket,
reads the harness's one-line verdict and force-removes the container, whatever
happened. Containers are never reused.

Blame, decided once here. Before the harness says `started` (it holds the
request and no candidate byte has run), anything that goes wrong is the
infrastructure's: a raised SandboxError, retried. After it, the run belongs to
the candidate unless a check that does not depend on the submission shows the
infrastructure failed: the engine erring or unreachable, the container gone,
the runtime reporting an error of its own, or the harness ended by SIGKILL
(which no process inside can send to PID 1). So a silent harness past the wall
time plus a grace is `timeout` (unless the engine then fails a ping, or the
container shows the harness ended cleanly and its report was lost: a stalled
engine, not a slow candidate), more bytes than a healthy harness writes is
`output_limit`, the kernel's OOM kill of the container is `oom`, and any other
ending without a readable report is `no_report`, counted against the candidate.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import msgspec
import requests.exceptions
import urllib3.exceptions
from docker.types import LogConfig, Ulimit

from sandboxes import channel
from sandboxes.interfaces import (
    ImageMissingError,
    RunLimits,
    RunOutcome,
    RunSpec,
    SandboxError,
)
from sandboxes.pool import PoolKey, WarmPool

HARNESS_SOURCES = tuple(
    (Path(__file__).parent / name).read_text() for name in ("boundary.py", "harness.py")
)
# `python3 -I -c BOOTSTRAP boundary-source harness-source`: the sources travel in the
# command, so a changed harness never needs a new image.
BOOTSTRAP = (
    "import sys, types\n"
    "for name, source in zip(('trialgate_boundary', 'trialgate_harness'), sys.argv[1:3]):\n"
    "    module = types.ModuleType(name)\n"
    "    sys.modules[name] = module\n"
    "    exec(compile(source, '<' + name + '>', 'exec'), module.__dict__)\n"
    "sys.modules['trialgate_harness'].main()\n"
)
# PID 1 starts as root with these alone, to give each process its user; it drops
# them (and root) before any candidate byte runs.
HARNESS_CAPABILITIES = ["SETUID", "SETGID", "CHOWN", "SETPCAP"]
LABEL = "trialgate.sandbox"
# Which process made a container: a process killed outright (SIGKILL, a crash)
# never removes its containers, so the next sandbox on the same host does.
OWNER_LABEL = "trialgate.owner"
OWNER = f"{socket.gethostname()}:{os.getpid()}"
# Which sandbox made it, and the line of sandboxes it replaces: after an engine failure a
# provider makes a new sandbox, and the old one's containers (its close failed with the
# engine away) are the new one's to remove. Other sandboxes, even in the same process, are not.
INSTANCE_LABEL = "trialgate.instance"
LINEAGE_LABEL = "trialgate.lineage"
GRACE_SECONDS = 10.0  # the host's backstop beyond the harness's own wall clock
ENGINE_CHECK_SECONDS = 5.0  # a ping that does not answer in this long: the engine stalled

log = logging.getLogger(__name__)

# Containers that runs in this process are using now. A sandbox replaced after an engine
# failure may still have runs in flight in other threads; the janitor must not remove
# their containers from under them (which would end the candidate's run mid-way).
_IN_USE: set[str] = set()
_IN_USE_LOCK = threading.Lock()
# PID 1 cannot be sent SIGKILL from inside its own PID namespace, and the memory cgroup's
# kill is reported as OOMKilled: a harness ended by SIGKILL otherwise was killed outside.
KILLED_FROM_OUTSIDE = 128 + 9


@contextlib.contextmanager
def engine_errors(action: str) -> Iterator[None]:
    """Engine and transport failures become SandboxError, raised from the cause."""
    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise ImageMissingError(f"{action}: {exc}") from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise SandboxError(f"{action}: {exc}") from exc


def pool_key(spec: RunSpec) -> PoolKey:
    limits = spec.limits
    return (spec.image, limits.memory_mb, limits.pids, limits.cpus, limits.disk_mb)


class DockerSandbox:
    """`Sandbox` on a Docker engine. `run` blocks; it is safe to call from several
    threads at once (e.g. via `asyncio.to_thread`)."""

    def __init__(
        self, client: docker.DockerClient, *, pool_size: int = 2, lineage: str | None = None
    ) -> None:
        self._api = client.api
        self.instance = uuid.uuid4().hex
        self.lineage = lineage or self.instance
        self._pool = WarmPool(self._start, self._remove, size=pool_size)

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def prewarm(self, image: str, limits: RunLimits = RunLimits()) -> None:  # noqa: B008 - frozen Struct
        """Fill the pool for `image` and `limits` now (e.g. at worker start-up)."""
        self._pool.fill(pool_key(RunSpec(image=image, files={}, limits=limits)))

    def idle_containers(self) -> list[str]:
        """Ids of the pooled, idle containers."""
        return self._pool.idle()

    def run(self, spec: RunSpec) -> RunOutcome:
        request = channel.pack_request(spec)
        key = pool_key(spec)
        container = self._take(key)
        with _IN_USE_LOCK:
            _IN_USE.add(container)
        try:
            started = time.monotonic()
            reply = self._exchange(container, request, spec.limits)
            return self._outcome(container, reply, started)
        finally:
            with _IN_USE_LOCK:
                _IN_USE.discard(container)
            self._pool.retire(container)
            self._pool.refill(key)

    def close(self) -> None:
        """Remove the pooled containers; the sandbox is unusable afterwards."""
        self._pool.close()

    def _take(self, key: PoolKey) -> str:
        while (container := self._pool.take(key)) is not None:
            try:
                with engine_errors("inspecting a pooled container"):
                    running = self._api.inspect_container(container)["State"]["Running"]
            except SandboxError as exc:
                if not isinstance(exc.__cause__, docker.errors.NotFound):
                    raise
                continue  # removed behind the pool's back, e.g. by remove_leftovers
            if running:
                return container
            self._remove(container)  # died while idle (engine restart, ...); never mind it
        return self._start(key)

    def _start(self, key: PoolKey) -> str:
        image, memory_mb, pids, cpus, disk_mb = key
        memory = memory_mb * 1024 * 1024
        with engine_errors("creating a sandbox container"):
            host_config = self._api.create_host_config(
                network_mode="none",
                read_only=True,
                # runc resets a tmpfs's mode to that of the image's directory (root,
                # 0755 from WORKDIR), so the sandbox user must own /work outright.
                # /work belongs to root: PID 1 makes a folder in it for the candidate
                # and one for each session's tests, with their owners.
                tmpfs={
                    "/work": f"rw,nosuid,nodev,size={disk_mb}m,mode=755,uid=0,gid=0",
                    "/tmp": "rw,nosuid,nodev,size=16m,mode=1777",  # noqa: S108 - a private tmpfs
                },
                mem_limit=memory,
                memswap_limit=memory,  # equal: no swap
                pids_limit=pids,
                nano_cpus=int(cpus * 1e9),
                cap_drop=["ALL"],
                cap_add=HARNESS_CAPABILITIES,
                security_opt=["no-new-privileges"],
                # No log driver: a flood of output never reaches the host's disk.
                log_config=LogConfig(type=LogConfig.types.NONE),
                ulimits=[Ulimit(name="nofile", soft=256, hard=256)],
                ipc_mode="private",
                auto_remove=False,
            )
            container: str = self._api.create_container(
                image,
                command=["python3", "-I", "-c", BOOTSTRAP, *HARNESS_SOURCES],
                user="0:0",
                stdin_open=True,
                tty=False,
                labels={
                    LABEL: "1",
                    OWNER_LABEL: OWNER,
                    INSTANCE_LABEL: self.instance,
                    LINEAGE_LABEL: self.lineage,
                    "trialgate.limits": f"{memory_mb}m/{pids}p/{cpus}c/{disk_mb}m",
                },
                host_config=host_config,
            )["Id"]
        try:
            with engine_errors("starting a sandbox container"):
                self._api.start(container)
        except BaseException:
            self._remove(container)
            raise
        return container

    def _exchange(self, container: str, request: bytes, limits: RunLimits) -> channel.Reply:
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        with engine_errors("attaching to a sandbox container"):
            attached = self._api.attach_socket(container, params=params)
        sock = getattr(attached, "_sock", attached)  # SocketIO wraps the real socket
        try:
            with engine_errors("talking to the sandbox harness"):
                return channel.exchange(
                    sock,
                    request,
                    seconds=limits.wall_seconds + GRACE_SECONDS,
                    cap=channel.reply_cap(limits.output_kb * 1024),
                )
        finally:
            with contextlib.suppress(OSError):
                if isinstance(sock, socket.socket):
                    sock.shutdown(socket.SHUT_RDWR)
            # Both: the socket stays open while the SocketIO made from it lives.
            for closable in (attached, sock):
                with contextlib.suppress(OSError):
                    closable.close()

    def _outcome(self, container: str, reply: channel.Reply, started: float) -> RunOutcome:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        if not reply.started:
            stderr = reply.stderr.decode("utf-8", "replace")[-2000:]
            raise SandboxError(
                f"the sandbox harness never took the request ({reply.ending}): {stderr}"
            )
        if reply.ending == "line":
            try:
                return msgspec.json.decode(reply.line, type=RunOutcome)
            except msgspec.DecodeError:
                log.warning("unreadable report from sandbox %s", container, exc_info=True)
                return RunOutcome(status="no_report", exit_code=None, duration_ms=elapsed_ms)
        if reply.ending == "timeout":
            self._blame_a_silent_run(container)
            return RunOutcome(status="timeout", exit_code=None, duration_ms=elapsed_ms)
        if reply.ending == "overflow":
            return RunOutcome(
                status="output_limit", exit_code=None, duration_ms=elapsed_ms, output_truncated=True
            )
        with engine_errors("inspecting a dead sandbox container"):
            # The attach stream can close a moment before the engine records the exit.
            self._api.wait(container, timeout=10)
            state = self._api.inspect_container(container)["State"]
        if state.get("OOMKilled"):
            return RunOutcome(status="oom", exit_code=None, duration_ms=elapsed_ms)
        if state.get("Error"):
            raise SandboxError(f"the container runtime failed: {state.get('Error')!r}")
        if state.get("ExitCode") == KILLED_FROM_OUTSIDE:
            raise SandboxError("the sandbox container was killed from outside during the run")
        stderr = reply.stderr.decode("utf-8", "replace")[-2000:]
        log.warning(
            "sandbox %s ended without a report (exit code %s): %s",
            container,
            state.get("ExitCode"),
            stderr,
        )
        return RunOutcome(status="no_report", exit_code=None, duration_ms=elapsed_ms)

    def _blame_a_silent_run(self, container: str) -> None:
        """No report by the wall time plus the grace: the candidate's, unless a check that
        does not depend on the submission shows the infrastructure failed. Raises SandboxError
        when the engine does not answer now; when the container, given a moment for the
        engine to catch up after a stall, turns out to have ended cleanly (the harness exits
        0 only after writing its report, so the report was lost on the way) or by SIGKILL;
        or when it was paused from outside."""
        try:
            answered = self._api.get(self._api._url("/_ping"), timeout=ENGINE_CHECK_SECONDS)
        except requests.exceptions.RequestException as exc:
            raise SandboxError(
                f"the Docker engine stopped answering during the run: {exc}"
            ) from exc
        if answered.status_code != 200:
            raise SandboxError(f"the Docker engine answered {answered.status_code} to a ping")
        # An engine that was just frozen still shows a container that ended meanwhile as
        # running until it catches up with the runtime: give it a moment to say so.
        try:
            self._api.wait(container, timeout=ENGINE_CHECK_SECONDS)
        except (
            docker.errors.DockerException,
            requests.exceptions.RequestException,
            OSError,
        ) as exc:
            if not _read_timed_out(exc):
                raise SandboxError(f"waiting for a silent sandbox container: {exc}") from exc
            # still running after the wait: judged below
        with engine_errors("inspecting a silent sandbox container"):
            state = self._api.inspect_container(container)["State"]
        if state.get("Paused"):
            raise SandboxError("the sandbox container was paused from outside during the run")
        if not state.get("Running") and not state.get("OOMKilled"):
            if state.get("ExitCode") == 0:
                raise SandboxError("the harness finished but its report never arrived")
            if state.get("ExitCode") == KILLED_FROM_OUTSIDE:
                raise SandboxError("the sandbox container was killed from outside during the run")

    def _remove(self, container: str) -> None:
        """Force-remove; never raises, so it can sit in `finally` without masking
        the error in flight. A container it misses is found by remove_leftovers."""
        try:
            self._api.remove_container(container, force=True)
        except docker.errors.NotFound:
            pass
        except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
            log.warning("could not remove sandbox container %s", container, exc_info=True)


def _read_timed_out(exc: BaseException) -> bool:
    """A request that got no answer in its time (over a unix socket, requests reports
    urllib3's read timeout as a ConnectionError)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return True
    cause = exc.args[0] if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(
        cause, urllib3.exceptions.ReadTimeoutError
    )


def _owner_gone(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's process: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def remove_stale(client: docker.DockerClient, *, current: DockerSandbox) -> int:
    """Remove the containers of sandboxes that `current` replaced (same lineage, lost when
    an engine failure made their provider start over), and those of processes that died;
    returns how many. Safe beside other live sandboxes and workers on the same engine."""
    with engine_errors("listing sandbox containers"):
        containers = client.api.containers(all=True, filters={"label": OWNER_LABEL})
    removed = 0
    for container in containers:
        labels = container.get("Labels") or {}
        owner = labels.get(OWNER_LABEL, "")
        stale = (
            owner == OWNER
            and labels.get(LINEAGE_LABEL) == current.lineage
            and labels.get(INSTANCE_LABEL) != current.instance
        )
        if not (stale or _owner_gone(owner)):
            continue
        with _IN_USE_LOCK:
            if container["Id"] in _IN_USE:
                continue  # a replaced sandbox's run still in flight: its own end removes it
        with engine_errors("removing a stale sandbox container"):
            try:
                client.api.remove_container(container["Id"], force=True)
                removed += 1
            except docker.errors.NotFound:
                pass
    return removed


def remove_leftovers(client: docker.DockerClient) -> int:
    """Remove every container labelled as a trialgate sandbox, e.g. after a crash;
    returns how many. Every worker on the engine shares the label: call it only
    when no other worker is using the engine."""
    with engine_errors("listing leftover sandbox containers"):
        containers = client.api.containers(all=True, filters={"label": LABEL}, quiet=True)
    removed = 0
    for container in containers:
        with engine_errors("removing a leftover sandbox container"):
            try:
                client.api.remove_container(container["Id"], force=True)
                removed += 1
            except docker.errors.NotFound:
                pass  # gone meanwhile, e.g. a pool being closed
    return removed
