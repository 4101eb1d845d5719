from __future__ import annotations

import msgspec
import pytest

from trials import schema
from trials.errors import Problem, TrialPackageInvalid
from trials.manifest import AttemptRules, TrialLimits, TrialManifest, parse_manifest

GOOD = """\
id = "shopping-cart"
title = "Shopping cart totals"
version = "1.2.3"
skills = ["python", "testing", "python"]
difficulty = 2
runtime = "python3.11"

[limits]
wall_seconds = 30
memory_mb = 512

[scoring.weights]
"tests/test_totals.py::*" = 3
"public_tests/test_smoke.py::test_import" = 0.5
"""
# The sections added after GOOD, each key on its own line for `replace_line`.
RULES = """
[attempt]
minutes = 90
submissions = 5
cooldown_hours = 0.5

[results]
hidden_tests = "count"
"""


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(TrialPackageInvalid) as caught:
        parse_manifest(text)
    return caught.value.problems


def replace_line(prefix: str, new: str, text: str = GOOD) -> str:
    lines = [new if line.startswith(prefix) else line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def test_a_valid_manifest_parses_with_defaults_filled_and_skills_deduplicated() -> None:
    manifest = parse_manifest(GOOD)

    assert manifest.id == "shopping-cart"
    assert manifest.version == "1.2.3"
    assert manifest.skills == ("python", "testing")
    assert manifest.limits == TrialLimits(wall_seconds=30.0, memory_mb=512, pids=64, output_kb=256)
    assert manifest.weights == {
        "tests/test_totals.py::*": 3.0,
        "public_tests/test_smoke.py::test_import": 0.5,
    }
    assert manifest.image == "trialgate/python:3.11"


def test_limits_and_scoring_sections_are_optional() -> None:
    text = GOOD.partition("[limits]")[0]

    manifest = parse_manifest(text)

    assert manifest.limits == TrialLimits()
    assert manifest.weights == {}


def test_attempt_and_results_sections_default_when_absent() -> None:
    manifest = parse_manifest(GOOD)

    assert manifest.attempt == AttemptRules(minutes=120, submissions=10, cooldown_hours=24.0)
    assert manifest.hidden_tests == "labels"


def test_attempt_and_results_sections_are_read() -> None:
    manifest = parse_manifest(GOOD + RULES)

    assert manifest.attempt == AttemptRules(minutes=90, submissions=5, cooldown_hours=0.5)
    assert manifest.hidden_tests == "count"


def test_each_attempt_key_is_optional_and_bounds_are_inclusive() -> None:
    low = parse_manifest(GOOD + "[attempt]\nminutes = 5\nsubmissions = 1\ncooldown_hours = 0\n")
    high = parse_manifest(
        GOOD + "[attempt]\nminutes = 1440\nsubmissions = 100\ncooldown_hours = 720\n"
    )
    partial = parse_manifest(GOOD + "[attempt]\nsubmissions = 3\n[results]\n")

    assert low.attempt == AttemptRules(minutes=5, submissions=1, cooldown_hours=0.0)
    assert high.attempt == AttemptRules(minutes=1440, submissions=100, cooldown_hours=720.0)
    assert partial.attempt == AttemptRules(submissions=3)
    assert partial.hidden_tests == "labels"


@pytest.mark.parametrize(
    ("prefix", "line", "field", "fragment"),
    [
        ("minutes =", "minutes = 4", "attempt.minutes", "between 5 and 1440"),
        ("minutes =", "minutes = 1441", "attempt.minutes", "between 5 and 1440"),
        ("minutes =", "minutes = 90.5", "attempt.minutes", "expected an integer, got a number"),
        ("minutes =", 'minutes = "2h"', "attempt.minutes", "expected an integer, got a string"),
        ("submissions =", "submissions = 0", "attempt.submissions", "between 1 and 100"),
        ("submissions =", "submissions = 101", "attempt.submissions", "between 1 and 100"),
        ("submissions =", "submissions = true", "attempt.submissions", "expected an integer, got a boolean"),
        ("cooldown_hours =", "cooldown_hours = -1", "attempt.cooldown_hours", "between 0 and 720"),
        ("cooldown_hours =", "cooldown_hours = 720.5", "attempt.cooldown_hours", "between 0 and 720"),
        ("cooldown_hours =", 'cooldown_hours = "1d"', "attempt.cooldown_hours", "expected a number, got a string"),
        ("cooldown_hours =", "practice_runs = 30", "attempt.practice_runs", "unknown key"),
        ("hidden_tests =", 'hidden_tests = "names"', "results.hidden_tests", 'one of: "labels", "count"'),
        ("hidden_tests =", "hidden_tests = 1", "results.hidden_tests", "expected a string, got an integer"),
        ("hidden_tests =", "show = 'all'", "results.show", "unknown key"),
    ],
)  # fmt: skip
def test_each_bad_attempt_or_results_field_is_reported_with_its_path_and_line(
    prefix: str, line: str, field: str, fragment: str
) -> None:
    text = replace_line(prefix, line, GOOD + RULES)
    expected_line = text.splitlines().index(line) + 1

    problems = problems_of(text)

    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == "trial.toml"
    assert problem.field == field
    assert problem.line == expected_line
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("attempt = 120", "expected a table, got an integer"),
        ('results = "count"', "expected a table, got a string"),
    ],
)
def test_attempt_and_results_of_the_wrong_type_are_reported_as_such(
    line: str, message: str
) -> None:
    (problem,) = problems_of(f"{line}\n{GOOD}")  # top-level keys come before any table

    assert problem.field == line.split(" ", 1)[0]
    assert problem.line == 1
    assert problem.message == message


