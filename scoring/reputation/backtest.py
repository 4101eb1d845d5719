"""Reputation judged as it is served: scores frozen at a cutoff, then what happened next.

A milestone-level hold-out flatters a model: every hold-out row is featurised at
its own opening, with everything known up to that minute. What a client sees is
different: the export and the eligibility answer hold a score computed once, at
some date, and keep serving it. So for a cutoff c every recipe is fitted on the
events before c only and its scores are frozen there; then

  * served: each milestone opened in [c, c+h) by a candidate already seen before
    c (labelled as of the end of the data: went well or not) is scored with its
    candidate's frozen score for the milestone's tier. Metrics per (recipe,
    cutoff, horizon) and pooled over cutoffs per horizon (the headline), with
    90 % bootstrap intervals that resample candidates (one candidate's
    milestones are not independent), paired: every recipe sees the same
    resamples, so the interval of a difference between recipes is tight where
    they agree;
  * ranked: for each skill enough later milestones asked for, every candidate
    seen before c is ranked by the recipe's frozen match score and the top ten
    are judged by how their milestones in that skill went (NDCG@10, P@10).

Baselines given the very same inputs live in `scoring.reputation.baselines`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal, Protocol

import msgspec
import numpy as np

from scoring.reputation.datasets import candidate_features, milestone_labels
from scoring.reputation.edges import DAY
from scoring.reputation.history import HistoryIndex, from_seconds
from scoring.reputation.metrics import ECE_BINS
from scoring.reputation.model import Scorer, feature_config, score_candidates

__all__ = [
    "BacktestReport",
    "EvaluationRows",
    "RankingQuery",
    "Recipe",
    "ScorerRecipe",
    "ServedScores",
    "bootstrap_interval",
    "cluster_weights",
    "default_cutoffs",
    "evaluation_rows",
    "format_report",
    "milestone_tier_names",
    "rank_metrics",
    "ranking_queries",
    "run_backtest",
    "weighted_metrics",
]

CUTOFF_SHARES = (0.6, 0.7, 0.8)  # default cutoffs: when these shares of milestones had opened
HORIZONS_DAYS = (90.0, 180.0)
N_BOOT = 200
LEVEL = 0.9  # two-sided bootstrap intervals
CHUNK = 2000  # candidates per scoring call
TOP_K = 10
MIN_LATER = 20  # a skill becomes a ranking query with at least this many later milestones
DEFAULT_TIER = "standard"
# Served scores are rounded to 0.1 point, so a served 0 means "below 0.05 %": log loss
# clips there rather than call it a certainty.
LOG_EPS = 0.0005
_BOOT_BLOCK = 50  # resamples per vectorised block: bounds memory to ~50 x rows floats


class ServedScores(Protocol):
    """A scorer frozen at a cutoff; every score is P(the next milestone goes well)."""

    def tier_scores(self, candidates: np.ndarray, tiers: Sequence[str]) -> np.ndarray:
        """One score per (candidate row in the index, tier name) pair."""
        ...

    def match_scores(self, candidates: np.ndarray, skills: Sequence[str], tier: str) -> np.ndarray:
        """Per candidate row, for a milestone of `tier` asking for `skills`."""
        ...


class Recipe(Protocol):
    """How to build a scorer; `fit` may only use the events before `as_of`."""

    name: str

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores: ...


class ScorerRecipe:
    """Any serving scorer of `scoring.reputation.model`, built at the cutoff and served as
    the export is: `candidate_features` then `score_candidates`, reading `.score / 100`.

    `fit` builds the scorer, e.g. `lambda index, t: fit_reputation(index, as_of=from_seconds(t))`.
    """

    def __init__(
        self, name: str, fit: Callable[[HistoryIndex, float], Scorer], *, baseline: bool = False
    ) -> None:
        self.name = name
        self.baseline = baseline
        self._build = fit

    def fit(self, index: HistoryIndex, as_of: float) -> ServedScores:
        return _ServedScorer(self._build(index, as_of), index, as_of)


class _ServedScorer:
    def __init__(self, scorer: Scorer, index: HistoryIndex, as_of: float) -> None:
        self._scorer, self._index, self._at = scorer, index, from_seconds(as_of)
        self._config = feature_config(scorer)
        self._by_tier: dict[str, np.ndarray] = {}  # overall score per candidate row, NaN: not yet

    def tier_scores(self, candidates: np.ndarray, tiers: Sequence[str]) -> np.ndarray:
        candidates = np.asarray(candidates, dtype=np.int64)
        out = np.empty(len(candidates))
        groups: dict[str, list[int]] = {}
        for i, tier in enumerate(tiers):
            groups.setdefault(tier, []).append(i)
        for tier, where in groups.items():
            table = self._by_tier.setdefault(tier, np.full(self._index.n_candidates, np.nan))
            wanted = candidates[where]
            missing = np.unique(wanted[np.isnan(table[wanted])])
            if len(missing):
                table[missing] = self._score(missing, tier=tier, skills=None)
            out[where] = table[wanted]
        return out

    def match_scores(self, candidates: np.ndarray, skills: Sequence[str], tier: str) -> np.ndarray:
        return self._score(np.asarray(candidates, dtype=np.int64), tier=tier, skills=list(skills))

    def _score(self, rows: np.ndarray, *, tier: str, skills: list[str] | None) -> np.ndarray:
        ids = [self._index.candidate_ids[r] for r in rows.tolist()]
        out = np.empty(len(ids))
        for start in range(0, len(ids), CHUNK):
            features = candidate_features(
                self._index,
                ids[start : start + CHUNK],
                as_of=self._at,
                tier=tier,
                skills=skills,
                config=self._config,
            )
            served = score_candidates(self._scorer, features)
            out[start : start + len(served)] = [r.score / 100.0 for r in served]
        return out


def default_cutoffs(index: HistoryIndex) -> tuple[float, ...]:
    """The instants by which 60 %, 70 % and 80 % of the milestones had opened."""
    return tuple(float(t) for t in np.quantile(index.ms_time, CUTOFF_SHARES))


def milestone_tier_names(index: HistoryIndex, rows: np.ndarray) -> list[str]:
    """Each milestone's tier name; "standard" for all where the index keeps no names."""
    names: tuple[str, ...] | None = getattr(index, "tier_names", None)
    if names is None:
        return [DEFAULT_TIER] * len(rows)
    return [names[t] for t in np.asarray(index.ms_tier[rows], dtype=np.int64).tolist()]


