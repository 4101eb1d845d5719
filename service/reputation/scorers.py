"""Which scorer serves: the promoted model when there is one, else the documented prior.

The model is loaded once per process (skops, trusted types only) and reloaded
only when another version is promoted; the prior is refitted from the labelled
milestones each time, which costs a few array operations.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from litestar.datastructures import State
from litestar.di import Provide

from scoring.errors import UntrustedModelError
from scoring.reputation.datasets import milestone_labels
from scoring.reputation.features import FEATURE_VERSION
from scoring.reputation.history import HistoryIndex, to_seconds
from scoring.reputation.model import Scorer
from scoring.reputation.model_store import TrainedModel, load_model
from scoring.reputation.prior import MIN_LABELLED, Prior, fit_prior
from service.db.connection import Connection
from service.repo import models as models_repo

log = logging.getLogger("trialgate.reputation")

PRIOR_NOTE = (
    "Served by the transparent prior, not a trained model: Bayesian shrinkage of the "
    "candidate's outcomes, ratings and trial scores toward the population's rate. A model "
    f"serves once at least {MIN_LABELLED} labelled milestones exist and `trialgate model "
    "train` has promoted one."
)


def prior_for(index: HistoryIndex, now: datetime) -> Prior:
    """The prior, its population rate set from the milestones labelled before `now`."""
    _, labels = milestone_labels(index, as_of=to_seconds(now))
    return fit_prior(labels)


class Scorers:
    """The serving scorer of one process; a model is kept until another is promoted."""

    def __init__(self) -> None:
        self._model: TrainedModel | None = None

    def remember(self, model: TrainedModel) -> None:
        """A model this process just promoted: no need to load it back from the database."""
        self._model = model

    async def current(self, conn: Connection, index: HistoryIndex, now: datetime) -> Scorer:
        version = await models_repo.promoted_version(conn)
        if version is not None:
            model = await self._load(conn, version)
            if model is not None:
                return model
        return prior_for(index, now)

    async def promoted(self, conn: Connection) -> TrainedModel | None:
        version = await models_repo.promoted_version(conn)
        return None if version is None else await self._load(conn, version)

    async def _load(self, conn: Connection, version: str) -> TrainedModel | None:
        if self._model is not None and self._model.version == version:
            return self._model
        data = await models_repo.model_bytes(conn, version=version)
        if data is None:
            return None
        try:
            model = await asyncio.to_thread(load_model, data)
        except UntrustedModelError as exc:
            log.error("promoted model %s refused (%s); the prior serves instead", version, exc)
            return None
        if model.meta.feature_version != FEATURE_VERSION:
            log.error(
                "promoted model %s reads features %s, this code computes %s; the prior serves",
                version,
                model.meta.feature_version,
                FEATURE_VERSION,
            )
            return None
        self._model = model
        return model


def provide_scorers(state: State) -> Scorers:
    scorers: Scorers = state.scorers  # State holds Any: say what the lifespan put there
    return scorers


SCORERS = {"scorers": Provide(provide_scorers, sync_to_thread=False)}
