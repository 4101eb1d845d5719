"""The served back-test: frozen scores, honest baselines, paired intervals, ranking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from scoring.reputation.backtest import (
    BacktestReport,
    Recipe,
    ScorerRecipe,
    ServedScores,
    default_cutoffs,
    evaluation_rows,
    format_report,
    milestone_tier_names,
    rank_metrics,
    ranking_queries,
    run_backtest,
    weighted_metrics,
)
from scoring.reputation.baselines import (
    CandidateScores,
    baseline_recipes,
    rev2,
    share_of_good_outcomes,
)
from scoring.reputation.datasets import milestone_labels
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
)
from scoring.reputation.history import HistoryIndex, build_index, from_seconds, to_seconds
from scoring.reputation.metrics import expected_calibration_error
from scoring.reputation.model import fit_reputation
from scoring.simulator.simulate import START, MarketSpec, simulate

SPEC = MarketSpec(n_candidates=300, n_clients=60, n_milestones=5000, seed=11)
DAY = 86400.0


def _model() -> Recipe:
    return ScorerRecipe("model", lambda index, t: fit_reputation(index, as_of=from_seconds(t)))


@pytest.fixture(scope="module")
def events() -> tuple[Event, ...]:
    return tuple(simulate(SPEC).events)


@pytest.fixture(scope="module")
def index(events: tuple[Event, ...]) -> HistoryIndex:
    return build_index(events)


@pytest.fixture(scope="module")
def report(index: HistoryIndex) -> BacktestReport:
    recipes = (_model(), *baseline_recipes(), Twin(share_of_good_outcomes(), "share again"))
    return run_backtest(index, recipes, reference="share_of_good_outcomes", n_boot=100, seed=3)


class Twin:
    """Another name for a recipe: the same scores under a second label."""

    baseline = True

    def __init__(self, recipe: Recipe, name: str) -> None:
        self.name, self._recipe = name, recipe

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores:
        return self._recipe.fit(index, as_of)


class FutureShare:
    """Reads the labels of the future: each candidate's share of later milestones that went well."""

    name = "oracle"

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores:
        rows, good = milestone_labels(index, as_of=index.end)
        later = index.ms_time[rows] >= as_of
        who = index.ms_candidate[rows][later]
        done = np.bincount(who, minlength=index.n_candidates)
        went = np.bincount(who, weights=good[later], minlength=index.n_candidates)
        return CandidateScores(went / np.maximum(done, 1))


class Constant:
    name = "constant"

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores:
        return CandidateScores(np.full(index.n_candidates, 0.5))


def _deterministic(events: Sequence[Event]) -> list[Event]:
    """The same market where every milestone of half the candidates goes well, none of the rest."""
    owner = {e.id: e.candidate for e in events if isinstance(e, MilestoneOpened)}
    good = {e.id: i % 2 == 0 for i, e in enumerate(events) if isinstance(e, CandidateJoined)}
    out: list[Event] = []
    for e in events:
        if isinstance(e, MilestoneOutcome):
            ok = good[owner[e.milestone]]
            out.append(
                msgspec.structs.replace(e, outcome="accepted" if ok else "disputed", on_time=True)
            )
        elif isinstance(e, Rating):
            out.append(msgspec.structs.replace(e, stars=5 if good[owner[e.milestone]] else 2))
        else:
            out.append(e)
    return out


