"""Baselines for the back-test: plain readings of the same history the model gets.

Every baseline is a `Recipe` (see `scoring.reputation.backtest`) and sees
exactly the events before the cutoff. Each turns one or a few numbers per
candidate into a probability with a logistic fit on the milestones labelled
before the cutoff (a 1-D Platt fit for single numbers), so Brier and ECE compare
like with like. None has a notion of skills: `match_scores` is the overall score.

  share_of_good_outcomes    the shrunk share of milestones that went well
                            (defences off, no decay): a job-success score.
  logistic_on_shrunk_rates  a standardised logistic regression on the shrunk
                            rates (good, disputed, late, unaccepted, mean stars,
                            low stars, trial mean), defences off, no decay.
  fairness_goodness         REV2 (Kumar et al., WSDM 2018; ICDM 2016): rater
                            fairness, ratee goodness and rating reliability,
                            iterated over the ratings given before the cutoff.
  ratings_received          how many ratings the candidate had received.
  prior                     the transparent Beta prior, served even when there
                            is plenty of data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from scoring.reputation.backtest import Recipe, ScorerRecipe, ServedScores
from scoring.reputation.datasets import candidate_features, milestone_labels, training_set
from scoring.reputation.features import COL, FeatureConfig
from scoring.reputation.history import HistoryIndex, from_seconds
from scoring.reputation.prior import fit_prior
from scoring.reputation.sweeps import Sweep

# What a plain reading computes: no rater weights, caps, stakes or decay.
PLAIN = FeatureConfig(defences=False, half_life_days=None)
SHRUNK_RATES = (
    "good_share",
    "dispute_rate",
    "late_rate",
    "unaccepted_rate",
    "rating_mean",
    "rating_low_share",
    "trial_mean",
)
REV2_ITERATIONS = 50
REV2_TOLERANCE = 1e-6

# Inputs of a baseline at a cutoff: (x of the labelled milestones before it, their labels,
# x of every candidate row of the index as served at the cutoff).
Inputs = tuple[np.ndarray, np.ndarray, np.ndarray]


class CandidateScores:
    """Frozen scores with one probability per candidate row, whatever the tier or skills."""

    def __init__(self, proba: np.ndarray) -> None:
        self.proba = proba

    def tier_scores(self, candidates: np.ndarray, tiers: Sequence[str]) -> np.ndarray:
        del tiers  # no notion of tiers
        return np.asarray(self.proba[candidates])

    def match_scores(self, candidates: np.ndarray, skills: Sequence[str], tier: str) -> np.ndarray:
        del skills, tier  # no notion of skills: the overall score
        return np.asarray(self.proba[candidates])


class LogisticRecipe:
    """A baseline: numbers per candidate, mapped to a probability by a logistic fit."""

    baseline = True

    def __init__(self, name: str, inputs: Callable[[HistoryIndex, float], Inputs]) -> None:
        self.name = name
        self._inputs = inputs

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores:
        x, y, served = self._inputs(index, as_of)
        return CandidateScores(_logistic(x, y, served))


def _logistic(x: np.ndarray, y: np.ndarray, served: np.ndarray) -> np.ndarray:
    x, served = x.reshape(len(x), -1), served.reshape(len(served), -1)
    if len(np.unique(y)) < 2:  # nothing to separate: everyone gets the observed rate
        return np.full(len(served), float(np.mean(y)) if len(y) else 0.5)
    model: Pipeline = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(x, y)
    return np.asarray(model.predict_proba(served)[:, 1])


def _served_rates(index: HistoryIndex, as_of: float, names: Sequence[str]) -> np.ndarray:
    """Plain features of every candidate row as of the cutoff, the served way."""
    rows = candidate_features(index, index.candidate_ids, as_of=from_seconds(as_of), config=PLAIN)
    values = np.array([r.values for r in rows]).reshape(len(rows), -1)
    return values[:, [COL[n] for n in names]]


def _rates_inputs(names: Sequence[str]) -> Callable[[HistoryIndex, float], Inputs]:
    def inputs(index: HistoryIndex, as_of: float) -> Inputs:
        # Each labelled milestone as of its opening, labels as they stood at the cutoff.
        rows = training_set(index, as_of=as_of, config=PLAIN)
        cols = [COL[n] for n in names]
        return rows.values[:, cols], rows.labels, _served_rates(index, as_of, names)

    return inputs


def share_of_good_outcomes() -> Recipe:
    return LogisticRecipe("share_of_good_outcomes", _rates_inputs(("good_share",)))


def logistic_on_shrunk_rates() -> Recipe:
    return LogisticRecipe("logistic_on_shrunk_rates", _rates_inputs(SHRUNK_RATES))


def _ratings_received(index: HistoryIndex, as_of: float) -> Inputs:
    rated = np.flatnonzero((index.ms_stars > 0) & (index.ms_rating_time < as_of))
    sweep = Sweep(index.ms_candidate[rated], index.ms_rating_time[rated])
    running = sweep.cumsum(np.ones(len(rated)))
    rows, labels = milestone_labels(index, as_of=as_of)
    before = sweep.at(running, sweep.last_before(index.ms_candidate[rows], index.ms_time[rows]))
    served = np.bincount(index.ms_candidate[rated], minlength=index.n_candidates)
    # log(1 + n): the logistic then reads "a few more ratings" alike at any count.
    return np.log1p(before), labels, np.log1p(served.astype(np.float64))


def ratings_received() -> Recipe:
    return LogisticRecipe("ratings_received", _ratings_received)


def rev2(
    rater: np.ndarray,
    ratee: np.ndarray,
    score: np.ndarray,
    *,
    n_raters: int,
    n_ratees: int,
    alpha: float = 1.0,
    beta: float = 1.0,
    gamma_fair: float = 1.0,
    gamma_agree: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """REV2's fairness per rater, goodness per ratee and reliability per rating.

    Scores are in [-1, 1]. With the behavioural (BIRDNEST) terms left out, each step is

        G(v)   = (beta·median G + Σ_in R·score) / (beta + |in(v)|)            in [-1, 1]
        R(u,v) = (gamma_fair·F(u) + gamma_agree·(1 - |score - G(v)|/2)) / (gamma_fair + gamma_agree)
        F(u)   = (alpha·median F + Σ_out R) / (alpha + |out(u)|)               in [0, 1]

    starting from F = G = R = 1, until nothing moves by more than 1e-6 or 50 steps.
    alpha = beta = gamma = 1 are the paper's smoothing priors at their simplest: one
    pseudo-rating of the typical value, fairness and agreement weighed alike. Every
    rating is its own edge (the paper keeps one per pair): a client's repeated ratings
    of one candidate are repeated evidence. A ratee nobody rated gets the median goodness.
    """
    fair, good, reliable = np.ones(n_raters), np.ones(n_ratees), np.ones(len(score))
    out_degree = np.bincount(rater, minlength=n_raters)
    in_degree = np.bincount(ratee, minlength=n_ratees)
    if len(score) == 0:
        return fair, np.zeros(n_ratees), reliable
    for _ in range(REV2_ITERATIONS):
        typical = float(np.median(good[in_degree > 0]))
        received = np.bincount(ratee, weights=reliable * score, minlength=n_ratees)
        new_good = np.clip((beta * typical + received) / (beta + in_degree), -1.0, 1.0)
        agree = 1.0 - np.abs(score - new_good[ratee]) / 2.0
        new_reliable = np.clip(
            (gamma_fair * fair[rater] + gamma_agree * agree) / (gamma_fair + gamma_agree), 0.0, 1.0
        )
        given = np.bincount(rater, weights=new_reliable, minlength=n_raters)
        typical_fair = float(np.median(fair[out_degree > 0]))
        new_fair = np.clip((alpha * typical_fair + given) / (alpha + out_degree), 0.0, 1.0)
        moved = max(
            float(np.abs(new_good - good).max()),
            float(np.abs(new_reliable - reliable).max()),
            float(np.abs(new_fair - fair).max()),
        )
        fair, good, reliable = new_fair, new_good, new_reliable
        if moved < REV2_TOLERANCE:
            break
    return fair, good, reliable


def _goodness(index: HistoryIndex, as_of: float) -> Inputs:
    rated = np.flatnonzero((index.ms_stars > 0) & (index.ms_rating_time < as_of))
    _, good, _ = rev2(
        index.ms_client[rated],
        index.ms_candidate[rated],
        (index.ms_stars[rated] - 3.0) / 2.0,
        n_raters=index.n_clients,
        n_ratees=index.n_candidates,
    )
    rows, labels = milestone_labels(index, as_of=as_of)
    # The mapping is fitted on goodness at the cutoff, which has read the ratings of
    # those very milestones: an in-sample fit that can only favour the baseline.
    return good[index.ms_candidate[rows]], labels, good


def fairness_goodness() -> Recipe:
    return LogisticRecipe("fairness_goodness", _goodness)


def prior_recipe() -> Recipe:
    """The prior, fitted on the labels known at the cutoff, served whatever the data."""
    return ScorerRecipe(
        "prior", lambda index, t: fit_prior(milestone_labels(index, as_of=t)[1]), baseline=True
    )


def baseline_recipes() -> tuple[Recipe, ...]:
    return (
        prior_recipe(),
        share_of_good_outcomes(),
        logistic_on_shrunk_rates(),
        fairness_goodness(),
        ratings_received(),
    )
