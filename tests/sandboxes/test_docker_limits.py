"""Hostile submissions against the limits: the candidate's code (called by a
test) is stopped, reported as the submission's doing, and leaves nothing
behind. LIMITS has wall_seconds=3."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from sandboxes.docker import DockerSandbox
from sandboxes.interfaces import RunOutcome, RunSpec
from tests.sandboxes.conftest import as_candidate

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
def test_endless_code_times_out_at_the_wall_limit(run: Run, body: str) -> None:
    outcome = run_once(run, as_candidate(f"def probe_forever():\n    {body}\n", 1))
    assert (outcome.status, outcome.exit_code) == ("timeout", None)
    assert outcome.duration_ms >= 2900  # ran until the 3 s limit, not stopped early


def test_memory_bomb_is_oom(run: Run) -> None:
    hog = """
        def probe_hog():
            hoard = []
            while True:
                hoard.append(b"x" * 10_000_000)
    """
    outcome = run(as_candidate(hog, 1), memory_mb=128)
    assert (outcome.status, outcome.exit_code) == ("oom", None)
    assert outcome.peak_memory_mb > 100
    assert outcome.submission_ended == "killed by signal 9"


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

        def probe_bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    """
    with DockerSandbox(client, pool_size=0) as cold:  # the cold path gets a run too
        before = sandbox_user_processes()
        outcome = cold.run(spec(as_candidate(bomb, 1)))
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

        def probe_flood():
            while True:
                sys.stdout.write("spam" * 1000 + "\\n")
    """
    outcome = run_once(run, as_candidate(flood, 1), output_kb=64)
    assert (outcome.status, outcome.exit_code) == ("output_limit", None)
    assert outcome.output_truncated
    assert len(outcome.output.encode()) <= 64 * 1024
    assert outcome.output.startswith("spam")


def test_filling_the_disk_is_reported(run: Run) -> None:
    filler = """
        import errno

        def probe_fill():
            chunk = b"x" * 1_000_000
            try:
                with open("/work/submission/big", "wb") as file:
                    while True:
                        file.write(chunk)
                        file.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    """
    outcome = run(as_candidate(filler, 1), disk_mb=16)
    assert outcome.status == "ok", outcome.output
    assert outcome.disk_full


def test_background_daemons_are_killed_and_do_not_delay_the_run(run: Run) -> None:
    # A setsid'd, double-forked daemon keeps the output pipe open and writes for
    # ever; the run must end when pytest does, and the daemon die with it.
    daemons = """
        import os, subprocess, time

        def probe_spawn_daemons():
            subprocess.Popen(["sleep", "1000"], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    while True:
                        print("daemon alive", flush=True)
                        time.sleep(0.01)
                os._exit(0)
    """
    outcome = run_once(run, as_candidate(daemons, 1))
    assert (outcome.status, outcome.exit_code) == ("ok", 0), outcome.output


def test_candidate_code_cannot_signal_the_harness_or_the_tester(run: Run) -> None:
    signaller = """
        import os, signal

        def probe_signal_everyone():
            refused = 0
            for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
                if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                    continue
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGSTOP, signal.SIGKILL):
                    try:
                        os.kill(pid, sig)
                    except PermissionError:
                        refused += 1
            assert refused >= 8  # PID 1 and the tester, each signal refused
            os.kill(-1, signal.SIGKILL)  # reaches only processes of its own user
            os.kill(os.getpid(), signal.SIGKILL)
    """
    outcome = run(as_candidate(signaller, 1))
    assert outcome.session_finished
    assert [t.outcome for t in outcome.tests] == ["failed"]  # its own process died mid-call
    assert outcome.submission_ended == "killed by signal 9"
