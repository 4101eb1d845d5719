"""The candidate's download (`starter_archive`) and its way back (`read_submission`)."""

from __future__ import annotations

import gzip
import io
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Literal

import pytest

from trials.archives import write_tar, write_zip
from trials.bundle import GUIDE, RUN_PUBLIC_TESTS, guide
from trials.package import TrialPackage, load_package, starter_archive
from trials.submissions import read_submission, refuse_harness_files

Format = Literal["tar.gz", "zip"]
EXAMPLES = Path(__file__).resolve().parents[2] / "trials" / "examples"
MANIFEST = """\
id = "shopping-cart"
title = "Shopping cart totals"
version = "1.0.0"
skills = ["python"]
difficulty = 2
runtime = "python3.11"
"""
STARTER = {
    "cart.py": b"def total(items):\n    raise NotImplementedError\n",
    "data/prices.csv": b"apple,1\n",
}
PUBLIC_TESTS = {
    "test_cart_public.py": b"from cart import total\n\ndef test_sum():\n    assert total([1]) == 1\n",
    "conftest.py": b"",  # the package's own; refused were a candidate to send it
}
PACKAGE = {
    "trial.toml": MANIFEST.encode(),
    "statement.md": b"# Cart\n\nImplement `total(items)`.\n",
    **{f"starter/{path}": data for path, data in STARTER.items()},
    "solution/cart.py": b"def total(items):\n    return sum(items)\n",
    "solution/data/prices.csv": b"apple,1\n",
    "tests/test_cart.py": b"from cart import total\n\ndef test_two():\n    assert total([1, 1]) == 2\n",
    **{f"public_tests/{path}": data for path, data in PUBLIC_TESTS.items()},
}


@pytest.fixture
def package() -> TrialPackage:
    return load_package(write_tar(PACKAGE))


def unpack(data: bytes) -> dict[str, bytes]:
    """An archive's regular files by name, exactly as stored."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def unpack_to(data: bytes, where: Path) -> None:
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(where)
        return
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        tar.extractall(where, filter="data")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_the_download_holds_starter_statement_public_tests_and_a_guide(
    package: TrialPackage, fmt: Format
) -> None:
    files = unpack(starter_archive(package, fmt=fmt))

    assert files == {
        "shopping-cart/cart.py": STARTER["cart.py"],
        "shopping-cart/data/prices.csv": STARTER["data/prices.csv"],
        "shopping-cart/statement.md": PACKAGE["statement.md"],
        "shopping-cart/public_tests/conftest.py": b"",
        "shopping-cart/public_tests/test_cart_public.py": PUBLIC_TESTS["test_cart_public.py"],
        "shopping-cart/TRIALGATE.md": guide(
            package.manifest, starter=package.starter, public_tests=True
        ).encode(),
    }


def test_the_folder_can_be_renamed_or_left_out(package: TrialPackage) -> None:
    renamed = unpack(starter_archive(package, fmt="zip", folder="cart-v1"))
    bare = unpack(starter_archive(package, folder=""))

    assert all(name.startswith("cart-v1/") for name in renamed)
    assert sorted(bare) == [
        GUIDE,
        "cart.py",
        "data/prices.csv",
        "public_tests/conftest.py",
        "public_tests/test_cart_public.py",
        "statement.md",
    ]


def test_a_trial_without_public_tests_ships_no_public_tests_folder() -> None:
    files = {p: d for p, d in PACKAGE.items() if not p.startswith("public_tests/")}
    package = load_package(write_tar(files))

    shipped = unpack(starter_archive(package))

    assert sorted(shipped) == [
        "shopping-cart/TRIALGATE.md",
        "shopping-cart/cart.py",
        "shopping-cart/data/prices.csv",
        "shopping-cart/statement.md",
    ]
    text = shipped["shopping-cart/TRIALGATE.md"].decode()
    assert "no public tests" in text
    assert RUN_PUBLIC_TESTS not in text


def test_the_guide_says_what_to_edit_how_to_test_and_what_is_sent(package: TrialPackage) -> None:
    text = guide(package.manifest, starter=package.starter, public_tests=True)

    assert text.startswith("# Shopping cart totals\n")
    assert "- `cart.py`\n- `data/prices.csv`\n" in text
    assert f"    {RUN_PUBLIC_TESTS}\n" in text
    assert "Python 3.11" in text
    assert "`statement.md`, `TRIALGATE.md`, `public_tests/`" in text


def test_a_long_starter_is_listed_in_part(package: TrialPackage) -> None:
    starter = {f"m{i:02}.py": b"" for i in range(25)}

    text = guide(package.manifest, starter=starter, public_tests=False)

    assert "- `m19.py`\n- and 5 more\n" in text
    assert "m20.py" not in text


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_the_download_is_the_same_bytes_whatever_the_packages_source(
    tmp_path: Path, fmt: Format
) -> None:
    for path, data in PACKAGE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
        os.utime(tmp_path / path, (1_700_000_000, 1_700_000_000))
    sources: list[Path | bytes] = [tmp_path, write_zip(PACKAGE), write_tar(PACKAGE)]

    downloads = {starter_archive(load_package(s), fmt=fmt) for s in sources}

    assert len(downloads) == 1


def test_the_tar_download_carries_no_dates_owners_or_odd_modes(package: TrialPackage) -> None:
    data = starter_archive(package)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = tar.getmembers()

    assert data[4:8] == b"\0\0\0\0"  # gzip header mtime
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
    assert {m.mode for m in members if m.isfile()} == {0o644}
    assert {m.mode for m in members if m.isdir()} == {0o755}


def run_public_tests(folder: Path) -> subprocess.CompletedProcess[str]:
    """The guide's command, run from the folder as a candidate would."""
    command = shlex.split(RUN_PUBLIC_TESTS)
    assert command[0] == "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    # A candidate's pytest has none of this project's dev plugins; the grader loads none either.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, *command[1:]],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("example", ["lru-cache", "csv-report"])
