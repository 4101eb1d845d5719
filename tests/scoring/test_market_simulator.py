from __future__ import annotations

from pathlib import Path

import numpy as np

from scoring.reputation.events import read_history, validate_history
from scoring.reputation.history import build_index
from scoring.simulator.simulate import MarketSpec, main, simulate

SPEC = MarketSpec(
    n_candidates=120, n_clients=25, n_milestones=1500, ring=True, seed=11, ring_milestones=60
)


def test_the_same_seed_gives_the_same_market() -> None:
    assert simulate(SPEC).events == simulate(SPEC).events
    assert simulate(SPEC).events != simulate(MarketSpec(**{**_fields(SPEC), "seed": 12})).events


def _fields(spec: MarketSpec) -> dict:
    return {f: getattr(spec, f) for f in spec.__struct_fields__}


def test_the_market_is_a_valid_history_with_inflated_ratings() -> None:
    market = simulate(SPEC)
    assert validate_history(market.events) == ()
    index = build_index(market.events)
    stars = index.ms_stars[index.ms_stars > 0]
    assert np.mean(stars >= 4) > 0.7  # ratings bunch at the top, as on real platforms
    assert 0.3 < np.mean(index.ms_outcome == 0) < 0.9
    assert len(market.truth.ring_milestones) == 60 and len(market.truth.ring_candidates) == 5


def test_main_writes_a_jsonl_file_that_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "market.jsonl"
    truth = tmp_path / "truth.json"
    assert (
        main(
            [
                "--out",
                str(out),
                "--candidates",
                "50",
                "--clients",
                "10",
                "--milestones",
                "300",
                "--no-ring",
                "--seed",
                "2",
                "--truth",
                str(truth),
            ]
        )
        == 0
    )
    parsed = read_history(out.read_bytes())
    assert parsed.problems == () and len(parsed.events) > 300
    assert b'"ring_candidates":[]' in truth.read_bytes()
