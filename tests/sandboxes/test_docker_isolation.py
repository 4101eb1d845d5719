"""What candidate code cannot do from inside, and the container lifecycle:
fresh per run, always removed, engine failures raised as SandboxError."""

from __future__ import annotations

import gc
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from sandboxes.docker import LABEL, DockerSandbox, remove_leftovers, remove_stale
from sandboxes.interfaces import (
    ImageMissingError,
    RunLimits,
    RunOutcome,
    RunSpec,
    SandboxError,
)
from service.settings import load_state, settings_from_environment
from tests.sandboxes.conftest import as_candidate, make_spec, sandbox_containers

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("sandbox")]

Run = Callable[..., RunOutcome]
MakeSpec = Callable[..., RunSpec]


def assert_all_passed(outcome: RunOutcome, count: int) -> None:
    outcomes = [t.outcome for t in outcome.tests]
    assert outcomes == ["passed"] * count, (outcome.output, outcome.collect_errors)


def test_no_network_and_the_host_listener_hears_nothing(run: Run) -> None:
    probes = """
        import socket
        import pytest

        def test_host_loopback_is_not_reachable():
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", PORT), timeout=1)

        def test_internet_is_not_reachable():
            with pytest.raises(OSError):
                socket.create_connection(("1.1.1.1", 53), timeout=1)

        def test_only_loopback_exists():
            with open("/proc/net/dev") as devices:
                names = {line.split(":")[0].strip() for line in devices if ":" in line}
            assert names == {"lo"}
    """
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        outcome = run({"tests/test_net.py": probes.replace("PORT", str(port))})
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert_all_passed(outcome, 3)


def test_candidate_cannot_reach_the_harness_stdout_or_the_tester(run: Run) -> None:
    probes = """
        import os

        def refused(action):
            try:
                action()
            except PermissionError:
                return
            raise AssertionError(f"{action} was allowed")

        def probe_pid_1_fds_are_closed_to_us():
            refused(lambda: open("/proc/1/fd/1", "w"))
            refused(lambda: os.listdir("/proc/1/fd"))

        def probe_our_stdio_is_a_pipe_to_pid_1_and_dev_null():
            out, err = os.readlink("/proc/self/fd/1"), os.readlink("/proc/self/fd/2")
            assert out == err and out.startswith("pipe:")
            assert os.readlink("/proc/self/fd/0") == "/dev/null"

        def probe_no_other_process_can_be_read_signalled_or_traced():
            import ctypes, signal
            others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
            graders = [p for p in others if os.stat(f"/proc/{p}").st_uid != os.getuid()]
            assert 1 in graders and len(graders) >= 2  # PID 1 and the tester
            libc = ctypes.CDLL(None, use_errno=True)
            for pid in graders:
                refused(lambda: os.kill(pid, signal.SIGKILL))
                refused(lambda: open(f"/proc/{pid}/mem", "rb"))
                refused(lambda: open(f"/proc/{pid}/environ", "rb"))
                refused(lambda: os.listdir(f"/proc/{pid}/fd"))
                assert libc.ptrace(16, pid, None, None) == -1  # PTRACE_ATTACH

        def probe_the_tests_are_out_of_reach():
            refused(lambda: os.listdir("/work/grader"))
            refused(lambda: os.listdir("/work/grader/tests"))
            refused(lambda: open("/work/grader/tests/test_probe.py", "rb"))
            assert sorted(os.listdir("/work")) == ["grader", "submission"]
    """
    assert_all_passed(run(as_candidate(probes, 4)), 4)


def test_read_only_root_unprivileged_user_no_capabilities(run: Run) -> None:
    probes = """
        import errno, os

        def probe_root_filesystem_is_read_only():
            for path in ["/etc/evil", "/usr/evil", "/evil"]:
                try:
                    open(path, "w")
                except OSError as exc:
                    assert exc.errno == errno.EROFS
                else:
                    raise AssertionError(path)

        def probe_only_its_folder_and_tmp_are_writable():
            for path in ("/work/submission/scratch", "/tmp/scratch"):
                with open(path, "w") as file:
                    file.write("ok")
            try:
                open("/work/scratch", "w")
            except PermissionError:
                pass
            else:
                raise AssertionError("/work is writable")

        def probe_user_is_not_root():
            assert (os.getuid(), os.getgid(), os.getgroups()) == (10001, 10001, [])

        def probe_no_capabilities_at_all_and_no_new_privileges():
            with open("/proc/self/status") as file:
                status = dict(line.split(":", 1) for line in file if ":" in line)
            for name in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
                assert status[name].strip() == "0" * 16, name
            assert status["NoNewPrivs"].strip() == "1"
    """
    assert_all_passed(run(as_candidate(probes, 4)), 4)


