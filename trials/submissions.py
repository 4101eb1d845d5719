"""A candidate's files: reading them safely, and spotting files that would hijack the harness.

The sandbox puts the candidate's folder at the *end* of `sys.path` and runs
pytest with the grader's own ini and rootdir, so a standard-library name or a
`pyproject.toml` in a submission is inert and stays allowed. What is refused
is what could still take over the run: files named like pytest or its plugin
machinery, conftest plugins, and start-up hooks. `harness_shadowing` finds
them; the caller decides what to do.
"""

from __future__ import annotations

from pathlib import Path

from trials.archives import SUBMISSION_LIMITS, ArchiveLimits, read_file_map, read_tree, tree_sha256
from trials.bundle import RESERVED, without_bundle_extras
from trials.errors import SubmissionRejected

# Modules pytest needs, and hooks Python imports at start-up by name.
HARNESS_MODULES = frozenset(
    {"pytest", "_pytest", "pluggy", "py", "conftest", "sitecustomize", "usercustomize"}
)
# Files that pytest or Python pick up by name wherever they are: conftest
# plugins and start-up hooks. (Config files are not here: the grader passes its
# own ini with `-c`, so pytest never searches the candidate's folder for one.)
HARNESS_FILES = frozenset(
    {
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
# Refused at any depth, not only at the top: any folder may end up on sys.path
# (pytest's rootdir-relative imports insert test folders, for one).
HARNESS_MODULE_FILES = frozenset({"pytest.py", "py.py"})
_MODULE_SUFFIXES = (".py", ".so")  # source, and compiled extensions (`x.cpython-311-...so`)


def read_submission(
    source: Path | bytes | dict[str, str],
    limits: ArchiveLimits = SUBMISSION_LIMITS,
    *,
    unwrap: bool = True,
) -> dict[str, bytes]:
    """A submission from a folder, an archive's bytes, or a JSON `{path: text}` map.

    What the candidate's download added beside the starter (`statement.md`,
    `TRIALGATE.md`, `public_tests/`; see `trials.bundle`) is dropped, so the
    unpacked download can be sent back as it is. Raises `SubmissionRejected`,
    code "empty" when nothing else is left. Harness shadowing is not checked
    here; see `harness_shadowing`.

    Pass `unwrap=False` when re-reading an archive this service wrote itself
    (`write_tar` of files already read): it is taken exactly as stored, neither
    unwrapped nor stripped. Unwrapping is for uploads, and a second pass could
    strip a folder the first one kept. File maps are never unwrapped.
    """
    if isinstance(source, dict):
        files = read_file_map(source, limits)
    elif unwrap:
        files = read_tree(source, limits)
    else:
        return read_tree(source, limits, unwrap=False)
    kept = without_bundle_extras(files)
    if not kept:
        names = ", ".join(RESERVED)
        raise SubmissionRejected(
            "empty", f"no files of your own: {names} come with the trial and are not sent"
        )
    return kept


def submission_sha256(files: dict[str, bytes]) -> str:
    """The canonical hash of a submission: paths and contents, not archive format or dates."""
    return tree_sha256(files)


def top_level_modules(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Importable top-level names -> the paths that provide them.

    A top-level `x.py` (or `x.*.so`) provides `x`; a top-level folder provides
    its name when it holds any `.py` file, with or without `__init__.py`
    (a namespace package can still clash). Data-only folders provide nothing.
    """
    modules: dict[str, list[str]] = {}
    for path in sorted(files):
        top, slash, _rest = path.partition("/")
        if not slash and not top.endswith(_MODULE_SUFFIXES):
            continue
        name = top if slash else top.split(".", 1)[0]
        modules.setdefault(name, []).append(path)
    return {
        name: paths
        for name, paths in modules.items()
        if any(path.endswith(".py") or "/" not in path for path in paths)
    }


def harness_shadowing_reasons(files: dict[str, bytes]) -> dict[str, str]:
    """Path -> why it would hijack the test harness, for every such path."""
    reasons: dict[str, str] = {}
    for module, paths in top_level_modules(files).items():
        if module not in HARNESS_MODULES:
            continue
        why = f"module {module!r} would shadow the test harness"
        for path in paths:
            reasons[path] = why
    for path in files:
        name = path.rsplit("/", 1)[-1]
        if name in HARNESS_FILES:
            reasons[path] = f"{name!r} is read by pytest or by Python at start-up"
        elif name in HARNESS_MODULE_FILES:
            reasons[path] = f"{name!r} would shadow the test harness"
        elif name.endswith(".pth"):
            reasons[path] = "'.pth' files are executed by Python at start-up"
    return dict(sorted(reasons.items()))


def harness_shadowing(files: dict[str, bytes]) -> tuple[str, ...]:
    """Paths (sorted) whose name or top-level module would hijack the test harness."""
    return tuple(harness_shadowing_reasons(files))


def refuse_harness_files(files: dict[str, bytes]) -> None:
    """Raise `SubmissionRejected` for the first file that would hijack the test harness:
    the door refuses what the grader would refuse, before anything is stored."""
    for path, why in harness_shadowing_reasons(files).items():
        raise SubmissionRejected("harness_file", why, path=path)
