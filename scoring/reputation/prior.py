"""The transparent prior that serves until there is enough labelled history.

Below `MIN_LABELLED` labelled milestones a learned model would mostly fit
noise, so reputation is a Beta posterior instead:

    start   Beta with mean μ (the population's share of milestones that went
            well) worth `pseudo` milestones;
    add     each effective finished milestone as one observation of its
            outcome (already weighted, capped and decayed by the features);
    add     each effective rating as half an observation of
            μ + rating_slope·(stars - the rater's usual stars);
    add     each trial as half an observation of
            μ + trial_slope·(trial mean - population trial mean).

μ is the population's rate scaled by the tier's rate against the whole market's
(`tier_rate` / `market_rate`), so tiers differ where their milestones did. For
a milestone in particular skills, the mean is then scaled by the candidate's
record in those skills against their declared skills' record, and moved by
`skill_trial_slope` per point of best trial score in them against the declared
skills' (both references equal what a served score reads, so it moves nothing).
The score is the posterior mean; the interval is the posterior's 5-95 % quantiles. Every input is a feature row, so the prior and the model explain
themselves the same way and the prior is monotone in every +1/-1 feature.
"""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np
from scipy.stats import beta as beta_dist

from scoring.reputation.features import COL, FEATURE_NAMES, FEATURE_VERSION, FeatureConfig

MIN_LABELLED = 200  # fewer labelled milestones than this: the prior serves
SKILL_RANGE = 0.5  # a milestone's skills move the prior's chance by at most half either way
INTERVAL = (0.05, 0.95)


class Prior(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    source: Literal["prior"] = "prior"
    feature_version: str = FEATURE_VERSION
    feature_names: tuple[str, ...] = FEATURE_NAMES
    config: FeatureConfig = FeatureConfig()
    population_good: float = 0.55
    rating_weight: float = 0.5
    rating_slope: float = 0.25
    trial_weight: float = 0.5
    trial_slope: float = 0.8
    skill_trial_slope: float = 0.2  # per point of best trial score in the milestone's skills
    labelled: int = 0  # how many labelled milestones the population rate came from
    baseline: tuple[float, ...] = ()  # a blank candidate's features, for reason codes


def fit_prior(
    labels: np.ndarray | None,
    *,
    config: FeatureConfig | None = None,
    baseline: np.ndarray | None = None,
) -> Prior:
    """Set the population rate from whatever labels exist (shrunk toward the config's)."""
    config = config or FeatureConfig()
    labels = np.zeros(0) if labels is None else np.asarray(labels, dtype=np.float64)
    k = 20.0  # the configured rate is worth 20 milestones against the observed one
    rate = (labels.sum() + k * config.population_good) / (len(labels) + k)
    return Prior(
        version=f"prior-{len(labels)}-{rate:.3f}",
        config=config,
        population_good=float(rate),
        labelled=len(labels),
        baseline=tuple(np.asarray(baseline, dtype=np.float64).tolist())
        if baseline is not None
        else (),
    )


def prior_posterior(prior: Prior, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and pseudo-count (alpha+beta) for each feature row."""
    values = np.atleast_2d(values)
    cfg = prior.config
    k = cfg.outcome_pseudo
    # The tier's own rate against the whole market's moves the population's: a tier whose
    # milestones go well more often starts everyone higher; a tier without evidence of its
    # own has its rate equal to the market's, so it moves nothing.
    market = values[:, COL["market_rate"]]
    tier_ratio = np.where(
        market > 0, values[:, COL["tier_rate"]] / np.where(market > 0, market, 1.0), 1.0
    )
    mu = np.clip(prior.population_good * tier_ratio, 0.01, 0.99)
    e_out = values[:, COL["outcome_evidence"]]
    # The good-share feature is shrunk toward the config's rate; re-centre on μ.
    good = (e_out + k) * values[:, COL["good_share"]] - k * cfg.population_good + k * mu
    e_rat = prior.rating_weight * values[:, COL["rating_evidence"]]
    p_rat = np.clip(mu + prior.rating_slope * values[:, COL["rating_rel"]], 0.01, 0.99)
    n_trial = prior.trial_weight * values[:, COL["trial_count"]]
    p_trial = np.clip(
        mu + prior.trial_slope * (values[:, COL["trial_mean"]] - cfg.population_trial), 0.01, 0.99
    )
    total = e_out + k + e_rat + n_trial
    mean = (good + e_rat * p_rat + n_trial * p_trial) / total
    # A milestone in particular skills: the candidate's own record in them, against the
    # declared skills' record that a served score stands for (both equal when served).
    # A record can raise the chance only in skills the candidate has proven (a milestone
    # asking a skill nobody has shown must not credit the rest of their record), and moves
    # it by at most half either way.
    reference = values[:, COL["declared_skill_good_share"]]
    share = values[:, COL["skill_good_share"]]
    ratio = np.where(reference > 0, share / np.where(reference > 0, reference, 1.0), 1.0)
    ratio = np.where(values[:, COL["skill_match"]] > 0, ratio, np.minimum(ratio, 1.0))
    ratio = np.clip(ratio, 1.0 - SKILL_RANGE, 1.0 + SKILL_RANGE)
    trial_gap = values[:, COL["trial_best_skill"]] - values[:, COL["declared_trial_best_skill"]]
    mean = mean * ratio + prior.skill_trial_slope * trial_gap
    return np.clip(mean, 0.001, 0.999), total


def prior_interval(mean: float, total: float) -> tuple[float, float]:
    low, high = prior_intervals(np.array([mean]), np.array([total]))
    return float(low[0]), float(high[0])


def prior_intervals(mean: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The posterior's 5-95 % quantiles for many candidates at once."""
    a, b = mean * total, (1.0 - mean) * total
    # Near the clip a Beta is so skewed that its 5 % quantile lies above its mean (0.999
    # over 10 pseudo-counts: 1.0); an interval shown around a score always contains it.
    low, high = beta_dist.ppf(INTERVAL[0], a, b), beta_dist.ppf(INTERVAL[1], a, b)
    return np.minimum(low, mean), np.maximum(high, mean)
