"""The candidate's download: the starter and everything needed to work offline, and the way back.

```
<trial-id>/             one folder (see `trials.package.starter_archive`)
  ...                   the starter files: the candidate edits these in place
  statement.md          the task
  public_tests/         the public tests, when the trial has any
  TRIALGATE.md          generated: what to edit, what is sent back, how to run the tests
```

Candidates will send the whole unpacked folder back, so the names of the
three extras are reserved: a package's starter or solution may not use them
at its top level (`reserved_paths`, checked when a package is loaded), and
whatever arrives under them is dropped from an upload (`without_bundle_extras`,
applied by `trials.submissions.read_submission`). Dropped whatever their
content: the grader runs the package's own public tests, never a candidate's
copy; a `conftest.py` among them would otherwise trip the harness refusals;
and files every candidate was handed must not make two submissions look alike.
Names are compared the way `trials.paths.collision_key` does, as a
case-insensitive file system would: `Statement.MD` is `statement.md`.

The generated guide is `TRIALGATE.md`, not `README.md`, so a starter may have
a README of its own. No `conftest.py` is generated: `python -m pytest` puts the
folder on `sys.path`, which is all the public tests need to import the
candidate's modules by name, as they do in the sandbox.
"""

from __future__ import annotations

from trials.manifest import TrialManifest
from trials.paths import collision_key

STATEMENT = "statement.md"
PUBLIC_TESTS = "public_tests"
GUIDE = "TRIALGATE.md"
RESERVED = (STATEMENT, PUBLIC_TESTS, GUIDE)
RUN_PUBLIC_TESTS = f"python -m pytest {PUBLIC_TESTS}"
_RESERVED_KEYS = frozenset(collision_key(name) for name in RESERVED)
_LISTED_FILES = 20  # starter files named in the guide; the rest are counted
_SHOWN = f"`{STATEMENT}`, `{GUIDE}`, `{PUBLIC_TESTS}/`"


def bundle_files(
    manifest: TrialManifest,
    *,
    statement: str,
    starter: dict[str, bytes],
    public_tests: dict[str, bytes],
) -> dict[str, bytes]:
    """The download's files, without their folder, sorted by path."""
    files = dict(starter)
    files[STATEMENT] = statement.encode()
    files.update({f"{PUBLIC_TESTS}/{path}": data for path, data in public_tests.items()})
    files[GUIDE] = guide(manifest, starter=starter, public_tests=bool(public_tests)).encode()
    return dict(sorted(files.items()))


def guide(manifest: TrialManifest, *, starter: dict[str, bytes], public_tests: bool) -> str:
    """`TRIALGATE.md`: a few lines on what to edit, what is sent back, how to run the tests."""
    paths = sorted(starter)
    listed = [f"- `{path}`" for path in paths[:_LISTED_FILES]]
    if len(paths) > _LISTED_FILES:
        listed.append(f"- and {len(paths) - _LISTED_FILES} more")
    if public_tests:
        testing = [
            f"From this folder, with {_python(manifest.runtime)} and pytest installed:",
            "",
            f"    {RUN_PUBLIC_TESTS}",
            "",
            "(`python -m` puts this folder on the import path; plain `pytest` does not.)",
            "Your work is graded on these tests and on hidden ones.",
        ]
    else:
        testing = [
            "This trial has no public tests: your work is graded on hidden tests of",
            f"what `{STATEMENT}` asks for.",
        ]
    lines = [
        f"# {manifest.title}",
        "",
        f"Trial `{manifest.id}`, version {manifest.version}. The task is in `{STATEMENT}`.",
        "",
        "## What to edit",
        "",
        "Edit these files in place; you may add files of your own beside them:",
        "",
        *listed,
        "",
        "## Testing",
        "",
        *testing,
        "",
        "## Sending your work",
        "",
        "Send this folder back, or a .zip or .tar.gz of it. Only your own files are",
        f"kept: {_SHOWN} and caches such as",
        "`__pycache__/` are dropped on arrival. A submission holding a file that",
        "pytest or Python would run by itself (`conftest.py`, `sitecustomize.py`,",
        "a `.pth` file) is refused.",
    ]
    return "\n".join(lines) + "\n"


def is_bundle_extra(path: str) -> bool:
    """Whether `path` lies under a name the download reserves (at the top level only)."""
    return collision_key(path.split("/", 1)[0]) in _RESERVED_KEYS


def without_bundle_extras(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` less what lies under the download's reserved names."""
    return {path: data for path, data in files.items() if not is_bundle_extra(path)}


def reserved_paths(files: dict[str, bytes]) -> list[str]:
    """The paths of a starter or solution that use a reserved name, sorted."""
    return sorted(path for path in files if is_bundle_extra(path))


def _python(runtime: str) -> str:
    """ "python3.11" -> "Python 3.11"."""
    return f"Python {runtime.removeprefix('python')}" if runtime.startswith("python") else runtime
