"""The prior a stored reputation was scored by, rebuilt from its version string.

When no model is promoted, the refresher scores with `prior_for(index, now)`: `fit_prior`
over the organization's labelled milestones, whose version is `prior-<labelled>-<rate>`
with the rate to three decimals, and which differs from the default `Prior` in nothing
else (default feature configuration, no baseline). Rebuilding it from the version avoids
reading the organization's whole history, which is what the refresher pays for.

The rate is (good + 20 · 0.55) / (labelled + 20), so the count of good milestones is what
is missing. Below 980 labelled milestones, three decimals of the rate leave one count
possible, and the prior is rebuilt exactly (`fit_prior` itself is called on labels with
that count, and must give back the same version). From 980 on, a few counts print the same
rate: the stored scores of the rows scored by that version choose between them (the count
whose prior gives back most of them, to the 0.1 point they are stored with), and whichever
is chosen, its population rate is within 0.0005 of the true one, so no chance moves by
more than 0.05 points (the posterior mean moves less than the rate does).
"""

from __future__ import annotations

import re

import numpy as np

from scoring.reputation.features import FeatureConfig
from scoring.reputation.prior import Prior, fit_prior, prior_posterior

PRIOR_VERSION = re.compile(r"\Aprior-(\d{1,9})-(\d\.\d{3})\Z")
ANCHOR = 20.0  # fit_prior's weight of the configured rate, in milestones


def is_prior_version(version: str) -> bool:
    return PRIOR_VERSION.match(version) is not None


def _counts(labelled: int, shown: str) -> list[int]:
    """The counts of good milestones that `fit_prior` prints as `shown` over `labelled`."""
    config = FeatureConfig()
    pseudo = ANCHOR * config.population_good
    centre = float(shown) * (labelled + ANCHOR) - pseudo
    spread = 0.0005 * (labelled + ANCHOR) + 1.0
    low, high = max(0, int(centre - spread)), min(labelled, int(centre + spread) + 1)
    return [
        good
        for good in range(low, high + 1)
        if f"{(good + pseudo) / (labelled + ANCHOR):.3f}" == shown
    ]


def _prior(labelled: int, good: int) -> Prior:
    labels = np.zeros(labelled, dtype=np.int8)
    labels[:good] = 1
    return fit_prior(labels)


def rebuild_prior(version: str, features: np.ndarray, scores: np.ndarray) -> Prior | None:
    """The prior that stored `scores` (0-100) from `features` under `version`; None when
    `version` is not a prior's, or names a rate no count of labels gives."""
    found = PRIOR_VERSION.match(version)
    if found is None:
        return None
    labelled, shown = int(found.group(1)), found.group(2)
    priors = [
        prior
        for good in _counts(labelled, shown)
        if (prior := _prior(labelled, good)).version == version
    ]
    if len(priors) <= 1 or not len(features):
        return priors[0] if priors else None

    def misses(prior: Prior) -> tuple[int, float]:
        mean, _ = prior_posterior(prior, features)
        error = np.abs(np.round(mean * 100.0, 1) - scores)
        return int(np.count_nonzero(error > 1e-6)), float(error.sum())

    return min(priors, key=misses)
