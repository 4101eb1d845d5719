"""`trial.toml`: what a trial is, which runtime grades it, within which limits, how
candidates may attempt it and what they learn of the hidden tests.

```toml
id = "shopping-cart"
title = "Shopping cart totals"
version = "1.0.0"
skills = ["python", "testing"]
difficulty = 2
runtime = "python3.11"

[limits]            # optional; each key optional
wall_seconds = 20
memory_mb = 256
pids = 64
output_kb = 256

[attempt]           # optional; each key optional
minutes = 120       # the time box of one attempt (5 to 1440)
submissions = 10    # graded submissions allowed within one attempt (1 to 100)
cooldown_hours = 24 # wait after an attempt ends before the next at this trial (0 to 720)

[results]           # optional
hidden_tests = "labels"  # "labels" (default) or "count"; see `HiddenTests`

[scoring.weights]   # optional; test-id patterns -> weight (default weight 1)
"tests/test_totals.py::*" = 3
```
"""

from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any, Literal

import msgspec

from trials import schema
from trials.errors import Problem, TrialPackageInvalid

# Runtime name -> sandbox image. The image is built by `sandboxes/`, never pulled.
RUNTIMES: dict[str, str] = {"python3.11": "trialgate/python:3.11"}

# Patterns are anchored as `^...(?!\n)$`: Python's `$` (msgspec uses re.search)
# also matches before a final newline, and `\A...\Z` would mean something else
# in the ECMAScript dialect of the JSON Schema these types end up in.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}(?!\n)$"

Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=SLUG_PATTERN,
        description="a slug: 2 to 63 lowercase letters, digits or '-', not starting with '-'",
    ),
]
Title = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="1 to 200 characters")
]
SemVer = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?!\n)$",
        description="a version MAJOR.MINOR.PATCH, e.g. 1.0.0",
    ),
]
Skills = Annotated[list[Slug], msgspec.Meta(min_length=1, description="a non-empty list")]
Difficulty = Annotated[int, msgspec.Meta(ge=1, le=5, description="between 1 and 5")]
# Test ids are only known after the reference run, so here a pattern is
# checked for shape only.
WeightPattern = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(tests|public_tests)/[^\n]+(?!\n)$",
        description="a test-id pattern starting with 'tests/' or 'public_tests/'",
    ),
]
Weight = Annotated[float, msgspec.Meta(gt=0, le=100, description="greater than 0 and at most 100")]
# What a candidate is told about hidden tests. "labels": each one's outcome
# under a neutral label ("hidden test 7 of 21: passed"); "count": only how many
# passed of how many, so outcomes cannot be matched to tests across attempts.
HiddenTests = Annotated[
    Literal["labels", "count"], msgspec.Meta(description='one of: "labels", "count"')
]


class TrialLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per-run sandbox limits a trial asks for, bounded so no trial can hog a worker."""

    wall_seconds: Annotated[float, msgspec.Meta(ge=1, le=300, description="between 1 and 300")] = (
        20.0
    )
    memory_mb: Annotated[int, msgspec.Meta(ge=32, le=4096, description="between 32 and 4096")] = 256
    pids: Annotated[int, msgspec.Meta(ge=8, le=1024, description="between 8 and 1024")] = 64
    output_kb: Annotated[int, msgspec.Meta(ge=1, le=65536, description="between 1 and 65536")] = 256


class AttemptRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a candidate may attempt a trial: the time box, graded submissions, the wait between."""

    minutes: Annotated[int, msgspec.Meta(ge=5, le=1440, description="between 5 and 1440")] = 120
    submissions: Annotated[int, msgspec.Meta(ge=1, le=100, description="between 1 and 100")] = 10
    cooldown_hours: Annotated[
        float, msgspec.Meta(ge=0, le=720, description="between 0 and 720")
    ] = 24.0


class TrialManifest(msgspec.Struct, frozen=True, kw_only=True):
    """A validated `trial.toml`. Skills are deduplicated, first mention kept."""

    id: Slug
    title: Title
    version: SemVer
    skills: tuple[Slug, ...]
    difficulty: Difficulty
    runtime: str
    limits: TrialLimits = TrialLimits()
    attempt: AttemptRules = AttemptRules()
    hidden_tests: HiddenTests = "labels"
    weights: dict[WeightPattern, Weight] = {}

    @property
    def image(self) -> str:
        return RUNTIMES[self.runtime]


