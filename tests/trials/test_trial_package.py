from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from trials.archives import write_tar, write_zip
from trials.errors import Problem, TrialPackageInvalid
from trials.package import load_package, package_to_archive

MANIFEST = """\
id = "shopping-cart"
title = "Shopping cart totals"
version = "1.0.0"
skills = ["python"]
difficulty = 2
runtime = "python3.11"

[limits]
memory_mb = 256

[scoring.weights]
"tests/test_cart.py::*" = 2
"""

PACKAGE = {
    "trial.toml": MANIFEST.encode(),
    "statement.md": b"# Cart\n\nImplement `total(items)`.\n",
    "starter/cart.py": b"def total(items):\n    raise NotImplementedError\n",
    "starter/data/prices.csv": b"apple,1\n",
    "solution/cart.py": b"def total(items):\n    return sum(items)\n",
    "solution/data/prices.csv": b"apple,1\n",
    "tests/test_cart.py": b"from cart import total\n\ndef test_sum():\n    assert total([1]) == 1\n",
    "tests/cart_samples.py": b"ITEMS = [1, 2]\n",
    "tests/conftest.py": b"",
    "public_tests/test_cart_public.py": b"def test_public():\n    pass\n",
    "public_tests/conftest.py": b"",
}
EXAMPLES = Path(__file__).resolve().parents[2] / "trials" / "examples"


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


def problems_of_bytes(data: bytes) -> list[Problem]:
    with pytest.raises(TrialPackageInvalid) as caught:
        load_package(data)
    return caught.value.problems


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    return problems_of_bytes(write_tar(files))


def changed(**changes: bytes | None) -> dict[str, bytes]:
    """PACKAGE with files replaced; keys use `__` for `/` and `_dot_` for `.`."""
    files = dict(PACKAGE)
    for key, data in changes.items():
        path = key.replace("__", "/").replace("_dot_", ".")
        if data is None:
            files.pop(path)
        else:
            files[path] = data
    return files


def test_a_valid_folder_loads_with_trees_relative_to_their_folder(tmp_path: Path) -> None:
    package = load_package(write_folder(tmp_path, PACKAGE))

    assert package.manifest.id == "shopping-cart"
    assert package.statement.startswith("# Cart")
    assert set(package.starter) == {"cart.py", "data/prices.csv"}
    assert set(package.tests) == {"test_cart.py", "cart_samples.py", "conftest.py"}
    assert set(package.public_tests) == {"test_cart_public.py", "conftest.py"}
    assert package.files() == dict(sorted(PACKAGE.items()))
    assert len(package.content_hash) == 64


def test_the_content_hash_is_the_same_from_folder_targz_and_zip(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "shopping-cart", PACKAGE)
    os.utime(folder / "trial.toml", (0, 0))  # dates must not matter
    targz = io.BytesIO()
    with tarfile.open(fileobj=targz, mode="w:gz") as tar:
        tar.add(folder, arcname=".")  # "./trial.toml", as `tar -C dir -czf x.tgz .` makes
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in PACKAGE.items():  # inside a wrapper folder, as zip tools make
            archive.writestr(f"shopping-cart-main/{path}", data)

    hashes = {
        load_package(folder).content_hash,
        load_package(targz.getvalue()).content_hash,
        load_package(zipped.getvalue()).content_hash,
    }

    assert len(hashes) == 1


def test_the_content_hash_changes_with_any_byte() -> None:
    original = load_package(write_tar(PACKAGE)).content_hash
    edited = changed(tests__cart_samples_dot_py=b"ITEMS = [1, 3]\n")

    assert load_package(write_tar(edited)).content_hash != original


def test_package_to_archive_round_trips_deterministically() -> None:
    package = load_package(write_zip(PACKAGE))

    archive = package_to_archive(package)

    assert archive == package_to_archive(load_package(archive))
    assert load_package(archive) == package
    assert archive[:2] == b"\x1f\x8b"


def test_a_byte_order_mark_is_not_part_of_the_texts() -> None:
    files = changed(trial_dot_toml=b"\xef\xbb\xbf" + MANIFEST.encode())

    package = load_package(write_tar(files))

    assert package.manifest_text == MANIFEST
    assert package.content_hash == load_package(write_tar(PACKAGE)).content_hash


