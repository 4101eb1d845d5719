"""Tiers and skills that mean something: learned from the data, and "no evidence" when none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import numpy as np
import pytest

from scoring.markets import MARKETS
from scoring.reputation.datasets import candidate_features, milestone_labels, milestone_queries
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
)
from scoring.reputation.features import COL, REFERENCE, FeatureConfig, featurize
from scoring.reputation.history import HistoryIndex, build_index, from_seconds
from scoring.reputation.matching import milestone_rows, skill_table
from scoring.reputation.model import score_candidates, train
from scoring.reputation.model_store import TrainedModel
from scoring.reputation.prior import fit_prior

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def bazaar() -> HistoryIndex:
    """A market whose tiers are named as no map knows them, with different success rates."""
    return build_index(MARKETS["churning_bazaar"](3, 0.15).events)


@pytest.fixture(scope="module")
def bazaar_model(bazaar: HistoryIndex) -> TrainedModel:
    return train(bazaar, seed=0)


@pytest.fixture(scope="module")
def guild_model() -> TrainedModel:
    """A market where success hangs on the milestone's skills."""
    return train(build_index(MARKETS["specialist_guild"](3, 0.3).events), seed=0)


def test_tiers_come_from_the_data_and_their_scores_differ(
    bazaar: HistoryIndex, bazaar_model: TrainedModel
) -> None:
    assert {"micro", "high_value"} <= set(bazaar.tier_names)
    at = from_seconds(bazaar.end)
    who = list(bazaar.candidate_ids[:50])
    by_tier = {
        tier: score_candidates(bazaar_model, candidate_features(bazaar, who, as_of=at, tier=tier))
        for tier in ("micro", "high_value")
    }
    micro, high = by_tier["micro"], by_tier["high_value"]
    assert all(r.tier_evidence > 0 for r in (*micro, *high))
    # micro milestones go well more often in this market, so every candidate's chance is higher
    assert all(a.score > b.score for a, b in zip(micro, high, strict=True))


def test_the_prior_too_scores_tiers_by_their_own_milestones(bazaar: HistoryIndex) -> None:
    _, labels = milestone_labels(bazaar, as_of=bazaar.end)
    prior = fit_prior(labels)
    at = from_seconds(bazaar.end)
    who = list(bazaar.candidate_ids[:50])
    micro, high, unknown = (
        score_candidates(prior, candidate_features(bazaar, who, as_of=at, tier=tier))
        for tier in ("micro", "high_value", "enterprise")
    )
    assert all(a.score > b.score for a, b in zip(micro, high, strict=True))
    # a tier with no milestone of its own is scored at the market's rate: between the two
    assert all(a.score > u.score > b.score for a, u, b in zip(micro, unknown, high, strict=True))


def test_a_tier_without_milestones_says_so_and_carries_no_tier_effect(
    bazaar: HistoryIndex, bazaar_model: TrainedModel
) -> None:
    at = from_seconds(bazaar.end)
    who = list(bazaar.candidate_ids[:20])
    unknown = candidate_features(bazaar, who, as_of=at, tier="enterprise")
    assert all(f.tier_evidence == 0 for f in unknown)
    rates = {round(f.values[COL["tier_rate"]], 9) for f in unknown}
    assert len(rates) == 1  # the whole market's rate: no effect of its own
    known = {
        t: candidate_features(bazaar, who[:1], as_of=at, tier=t)[0].values[COL["tier_rate"]]
        for t in bazaar.tier_names
    }
    assert min(known.values()) < rates.pop() < max(known.values())


def _history(n_good_python: int, n_bad_go: int) -> list[Event]:
    """One candidate, 'ada', declaring python, go and rust; clients k0..k9."""
    events: list[Event] = [CandidateJoined(id="ada", skills=("python", "go", "rust"), at=T0)]
    events += [ClientJoined(id=f"k{i}", at=T0) for i in range(10)]
    t = T0 + timedelta(days=1)
    events.append(
        TrialResult(
            candidate="ada", trial="t1", skills=("python",), score=0.9, verdict="accepted", at=t
        )
    )
    for i in range(n_good_python + n_bad_go):
        good = i < n_good_python
        skill = "python" if good else "go"
        opened = t + timedelta(days=2 * i + 1)
        mid = f"m{i}"
        events.append(
            MilestoneOpened(id=mid, candidate="ada", client=f"k{i % 10}", tier="standard",
                            skills=(skill,), amount=400.0, due=opened + timedelta(days=7), at=opened)
        )  # fmt: skip
        done = opened + timedelta(days=5)
        outcome = "accepted" if good else "disputed"
        events.append(MilestoneOutcome(milestone=mid, outcome=outcome, on_time=good, at=done))
        events.append(Rating(milestone=mid, stars=5 if good else 2, at=done))
    return events


def test_per_skill_scores_come_from_evidence_in_the_skill(guild_model: TrainedModel) -> None:
    assert any(guild_model.estimator.context_coef)  # skills matter in this market
    index = build_index(_history(8, 6))
    at = from_seconds(index.end + 86400)
    (ada,) = score_candidates(guild_model, candidate_features(index, ["ada"], as_of=at))
    skills = {s.skill: s for s in ada.per_skill}
    assert skills["rust"].score is None and skills["rust"].evidence == 0  # declared only
    python, go = skills["python"], skills["go"]
    assert python.evidence == 9 and python.finished == 8 and python.good == 8  # 8 + a trial
    assert go.evidence == 6 and go.finished == 6 and go.good == 0
    assert python.score is not None and go.score is not None
    assert python.score > ada.score > go.score  # each from its own record
    assert python.lower is not None and python.upper is not None
    assert python.lower <= python.score <= python.upper