def test_the_unknown_key_problem_in_attempt_names_the_known_keys() -> None:
    (problem,) = problems_of(GOOD + "[attempt]\nretries = 2\n")

    assert problem.field == "attempt.retries"
    assert problem.message == (
        "unknown key (known keys here: minutes, submissions, cooldown_hours)"
    )


@pytest.mark.parametrize(
    ("prefix", "line", "field", "fragment"),
    [
        ("id =", 'id = "Shopping Cart"', "id", "slug"),
        ("id =", 'id = "-cart"', "id", "slug"),
        ("id =", 'id = "cart\\n"', "id", "slug"),
        ("title =", 'title = ""', "title", "1 to 200 characters"),
        ("title =", f'title = "{"x" * 201}"', "title", "1 to 200 characters"),
        ("title =", 'title = "   "', "title", "blank"),
        ("version =", 'version = "1.0"', "version", "MAJOR.MINOR.PATCH"),
        ("version =", 'version = "01.0.0"', "version", "MAJOR.MINOR.PATCH"),
        ("skills =", "skills = []", "skills", "non-empty"),
        ("skills =", 'skills = ["python", "Bad Skill"]', "skills[1]", "slug"),
        ("difficulty =", "difficulty = 6", "difficulty", "between 1 and 5"),
        ("difficulty =", 'difficulty = "hard"', "difficulty", "expected an integer, got a string"),
        ("difficulty =", "difficulty = true", "difficulty", "expected an integer, got a boolean"),
        ("runtime =", 'runtime = "python2.7"', "runtime", "python3.11"),
        ("memory_mb =", "memory_mb = 8192", "limits.memory_mb", "between 32 and 4096"),
        ("wall_seconds =", "wall_seconds = 0.5", "limits.wall_seconds", "between 1 and 300"),
        ("memory_mb =", "pids = 4", "limits.pids", "between 8 and 1024"),
        ("memory_mb =", "output_kb = 0", "limits.output_kb", "between 1 and 65536"),
        ("memory_mb =", 'memory_mb = "lots"', "limits.memory_mb", "expected an integer"),
        ("memory_mb =", "swap_mb = 1", "limits.swap_mb", "unknown key"),
        ('"tests/test_totals', '"tests/test_totals.py::*" = 0', 'scoring.weights."tests/test_totals.py::*"', "greater than 0"),
        ('"tests/test_totals', '"tests/test_totals.py::*" = 101', 'scoring.weights."tests/test_totals.py::*"', "at most 100"),
        ('"tests/test_totals', '"src/x.py::*" = 1', 'scoring.weights."src/x.py::*"', "'tests/'"),
        ('"tests/test_totals', '"tests/" = 1', 'scoring.weights."tests/"', "'tests/'"),
    ],
)  # fmt: skip
def test_each_bad_field_is_reported_with_its_path_and_line(
    prefix: str, line: str, field: str, fragment: str
) -> None:
    text = replace_line(prefix, line)
    expected_line = text.splitlines().index(line) + 1

    problems = problems_of(text)

    assert len(problems) == 1, problems
    (problem,) = problems
    assert problem.file == "trial.toml"
    assert problem.field == field
    assert problem.line == expected_line
    assert fragment in problem.message