def test_containers_are_never_reused_and_are_removed(client: docker.DockerClient, run: Run) -> None:
    probe = "import socket\n\ndef test_host():\n    print('HOST=' + socket.gethostname())\n"
    hostnames = [
        run({"tests/test_host.py": probe}).output.split("HOST=", 1)[1].split()[0] for _ in range(2)
    ]
    assert hostnames[0] != hostnames[1]
    # a container's hostname is its id's prefix; used ones are removed in the background
    deadline = time.monotonic() + 30
    remaining = list(hostnames)
    while remaining and time.monotonic() < deadline:
        for hostname in list(remaining):
            try:
                client.api.inspect_container(hostname)
            except docker.errors.NotFound:
                remaining.remove(hostname)
        time.sleep(0.1)
    assert remaining == []


def test_close_removes_pooled_containers(client: docker.DockerClient, image: str) -> None:
    box = DockerSandbox(client, pool_size=2)
    box.prewarm(image, RunLimits(memory_mb=96))
    pooled = box.idle_containers()
    assert len(pooled) == 2
    assert all(client.api.inspect_container(c)["State"]["Running"] for c in pooled)
    box.close()
    for container in pooled:
        with pytest.raises(docker.errors.NotFound):
            client.api.inspect_container(container)


def test_remove_leftovers_removes_labelled_containers(
    client: docker.DockerClient, image: str, sandbox: DockerSandbox
) -> None:
    stray = client.api.create_container(image, command=["true"], labels={LABEL: "1"})["Id"]
    assert remove_leftovers(client) >= 1
    with pytest.raises(docker.errors.NotFound):
        client.api.inspect_container(stray)
    # The shared pool's idle containers went too; the next run must not notice.
    outcome = sandbox.run(RunSpec(image=image, files={"tests/test_a.py": b"def test_a(): pass\n"}))
    assert outcome.status == "ok"


def test_missing_image_raises_image_missing_error(client: docker.DockerClient) -> None:
    with DockerSandbox(client, pool_size=0) as box, pytest.raises(ImageMissingError):
        box.run(RunSpec(image="trialgate/does-not-exist:0", files={}))


# docker-py's unix transport leaks its socket when connect() fails; collect it
# here, so the warning belongs to this test and not to whichever runs next.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_unreachable_engine_raises_sandbox_error(tmp_path: Path) -> None:
    absent = docker.DockerClient(base_url=f"unix://{tmp_path}/absent.sock", version="1.41")
    with DockerSandbox(absent, pool_size=0) as box, pytest.raises(SandboxError) as info:
        box.run(RunSpec(image="trialgate/python:3.11", files={}))
    assert info.value.__cause__ is not None
    absent.close()
    del info
    gc.collect()


def test_an_engine_that_stalls_mid_run_is_the_infrastructures_fault_not_a_timeout(
    client: docker.DockerClient, image: str
) -> None:
    """The engine freezes after the harness said `started` and stays frozen past the wall
    time: no report arrives, but the run is a SandboxError (retried), never `timeout`."""
    state = load_state(settings_from_environment().data_dir)
    if not state.started_dockerd or not state.dockerd_pid:
        pytest.skip("needs the private dockerd that `trialgate infra up` started")
    spec = make_spec(
        {
            "submission/answer.py": "def answer():\n    return 42\n",
            "tests/test_answer.py": (
                "import time\nfrom answer import answer\n\n\n"
                "def test_answer():\n    time.sleep(2)\n    assert answer() == 42\n"
            ),
        },
        image=image,
        wall_seconds=4,
    )
    with DockerSandbox(client, pool_size=1) as box:
        assert box.run(spec).status == "ok"  # fills the pool for this spec's kind of run
        deadline = time.monotonic() + 60
        while not box.idle_containers():  # warm: the run starts the moment it is asked
            assert time.monotonic() < deadline, "the pool never filled"
            time.sleep(0.1)
        freeze = threading.Timer(0.8, os.kill, (state.dockerd_pid, signal.SIGSTOP))
        freeze.start()
        try:
            with pytest.raises(SandboxError, match="stopped answering"):
                box.run(spec)
        finally:
            freeze.cancel()
            os.kill(state.dockerd_pid, signal.SIGCONT)
    assert client.ping()


