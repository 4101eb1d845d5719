"""A trial package: loading it from a folder or an archive, validating it, packing it again.

```
trial.toml      the manifest (see `trials.manifest`)
statement.md    what the candidate reads
starter/        files handed to the candidate (with the statement and public tests:
                `starter_archive`; top-level names `trials.bundle` reserves are refused)
tests/          hidden tests
public_tests/   optional tests the candidate may see
solution/       the reference solution
```

Loading reports every problem at once in `TrialPackageInvalid`, so an author
fixes a package in one round. What is checked here is static; that the
solution scores 100% and the starter does not is for the import step, which
runs them in the sandbox.
"""

from __future__ import annotations

import gzip
import re
import sys
import warnings
from pathlib import Path
from typing import Literal

import msgspec

from trials.archives import ArchiveLimits, read_tree, tree_sha256, write_tar, write_zip
from trials.bundle import RESERVED, bundle_files, reserved_paths
from trials.errors import Problem, SubmissionRejected, TrialPackageInvalid
from trials.manifest import TrialManifest, parse_manifest
from trials.submissions import harness_shadowing_reasons, top_level_modules
from trials.trees import MiB

# The sandbox runtime is the same Python minor version as the host (3.11), so
# the host's list of standard-library names is the runtime's.
STDLIB_MODULES = frozenset(sys.stdlib_module_names)
PACKAGE_LIMITS = ArchiveLimits(
    max_files=500,
    max_total_bytes=16 * MiB,
    max_file_bytes=4 * MiB,
    max_depth=10,
    max_archive_bytes=32 * MiB,
)
MANIFEST = "trial.toml"
STATEMENT = "statement.md"
TREES = ("starter", "tests", "public_tests", "solution")
REQUIRED_TREES = ("starter", "tests", "solution")
TEST_TREES = ("tests", "public_tests")
CODE_TREES = ("starter", "solution")
_LAYOUT = "trial.toml, statement.md, starter/, tests/, public_tests/, solution/"
_TEST_FILE = re.compile(r"(test_.*|.*_test)\.py")
_NOT_TEST_MODULES = frozenset({"conftest.py", "__init__.py"})
# The download puts its extras beside the starter, and drops them from what comes back.
_RESERVED_WHY = (
    f"the top-level names {', '.join(RESERVED)} are reserved for the candidate's download"
)


class TrialPackage(msgspec.Struct, frozen=True, kw_only=True):
    """A valid trial package. Trees map paths relative to their folder to bytes."""

    manifest: TrialManifest
    manifest_text: str  # trial.toml as written: kept so archives and hashes reproduce it
    statement: str
    starter: dict[str, bytes]
    tests: dict[str, bytes]
    public_tests: dict[str, bytes] = {}
    solution: dict[str, bytes]
    content_hash: str  # sha256 of `files()`; the trial version's address

    def files(self) -> dict[str, bytes]:
        """The canonical layout: every file of the package under its package path."""
        files = {MANIFEST: self.manifest_text.encode(), STATEMENT: self.statement.encode()}
        for tree in TREES:
            for path, data in getattr(self, tree).items():
                files[f"{tree}/{path}"] = data
        return dict(sorted(files.items()))


def load_package(source: Path | bytes) -> TrialPackage:
    """Load a package from a folder or a tar / tar.gz / zip (a wrapper folder is unwrapped).

    Raises `TrialPackageInvalid` listing every problem found, including an
    archive refused as unsafe.
    """
    try:
        files = read_tree(source, PACKAGE_LIMITS)
    except SubmissionRejected as exc:
        problem = Problem(file=exc.path or "(package)", message=f"{exc.message} ({exc.code})")
        raise TrialPackageInvalid([problem]) from exc

    problems: list[Problem] = []
    texts: dict[str, str] = {}
    trees: dict[str, dict[str, bytes]] = {tree: {} for tree in TREES}
    for entry in _sort_entries(files, texts, trees, problems):
        problems.append(
            Problem(file=entry, message=f"unknown entry; a trial package holds only {_LAYOUT}")
        )

    manifest = _manifest(texts, problems)
    statement = texts.get(STATEMENT)
    if statement is None and not _mentions(problems, STATEMENT):
        problems.append(Problem(file=STATEMENT, message="is missing"))
    elif statement is not None and not statement.strip():
        problems.append(Problem(file=STATEMENT, message="is empty"))
    for tree in REQUIRED_TREES:
        if not trees[tree]:
            problems.append(Problem(file=f"{tree}/", message="is missing or has no files"))
    if trees["tests"] and not any(_is_test_file(path) for path in trees["tests"]):
        problems.append(Problem(file="tests/", message="has no test file (test_*.py or *_test.py)"))
    problems += _syntax_problems(trees)
    problems += _test_name_problems(trees)
    problems += _module_problems(trees)

    if problems or manifest is None or statement is None:
        raise TrialPackageInvalid(problems)
    package = TrialPackage(
        manifest=manifest,
        manifest_text=texts[MANIFEST],
        statement=statement,
        starter=trees["starter"],
        tests=trees["tests"],
        public_tests=trees["public_tests"],
        solution=trees["solution"],
        content_hash="",
    )
    return msgspec.structs.replace(package, content_hash=tree_sha256(package.files()))


def package_to_archive(package: TrialPackage) -> bytes:
    """The package as a deterministic tar.gz of its canonical layout, for storage."""
    return gzip.compress(write_tar(package.files()), mtime=0)


