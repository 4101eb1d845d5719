"""How the simulated market behaves, one draw at a time.

Kept apart from the market's bookkeeping so the assumptions that make it
realistic sit in one short place: outcomes follow quality, ratings are
inflated and lean on the client's leniency more than on the work.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from scoring.reputation.events import Outcome, Rating

OUTCOME_SHIFT = {"accepted": 0.15, "revision_requested": -0.6, "disputed": -1.8, "cancelled": -1.2}
RATED_PROB = {"accepted": 0.8, "revision_requested": 0.7, "disputed": 0.5, "cancelled": 0.2}


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x))))


def draw_outcome(rng: np.random.Generator, quality: float, litigious: float) -> Outcome:
    u = rng.uniform()
    cancel = 0.03 + 0.04 * float(sigmoid(-quality))
    dispute = float(sigmoid(-3.2 - 1.3 * quality + litigious))
    revision = float(sigmoid(-1.0 - 1.4 * quality))
    if u < cancel:
        return "cancelled"
    if u < cancel + dispute:
        return "disputed"
    if u < cancel + dispute + revision * (1 - cancel - dispute):
        return "revision_requested"
    return "accepted"


def draw_rating(
    rng: np.random.Generator,
    ms_id: str,
    *,
    quality: float,
    outcome: str,
    on_time: bool,
    leniency: float,
    at: datetime,
) -> Rating:
    # Inflated: centred near 4.5 whatever the work, moved only a little by quality.
    base = 4.45 + leniency + 0.35 * quality + OUTCOME_SHIFT[outcome] - (0 if on_time else 0.35)

    def stars(extra: float) -> int:
        return int(np.clip(np.round(base + extra + rng.normal(0.0, 0.45)), 1, 5))

    return Rating(
        milestone=ms_id,
        stars=stars(0.0),
        quality=stars(0.1 * quality),
        communication=stars(0.0),
        timeliness=stars(-0.8 if not on_time else 0.2),
        at=at,
    )