def test_where_skills_predict_nothing_the_model_gives_them_no_weight(
    bazaar_model: TrainedModel,
) -> None:
    """The bazaar's outcomes do not depend on skills: a skill's score is the overall one."""
    weights = dict(
        zip(bazaar_model.estimator.context, bazaar_model.estimator.context_coef, strict=True)
    )
    assert all(
        abs(weights.get(n, 0.0)) < 0.02
        for n in ("trial_best_skill", "skill_match", "skill_good_share")
    )


def test_while_the_prior_serves_skills_differ_by_their_own_record_too() -> None:
    index = build_index(_history(8, 6))
    _, labels = milestone_labels(index, as_of=index.end)
    prior = fit_prior(labels)
    at = from_seconds(index.end + 86400)
    (ada,) = score_candidates(prior, candidate_features(index, ["ada"], as_of=at))
    skills = {s.skill: s for s in ada.per_skill}
    assert skills["rust"].score is None
    python, go = skills["python"].score, skills["go"].score
    assert python is not None and go is not None
    assert python > ada.score > go


def test_a_served_score_is_the_match_for_the_declared_skills_at_the_usual_amount(
    bazaar: HistoryIndex, bazaar_model: TrainedModel
) -> None:
    at = from_seconds(bazaar.end)
    who = list(bazaar.candidate_ids[:200])
    served = score_candidates(bazaar_model, candidate_features(bazaar, who, as_of=at))
    rows = np.array([r.features for r in served])
    for name, ref in REFERENCE.items():
        np.testing.assert_array_equal(rows[:, COL[name]], rows[:, COL[ref]])
    base = bazaar_model.estimator.base_logit(rows)
    np.testing.assert_allclose(
        [r.score for r in served], np.round(100 / (1 + np.exp(-base)), 1), atol=1e-9
    )


def test_matching_rows_equal_the_features_of_the_milestone(
    bazaar: HistoryIndex, bazaar_model: TrainedModel
) -> None:
    at = from_seconds(bazaar.end)
    who = list(bazaar.candidate_ids)
    served = score_candidates(bazaar_model, candidate_features(bazaar, who, as_of=at))
    table = skill_table([msgspec.to_builtins(r.per_skill) for r in served])
    skills = [bazaar.skill_names[0], bazaar.skill_names[-1]]
    for amount in (None, 50.0, 5000.0):
        rows = milestone_rows(
            np.array([r.features for r in served]),
            table,
            skills=skills,
            amount=amount,
            config=FeatureConfig(),
        )
        exact = candidate_features(bazaar, who, as_of=at, skills=skills, amount=amount)
        np.testing.assert_allclose(rows, [f.values for f in exact], rtol=1e-9, atol=1e-6)


def test_raising_a_skill_feature_with_its_reference_never_lowers_the_score(
    bazaar: HistoryIndex, bazaar_model: TrainedModel
) -> None:
    queries = milestone_queries(bazaar, np.arange(min(300, len(bazaar.milestone_ids))))
    rows = featurize(bazaar, queries, FeatureConfig()).values
    proba = bazaar_model.estimator.predict_proba(rows)
    for name, ref in REFERENCE.items():
        if name == "log_amount":
            continue  # free: larger milestones may go either way
        both = rows.copy()
        both[:, COL[name]] += 0.1
        both[:, COL[ref]] += 0.1
        assert np.all(bazaar_model.estimator.predict_proba(both) >= proba - 1e-12), name
        alone = rows.copy()
        alone[:, COL[name]] += 0.1
        assert np.all(bazaar_model.estimator.predict_proba(alone) >= proba - 1e-12), name


def test_a_ring_cannot_buy_a_skill_record() -> None:
    """Two hundred fake five-star milestones from three accounts are three clients' worth."""
    events: list[Event] = [CandidateJoined(id="mole", skills=("python",), at=T0)]
    events += [ClientJoined(id=f"ring{i}", at=T0) for i in range(3)]
    for i in range(200):
        opened = T0 + timedelta(hours=6 * i + 1)
        mid = f"fake{i}"
        events.append(
            MilestoneOpened(id=mid, candidate="mole", client=f"ring{i % 3}", tier="standard",
                            skills=("python",), amount=20.0, due=opened + timedelta(days=1), at=opened)
        )  # fmt: skip
        events.append(
            MilestoneOutcome(
                milestone=mid, outcome="accepted", on_time=True, at=opened + timedelta(hours=2)
            )
        )
        events.append(Rating(milestone=mid, stars=5, at=opened + timedelta(hours=2)))
    index = build_index(events)
    (mole,) = candidate_features(index, ["mole"], as_of=from_seconds(index.end + 1))
    (python,) = mole.per_skill
    assert python.finished == 200 and python.clients == 3
    # counted by client, three perfect clients against a pseudo-count of three
    assert (
        python.values[COL["skill_good_share"]] < 0.5 * (1 + mole.values[COL["good_share"]]) + 1e-9
    )


def test_someone_with_no_events_gets_this_markets_tier_and_amount(bazaar: HistoryIndex) -> None:
    at = from_seconds(bazaar.end)
    known, newcomer = candidate_features(
        bazaar, [bazaar.candidate_ids[0], "never-seen"], as_of=at, tier="high_value"
    )
    for name in ("tier_rate", "market_rate", "tier_log_amount", "log_amount"):
        assert newcomer.values[COL[name]] == pytest.approx(known.values[COL[name]]), name
    assert newcomer.tier_evidence == known.tier_evidence > 0
    assert newcomer.evidence == 0