def starter_archive(
    package: TrialPackage,
    *,
    fmt: Literal["tar.gz", "zip"] = "tar.gz",
    folder: str | None = None,
) -> bytes:
    """The candidate's download, inside one folder (the trial id by default).

    The starter files at the folder's top, beside `statement.md`, the public
    tests and a generated guide (see `trials.bundle`). The folder keeps an
    unpacked download tidy; `read_submission` unwraps it again and drops the
    extras if the candidate sends the folder back. Pass `folder=""` for no
    folder. Deterministic: the same package gives the same bytes.
    """
    files = bundle_files(
        package.manifest,
        statement=package.statement,
        starter=package.starter,
        public_tests=package.public_tests,
    )
    prefix = package.manifest.id if folder is None else folder
    if fmt == "zip":
        return write_zip(files, prefix)
    return gzip.compress(write_tar(files, prefix), mtime=0)


def _sort_entries(
    files: dict[str, bytes],
    texts: dict[str, str],
    trees: dict[str, dict[str, bytes]],
    problems: list[Problem],
) -> list[str]:
    """File each path under its place in the layout; return the unknown top-level entries."""
    unknown: set[str] = set()
    for path, data in files.items():
        top, slash, rest = path.partition("/")
        if slash and top in trees:
            trees[top][rest] = data
        elif not slash and top in (MANIFEST, STATEMENT):
            try:
                # utf-8-sig: a byte-order mark from a Windows editor is not content.
                texts[top] = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                problems.append(Problem(file=top, message=f"is not UTF-8 text ({exc.reason})"))
        elif not slash and top in trees:
            problems.append(Problem(file=top, message="must be a folder"))
        else:
            unknown.add(f"{top}/" if slash else top)
    return sorted(unknown)


def _manifest(texts: dict[str, str], problems: list[Problem]) -> TrialManifest | None:
    if MANIFEST not in texts:
        if not _mentions(problems, MANIFEST):  # else it is there but not UTF-8
            problems.append(Problem(file=MANIFEST, message="is missing"))
        return None
    try:
        return parse_manifest(texts[MANIFEST], MANIFEST)
    except TrialPackageInvalid as exc:
        problems += exc.problems
        return None


def _mentions(problems: list[Problem], file: str) -> bool:
    return any(problem.file == file for problem in problems)


def _is_test_file(path: str) -> bool:
    return _TEST_FILE.fullmatch(path.rsplit("/", 1)[-1]) is not None


def _syntax_problems(trees: dict[str, dict[str, bytes]]) -> list[Problem]:
    """Every `.py` file must at least compile; compiling runs none of it."""
    problems = []
    for tree, files in trees.items():
        for path, data in files.items():
            if not path.endswith(".py"):
                continue
            where = f"{tree}/{path}"
            # Warnings (e.g. invalid escape sequences) are the runtime's business,
            # not a package error, and must not turn into errors under `-W error`.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    compile(data, where, "exec", dont_inherit=True)
                except SyntaxError as exc:
                    problems.append(
                        Problem(file=where, line=exc.lineno, message=f"syntax error: {exc.msg}")
                    )
                except (ValueError, RecursionError) as exc:  # NUL bytes; absurd nesting
                    problems.append(Problem(file=where, message=f"cannot be compiled: {exc}"))
    return problems


def _test_name_problems(trees: dict[str, dict[str, bytes]]) -> list[Problem]:
    """Test modules are imported by file name (pytest's prepend mode): names must be unique."""
    problems = []
    seen: dict[str, str] = {}
    for tree in TEST_TREES:
        for path in trees[tree]:
            name = path.rsplit("/", 1)[-1]
            if not name.endswith(".py") or name in _NOT_TEST_MODULES:
                continue
            where = f"{tree}/{path}"
            if name in seen:
                problems.append(
                    Problem(
                        file=where,
                        message=f"same file name as {seen[name]}; test modules are imported "
                        "by name, so names must be unique across tests/ and public_tests/",
                    )
                )
            else:
                seen[name] = where
    return problems


def _test_module_names(trees: dict[str, dict[str, bytes]]) -> set[str]:
    names = set()
    for tree in TEST_TREES:
        for path in trees[tree]:
            *folders, name = path.split("/")
            if name.endswith(".py") and name not in _NOT_TEST_MODULES:
                names.add(name.removesuffix(".py"))
            if name == "__init__.py" and folders:
                names.add(folders[-1])
    return names


def _module_problems(trees: dict[str, dict[str, bytes]]) -> list[Problem]:
    problems = []
    test_modules = _test_module_names(trees)
    modules = {tree: top_level_modules(trees[tree]) for tree in CODE_TREES}
    for tree in CODE_TREES:
        for path, why in harness_shadowing_reasons(trees[tree]).items():
            problems.append(Problem(file=f"{tree}/{path}", message=why))
        for path in reserved_paths(trees[tree]):
            problems.append(Problem(file=f"{tree}/{path}", message=_RESERVED_WHY))
        for module, paths in modules[tree].items():
            if module in STDLIB_MODULES:
                # the candidate's folder comes after the standard library on sys.path,
                # so the tests would import the standard module, never this one
                problems.append(
                    Problem(
                        file=f"{tree}/{paths[0]}",
                        message=f"module {module!r} would be hidden by the standard library",
                    )
                )
            if module in test_modules:
                problems.append(
                    Problem(
                        file=f"{tree}/{paths[0]}",
                        message=f"module {module!r} has the name of a test module",
                    )
                )
    if trees["starter"] and trees["solution"]:
        starter, solution = set(modules["starter"]), set(modules["solution"])
        for tree, extra in (("solution", solution - starter), ("starter", starter - solution)):
            other = "starter" if tree == "solution" else "solution"
            if extra:
                names = ", ".join(sorted(extra))
                problems.append(
                    Problem(
                        file=f"{tree}/",
                        message=f"defines modules that {other}/ does not: {names} "
                        "(both must define the same top-level modules)",
                    )
                )
    return problems