def test_unknown_top_level_keys_are_problems_naming_the_known_keys() -> None:
    (problem,) = problems_of(GOOD.replace("difficulty = 2", "difficulty = 2\nauthor = 'me'"))

    assert problem.field == "author"
    assert "unknown key" in problem.message
    assert "difficulty" in problem.message


def test_missing_required_fields_are_each_reported() -> None:
    problems = problems_of('id = "cart"\n')

    assert [p.field for p in problems] == ["title", "version", "skills", "difficulty", "runtime"]
    assert all(p.message == "is required" for p in problems)


def test_a_section_of_the_wrong_type_is_reported_as_such() -> None:
    (problem,) = problems_of(GOOD.partition("[limits]")[0] + "limits = 5\n")

    assert problem.field == "limits"
    assert problem.message == "expected a table, got an integer"


def test_all_problems_are_collected_across_sections_in_file_order() -> None:
    text = (
        GOOD.replace('id = "shopping-cart"', 'id = "X"')
        .replace("difficulty = 2", "difficulty = 0")
        .replace("memory_mb = 512", "memory_mb = 1\nflavour = 'x'")
        .replace('"tests/test_totals.py::*" = 3', '"tests/test_totals.py::*" = -1')
    )

    problems = problems_of(text)

    assert [p.field for p in problems] == [
        "id",
        "difficulty",
        "limits.memory_mb",
        "limits.flavour",
        'scoring.weights."tests/test_totals.py::*"',
    ]
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_problems_render_as_file_line_field_and_message() -> None:
    (problem,) = problems_of(replace_line("memory_mb =", "memory_mb = 8192"))

    assert str(problem) == "trial.toml:10: limits.memory_mb: must be between 32 and 4096"
    assert str(Problem(file="trial.toml", field="a.b", message="m")) == "trial.toml: a.b: m"


def test_a_toml_syntax_error_carries_its_line_number() -> None:
    text = GOOD.replace("difficulty = 2", "difficulty = ")

    (problem,) = problems_of(text)

    assert problem.line == 5
    assert problem.field is None
    assert problem.message.startswith("invalid TOML")


def test_an_unterminated_string_points_at_the_end_of_the_file() -> None:
    (problem,) = problems_of('id = "cart\ntitle = "x"\n')

    assert problem.line is not None
    assert problem.message.startswith("invalid TOML")


def test_the_file_name_given_is_used_in_problems() -> None:
    with pytest.raises(TrialPackageInvalid) as caught:
        parse_manifest("id = 3", file="pkg/trial.toml")

    assert {p.file for p in caught.value.problems} == {"pkg/trial.toml"}


def test_a_manifest_survives_a_json_round_trip_with_its_constraints() -> None:
    manifest = parse_manifest(GOOD)
    encoded = msgspec.json.encode(manifest)

    assert msgspec.json.decode(encoded, type=TrialManifest) == manifest
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(encoded.replace(b"shopping-cart", b"Shopping"), type=TrialManifest)


def test_msgspec_errors_map_to_dotted_field_paths() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert({"memory_mb": 1}, TrialLimits)

    assert schema.from_error(caught.value) == ("memory_mb", "expected `int` >= 32")


def test_attempt_rules_and_hidden_tests_survive_the_stored_form() -> None:
    # The service stores `to_builtins(manifest)` and reads the rules back from it.
    manifest = parse_manifest(GOOD + RULES)
    stored = msgspec.to_builtins(manifest)

    assert msgspec.convert(stored["attempt"], AttemptRules) == manifest.attempt
    assert stored["hidden_tests"] == "count"
    assert msgspec.convert(stored, TrialManifest) == manifest