def test_the_guides_command_runs_the_public_tests_offline(tmp_path: Path, example: str) -> None:
    package = load_package(EXAMPLES / example)
    unpack_to(starter_archive(package), tmp_path)
    folder = tmp_path / example
    assert RUN_PUBLIC_TESTS in (folder / GUIDE).read_text()

    starter_run = run_public_tests(folder)
    for path, data in package.solution.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    solution_run = run_public_tests(folder)

    # 1: some tests failed (not 2: interrupted, e.g. an import error at collection)
    assert starter_run.returncode == 1, starter_run.stdout + starter_run.stderr
    assert " failed" in starter_run.stdout
    assert "error" not in starter_run.stdout.splitlines()[-1]
    assert solution_run.returncode == 0, solution_run.stdout + solution_run.stderr
    assert " passed" in solution_run.stdout.splitlines()[-1]
    # the test ids are the grader's: the folder is pytest's rootdir, as /work/grader is there
    (public_test,) = package.public_tests
    assert f"public_tests/{public_test}::" in starter_run.stdout


@pytest.mark.parametrize(
    ("fmt", "send"), [("tar.gz", "folder"), ("tar.gz", "gztar"), ("zip", "zip")]
)
def test_an_edited_download_sent_back_whole_holds_only_the_candidates_files(
    tmp_path: Path, package: TrialPackage, fmt: Format, send: str
) -> None:
    unpack_to(starter_archive(package, fmt=fmt), tmp_path)
    folder = tmp_path / "shopping-cart"
    (folder / "cart.py").write_bytes(PACKAGE["solution/cart.py"])
    (folder / "helpers.py").write_text("ROUND = 2\n")
    (folder / "README.md").write_text("my notes\n")  # a README of the candidate's own is kept
    assert run_public_tests(folder).returncode == 0  # leaves caches behind, as a candidate would
    assert (folder / "public_tests" / "__pycache__").is_dir()

    if send == "folder":
        source: Path | bytes = folder
    else:  # packed with the usual tools, wrapper folder included
        made = shutil.make_archive(str(tmp_path / "sent"), send, tmp_path, "shopping-cart")
        source = Path(made).read_bytes()
    files = read_submission(source)

    assert files == {
        "README.md": b"my notes\n",
        "cart.py": PACKAGE["solution/cart.py"],
        "data/prices.csv": STARTER["data/prices.csv"],
        "helpers.py": b"ROUND = 2\n",
    }
    refuse_harness_files(files)  # the public tests' conftest.py stayed behind
