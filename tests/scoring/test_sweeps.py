"""The running aggregates match brute force."""

from __future__ import annotations

import numpy as np

from scoring.reputation.sweeps import Sweep


def test_running_sums_and_maxima_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    group = rng.integers(0, 30, 2000)
    time = rng.integers(0, 500, 2000).astype(float)  # many ties on purpose
    value = rng.uniform(size=2000)
    sweep = Sweep(group, time)
    half_life = 40.0
    plain, decayed, best = (
        sweep.cumsum(value),
        sweep.decayed_cumsum(value, half_life),
        sweep.cummax(value),
    )
    qg, qt = rng.integers(-1, 32, 500), rng.uniform(-10, 520, 500)
    pos = sweep.last_before(qg, qt)
    got_sum, got_dec = sweep.at(plain, pos), sweep.decayed_at(decayed, pos, qt, half_life)
    got_max = sweep.at(best, pos)
    for i in range(len(qg)):
        seen = (group == qg[i]) & (time < qt[i])
        assert np.isclose(got_sum[i], value[seen].sum())
        assert np.isclose(
            got_dec[i], (value[seen] * 0.5 ** ((qt[i] - time[seen]) / half_life)).sum()
        )
        assert np.isclose(got_max[i], value[seen].max() if seen.any() else 0.0)


def test_an_empty_sweep_answers_nothing_before_any_time() -> None:
    sweep = Sweep(np.zeros(0, dtype=np.int64), np.zeros(0))
    pos = sweep.last_before(np.array([0, 1]), np.array([5.0, 6.0]))
    assert (pos == -1).all()
    assert (sweep.at(sweep.cumsum(np.zeros(0)), pos) == 0).all()
