"""A candidate gaming their skill record: throwaway client accounts, each giving one cheap
accepted milestone in a skill. Accounts cost nothing to open, so what counts in a skill is
what the clients put at stake, not how many accounts there were."""

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
)
from scoring.reputation.features import COL, FeatureConfig
from scoring.reputation.history import HistoryIndex, build_index, from_seconds
from scoring.reputation.matching import milestone_rows, skill_table

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _history(throwaway: int, amount: float) -> HistoryIndex:
    """`mole` and `honest` share an ordinary record in `go` with five real clients; `mole`
    adds `throwaway` fresh accounts, each with one accepted milestone in `python`."""
    events: list[Event] = [
        CandidateJoined(id=c, skills=("python",), at=T0) for c in ("mole", "honest")
    ]
    events += [ClientJoined(id=f"real{i}", at=T0) for i in range(5)]
    n = 0
    for i in range(10):
        for cand in ("mole", "honest"):
            n += 1
            opened = T0 + timedelta(days=3 * i + 1)
            events += [
                MilestoneOpened(id=f"r{n}", candidate=cand, client=f"real{i % 5}", tier="standard",
                                skills=("go",), amount=800.0, due=opened + timedelta(days=2),
                                at=opened),
                MilestoneOutcome(milestone=f"r{n}", outcome="accepted" if i % 2 else "disputed",
                                 on_time=True, at=opened + timedelta(days=1)),
            ]  # fmt: skip
    for i in range(throwaway):
        at = T0 + timedelta(days=40, hours=i)
        events += [
            ClientJoined(id=f"throwaway{i}", at=at),
            MilestoneOpened(id=f"f{i}", candidate="mole", client=f"throwaway{i}", tier="standard",
                            skills=("python",), amount=amount, due=at + timedelta(hours=2),
                            at=at + timedelta(minutes=1)),
            MilestoneOutcome(milestone=f"f{i}", outcome="accepted", on_time=True,
                             at=at + timedelta(minutes=30)),
        ]  # fmt: skip
    return build_index(sorted(events, key=lambda e: e.at))


def _python(index: HistoryIndex, cand: str, config: FeatureConfig | None = None) -> list[float]:
    (f,) = candidate_features(
        index, [cand], as_of=from_seconds(index.end + 1), skills=["python"], config=config
    )
    return list(f.values)


@pytest.mark.parametrize("throwaway", [10, 30, 100])
def test_free_milestones_from_throwaway_accounts_buy_no_skill_record(throwaway: int) -> None:
    index = _history(throwaway, amount=0.0)
    mole = _python(index, "mole")
    # Nothing was at stake: the skill record is the overall one (which carries the rater
    # weights and stake floor of its own), and the skill is not proven.
    assert mole[COL["skill_good_share"]] == pytest.approx(mole[COL["good_share"]], abs=1e-9)
    assert mole[COL["skill_match"]] == 0.0
    # Defences off (to measure them), every account counted one and proved the skill.
    naive = _python(index, "mole", FeatureConfig(defences=False))
    assert naive[COL["skill_good_share"]] > 0.9
    assert naive[COL["skill_match"]] == 1.0


def test_splitting_money_over_more_accounts_buys_nothing() -> None:
    """$500 in one milestone from one client, or $5 from each of a hundred accounts: one
    client's worth either way."""
    split = _history(100, amount=5.0)
    (f,) = candidate_features(split, ["mole"], as_of=from_seconds(split.end + 1))
    (python,) = [s for s in f.per_skill if s.skill == "python"]
    assert python.finished == 100 and python.good == 100
    assert python.clients == pytest.approx(1.0)
    one = _history(1, amount=500.0)
    (g,) = candidate_features(one, ["mole"], as_of=from_seconds(one.end + 1))
    (alone,) = [s for s in g.per_skill if s.skill == "python"]
    assert alone.clients == pytest.approx(1.0)
    assert python.client_share == pytest.approx(alone.client_share) == pytest.approx(1.0)


def test_matching_rows_rebuilt_from_stored_records_keep_the_weights() -> None:
    """Matching recomputes `skill_good_share` from the stored per-skill sums: the weighted
    sums give the same row the history does."""
    index = _history(30, amount=20.0)
    at = from_seconds(index.end + 1)
    config = FeatureConfig()
    (declared,) = candidate_features(index, ["mole"], as_of=at, config=config)
    (asked,) = candidate_features(index, ["mole"], as_of=at, skills=["python"], config=config)
    table = skill_table(
        [[{"skill": s.skill, "clients": s.clients, "client_share": s.client_share,
           "trial_best": s.values[COL["trial_best_skill"]],
           "proven": s.values[COL["skill_match"]] >= 1.0} for s in declared.per_skill]]
    )  # fmt: skip
    rows = milestone_rows(
        np.array([declared.values]), table, skills=["python"], amount=None, config=config
    )
    for name in ("skill_good_share", "skill_match"):
        assert rows[0, COL[name]] == pytest.approx(asked.values[COL[name]], abs=1e-9), name