class _Scoring(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    weights: dict[WeightPattern, Weight] = {}


class _Results(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    hidden_tests: HiddenTests = "labels"


class _ManifestFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The shape of `trial.toml` itself, which nests weights under `[scoring]` and
    what candidates see of hidden tests under `[results]`."""

    id: Slug
    title: Title
    version: SemVer
    skills: Skills
    difficulty: Difficulty
    runtime: str
    limits: TrialLimits = TrialLimits()
    attempt: AttemptRules = AttemptRules()
    results: _Results = _Results()
    scoring: _Scoring = _Scoring()


def parse_manifest(text: str, file: str = "trial.toml") -> TrialManifest:
    """Parse and validate a `trial.toml`, raising `TrialPackageInvalid` with every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = _syntax_error(str(exc), text)
        raise TrialPackageInvalid(
            [Problem(file=file, line=line, message=f"invalid TOML: {message}")]
        ) from exc

    found = schema.check(data, _ManifestFile)
    found += _check_values(data)
    if found:
        lines = _key_lines(text)
        problems = [
            Problem(file=file, field=schema.render(path), line=_line_of(path, lines), message=msg)
            for path, msg in found
        ]
        # In file order; problems with no known line (missing keys) last.
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise TrialPackageInvalid(problems)

    try:
        doc = msgspec.convert(data, _ManifestFile)
    except msgspec.ValidationError as exc:  # a rule `schema.check` did not foresee
        field, message = schema.from_error(exc)
        raise TrialPackageInvalid([Problem(file=file, field=field, message=message)]) from exc
    return TrialManifest(
        id=doc.id,
        title=doc.title.strip(),
        version=doc.version,
        skills=tuple(dict.fromkeys(doc.skills)),
        difficulty=doc.difficulty,
        runtime=doc.runtime,
        limits=doc.limits,
        attempt=doc.attempt,
        hidden_tests=doc.results.hidden_tests,
        weights=dict(doc.scoring.weights),
    )


def _check_values(data: dict[str, Any]) -> list[tuple[schema.Path, str]]:
    """Rules a msgspec type cannot say, checked only where the type itself is right."""
    found: list[tuple[schema.Path, str]] = []
    runtime = data.get("runtime")
    if isinstance(runtime, str) and runtime not in RUNTIMES:
        found.append((("runtime",), f"must be one of: {', '.join(sorted(RUNTIMES))}"))
    title = data.get("title")
    if isinstance(title, str) and title and not title.strip():
        found.append((("title",), "must not be blank"))
    return found


_LINE_COLUMN = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_END = re.compile(r"\s*\(at end of document\)$")


def _syntax_error(message: str, text: str) -> tuple[str, int | None]:
    """Split tomllib's "... (at line 3, column 5)" into the message and the line."""
    if match := _LINE_COLUMN.search(message):
        return message[: match.start()], int(match.group(1))
    if match := _END.search(message):
        return f"{message[: match.start()]} at end of file", text.count("\n") + 1
    return message, None


# tomllib reports no positions for values, so field problems are located by a
# best-effort scan: `[table]` headers and `key =` lines (bare, quoted or dotted
# keys). Anything fancier (inline tables, multi-line values) falls back to the
# nearest enclosing key that was found, or to no line at all.
_SEGMENT = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PATH = rf"{_SEGMENT}(?:\s*\.\s*{_SEGMENT})*"
_HEADER = re.compile(rf"^\s*\[\s*({_KEY_PATH})\s*\]\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_KEY_PATH})\s*=")
_SPLIT = re.compile(_SEGMENT)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            table = _segments(header.group(1))
            lines.setdefault(table, number)
        elif assign := _ASSIGN.match(line):
            lines.setdefault((*table, *_segments(assign.group(1))), number)
    return lines


def _segments(key_path: str) -> tuple[str, ...]:
    out = []
    for raw in _SPLIT.findall(key_path):
        if raw.startswith('"'):
            try:
                out.append(msgspec.json.decode(raw, type=str))
            except msgspec.DecodeError:
                out.append(raw[1:-1])
        elif raw.startswith("'"):
            out.append(raw[1:-1])
        else:
            out.append(raw)
    return tuple(out)


def _line_of(path: schema.Path, lines: dict[tuple[str, ...], int]) -> int | None:
    keys = tuple(part for part in path if isinstance(part, str))
    while keys:
        if keys in lines:
            return lines[keys]
        keys = keys[:-1]
    return None
