"""The README's front door: its `## Using the API` block runs exactly as written.

The block goes to `bash -euo pipefail` the way a reader pastes it after `make run`, with
`API` pointing at a `trialgate serve` of this test's own (its embedded worker grades) on
a free port, over a database of its own (the block registers the platform id `c-42`),
with the lru-cache example imported first, as `make run` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.support import EXAMPLES, free_port

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
TRIALGATE = Path(sys.executable).with_name("trialgate")
BLOCK_SECONDS = 240  # a healthy run takes about 25 s; the rest is for a busy engine
# say which line of the block failed; sourced, so $LINENO counts the block's own lines
RUN_BLOCK = (
    """trap 'echo "quickstart.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR; . ./quickstart.sh"""
)


def readme_block(heading: str) -> str:
    """The first ```sh block under `heading` in README.md, before the next section."""
    text = (ROOT / "README.md").read_text()
    _, found, after = text.partition(f"\n{heading}\n")
    assert found, f"README.md has no {heading!r} section"
    section = after.split("\n## ", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    assert block and block.group(1).strip(), f"README.md's {heading!r} has no ```sh block"
    return block.group(1)


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """`trialgate serve` on a free port until the block is done; yields its base URL."""
    base = f"http://127.0.0.1:{(port := free_port())}"
    with log.open("wb") as out:  # the child keeps its own copy
        server = subprocess.Popen(
            [TRIALGATE, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/health"):
            assert server.poll() is None, f"`trialgate serve` exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, (
                f"`trialgate serve` never answered:\n{log.read_text()}"
            )
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)  # it stops its worker and removes its sandboxes
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [TRIALGATE, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"trialgate {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def _run_block(block: str, env: dict[str, str], folder: Path) -> tuple[int, str, str]:
    """The block in bash with errexit, nounset and pipefail: exit code, stdout, stderr."""
    folder.mkdir()
    (folder / "quickstart.sh").write_text(block)
    shell = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", RUN_BLOCK],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout ends its curl and sleep too
    )
    try:
        stdout, stderr = shell.communicate(timeout=BLOCK_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(shell.pid, signal.SIGKILL)
        stdout, stderr = shell.communicate()
        stderr += f"\n(the block was stopped after {BLOCK_SECONDS} s)"
    return shell.returncode, stdout, stderr


def test_the_readmes_walkthroughs_run_as_written(
    settings: Settings, isolated_database: str, tmp_path: Path
) -> None:
    # the reputation walk-through continues in the same shell, as the README says
    block = readme_block("## Using the API") + readme_block("### Reputation and eligibility")
    env = {
        **os.environ,
        "PATH": f"{TRIALGATE.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": isolated_database,
        "DOCKER_HOST": settings.docker_host,
        "TRIALGATE_EMBEDDED_WORKER": "1",
        "TRIALGATE_SANDBOX_POOL_SIZE": "1",
        "TRIALGATE_LOG_JSON": "0",
        "TRIALGATE_WEB_SECRET": "quickstart-" + "x" * 32,
        "TMPDIR": str(tmp_path),  # the block's `mktemp -d` scratch folder goes here
    }
    _cli(env, "trials", "import", str(EXAMPLES / "lru-cache"))
    admin = {
        "Authorization": f"Bearer {_cli(env, 'keys', 'create', '--role', 'admin', '--name', 'ops')}"
    }
    log = tmp_path / "serve.log"
    with serving(env, log) as base:
        code, stdout, stderr = _run_block(block, {**env, "API": base}, tmp_path / "reader")
        output = f"--- stdout\n{stdout}\n--- stderr\n{stderr}"
        assert code == 0, (
            f"the README's block failed (exit {code}):\n{output}\n--- serve\n{log.read_text()[-3000:]}"
        )

        answers: list[dict[str, Any]] = [
            json.loads(line) for line in stdout.splitlines() if line.startswith("{")
        ]
        statuses = [
            line
            for line in stdout.splitlines()
            if line in {"queued", "running", "graded", "failed"}
        ]
        assert any(a.get("external_ref") == "c-42" for a in answers), output  # registered
        assert any(t["id"] == "lru-cache" for a in answers for t in a.get("items", [])), output
        assert any(a.get("practice") is True for a in answers), output  # the practice run
        assert "3 failed" in stdout, output  # the starter's public tests, run locally
        assert statuses and statuses[-1] == "graded", output  # polled until graded
        finished = next(a for a in reversed(answers) if "submission_limit" in a)  # handed in
        assert finished.get("status") == "counted", output
        assert finished["result"]["verdict"] == "failed", output  # the starter, as it is

        # and the service agrees
        attempt = httpx.get(f"{base}/v1/attempts/{finished['id']}", headers=admin).json()
        assert attempt["status"] == "counted", attempt
        submission = httpx.get(
            f"{base}/v1/submissions/{attempt['result']['submission_id']}", headers=admin
        ).json()
        assert submission["status"] == "graded", submission
        assert submission["attempt_id"] == finished["id"], submission

        # the reputation walk-through: a market imported, a model trained and serving, every
        # candidate's reputation exported, and c-42's eligibility answered with reasons
        assert "imported" in stderr and "serving now: lin-" in stdout + stderr, output
        (exported,) = tmp_path.glob("tmp.*/reputations.jsonl")
        reputations = [json.loads(line) for line in exported.read_text().splitlines()]
        assert len(reputations) > 300, output  # the market's candidates, each tier
        assert "Reputation as served: every organization" in stdout, output  # model evaluate
        found = answers[-1]  # the match: the market's candidates ranked for a python milestone
        assert found["tier"] == "standard" and len(found["matches"]) == 3, output
        chances = [m["chance"] for m in found["matches"]]
        assert chances == sorted(chances, reverse=True), output
        decision = answers[-2]
        assert decision["external_ref"] == "c-42" and decision["tier"] == "standard", output
        assert decision["source"] == "model" and isinstance(decision["eligible"], bool), output
