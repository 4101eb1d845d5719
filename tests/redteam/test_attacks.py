"""Hostile lru-cache submissions, graded by the real engine, held to one set of rules.

An attack may not raise its score above what its honest base earns, may not be
accepted unless its base is the solution, may not be blamed on the platform,
and may not show the candidate any hidden-test text. See rules.py and the
docstring of each file in attacks/.
"""

from __future__ import annotations

import pytest

from scoring.grading.verdicts import Grade
from service.grading.grader import TrialCheck
from tests.redteam.catalogue import BASES, KIT, attack_names, load_attack
from tests.redteam.leaks import HiddenText
from tests.redteam.rules import Limits, Raised, assert_rules_hold

pytestmark = pytest.mark.docker

ATTACKS = attack_names()


def limits_for(
    base: str, graded: dict[str, Grade | Raised], markers: tuple[str, ...] = ()
) -> Limits:
    """An attack earns at most what its plain base earned in this session."""
    plain = graded[f"plain_{base}"]
    assert isinstance(plain, Grade), f"the plain {base} could not be graded: {plain}"
    if base == "solution":
        return Limits(ceiling=None, may_accept=True, markers=markers)
    return Limits(ceiling=plain.score, may_accept=False, markers=markers)


def test_the_catalogue_has_at_least_thirty_attacks_each_saying_what_it_tries() -> None:
    assert len(ATTACKS) >= 30
    for name in ATTACKS:
        attack = load_attack(name)
        assert attack.base in BASES, f"{name}: its docstring must end `Base: <one of {BASES}>.`"
        assert len(attack.purpose) > 40, f"{name}: the docstring must say what it tries"
        for helper in attack.uses:
            assert (KIT / f"{helper}.py").is_file(), f"{name}: no kit/{helper}.py"


def test_the_solution_is_accepted_and_the_starter_scores_nothing(trial_check: TrialCheck) -> None:
    assert trial_check.ok, trial_check.problems
    assert trial_check.solution.verdict == "accepted"
    assert trial_check.starter.score == 0.0
    assert any(t.startswith("tests/") for t in trial_check.expected_tests)
    assert any(t.startswith("public_tests/") for t in trial_check.expected_tests)


def test_the_no_expiry_base_passes_some_tests_and_fails_others(
    graded: dict[str, Grade | Raised],
) -> None:
    plain = graded["plain_no_expiry"]
    assert isinstance(plain, Grade), plain
    assert plain.verdict == "partial"
    assert 0.0 < plain.score < 1.0


@pytest.mark.parametrize("base", BASES)
def test_an_honest_submission_keeps_the_rules(
    base: str, graded: dict[str, Grade | Raised], hidden: HiddenText
) -> None:
    """The controls: if these break a rule, the rule or the checker is wrong."""
    assert_rules_hold(graded[f"plain_{base}"], limits_for(base, graded), hidden)


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_earns_nothing_and_leaks_nothing(
    name: str, graded: dict[str, Grade | Raised], hidden: HiddenText
) -> None:
    attack = load_attack(name)
    assert_rules_hold(graded[name], limits_for(attack.base, graded, attack.markers), hidden)
