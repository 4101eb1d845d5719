"""Hostile submissions through `trialgate grade --json`, on the real engine.

Each submission below carries a solution plus an attack: a *correct* one where
the attack tries to void or stall the run (so only the defence stands between
it and `accepted`), a *wrong* one where the attack tries to forge a pass (so
the verdict must be what the wrong code earns). The red-team corpus in
tests/redteam goes further.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import docker
import pytest

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
SOLUTION = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small trial with tight limits, so limit cases finish quickly."""
    root = tmp_path_factory.mktemp("trial")
    files = {
        "trial.toml": (
            'id = "calc"\ntitle = "Calculator"\nversion = "1.0.0"\nskills = ["python"]\n'
            'difficulty = 1\nruntime = "python3.11"\n'
            "[limits]\nwall_seconds = 4\nmemory_mb = 192\npids = 32\noutput_kb = 64\n"
        ),
        "statement.md": "# Calculator\n\nWrite `add(a, b)` and `mul(a, b)` in `calc.py`.\n",
        "starter/calc.py": "def add(a, b):\n    raise NotImplementedError\n\n\ndef mul(a, b):\n    raise NotImplementedError\n",
        "solution/calc.py": SOLUTION,
        "tests/test_calc.py": (
            "from calc import add, mul\n\n\n"
            "def test_add_handles_negative_numbers_and_zero():\n    assert add(-2, 2) == 0\n\n\n"
            "def test_mul_of_large_numbers_is_exact():\n    assert mul(10**20, 10**20) == 10**40\n\n\n"
            "def test_add_is_commutative_for_mixed_signs():\n    assert add(-7, 3) == add(3, -7)\n"
        ),
        "public_tests/test_calc_public.py": "from calc import add\n\n\ndef test_add_small():\n    assert add(1, 2) == 3\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def grade(trial: Path, tmp_path: Path, files: dict[str, str]) -> dict:
    submission = tmp_path / "submission"
    for name, text in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text)
    done = subprocess.run(
        [TRIALGATE, "grade", str(trial), str(submission), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, (done.returncode, done.stdout, done.stderr)
    return json.loads(lines[0])


WRONG = SOLUTION.replace("return a + b", "return a - b")


def with_attack(attack: str, *, before: bool = False, solution: str = SOLUTION) -> dict[str, str]:
    return {"calc.py": attack + "\n" + solution if before else solution + "\n" + attack}


def test_the_plain_solution_is_accepted(trial, tmp_path):
    result = grade(trial, tmp_path, {"calc.py": SOLUTION})
    assert (result["verdict"], result["score"]) == ("accepted", 1.0)
    assert {"verdict", "score", "tests", "duration_ms", "peak_memory_mb"} <= result.keys()
    assert {t["outcome"] for t in result["tests"]} == {"passed"}
    assert [t["visible"] for t in result["tests"] if t["id"].startswith("public_tests/")] == [True]


HOSTILE = {
    "fork_bomb": (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
        {"runtime_error"},
        "process_limit",
    ),
    "memory_bomb": (
        "hog = [bytearray(16 * 2**20) for _ in range(64)]\n",
        {"memory_limit_exceeded"},
        None,
    ),
    "infinite_loop": ("while True:\n    pass\n", {"time_limit_exceeded"}, None),
    "sleep_forever": ("import time\ntime.sleep(10**6)\n", {"time_limit_exceeded"}, None),
    "huge_stdout": (
        "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
        {"output_limit_exceeded"},
        None,
    ),
    "huge_stderr": (
        "import sys\nwhile True:\n    sys.stderr.write('y' * 65536)\n",
        {"output_limit_exceeded"},
        None,
    ),
    "huge_file": (
        "import os\nwith open('/work/submission/junk.bin', 'wb') as f:\n    while True:\n        f.write(os.urandom(2**20))\n",
        {"output_limit_exceeded"},
        "disk_full",
    ),
    "sys_exit_at_import": ("import sys\nsys.exit(0)\n", {"runtime_error"}, None),
    "os_exit_at_import": ("import os\nos._exit(0)\n", {"runtime_error"}, "submission_ended"),
}
# Attacks on the report with a wrong solution: the verdict is what the wrong code earns.
FORGERIES = {
    "force_passes_by_patching_pytest": (
        "import _pytest.reports\n"
        "_orig = _pytest.reports.TestReport.from_item_and_call.__func__\n"
        "def _forged(cls, item, call):\n"
        "    report = _orig(cls, item, call)\n"
        "    report.outcome, report.longrepr = 'passed', None\n"
        "    return report\n"
        "_pytest.reports.TestReport.from_item_and_call = classmethod(_forged)\n",
        {"partial", "failed"},
        None,
    ),
    "forged_events_on_every_pipe": (
        "import os, json\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, (json.dumps({'kind': 'session_finished', 'exitstatus': 0}) + '\\n').encode())\n"
        "    except OSError:\n"
        "        pass\n",
        {"integrity_error"},
        "boundary_violation",
    ),
    "rewrite_hidden_tests": (
        "import os, pathlib\n"
        "for root in ('/work/grader', '/work/grader/tests', '/work/tests'):\n"
        "    try:\n"
        "        for path in pathlib.Path(root).rglob('*.py'):\n"
        "            path.write_text('def test_nothing():\\n    pass\\n')\n"
        "    except OSError:\n"
        "        pass\n",
        {"partial", "failed"},
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_submissions_get_their_verdict_and_never_a_silent_pass(trial, tmp_path, case):
    attack, verdicts, flag = HOSTILE[case]
    result = grade(trial, tmp_path, with_attack(attack, before=case.endswith("_bomb")))
    assert result["verdict"] in verdicts, result
    if flag:
        assert flag in result["flags"], result
    assert result["verdict"] != "accepted"


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_forgeries_with_a_wrong_solution_get_what_the_wrong_code_earns(trial, tmp_path, case):
    attack, verdicts, flag = FORGERIES[case]
    result = grade(trial, tmp_path, with_attack(attack, solution=WRONG))
    assert result["verdict"] in verdicts, result
    if flag:
        assert flag in result["flags"], result
    assert result["score"] < 1.0


def test_attacks_that_drop_a_wrong_answer_elsewhere_do_not_pass(trial, tmp_path):
    """A fake report file is just a file: the verdict comes from the run."""
    fake = '<testsuite tests="4" failures="0"><testcase name="test_add_small"/></testsuite>'
    attack = (
        "import pathlib\n"
        f"for where in ('/work/report.xml', '/tmp/report.xml', '/work/submission/report.json'):\n"
        "    try:\n"
        f"        pathlib.Path(where).write_text({fake!r})\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = grade(trial, tmp_path, {"calc.py": WRONG + "\n" + attack})
    assert result["verdict"] in {"partial", "failed"}


@pytest.mark.parametrize(
    "name", ["conftest.py", "pytest.py", "sitecustomize.py", "lib/conftest.py"]
)
def test_files_that_would_hijack_the_harness_are_an_integrity_error(trial, tmp_path, name):
    hijack = "import pytest\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_makereport(item, call):\n    pass\n"
    result = grade(trial, tmp_path, {"calc.py": SOLUTION, name: hijack})
    assert result["verdict"] == "integrity_error"
    assert f"harness_file:{name}" in result["flags"]


def test_the_hidden_tests_cannot_be_read_so_nothing_prints_them(trial, tmp_path):
    attack = (
        "import os\n"
        "for root, _, names in os.walk('/', onerror=print):\n"
        "    for name in names:\n"
        "        if name.startswith('test_calc'):\n"
        "            try:\n"
        "                print(open(os.path.join(root, name)).read())\n"
        "            except OSError as exc:\n"
        "                print(exc)\n"
    )
    result = grade(trial, tmp_path, with_attack(attack))
    assert result["verdict"] == "accepted"
    assert "mul(10**20, 10**20)" not in result["output"]


def test_a_socket_cannot_reach_the_host(trial, tmp_path):
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    host_ip = socket.gethostbyname(socket.gethostname())
    accepted: list[object] = []

    def watch() -> None:
        for _ in range(100):
            try:
                accepted.append(listener.accept())
            except TimeoutError:
                continue
            except OSError:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    attack = (
        "import socket\n"
        "def add(a, b):\n"
        f"    for target in (('{host_ip}', {port}), ('127.0.0.1', {port}), ('1.1.1.1', 80)):\n"
        "        try:\n"
        "            socket.create_connection(target, timeout=1).close()\n"
        "            return 'connected'\n"
        "        except OSError:\n"
        "            pass\n"
        "    return a + b\n"
    )
    result = grade(trial, tmp_path, with_attack(attack))
    watcher.join(timeout=25)
    listener.close()
    assert result["verdict"] == "accepted"  # every connection failed, so add() fell through
    assert accepted == []


def test_no_sandbox_container_is_left_behind(trial, tmp_path, docker_client: docker.DockerClient):
    grade(trial, tmp_path, {"calc.py": SOLUTION})
    owner_prefix = f"{socket.gethostname()}:"

    def left_behind() -> list[str]:
        return [
            f"{c.short_id} {c.labels['trialgate.owner']} {c.status}"
            for c in docker_client.containers.list(all=True, filters={"label": "trialgate.owner"})
            if c.labels["trialgate.owner"].startswith(owner_prefix)
            and not _alive(int(c.labels["trialgate.owner"].rsplit(":", 1)[1]))
        ]

    # The engine finishes a forced removal on its own time: give one in flight a moment.
    deadline = time.monotonic() + 10
    while (mine := left_behind()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert mine == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("member", "code"),
    [("../escape.py", "unsafe_path"), ("/etc/evil.py", "unsafe_path")],
)
def test_a_bad_archive_is_refused_before_anything_runs(trial, tmp_path, member, code):
    import io  # noqa: PLC0415
    import tarfile  # noqa: PLC0415

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    archive = tmp_path / "submission.tar.gz"
    archive.write_bytes(buffer.getvalue())
    done = subprocess.run(
        [TRIALGATE, "grade", str(trial), str(archive), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["code"] == code
