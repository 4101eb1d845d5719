"""Reputation benchmark: accuracy vs baselines, ring resistance, training time.

    .venv/bin/python bench/reputation.py                      # 2000 x 300 x 40k, with a ring
    .venv/bin/python bench/reputation.py --events 1000000     # also time training on ~1M events

Everything is a back-test on a simulated market: the model and the baselines
learn from milestones whose outcome was known before the hold-out starts and
are scored on milestones opened after it. Baselines are turned into
probabilities by an isotonic fit on the same training rows, so Brier and ECE
compare like with like.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.reputation.datasets import candidate_features, milestone_labels, milestone_queries
from scoring.reputation.features import COL, FeatureConfig, featurize
from scoring.reputation.history import HistoryIndex, build_index, from_seconds, to_seconds
from scoring.reputation.metrics import Metrics, evaluate
from scoring.reputation.model import score_candidates, train
from scoring.reputation.model_store import TrainedModel
from scoring.simulator.simulate import MarketSpec, simulate, spec_for_events

# Baselines, each a feature computed point-in-time with the defences off and no decay.
BASELINES = {
    "mean stars": (
        FeatureConfig(defences=False, half_life_days=None, rating_pseudo=1e-9),
        "rating_mean",
    ),
    "bayesian avg stars": (
        FeatureConfig(defences=False, half_life_days=None, rating_pseudo=5.0),
        "rating_mean",
    ),
    "job success share": (
        FeatureConfig(defences=False, half_life_days=None, outcome_pseudo=1e-9),
        "good_share",
    ),
}


def split(
    index: HistoryIndex, model: TrainedModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The model's own split: train rows labelled as of the cut, hold-out rows opened after it."""
    cut = to_seconds(model.meta.holdout_from)
    train_rows, train_y = milestone_labels(index, as_of=cut)
    all_rows, all_y = milestone_labels(index, as_of=to_seconds(model.meta.trained_as_of))
    hold = index.ms_time[all_rows] >= cut
    return train_rows, train_y, all_rows[hold], all_y[hold]


def baseline_metrics(index: HistoryIndex, model: TrainedModel) -> dict[str, Metrics]:
    train_rows, train_y, hold_rows, hold_y = split(index, model)
    out = {}
    for name, (config, feature) in BASELINES.items():

        def raw(
            rows: np.ndarray, config: FeatureConfig = config, feature: str = feature
        ) -> np.ndarray:
            return featurize(index, milestone_queries(index, rows), config).values[:, COL[feature]]

        x_train, x_hold = raw(train_rows), raw(hold_rows)
        fill = float(np.nanmean(x_train))  # no evidence yet: the population's value
        x_train, x_hold = np.nan_to_num(x_train, nan=fill), np.nan_to_num(x_hold, nan=fill)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(x_train, train_y)
        out[name] = evaluate(hold_y, iso.predict(x_hold))
    return out


def without(events: tuple, milestones: set[str]) -> tuple:
    def keep(e: object) -> bool:
        ident = getattr(e, "milestone", None) or (
            getattr(e, "id", None) if e.__struct_config__.tag == "milestone" else None
        )
        return ident not in milestones

    return tuple(e for e in events if keep(e))


def percentile(values: np.ndarray, population: np.ndarray) -> np.ndarray:
    return 100.0 * np.searchsorted(np.sort(population), values, side="right") / len(population)


def ring_rise(
    full: HistoryIndex,
    clean: HistoryIndex,
    ring: list[str],
    others: list[str],
    model: TrainedModel,
    config: FeatureConfig,
) -> tuple[float, float]:
    """Mean (score points, percentile points) ring candidates gain from the fake milestones."""
    at = from_seconds(full.end)

    def scores(index: HistoryIndex, who: list[str]) -> np.ndarray:
        feats = candidate_features(index, who, as_of=at, config=config)
        return np.array([r.score for r in score_candidates(model, feats)])

    population = scores(full, others)
    with_ring, without_ring = scores(full, ring), scores(clean, ring)
    gain_pct = percentile(with_ring, population) - percentile(without_ring, population)
    return float(np.mean(with_ring - without_ring)), float(np.mean(gain_pct))


def stars_rise(
    full: HistoryIndex, clean: HistoryIndex, ring: list[str], others: list[str]
) -> tuple[float, float]:
    def mean_stars(index: HistoryIndex, who: list[str]) -> np.ndarray:
        rows = [index.candidate_index(c) for c in who]
        rated = index.ms_stars > 0
        total = np.bincount(
            index.ms_candidate[rated], weights=index.ms_stars[rated], minlength=index.n_candidates
        )
        count = np.bincount(index.ms_candidate[rated], minlength=index.n_candidates)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)[rows]

    population = mean_stars(full, others)
    population = population[np.isfinite(population)]
    # A candidate with no rating at all shows as "typical": the population median.
    typical = float(np.median(population))
    w = np.nan_to_num(mean_stars(full, ring), nan=typical)
    wo = np.nan_to_num(mean_stars(clean, ring), nan=typical)
    return float(np.mean(w - wo)), float(
        np.mean(percentile(w, population) - percentile(wo, population))
    )


