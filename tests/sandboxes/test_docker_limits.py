"""Hostile submissions against the limits: each is stopped, reported as the
submission's doing, and leaves nothing behind. LIMITS has wall_seconds=3."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from sandboxes.docker import DockerSandbox
from sandboxes.interfaces import RunOutcome, RunSpec

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("sandbox")]

Run = Callable[..., RunOutcome]
MakeSpec = Callable[..., RunSpec]
CONTAINER_ID = re.compile(r"[0-9a-f]{64}")


def run_once(run: Run, files: dict[str, str], **limits: float) -> RunOutcome:
    return run(files, **limits)


@pytest.mark.parametrize(
    "body",
    ["while True:\n        pass", "import time\n    time.sleep(10**6)"],
    ids=["busy-loop", "sleep"],
)
def test_endless_tests_time_out_at_the_wall_limit(run: Run, body: str) -> None:
    outcome = run_once(run, {"tests/test_forever.py": f"def test_forever():\n    {body}\n"})
    assert (outcome.status, outcome.exit_code) == ("timeout", None)
    assert outcome.duration_ms >= 2900  # ran until the 3 s limit, not stopped early


def test_memory_bomb_is_oom(run: Run) -> None:
    hog = """
        def test_hog():
            hoard = []
            while True:
                hoard.append(b"x" * 10_000_000)
    """
    outcome = run({"tests/test_hog.py": hog}, memory_mb=128)
    assert (outcome.status, outcome.exit_code) == ("oom", None)
    assert outcome.peak_memory_mb > 100
    assert not outcome.session_finished


def sandbox_user_processes() -> dict[int, str]:
    """Host processes of the sandbox user (uid 10001; there is no user namespace,
    so they are visible here), each with the id of the container it runs in."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == 10001:
                    cgroups = (entry / "cgroup").read_text()
                    found[int(entry.name)] = next(iter(CONTAINER_ID.findall(cgroups)), "")
            except OSError:
                pass  # exited meanwhile
    return found


def test_fork_bomb_hits_the_pids_limit_and_spares_the_host(
    client: docker.DockerClient, spec: MakeSpec
) -> None:
    bomb = """
        import os

        def test_bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """
    with DockerSandbox(client, pool_size=0) as cold:  # the cold path gets a run too
        before = sandbox_user_processes()
        outcome = cold.run(spec({"tests/test_bomb.py": bomb}))
    assert outcome.status == "timeout"
    assert outcome.pids_limit_hit
    # New sandbox-user processes may only be harnesses of containers that still
    # exist (the shared pool refills in the background); the bomb's are all gone.
    new = {pid: cid for pid, cid in sandbox_user_processes().items() if pid not in before}
    live = {container["Id"] for container in client.api.containers(all=True)}
    assert {pid for pid, cid in new.items() if cid not in live} == set()
    assert subprocess.run(["true"], check=False).returncode == 0  # the host still forks


def test_flood_of_output_is_cut_at_the_output_limit(run: Run) -> None:
    flood = """
        import sys

        def test_flood():
            while True:
                sys.stdout.write("spam" * 1000 + "\\n")
    """
    outcome = run_once(run, {"tests/test_flood.py": flood}, output_kb=64)
    assert (outcome.status, outcome.exit_code) == ("output_limit", None)
    assert outcome.output_truncated
    assert len(outcome.output.encode()) <= 64 * 1024
    assert outcome.output.startswith("spam")


def test_filling_the_disk_is_reported(run: Run) -> None:
    filler = """
        import errno

        def test_fill():
            chunk = b"x" * 1_000_000
            try:
                with open("/work/big", "wb") as file:
                    while True:
                        file.write(chunk)
                        file.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    """
    outcome = run({"tests/test_fill.py": filler}, disk_mb=16)
    assert outcome.status == "ok", outcome.output
    assert outcome.disk_full


def test_background_daemons_are_killed_and_do_not_delay_the_run(run: Run) -> None:
    # A setsid'd, double-forked daemon keeps the output pipe open and writes for
    # ever; the run must end when pytest does, and the daemon die with it.
    daemons = """
        import os, subprocess, time

        def test_spawn_daemons():
            subprocess.Popen(["sleep", "1000"], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    while True:
                        print("daemon alive", flush=True)
                        time.sleep(0.01)
                os._exit(0)
    """
    outcome = run_once(run, {"tests/test_daemon.py": daemons})
    assert (outcome.status, outcome.exit_code) == ("ok", 0), outcome.output


def test_harness_survives_signals_from_candidate_code(run: Run) -> None:
    signaller = """
        import os, signal

        def test_signal_pid_1():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
                os.kill(1, sig)
    """
    outcome = run({"tests/test_signals.py": signaller})
    assert (outcome.status, [t.outcome for t in outcome.tests]) == ("ok", ["passed"])