class EvaluationRows(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Labelled milestones opened in [cutoff, cutoff + horizon) by candidates seen before."""

    milestone: np.ndarray
    candidate: np.ndarray
    label: np.ndarray  # 1 = went well, as known at the end of the data
    time: np.ndarray

    def take(self, keep: np.ndarray) -> EvaluationRows:
        return EvaluationRows(
            milestone=self.milestone[keep],
            candidate=self.candidate[keep],
            label=self.label[keep],
            time=self.time[keep],
        )

    @classmethod
    def concat(cls, parts: Sequence[EvaluationRows]) -> EvaluationRows:
        return cls(
            milestone=np.concatenate([p.milestone for p in parts]),
            candidate=np.concatenate([p.candidate for p in parts]),
            label=np.concatenate([p.label for p in parts]),
            time=np.concatenate([p.time for p in parts]),
        )


def evaluation_rows(
    index: HistoryIndex,
    *,
    cutoff: float,
    horizon_days: float,
    labelled: tuple[np.ndarray, np.ndarray] | None = None,
) -> EvaluationRows:
    rows, good = labelled if labelled is not None else milestone_labels(index, as_of=index.end)
    opened, who = index.ms_time[rows], index.ms_candidate[rows]
    keep = (
        (opened >= cutoff)
        & (opened < cutoff + horizon_days * DAY)
        & (index.candidate_first_seen[who] < cutoff)
    )
    return EvaluationRows(
        milestone=rows[keep], candidate=who[keep], label=good[keep], time=opened[keep]
    )


# -- served metrics, vectorised over bootstrap weights ------------------------------------


def cluster_weights(clusters: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, rows): how often each row's cluster was drawn in each resample of clusters."""
    uniq, inverse = np.unique(clusters, return_inverse=True)
    if len(uniq) == 0:
        return np.zeros((n_boot, 0))
    counts = rng.multinomial(len(uniq), np.full(len(uniq), 1.0 / len(uniq)), size=n_boot)
    return np.asarray(counts[:, inverse], dtype=np.float64)


METRICS = ("auc", "brier", "log_loss", "ece", "mean_predicted", "observed")


def weighted_metrics(labels: np.ndarray, proba: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(len(METRICS), n_weightings): each metric with rows weighted by each row of `weights`.

    ROC AUC is the Mann-Whitney statistic (ties count a half); ECE uses the equal-width
    bins of `scoring.reputation.metrics`. With unit weights these are the usual figures.
    """
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(proba, dtype=np.float64)
    w = np.atleast_2d(weights)
    total = w.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    q = np.clip(p, LOG_EPS, 1.0 - LOG_EPS)
    bins = np.minimum((p * ECE_BINS).astype(np.int64), ECE_BINS - 1)
    gap = np.zeros((len(p), ECE_BINS))
    gap[np.arange(len(p)), bins] = p - y
    out = np.empty((len(METRICS), len(w)))
    out[0] = _weighted_auc(y, p, w)
    out[1] = w @ (p - y) ** 2 / safe
    out[2] = w @ -(y * np.log(q) + (1.0 - y) * np.log(1.0 - q)) / safe
    out[3] = np.abs(w @ gap).sum(axis=1) / safe
    out[4] = w @ p / safe
    out[5] = w @ y / safe
    out[:, total <= 0] = np.nan
    return out


def _weighted_auc(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]]) if len(ps) else np.zeros(0, int)
    out = np.full(len(w), np.nan)
    if len(ps) == 0:
        return out
    for b in range(0, len(w), _BOOT_BLOCK):
        ws = w[b : b + _BOOT_BLOCK][:, order]
        pos = np.add.reduceat(ws * ys, starts, axis=1)  # per tie group of scores
        neg = np.add.reduceat(ws * (1.0 - ys), starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        num = (pos * (below + 0.5 * neg)).sum(axis=1)
        den = pos.sum(axis=1) * neg.sum(axis=1)
        np.divide(num, den, out=out[b : b + _BOOT_BLOCK], where=den > 0)
    return out


def bootstrap_interval(point: float, draws: np.ndarray) -> Interval:
    """The point estimate and the central LEVEL share of its finite bootstrap draws."""
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return Interval(value=float(point), lower=np.nan, upper=np.nan)
    tail = 50.0 * (1.0 - LEVEL)
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return Interval(value=float(point), lower=float(low), upper=float(high))


def _cell(
    rows: EvaluationRows,
    preds: np.ndarray,
    recipes: Sequence[Recipe],
    *,
    ref: int,
    cutoff: float | None,
    horizon_days: float,
    n_boot: int,
    rng: np.random.Generator,
) -> Cell:
    weights = cluster_weights(rows.candidate, n_boot, rng)  # one set of resamples for all
    unit = np.ones((1, len(rows.label)))
    point = np.stack([weighted_metrics(rows.label, p, unit)[:, 0] for p in preds])
    draws = np.stack([weighted_metrics(rows.label, p, weights) for p in preds])
    n_cands = len(np.unique(rows.candidate))
    metrics = tuple(
        ServedMetrics(
            recipe=r.name,
            baseline=_is_baseline(r),
            auc=bootstrap_interval(point[i, 0], draws[i, 0]),
            brier=bootstrap_interval(point[i, 1], draws[i, 1]),
            log_loss=bootstrap_interval(point[i, 2], draws[i, 2]),
            ece=bootstrap_interval(point[i, 3], draws[i, 3]),
            mean_predicted=float(point[i, 4]),
            observed=float(point[i, 5]),
            rows=len(rows.label),
            candidates=n_cands,
        )
        for i, r in enumerate(recipes)
    )
    differences = tuple(
        Difference(
            recipe=r.name,
            reference=recipes[ref].name,
            auc=bootstrap_interval(point[i, 0] - point[ref, 0], draws[i, 0] - draws[ref, 0]),
            brier=bootstrap_interval(point[i, 1] - point[ref, 1], draws[i, 1] - draws[ref, 1]),
        )
        for i, r in enumerate(recipes)
        if i != ref
    )
    return Cell(
        cutoff=None if cutoff is None else from_seconds(cutoff),
        horizon_days=horizon_days,
        metrics=metrics,
        differences=differences,
    )


def _is_baseline(recipe: Recipe) -> bool:
    return bool(getattr(recipe, "baseline", False))


# -- ranking ------------------------------------------------------------------------------


class RankingQuery(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """One skill asked for after a cutoff, and how each candidate seen before did in it."""

    skill: str
    tier: str  # the most common tier among the skill's later milestones
    milestones: int
    candidates: np.ndarray  # rows of every candidate seen before the cutoff
    gain: np.ndarray  # share of the candidate's later milestones in the skill that went well
    did_well: np.ndarray  # at least one such milestone and most went well
    worked: np.ndarray  # at least one such milestone: the pool that judges quality alone


def ranking_queries(
    index: HistoryIndex, rows: EvaluationRows, *, cutoff: float, min_later: int = MIN_LATER
) -> list[RankingQuery]:
    """A query per skill at least `min_later` of `rows` ask for, ordered by skill name.

    A skill in which no candidate did any well is left out: it can rank nothing.
    """
    local = np.full(len(index.ms_time), -1, dtype=np.int64)
    local[rows.milestone] = np.arange(len(rows.milestone))
    pick = local[index.ms_skill_row] >= 0
    pair_row, pair_skill = local[index.ms_skill_row[pick]], index.ms_skill[pick]
    tiers = milestone_tier_names(index, rows.milestone)
    seen = np.flatnonzero(index.candidate_first_seen < cutoff)
    n_c = index.n_candidates
    found = []
    for skill in np.flatnonzero(np.bincount(pair_skill, minlength=1) >= min_later).tolist():
        mine = pair_row[pair_skill == skill]
        who = rows.candidate[mine]
        done = np.bincount(who, minlength=n_c)[seen].astype(np.float64)
        good = np.bincount(who, weights=rows.label[mine], minlength=n_c)[seen]
        gain = np.divide(good, done, out=np.zeros(len(seen)), where=done > 0)
        if not gain.any():
            continue
        counts = Counter(tiers[i] for i in mine.tolist())
        tier = min(counts, key=lambda t: (-counts[t], t))
        found.append(
            RankingQuery(
                skill=index.skill_names[skill],
                tier=tier,
                milestones=len(mine),
                candidates=seen,
                gain=gain,
                did_well=(done > 0) & (2.0 * good > done),
                worked=done > 0,
            )
        )
    return sorted(found, key=lambda q: q.skill)


def rank_metrics(
    scores: np.ndarray,
    candidates: np.ndarray,
    gain: np.ndarray,
    did_well: np.ndarray,
    k: int = TOP_K,
) -> tuple[float, float]:
    """(NDCG@k with graded gain, precision@k of "did well"), ranking by score descending.

    Ties go to the lower candidate row, so equal scores always rank the same way.
    """
    top = np.lexsort((candidates, -np.asarray(scores, dtype=np.float64)))[:k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = float(np.sort(gain)[::-1][:k] @ discount[: min(k, len(gain))])
    dcg = float(gain[top] @ discount[: len(top)])
    ndcg = dcg / ideal if ideal > 0 else 0.0
    return ndcg, float(did_well[top].sum()) / k


# -- the run ------------------------------------------------------------------------------

RANKED_BY: tuple[Literal["match", "overall"], ...] = ("match", "overall")
# Who is ranked: everyone seen before the cutoff (so whoever will not work in the skill counts
# as a miss, and activity alone scores), or only those who went on to work in it (so only
# how well the ranking orders their outcomes counts).
POOLS: tuple[Literal["everyone", "worked"], ...] = ("everyone", "worked")
Ranks = dict[tuple[str, str, str], list[tuple[float, float]]]  # (recipe, by, pool): per query


def run_backtest(
    index: HistoryIndex,
    recipes: Sequence[Recipe],
    *,
    reference: str,
    cutoffs: Sequence[float] | None = None,
    horizons_days: Sequence[float] = HORIZONS_DAYS,
    n_boot: int = N_BOOT,
    seed: int = 0,
    min_later: int = MIN_LATER,
    market: str = "market",
) -> BacktestReport:
    """Fit every recipe at every cutoff, freeze its scores, judge them on what came next."""
    names = [r.name for r in recipes]
    if len(set(names)) != len(names) or reference not in names:
        raise ValueError(f"recipe names must be unique and include {reference!r}: {names}")
    cuts = tuple(float(c) for c in (cutoffs if cutoffs is not None else default_cutoffs(index)))
    horizons = tuple(float(h) for h in horizons_days)
    labelled = milestone_labels(index, as_of=index.end)
    timing = {n: np.zeros(2) for n in names}  # fit, serve
    served: dict[tuple[int, int], tuple[EvaluationRows, np.ndarray]] = {}  # (horizon, cutoff)
    ranks: Ranks = {}
    for i, c in enumerate(cuts):
        rows = evaluation_rows(index, cutoff=c, horizon_days=max(horizons), labelled=labelled)
        first = rows.take(rows.time < c + horizons[0] * DAY)
        queries = ranking_queries(index, first, cutoff=c, min_later=min_later)
        preds = np.stack(
            [
                _serve(r, index, c, rows=rows, queries=queries, ranks=ranks, timing=timing)
                for r in recipes
            ]
        )
        for j, h in enumerate(horizons):
            keep = rows.time < c + h * DAY
            served[j, i] = rows.take(keep), preds[:, keep]

    start = time.perf_counter()

    def cell(key: tuple[int, int], cutoff: float | None, keys: list[tuple[int, int]]) -> Cell:
        rows = EvaluationRows.concat([served[k][0] for k in keys])
        preds = np.concatenate([served[k][1] for k in keys], axis=1)
        return _cell(
            rows,
            preds,
            recipes,
            ref=names.index(reference),
            cutoff=cutoff,
            horizon_days=horizons[key[0]],
            n_boot=n_boot,
            # Seeded per cell, so a cell draws the same resamples whatever else is run.
            rng=np.random.default_rng([seed, 1, *key]),
        )

    per_cutoff = tuple(
        cell((j, 1 + i), c, [(j, i)]) for j in range(len(horizons)) for i, c in enumerate(cuts)
    )
    pooled = tuple(
        cell((j, 0), None, [(j, i) for i in range(len(cuts))]) for j in range(len(horizons))
    )
    ranking = _ranking(recipes, ranks, n_boot, np.random.default_rng([seed, 2]))
    return BacktestReport(
        market=market,
        reference=reference,
        cutoffs=tuple(from_seconds(c) for c in cuts),
        horizons_days=horizons,
        n_boot=n_boot,
        seed=seed,
        pooled=pooled,
        per_cutoff=per_cutoff,
        ranking_horizon_days=horizons[0],
        min_later=min_later,
        ranking=ranking,
        timings=tuple(
            RecipeTiming(recipe=n, fit_seconds=float(t[0]), serve_seconds=float(t[1]))
            for n, t in timing.items()
        ),
        bootstrap_seconds=time.perf_counter() - start,
    )


def _serve(
    recipe: Recipe,
    index: HistoryIndex,
    cutoff: float,
    *,
    rows: EvaluationRows,
    queries: Sequence[RankingQuery],
    ranks: Ranks,
    timing: dict[str, np.ndarray],
) -> np.ndarray:
    """Fit one recipe at the cutoff; score the rows and rank every query with it."""
    start = time.perf_counter()
    scores = recipe.fit(index, cutoff)
    fitted = time.perf_counter()
    preds = scores.tier_scores(rows.candidate, milestone_tier_names(index, rows.milestone))
    for q in queries:
        match = scores.match_scores(q.candidates, [q.skill], q.tier)
        overall = scores.tier_scores(q.candidates, [q.tier] * len(q.candidates))
        for by, s in zip(RANKED_BY, (match, overall), strict=True):
            ranks.setdefault((recipe.name, by, "everyone"), []).append(
                rank_metrics(s, q.candidates, q.gain, q.did_well)
            )
            w = q.worked
            ranks.setdefault((recipe.name, by, "worked"), []).append(
                rank_metrics(s[w], q.candidates[w], q.gain[w], q.did_well[w])
            )
    timing[recipe.name] += (fitted - start, time.perf_counter() - fitted)
    return preds


def _ranking(
    recipes: Sequence[Recipe], ranks: Ranks, n_boot: int, rng: np.random.Generator
) -> tuple[RankingMetrics, ...]:
    n = len(next(iter(ranks.values()), []))
    draws = rng.integers(0, max(n, 1), size=(n_boot, n))  # the same query sets for every recipe

    def summary(values: np.ndarray) -> Interval:
        if n == 0:
            return Interval(value=np.nan, lower=np.nan, upper=np.nan)
        return bootstrap_interval(float(values.mean()), values[draws].mean(axis=1))

    out = []
    for recipe in recipes:
        for by, pool in [(by, pool) for pool in POOLS for by in RANKED_BY]:
            key = (recipe.name, by, pool)
            values = np.array(ranks.get(key, []), dtype=np.float64).reshape(-1, 2)
            out.append(
                RankingMetrics(
                    recipe=recipe.name,
                    baseline=_is_baseline(recipe),
                    ranked_by=by,
                    pool=pool,
                    ndcg=summary(values[:, 0]),
                    precision=summary(values[:, 1]),
                    queries=n,
                )
            )
    return tuple(out)


# -- the report ---------------------------------------------------------------------------


class Interval(msgspec.Struct, frozen=True, kw_only=True):
    value: float
    lower: float  # 90 % bootstrap interval; NaN when nothing could be resampled
    upper: float


class ServedMetrics(msgspec.Struct, frozen=True, kw_only=True):
    recipe: str
    baseline: bool
    auc: Interval
    brier: Interval
    log_loss: Interval
    ece: Interval
    mean_predicted: float
    observed: float  # share of the rows that went well
    rows: int
    candidates: int


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    """recipe minus reference, over the same resamples of candidates."""

    recipe: str
    reference: str
    auc: Interval
    brier: Interval


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    cutoff: datetime | None  # None: pooled over every cutoff
    horizon_days: float
    metrics: tuple[ServedMetrics, ...]
    differences: tuple[Difference, ...]


class RankingMetrics(msgspec.Struct, frozen=True, kw_only=True):
    recipe: str
    baseline: bool
    ranked_by: Literal["match", "overall"]  # match_scores for the skill, or tier_scores
    pool: Literal["everyone", "worked"]  # see POOLS
    ndcg: Interval  # mean over queries, interval over resampled queries
    precision: Interval
    queries: int


class RecipeTiming(msgspec.Struct, frozen=True, kw_only=True):
    recipe: str
    fit_seconds: float  # summed over cutoffs
    serve_seconds: float  # scoring the evaluation rows and the ranking queries


class BacktestReport(msgspec.Struct, frozen=True, kw_only=True):
    market: str
    reference: str
    cutoffs: tuple[datetime, ...]
    horizons_days: tuple[float, ...]
    n_boot: int
    seed: int
    pooled: tuple[Cell, ...]  # one per horizon: the headline
    per_cutoff: tuple[Cell, ...]  # horizon-major
    ranking_horizon_days: float
    min_later: int
    ranking: tuple[RankingMetrics, ...]
    timings: tuple[RecipeTiming, ...]
    bootstrap_seconds: float


def format_report(report: BacktestReport) -> str:
    """The report as plain-text tables: pooled metrics, differences, per cutoff, ranking."""
    cutoffs = ", ".join(c.date().isoformat() for c in report.cutoffs)
    days = ", ".join(f"{h:g}" for h in report.horizons_days)
    lines = [
        f"Reputation as served: {report.market}",
        f"scores frozen at {cutoffs}; judged on milestones opened within {days} days after",
        f"{LEVEL * 100:.0f} % intervals from {report.n_boot} resamples of candidates, the same"
        " for every recipe; * marks a baseline",
    ]
    for cell in report.pooled:
        lines += ["", f"Pooled over cutoffs, milestones opened within {cell.horizon_days:g} days"]
        lines += _served_table(cell)
        lines += ["", f"  difference vs {report.reference} (recipe - {report.reference})"]
        lines += _difference_table(cell)
    lines += ["", "Per cutoff: AUC / Brier", *_per_cutoff_table(report)]
    n_queries = report.ranking[0].queries if report.ranking else 0
    lines += [
        "",
        f"Ranking: {n_queries} queries (skills with >= {report.min_later} milestones within"
        f" {report.ranking_horizon_days:g} days of a cutoff), top {TOP_K}",
    ]
    lines += _ranking_table(report) if n_queries else ["  (no skill was asked for that often)"]
    return "".join(line.rstrip() + "\n" for line in lines)


def _name(recipe: str, baseline: bool) -> str:
    return f"{recipe} *" if baseline else recipe


def _ci(x: Interval, digits: int, sign: str = "") -> str:
    return f"{x.value:{sign}.{digits}f} [{x.lower:{sign}.{digits}f}, {x.upper:{sign}.{digits}f}]"


def _served_table(cell: Cell) -> list[str]:
    head = f"  {'recipe':<26} {'AUC':<22} {'Brier':<25} {'ECE':>6} {'pred / obs':>14} {'rows':>7} {'cands':>6}"
    return [head] + [
        f"  {_name(m.recipe, m.baseline):<26} {_ci(m.auc, 3):<22} {_ci(m.brier, 4):<25}"
        f" {m.ece.value:>6.3f} {m.mean_predicted:>6.3f} / {m.observed:.3f} {m.rows:>7d}"
        f" {m.candidates:>6d}"
        for m in cell.metrics
    ]


def _difference_table(cell: Cell) -> list[str]:
    baseline = {m.recipe: m.baseline for m in cell.metrics}
    head = f"  {'recipe':<26} {'dAUC':<25} {'dBrier':<28}"
    return [head] + [
        f"  {_name(d.recipe, baseline[d.recipe]):<26} {_ci(d.auc, 3, '+'):<25}"
        f" {_ci(d.brier, 4, '+'):<28}"
        for d in cell.differences
    ]


def _per_cutoff_table(report: BacktestReport) -> list[str]:
    dates = "".join(f" {c.date().isoformat():>16}" for c in report.cutoffs)
    lines = [f"  {'days':>5} {'recipe':<26}{dates}"]
    n = len(report.cutoffs)
    for j, h in enumerate(report.horizons_days):
        cells = report.per_cutoff[j * n : (j + 1) * n]
        for i, m in enumerate(cells[0].metrics if cells else ()):
            figures = "".join(
                f" {c.metrics[i].auc.value:>7.3f} / {c.metrics[i].brier.value:.4f}" for c in cells
            )
            lines.append(f"  {h:>5g} {_name(m.recipe, m.baseline):<26}{figures}")
    return lines


def _ranking_table(report: BacktestReport) -> list[str]:
    cells = {(r.recipe, r.ranked_by, r.pool): r for r in report.ranking}
    head = (
        f"  {'recipe':<26} {'ranked by':<10} {'everyone: NDCG@10':<22} {'P@10':<22}"
        f" {'worked in it: NDCG@10':<22} {'P@10':<22}"
    )
    lines = [head]
    for recipe, by, pool in cells:
        if pool != "everyone":
            continue
        row = [cells[recipe, by, p] for p in POOLS]
        if by != "match":
            match = [cells[recipe, "match", p] for p in POOLS]
            # an overall ranking no different from the match one (a baseline has no notion
            # of skills) is left out
            if all(
                (a.ndcg, a.precision) == (b.ndcg, b.precision)
                for a, b in zip(row, match, strict=True)
            ):
                continue
        figures = " ".join(f"{_ci(r.ndcg, 3):<22} {_ci(r.precision, 3):<22}" for r in row)
        lines.append(f"  {_name(recipe, row[0].baseline):<26} {by:<10} {figures}")
    lines.append(
        "  everyone: all candidates seen before the cutoff are ranked, so whoever did no later"
        " milestone in the skill counts as a miss; worked in it: only those who did are ranked."
    )
    return lines