def test_every_problem_is_reported_at_once() -> None:
    files = changed(
        trial_dot_toml=MANIFEST.replace("memory_mb = 256", "memory_mb = 1").encode(),
        statement_dot_md=None,
        solution__cart_dot_py=None,
        solution__data__prices_dot_csv=None,
        tests__test_cart_dot_py=None,
        tests__cart_samples_dot_py=b"ITEMS = [1]\n\ndef broken(:\n",
        starter__json_dot_py=b"",
        starter__conftest_dot_py=b"",
        notes_dot_txt=b"todo",
    )

    problems = problems_of(files)

    found = {(p.file, p.field) for p in problems}
    assert found >= {
        ("trial.toml", "limits.memory_mb"),
        ("statement.md", None),
        ("solution/", None),
        ("tests/", None),
        ("tests/cart_samples.py", None),
        ("starter/json.py", None),
        ("starter/conftest.py", None),
        ("notes.txt", None),
    }
    syntax = next(p for p in problems if p.file == "tests/cart_samples.py")
    assert syntax.line == 3
    assert "syntax error" in syntax.message
    unknown = next(p for p in problems if p.file == "notes.txt")
    assert "trial.toml, statement.md, starter/" in unknown.message
    assert "8 problems" in str(TrialPackageInvalid(problems[:8]))


def test_test_file_names_must_be_unique_across_test_folders() -> None:
    files = changed(public_tests__test_cart_dot_py=b"def test_x():\n    pass\n")

    (problem,) = problems_of(files)

    assert problem.file == "public_tests/test_cart.py"
    assert "tests/test_cart.py" in problem.message


def test_starter_and_solution_must_define_the_same_modules() -> None:
    files = changed(solution__extra_dot_py=b"")

    (problem,) = problems_of(files)

    assert problem.file == "solution/"
    assert "extra" in problem.message


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("starter/pytest.py", "test harness"),
        ("starter/pluggy/__init__.py", "test harness"),
        ("starter/os/__init__.py", "standard library"),
        ("starter/sitecustomize.py", "start-up"),
        ("starter/cart_samples.py", "test module"),
        ("solution/usercustomize.py", "start-up"),
    ],
)
def test_code_must_not_shadow_the_harness_the_stdlib_or_test_modules(
    path: str, fragment: str
) -> None:
    problems = problems_of({**PACKAGE, path: b""})

    assert any(p.file == path and fragment in p.message for p in problems), problems


@pytest.mark.parametrize(
    "path",
    [
        "starter/statement.md",
        "starter/TRIALGATE.md",
        "starter/trialgate.md",  # a case-insensitive disk would take one for the other
        "starter/public_tests/sample.json",
        "starter/Public_Tests/data.csv",
        "solution/statement.md",
    ],
)
def test_code_must_not_use_the_names_the_candidates_download_reserves(path: str) -> None:
    (problem,) = problems_of({**PACKAGE, path: b""})

    assert problem.file == path
    assert "reserved for the candidate's download" in problem.message


@pytest.mark.parametrize(
    "path", ["starter/README.md", "starter/docs/statement.md", "starter/notes/public_tests/x.txt"]
)
def test_reserved_names_apply_only_at_the_top_of_the_starter(path: str) -> None:
    assert path.removeprefix("starter/") in load_package(write_tar({**PACKAGE, path: b""})).starter


def test_texts_must_be_utf8_and_the_statement_not_blank() -> None:
    assert problems_of(changed(statement_dot_md=b"\xff\xfe")) == [
        Problem(file="statement.md", message="is not UTF-8 text (invalid start byte)")
    ]
    assert problems_of(changed(statement_dot_md=b"  \n")) == [
        Problem(file="statement.md", message="is empty")
    ]


def test_a_tree_given_as_a_file_is_a_problem() -> None:
    files = {p: d for p, d in PACKAGE.items() if not p.startswith("solution/")}

    problems = problems_of({**files, "solution": b""})

    assert Problem(file="solution", message="must be a folder") in problems


def test_an_unsafe_archive_is_an_invalid_package_naming_the_reason() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("../escape.py")
        tar.addfile(info, io.BytesIO())

    problems = problems_of_bytes(out.getvalue())

    assert problems[0].file == "../escape.py"
    assert "unsafe_path" in problems[0].message


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="no example trials")
@pytest.mark.parametrize(
    "example",
    sorted(p.name for p in EXAMPLES.iterdir() if (p / "trial.toml").exists())
    if EXAMPLES.is_dir()
    else [],
)
def test_every_example_trial_is_a_valid_package(example: str) -> None:
    package = load_package(EXAMPLES / example)

    assert package.manifest.id == example