def test_recipes_fitted_on_history_cut_at_the_cutoff_serve_identical_scores(
    events: tuple[Event, ...], index: HistoryIndex
) -> None:
    cutoff = default_cutoffs(index)[0]
    past = build_index(e for e in events if to_seconds(e.at) < cutoff)
    rows_now = np.array([index.candidate_index(c) for c in past.candidate_ids])
    rows_then = np.arange(past.n_candidates)
    tiers = ["basic", "standard", "premium"] * (len(rows_then) // 3 + 1)
    tiers = tiers[: len(rows_then)]
    for recipe in (_model(), *baseline_recipes()):
        now, then = recipe.fit(index, cutoff), recipe.fit(past, cutoff)
        np.testing.assert_allclose(
            now.tier_scores(rows_now, tiers), then.tier_scores(rows_then, tiers), atol=1e-12
        )
        np.testing.assert_allclose(
            now.match_scores(rows_now, ["python"], "premium"),
            then.match_scores(rows_then, ["python"], "premium"),
            atol=1e-12,
        )


def test_mixed_tiers_score_as_each_tier_does_alone(index: HistoryIndex) -> None:
    served = _model().fit(index, default_cutoffs(index)[1])
    rows = np.arange(40)
    tiers = ["basic" if r % 2 else "premium" for r in rows.tolist()]
    mixed = served.tier_scores(rows, tiers)
    for tier in ("basic", "premium"):
        mine = np.array([t == tier for t in tiers])
        alone = served.tier_scores(rows[mine], [tier] * int(mine.sum()))
        np.testing.assert_array_equal(mixed[mine], alone)


def test_an_oracle_scores_auc_one_and_a_constant_one_half(events: tuple[Event, ...]) -> None:
    index = build_index(_deterministic(events))
    result = run_backtest(index, [FutureShare(), Constant()], reference="constant", n_boot=50)
    for cell in (*result.pooled, *result.per_cutoff):
        oracle, constant = cell.metrics
        assert oracle.rows > 100
        assert oracle.auc.value == pytest.approx(1.0)
        assert oracle.auc.lower == pytest.approx(1.0)
        assert constant.auc.value == constant.auc.lower == constant.auc.upper == 0.5
        assert constant.brier.value == pytest.approx(0.25)


def test_bootstrap_intervals_hold_the_estimate(report: BacktestReport) -> None:
    for cell in (*report.pooled, *report.per_cutoff):
        for m in cell.metrics:
            for x in (m.auc, m.brier, m.log_loss, m.ece):
                assert x.lower <= x.value <= x.upper, (m.recipe, x)
        for d in cell.differences:
            for x in (d.auc, d.brier):
                assert x.lower <= x.value <= x.upper, (d.recipe, x)


def test_intervals_are_paired_across_recipes(report: BacktestReport) -> None:
    for cell in (*report.pooled, *report.per_cutoff):
        (twin,) = (d for d in cell.differences if d.recipe == "share again")
        assert twin.reference == "share_of_good_outcomes"
        assert (twin.auc.value, twin.auc.lower, twin.auc.upper) == (0.0, 0.0, 0.0)
        assert (twin.brier.value, twin.brier.lower, twin.brier.upper) == (0.0, 0.0, 0.0)
        (alone,) = (m for m in cell.metrics if m.recipe == "share again")
        assert alone.auc.upper > alone.auc.lower  # on its own it does vary between resamples


def test_every_recipe_is_scored_on_the_same_rows(report: BacktestReport) -> None:
    assert len(report.pooled) == 2 and len(report.per_cutoff) == 6
    for cell in (*report.pooled, *report.per_cutoff):
        assert len({(m.rows, m.candidates, m.observed) for m in cell.metrics}) == 1
        assert cell.metrics[0].rows > 0
    assert {m.recipe for m in report.pooled[0].metrics if m.baseline} == {
        "prior",
        "share again",
        "share_of_good_outcomes",
        "logistic_on_shrunk_rates",
        "fairness_goodness",
        "ratings_received",
    }
    assert all(r.queries > 0 for r in report.ranking)


def test_the_report_prints_every_recipe_and_marks_baselines(report: BacktestReport) -> None:
    text = format_report(report)
    assert "difference vs share_of_good_outcomes" in text
    assert "NDCG@10" in text
    assert "\n  model " in text
    assert "\n  fairness_goodness * " in text


def test_a_run_is_reproducible_given_its_seed(index: HistoryIndex) -> None:
    def run() -> BacktestReport:
        recipes = [share_of_good_outcomes(), Constant()]
        got = run_backtest(index, recipes, reference="constant", n_boot=30, seed=5)
        return msgspec.structs.replace(got, timings=(), bootstrap_seconds=0.0)

    assert msgspec.json.encode(run()) == msgspec.json.encode(run())


def test_weighted_metrics_with_unit_weights_are_the_usual_ones() -> None:
    rng = np.random.default_rng(0)
    proba = np.round(rng.uniform(0.05, 0.95, 500), 1)  # rounded: many ties
    labels = (rng.uniform(size=500) < proba).astype(np.int8)
    auc, brier, loss, ece, predicted, observed = weighted_metrics(labels, proba, np.ones(500))
    assert auc[0] == pytest.approx(roc_auc_score(labels, proba))
    assert brier[0] == pytest.approx(brier_score_loss(labels, proba))
    assert loss[0] == pytest.approx(log_loss(labels, proba))
    assert ece[0] == pytest.approx(expected_calibration_error(labels, proba))
    assert (predicted[0], observed[0]) == pytest.approx((proba.mean(), labels.mean()))


def test_a_bootstrap_weight_counts_a_row_that_many_times() -> None:
    rng = np.random.default_rng(1)
    proba = np.round(rng.uniform(size=300), 2)
    labels = (rng.uniform(size=300) < proba).astype(np.int8)
    counts = rng.integers(0, 4, size=(3, 300))
    weighted = weighted_metrics(labels, proba, counts.astype(np.float64))
    for b in range(3):
        copies = np.repeat(np.arange(300), counts[b])
        plain = weighted_metrics(labels[copies], proba[copies], np.ones(len(copies)))
        np.testing.assert_allclose(weighted[:, b], plain[:, 0])


def test_ndcg_and_precision_at_k_by_hand() -> None:
    candidates = np.array([0, 1, 2, 3, 4])
    scores = np.array([0.9, 0.8, 0.8, 0.1, 0.5])
    gain = np.array([0.0, 1.0, 0.5, 1.0, 0.0])
    did_well = np.array([False, True, False, True, False])
    ndcg, precision = rank_metrics(scores, candidates, gain, did_well, k=3)
    # Ranked 0, 1, 2 (1 before 2 on the tie): gains 0, 1, 0.5; ideal 1, 1, 0.5.
    dcg = 0.0 + 1.0 / np.log2(3) + 0.5 / np.log2(4)
    ideal = 1.0 + 1.0 / np.log2(3) + 0.5 / np.log2(4)
    assert ndcg == pytest.approx(dcg / ideal)
    assert precision == pytest.approx(1 / 3)
    # Gains of 10 candidates sorted as the ideal ranking would: NDCG 1, P@10 the did-well share.
    ten = np.arange(12)
    gains = np.linspace(1.0, 0.0, 12)
    ndcg, precision = rank_metrics(gains, ten, gains, gains > 0.5)
    assert (ndcg, precision) == pytest.approx((1.0, 0.6))


def test_ties_rank_by_candidate_row_whatever_the_input_order() -> None:
    scores = np.full(6, 0.3)
    gain = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    # Listed in reverse, rows 1 and 0 (which hold the gains) come first on the tie.
    assert rank_metrics(scores, np.arange(6)[::-1], gain, gain > 0, k=2) == (1.0, 1.0)
    assert rank_metrics(scores, np.arange(6), gain, gain > 0, k=2) == (0.0, 0.0)


def _tiny_market() -> list[Event]:
    def at(day: float) -> datetime:
        return START + timedelta(days=day)

    events: list[Event] = [
        ClientJoined(id="k", at=at(0)),
        *(CandidateJoined(id=c, skills=("python",), at=at(0)) for c in "abc"),
    ]
    plan = [  # candidate, skills, went well
        ("a", ("python",), True),
        ("a", ("python",), True),
        ("b", ("python",), True),
        ("b", ("python",), False),
        ("b", ("python",), False),
        ("c", ("javascript",), True),
    ]
    for i, (who, skills, ok) in enumerate(plan):
        events += [
            MilestoneOpened(
                id=f"m{i}",
                candidate=who,
                client="k",
                tier="standard",
                skills=skills,
                amount=500.0,
                due=at(20 + i),
                at=at(12 + i),
            ),
            MilestoneOutcome(
                milestone=f"m{i}", outcome="accepted" if ok else "disputed", on_time=True, at=at(19)
            ),
        ]
    # A late milestone, so the ones above are all labelled by the end of the data.
    late = MilestoneOpened(
        id="late", candidate="a", client="k", tier="standard", amount=1.0, due=at(300), at=at(200)
    )
    events.append(late)
    return events


def test_ranking_relevance_is_the_share_that_went_well() -> None:
    index = build_index(_tiny_market())
    cutoff = to_seconds(START) + 10 * DAY
    rows = evaluation_rows(index, cutoff=cutoff, horizon_days=90)
    (query,) = ranking_queries(index, rows, cutoff=cutoff, min_later=2)  # javascript: 1 < 2
    assert (query.skill, query.tier, query.milestones) == ("python", "standard", 5)
    share = {index.candidate_ids[c]: g for c, g in zip(query.candidates, query.gain, strict=True)}
    assert share == {"a": 1.0, "b": pytest.approx(1 / 3), "c": 0.0}
    assert query.did_well.tolist() == [index.candidate_ids[c] == "a" for c in query.candidates]


def test_fairness_goodness_ranks_the_down_rated_below_the_up_rated() -> None:
    # Raters 0-3 rate candidates 0 and 1 five stars and candidate 2 one star; rater 4 says
    # the opposite of everyone. Candidate 3 is never rated: typical (median) goodness.
    rater = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    ratee = np.array([0, 1, 2] * 5)
    score = np.array([1.0, 1.0, -1.0] * 4 + [-1.0, -1.0, 1.0])
    fair, good, reliable = rev2(rater, ratee, score, n_raters=5, n_ratees=4)
    assert good[2] < min(good[0], good[1])
    assert good[3] == pytest.approx(np.median(good[:3]), abs=1e-5)
    assert fair[4] < fair[:4].min()
    assert reliable[rater == 4].max() < reliable[rater != 4].min()


def test_tier_names_fall_back_to_standard(index: HistoryIndex) -> None:
    rows = np.arange(5)
    names = milestone_tier_names(index, rows)
    if hasattr(index, "tier_names"):
        assert set(names) <= set(index.tier_names)
    else:
        assert names == ["standard"] * 5
