"""Rater trust, the per-client cap, ring discounts and decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from scoring.reputation.datasets import candidate_features
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
)
from scoring.reputation.features import COL, FeatureConfig
from scoring.reputation.history import HistoryIndex, build_index
from scoring.reputation.raters import ring_scores
from scoring.simulator.simulate import Market

T0 = datetime(2024, 1, 1, tzinfo=UTC)
NO_DECAY = FeatureConfig(half_life_days=None)


class Book:
    """A hand-written history: hires with an outcome and a rating."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.known: set[str] = set()
        self.n = 0

    def hire(
        self,
        client: str,
        cand: str,
        day: float,
        *,
        stars: int = 5,
        outcome: str = "accepted",
        on_time: bool = True,
        amount: float = 500.0,
    ) -> None:
        at = T0 + timedelta(days=day)
        for ident, kind in ((client, ClientJoined), (cand, CandidateJoined)):
            if ident not in self.known:
                self.known.add(ident)
                self.events.append(kind(id=ident, at=T0))
        self.n += 1
        ms = f"m{self.n}"
        self.events += [
            MilestoneOpened(
                id=ms,
                candidate=cand,
                client=client,
                tier="standard",
                amount=amount,
                due=at + timedelta(days=5),
                at=at,
            ),
            MilestoneOutcome(
                milestone=ms, outcome=outcome, on_time=on_time, at=at + timedelta(days=3)
            ),
            Rating(milestone=ms, stars=stars, at=at + timedelta(days=4)),
        ]

    def index(self) -> HistoryIndex:
        return build_index(sorted(self.events, key=lambda e: e.at))


def feature(
    index: HistoryIndex, cand: str, name: str, *, day: float, config: FeatureConfig = NO_DECAY
) -> float:
    (f,) = candidate_features(index, [cand], as_of=T0 + timedelta(days=day), config=config)
    return f.values[COL[name]]


def test_one_client_supplies_at_most_its_capped_share_of_the_evidence() -> None:
    book = Book()
    for i in range(10):
        book.hire("loyal", "solo", day=i)
        book.hire(f"client{i}", "crowd", day=i)
        book.hire(f"client{i}", f"other{i}", day=i)  # every client has some breadth
        book.hire("loyal", f"other{i}", day=i + 0.5)
    index = book.index()
    solo = feature(index, "solo", "rating_evidence", day=30)
    crowd = feature(index, "crowd", "rating_evidence", day=30)
    uncapped = feature(
        index,
        "solo",
        "rating_evidence",
        day=30,
        config=FeatureConfig(half_life_days=None, client_cap=1.0),
    )
    assert solo <= 0.3 * uncapped + 1e-9
    assert crowd > 2 * solo
    assert (
        feature(
            index,
            "solo",
            "rating_evidence",
            day=30,
            config=FeatureConfig(half_life_days=None, defences=False),
        )
        == 10
    )


def test_a_fresh_account_counts_less_than_an_established_client() -> None:
    book = Book()
    for i in range(12):
        book.hire("veteran", f"past{i}", day=i)
    book.hire("veteran", "a", day=20)
    book.hire("fresh", "b", day=20)
    index = book.index()
    assert feature(index, "a", "rating_evidence", day=40) > 1.5 * feature(
        index, "b", "rating_evidence", day=40
    )


def test_old_events_decay_with_the_half_life() -> None:
    book = Book()
    book.hire("k", "c", day=0, outcome="disputed", stars=1)
    index = book.index()
    # Defences off: rater trust also changes over time and would blur the ratio.
    config = FeatureConfig(half_life_days=100.0, defences=False)
    soon = feature(index, "c", "outcome_evidence", day=3.5, config=config)
    later = feature(index, "c", "outcome_evidence", day=103.5, config=config)
    assert abs(later / soon - 0.5) < 1e-9
    old = feature(index, "c", "dispute_rate", day=400, config=config)
    assert old < feature(index, "c", "dispute_rate", day=5, config=config)


def test_ring_edges_score_high_and_ordinary_ones_do_not() -> None:
    rng = np.random.default_rng(3)
    clients, cands, hires = [], [], []
    for k in range(3):  # a ring: 3 clients x 3 candidates, 5 hires on every edge
        for c in range(3):
            clients.append(k), cands.append(c), hires.append(5.0)
    for k in range(3, 40):  # an ordinary market: single hires spread widely
        for c in rng.choice(np.arange(3, 200), size=15, replace=False):
            clients.append(k), cands.append(int(c)), hires.append(1.0)
    clients.append(40), cands.append(150), hires.append(10.0)  # a loyal pair is not a ring
    ring = ring_scores(
        np.array(clients), np.array(cands), np.array(hires), n_clients=41, n_candidates=200
    )
    assert ring[:9].min() > 0.5
    assert ring[9:].max() < 0.05


def test_ring_candidates_gain_less_with_the_defences(market: Market, index: HistoryIndex) -> None:
    fakes = set(market.truth.ring_milestones)
    clean = build_index(
        e
        for e in market.events
        if getattr(e, "milestone", None) not in fakes and getattr(e, "id", None) not in fakes
    )
    ring = list(market.truth.ring_candidates)
    at = datetime.fromtimestamp(index.end, tz=UTC)

    def gain(config: FeatureConfig, name: str) -> float:
        def values(ix: HistoryIndex) -> np.ndarray:
            return np.array(
                [f.values[COL[name]] for f in candidate_features(ix, ring, as_of=at, config=config)]
            )

        return float(np.mean(values(index) - values(clean)))

    for name in ("good_share", "rating_mean", "outcome_evidence"):
        assert gain(FeatureConfig(), name) < 0.3 * gain(FeatureConfig(defences=False), name), name


def test_cheap_milestones_count_less_than_real_ones() -> None:
    book = Book()
    for i in range(8):
        book.hire(f"k{i}", "cheap", day=i, amount=20.0)
        book.hire(f"k{i}", "real", day=i, amount=800.0)
    index = book.index()
    cheap = feature(index, "cheap", "outcome_evidence", day=30)
    real = feature(index, "real", "outcome_evidence", day=30)
    assert cheap == pytest.approx(real * 0.2)  # sqrt(20 / 500)
