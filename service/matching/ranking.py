"""Ranking one milestone over a match index: every candidate's chance, then the top only
gets its interval, reasons and scorer. Pure; runs in a worker thread."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

import msgspec
import numpy as np

from scoring.reputation.features import FeatureConfig
from scoring.reputation.matching import explain, milestone_rows
from scoring.reputation.model import Scorer, feature_config, predict_proba, wilson
from scoring.reputation.prior import Prior, prior_interval, prior_posterior
from scoring.reputation.reasons import Reason
from service.matching.index import MatchIndex


class Ranked(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """The top of a ranking, best first, with what each needs shown."""

    positions: tuple[int, ...]
    chances: tuple[float, ...]  # 0-1
    intervals: tuple[tuple[float, float], ...]  # 0-1, 90 %
    reasons: tuple[tuple[Reason, ...], ...]
    versions: tuple[str, ...]  # the scorer of each
    ranked: int  # candidates ranked: the index less those excluded


def _rows_by_config(index: MatchIndex, skills: Sequence[str], amount: float) -> list[np.ndarray]:
    """Each group's milestone rows: computed once per distinct feature configuration."""
    done: list[tuple[FeatureConfig, np.ndarray]] = []
    out = []
    for group in index.groups:
        config = feature_config(group.scorer)
        rows = next((r for c, r in done if c == config), None)
        if rows is None:
            rows = milestone_rows(
                index.base, index.table, skills=skills, amount=amount, config=config
            )
            done.append((config, rows))
        out.append(rows)
    return out


def _interval(
    scorer: Scorer, row: np.ndarray, p: float, effective_evidence: float
) -> tuple[float, float]:
    """The interval a stored score of this scorer carries: the prior's posterior quantiles,
    or the model's Wilson interval over the effective evidence."""
    if isinstance(scorer, Prior):
        _, total = prior_posterior(scorer, row[None, :])
        return prior_interval(p, float(total[0]))
    return wilson(p, effective_evidence + 2.0)


def rank(
    index: MatchIndex,
    *,
    skills: Sequence[str],
    amount: float,
    limit: int,
    exclude: Collection[UUID],
) -> Ranked:
    """The `limit` best chances that a milestone of `skills` at `amount` goes well, and for
    those only: interval, reasons and scorer. Ties go to the lower candidate id."""
    n = len(index)
    proba = np.full(n, -np.inf)
    rows_of = _rows_by_config(index, skills, amount)
    for group, rows in zip(index.groups, rows_of, strict=True):
        proba[group.rows] = predict_proba(group.scorer, rows[group.rows], shift=group.shift)
    out = sorted({index.position[c] for c in exclude if c in index.position})
    proba[out] = -np.inf
    candidates = np.flatnonzero(proba > -np.inf)
    k = min(limit, len(candidates))
    if k < len(candidates):
        candidates = candidates[np.argpartition(-proba[candidates], k - 1)[:k]]
    top = candidates[np.lexsort((candidates, -proba[candidates]))]
    reasons: dict[int, tuple[Reason, ...]] = {}
    for g, (group, rows) in enumerate(zip(index.groups, rows_of, strict=True)):
        mine = top[index.group_of[top] == g]
        if len(mine):
            found = explain(group.scorer, rows[mine], proba[mine], shift=group.shift)
            reasons.update(zip(mine.tolist(), found, strict=True))
    intervals = []
    for i in top.tolist():
        g = int(index.group_of[i])
        intervals.append(
            _interval(
                index.groups[g].scorer,
                rows_of[g][i],
                float(proba[i]),
                float(index.effective_evidence[i]),
            )
        )
    return Ranked(
        positions=tuple(top.tolist()),
        chances=tuple(float(p) for p in proba[top]),
        intervals=tuple(intervals),
        reasons=tuple(reasons[i] for i in top.tolist()),
        versions=tuple(index.versions[i] for i in top.tolist()),
        ranked=n - len(out),
    )
