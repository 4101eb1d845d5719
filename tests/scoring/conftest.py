"""Shared fixtures: small simulated markets and a model trained on one (once per session)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.reputation.datasets import training_set
from scoring.reputation.history import HistoryIndex, build_index
from scoring.reputation.model import train
from scoring.reputation.model_store import TrainedModel
from scoring.simulator.simulate import Market, MarketSpec, simulate

SMALL = MarketSpec(
    n_candidates=300, n_clients=60, n_milestones=6000, ring=True, seed=7, ring_milestones=150
)


@pytest.fixture(scope="session")
def market() -> Market:
    return simulate(SMALL)


@pytest.fixture(scope="session")
def index(market: Market) -> HistoryIndex:
    return build_index(market.events)


@pytest.fixture(scope="session")
def model(index: HistoryIndex) -> TrainedModel:
    return train(index, seed=1)


@pytest.fixture(scope="session")
def gbm_model(index: HistoryIndex) -> TrainedModel:
    return train(index, seed=1, kind="gbm")


@pytest.fixture(scope="session")
def train_values(index: HistoryIndex) -> np.ndarray:
    return training_set(index).values
