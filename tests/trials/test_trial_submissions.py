from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from trials.archives import ArchiveLimits, write_tar, write_zip
from trials.errors import SubmissionRejected
from trials.submissions import (
    harness_shadowing,
    read_submission,
    submission_sha256,
    top_level_modules,
)

FILES = {"cart.py": b"def total(items):\n    return sum(items)\n", "util/fmt.py": b""}


def test_a_submission_is_read_from_a_folder_an_archive_or_a_file_map(tmp_path: Path) -> None:
    (tmp_path / "util").mkdir()
    for path, data in FILES.items():
        (tmp_path / path).write_bytes(data)
    text_map = {path: data.decode() for path, data in FILES.items()}

    sources: list[Path | bytes | dict[str, str]] = [
        tmp_path,
        write_zip(FILES),
        gzip.compress(write_tar(FILES)),
        text_map,
    ]

    assert all(read_submission(source) == FILES for source in sources)


def test_the_limits_given_apply_to_every_kind_of_source() -> None:
    limits = ArchiveLimits(max_files=1)

    for source in (write_zip(FILES), {"a.py": "", "b.py": ""}):
        with pytest.raises(SubmissionRejected) as caught:
            read_submission(source, limits)
        assert caught.value.code == "too_many_files"


def test_a_stored_submission_reads_back_unchanged_without_unwrapping() -> None:
    # From a file map nothing was unwrapped; everything sits in one plain folder.
    files = read_submission({"src/app.py": "x = 1\n", "src/util.py": ""})
    stored = write_tar(files)

    assert read_submission(stored, unwrap=False) == files
    assert submission_sha256(read_submission(stored, unwrap=False)) == submission_sha256(files)
    assert read_submission(stored) != files  # what unwrapping an upload would do


# What the candidate's download adds beside the starter (see trials.bundle).
BUNDLE_EXTRAS = {
    "statement.md": b"# Cart\n",
    "TRIALGATE.md": b"# Shopping cart\n",
    "public_tests/test_cart_public.py": b"def test_public():\n    pass\n",
    "public_tests/conftest.py": b"",
}


def test_the_downloads_extras_are_dropped_from_every_kind_of_upload(tmp_path: Path) -> None:
    sent = {**FILES, **BUNDLE_EXTRAS}
    folder = tmp_path / "shopping-cart"
    for path, data in sent.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)

    sources: list[Path | bytes | dict[str, str]] = [
        folder,
        write_zip(sent, prefix="shopping-cart"),
        gzip.compress(write_tar(sent)),
        {path: data.decode() for path, data in sent.items()},
    ]

    assert all(read_submission(source) == FILES for source in sources)
    assert harness_shadowing(read_submission(folder)) == ()


def test_reserved_names_are_matched_as_a_case_insensitive_disk_would() -> None:
    sent = {**FILES, "Statement.MD": b"", "PUBLIC_TESTS/x.py": b"", "trialgate.md": b""}

    assert read_submission(write_zip(sent)) == FILES


def test_only_the_top_level_reserved_names_are_dropped() -> None:
    own = {
        **FILES,
        "README.md": b"my notes",
        "docs/statement.md": b"",
        "util/public_tests/x.txt": b"",
    }

    assert read_submission(write_zip({**own, **BUNDLE_EXTRAS})) == own


def test_an_upload_of_nothing_but_the_downloads_extras_is_empty() -> None:
    for source in (write_zip(BUNDLE_EXTRAS), {"statement.md": "# Cart"}):
        with pytest.raises(SubmissionRejected) as caught:
            read_submission(source)
        assert caught.value.code == "empty"
        assert "statement.md" in caught.value.message


def test_a_stored_archive_is_read_back_exactly_without_dropping_anything() -> None:
    stored = write_tar({**FILES, "statement.md": b""})

    assert read_submission(stored, unwrap=False) == {**FILES, "statement.md": b""}


def test_the_submission_hash_ignores_archive_format_and_order() -> None:
    from_zip = read_submission(write_zip(FILES))
    from_tar = read_submission(write_tar(dict(reversed(FILES.items())), prefix="wrapper"))

    assert submission_sha256(from_zip) == submission_sha256(from_tar)
    assert submission_sha256(from_zip) != submission_sha256({**from_zip, "cart.py": b""})


@pytest.mark.parametrize(
    "path",
    [
        "conftest.py",
        "deep/down/conftest.py",
        "pytest.py",
        "lib/pytest.py",
        "py.py",
        "_pytest/__init__.py",
        "pytest/__init__.py",
        "pluggy/hooks.py",
        "sitecustomize.py",
        "usercustomize.py",
        "evil.pth",
        "lib/evil.pth",
    ],
)
def test_harness_shadowing_finds_each_hijacking_file(path: str) -> None:
    assert harness_shadowing({**FILES, path: b""}) == (path,)


@pytest.mark.parametrize(
    "path",
    [
        "shop/json.py",  # inside a package: shop.json, not json
        "json.py",  # the candidate's folder comes after the standard library on sys.path
        "collections/abc.py",
        "pyproject.toml",  # the grader passes its own ini; pytest never looks for one here
        "setup.cfg",
        "pytest.ini",
        "email/template.txt",  # a data folder is no module
        "test_json.py",
        "README.md",
        "Json.py",  # imports are case-sensitive on Linux
    ],
)
def test_harness_shadowing_leaves_ordinary_files_alone(path: str) -> None:
    assert harness_shadowing({**FILES, path: b""}) == ()


def test_harness_shadowing_returns_every_path_sorted() -> None:
    files = {**FILES, "x.pth": b"", "pytest/a.py": b"", "pytest/b.py": b"", "conftest.py": b""}

    assert harness_shadowing(files) == ("conftest.py", "pytest/a.py", "pytest/b.py", "x.pth")


def test_top_level_modules_come_from_files_and_code_folders() -> None:
    files = {
        "cart.py": b"",
        "shop/__init__.py": b"",
        "shop/items.py": b"",
        "ns/mod.py": b"",
        "data/prices.csv": b"",
        "fast.cpython-311-x86_64-linux-gnu.so": b"",
        "notes.txt": b"",
    }

    assert set(top_level_modules(files)) == {"cart", "shop", "ns", "fast"}
    assert top_level_modules(files)["shop"] == ["shop/__init__.py", "shop/items.py"]