def row(name: str, m: Metrics) -> str:
    return f"  {name:<26} {m.roc_auc:>8.4f} {m.brier:>8.4f} {m.ece:>8.4f} {m.n:>8d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--milestones", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ring-milestones", type=int, default=200, help="fake milestones")
    parser.add_argument("--ring-candidates", type=int, default=5)
    parser.add_argument("--ring-clients", type=int, default=6)
    parser.add_argument(
        "--events", type=int, default=0, help="also time training on this many events"
    )
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    market = simulate(
        MarketSpec(
            n_candidates=args.candidates,
            n_clients=args.clients,
            n_milestones=args.milestones,
            ring=True,
            seed=args.seed,
            ring_milestones=args.ring_milestones,
            ring_candidates=args.ring_candidates,
            ring_clients=args.ring_clients,
        )
    )
    full = build_index(market.events)
    print(
        f"market: {len(market.events)} events, {full.n_candidates} candidates, {full.n_clients} clients, "
        f"{len(full.milestone_ids)} milestones ({len(market.truth.ring_milestones)} fake), "
        f"simulated in {time.perf_counter() - t0:.1f}s"
    )

    t0 = time.perf_counter()
    model = train(full, seed=args.seed)
    print(
        f"trained in {time.perf_counter() - t0:.1f}s on {model.meta.n_train} milestones, "
        f"held out {model.meta.n_holdout} ({model.meta.calibration} calibration)"
    )
    baselines = baseline_metrics(full, model)
    print("\naccuracy on later milestones (hold-out)")
    print(f"  {'scorer':<26} {'ROC AUC':>8} {'Brier':>8} {'ECE':>8} {'n':>8}")
    print(row("model", model.meta.metrics))
    for name, m in baselines.items():
        print(row(name, m))
    best = max(m.roc_auc for m in baselines.values())

    plain = FeatureConfig(defences=False)
    model_plain = train(full, seed=args.seed, config=plain)
    clean = build_index(without(market.events, set(market.truth.ring_milestones)))
    ring = list(market.truth.ring_candidates)
    others = [c for c in full.candidate_ids if c not in set(ring)]
    defended = ring_rise(full, clean, ring, others, model, model.meta.config)
    undefended = ring_rise(full, clean, ring, others, model_plain, plain)
    stars = stars_rise(full, clean, ring, others)
    print(
        f"\nring: {len(ring)} candidates, {len(market.truth.ring_clients)} clients, "
        f"{len(market.truth.ring_milestones)} fake 5-star milestones"
    )
    print(f"  {'scorer':<26} {'rise':>10} {'rise in percentile pts':>24}")
    print(f"  {'model, defences on':<26} {defended[0]:>10.2f} {defended[1]:>24.1f}")
    print(f"  {'model, defences off':<26} {undefended[0]:>10.2f} {undefended[1]:>24.1f}")
    print(f"  {'mean stars':<26} {stars[0]:>10.2f} {stars[1]:>24.1f}")

    m = model.meta.metrics
    targets = [
        ("AUC ≥ best baseline + 0.05", m.roc_auc >= best + 0.05, f"{m.roc_auc:.4f} vs {best:.4f}"),
        ("ECE < 0.03", m.ece < 0.03, f"{m.ece:.4f}"),
        (
            "ring gain < 1/3 of mean stars' (percentile pts)",
            defended[1] < stars[1] / 3,
            f"{defended[1]:.1f} vs {stars[1]:.1f}",
        ),
    ]
    if args.events:
        spec = spec_for_events(args.events, seed=args.seed)
        t0 = time.perf_counter()
        big = simulate(spec)
        print(
            f"\nlarge market: {len(big.events)} events simulated in {time.perf_counter() - t0:.1f}s"
        )
        t0 = time.perf_counter()
        index = build_index(big.events)
        t_index = time.perf_counter() - t0
        big_model = train(index, seed=args.seed)
        took = time.perf_counter() - t0
        print(
            f"  index {t_index:.1f}s, index+featurize+train {took:.1f}s on {big_model.meta.n_train} "
            f"milestones; hold-out AUC {big_model.meta.metrics.roc_auc:.4f}, "
            f"ECE {big_model.meta.metrics.ece:.4f}"
        )
        targets.append((f"train on {len(big.events)} events < 120 s", took < 120, f"{took:.1f}s"))
    print("\ntargets")
    for name, ok, detail in targets:
        print(f"  [{'ok' if ok else 'MISSED'}] {name}: {detail}")
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