def test_a_sandbox_made_after_an_engine_failure_removes_the_lost_ones_containers(
    client: docker.DockerClient, image: str
) -> None:
    """An engine restart makes a worker start a new sandbox; the old one's close failed, so
    its pooled containers are the new one's to remove, and nobody else's are touched."""
    lost = DockerSandbox(client, pool_size=1)  # never closed: its close met a dead engine
    lost.prewarm(image)
    current = DockerSandbox(client, pool_size=1, lineage=lost.lineage)
    current.prewarm(image)
    bystander = DockerSandbox(client, pool_size=1)  # another line, same process: not touched
    bystander.prewarm(image)
    try:
        before = sandbox_containers(client)
        assert set(lost.idle_containers()) <= before
        assert remove_stale(client, current=current) == len(lost.idle_containers())
        after = sandbox_containers(client)
        assert not set(lost.idle_containers()) & after
        assert set(current.idle_containers() + bystander.idle_containers()) <= after
    finally:
        for sandbox in (current, lost, bystander):
            sandbox.close()


SLEEPY_SPEC_FILES = {
    "submission/answer.py": "def answer():\n    return 42\n",
    "tests/test_answer.py": (
        "import time\nfrom answer import answer\n\n\n"
        "def test_answer():\n    time.sleep(3)\n    assert answer() == 42\n"
    ),
}


def _running_container(client: docker.DockerClient, box: DockerSandbox) -> str:
    """The one container of `box` that is running a request (not idle in its pool)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        idle = set(box.idle_containers())
        busy = [
            c["Id"]
            for c in client.api.containers(filters={"label": f"trialgate.instance={box.instance}"})
            if c["Id"] not in idle
        ]
        if busy:
            return busy[0]
        time.sleep(0.05)
    raise AssertionError("no run started")


def test_a_replaced_sandboxs_run_in_flight_is_not_swept_away(
    client: docker.DockerClient, image: str
) -> None:
    """After an engine failure, a provider makes a new sandbox while another thread's run
    is still going in the old one; the janitor's pass leaves that run's container alone."""
    spec = make_spec(SLEEPY_SPEC_FILES, image=image, wall_seconds=10)
    old = DockerSandbox(client, pool_size=0)
    outcome: list[object] = []
    runner = threading.Thread(target=lambda: outcome.append(old.run(spec)))
    runner.start()
    try:
        container = _running_container(client, old)
        current = DockerSandbox(client, pool_size=0, lineage=old.lineage)
        remove_stale(client, current=current)
        assert container in sandbox_containers(client)
    finally:
        runner.join(timeout=60)
        old.close()
    assert len(outcome) == 1 and getattr(outcome[0], "status", None) == "ok", outcome


def _run_while(
    client: docker.DockerClient, image: str, wall_seconds: int, act: Callable[[str], object]
) -> RunOutcome:
    """Run the sleepy test, and 1.5 s after its container appears (the harness holds the
    request by then, and the test sleeps for 3 s) do `act` to the container from outside."""
    spec = make_spec(SLEEPY_SPEC_FILES, image=image, wall_seconds=wall_seconds)
    with DockerSandbox(client, pool_size=0) as box:

        def act_mid_run() -> None:
            container = _running_container(client, box)
            time.sleep(1.5)
            act(container)

        actor = threading.Thread(target=act_mid_run)
        actor.start()
        try:
            return box.run(spec)
        finally:
            actor.join(timeout=60)


def test_a_harness_killed_from_outside_is_the_infrastructures_fault(
    client: docker.DockerClient, image: str
) -> None:
    """SIGKILL cannot reach PID 1 from inside its namespace: a harness ended by it was
    killed by the engine or an operator, never by the candidate, so the run is retried."""
    with pytest.raises(SandboxError, match="killed from outside"):
        _run_while(client, image, 10, lambda c: client.api.kill(c, signal="SIGKILL"))


def test_a_container_paused_from_outside_is_the_infrastructures_fault(
    client: docker.DockerClient, image: str
) -> None:
    """Frozen by the host (`docker pause`) before its 3 s deadline, the harness cannot
    report; the host's backstop finds the container paused and retries the run, never
    `timeout`."""
    with pytest.raises(SandboxError, match="paused from outside"):
        _run_while(client, image, 3, client.api.pause)
