"""`trialgate trials check` on the shipped examples and on broken packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
EXAMPLES = Path(__file__).resolve().parents[2] / "trials" / "examples"


def _check(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIALGATE, "trials", "check", str(target), "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        env=os.environ.copy(),
    )


@pytest.mark.docker
@pytest.mark.parametrize("trial", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_every_example_trial_passes_its_check(trial: str):
    done = _check(EXAMPLES / trial)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["problems"] == []
    assert report["solution"]["verdict"] == "accepted"
    assert report["starter"]["verdict"] != "accepted"
    hidden = [t for t in report["expected_tests"] if t.startswith("tests/")]
    public = [t for t in report["expected_tests"] if t.startswith("public_tests/")]
    assert len(hidden) >= 8 and public


def test_a_broken_package_is_reported_with_files_and_lines(tmp_path: Path):
    (tmp_path / "trial.toml").write_text('id = "x"\ntitle = ""\nversion = "one"\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(:\n    pass\n")
    done = subprocess.run(
        [TRIALGATE, "trials", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert done.returncode == 2
    assert "trial.toml" in done.stderr
    assert "tests/test_a.py:1" in done.stderr
    assert "statement.md" in done.stderr


@pytest.mark.docker
def test_a_package_whose_solution_fails_is_refused(tmp_path: Path):
    for source in (EXAMPLES / "interval-merger").rglob("*"):
        if source.is_file():
            target = tmp_path / source.relative_to(EXAMPLES / "interval-merger")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    solution = next((tmp_path / "solution").glob("*.py"))
    solution.write_text(solution.read_text() + "\nraise RuntimeError('broken reference')\n")
    done = _check(tmp_path)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert not report["ok"]
    assert any("solution/" in p for p in report["problems"])
