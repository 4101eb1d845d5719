"""Matching: every candidate's chance on one milestone, from what is already stored.

A stored reputation keeps the feature row it was scored from (for its tier, the
candidate's declared skills and the tier's usual amount) and, per skill, the
candidate's own record in it. A milestone asks for other skills and another
amount: only the features of the milestone in hand change (the keys of
`REFERENCE` in features.py), and each is a plain function of the per-skill records. Recomputing those
columns for every candidate and scoring the rows with the serving model gives
the same number `candidate_features(..., skills=, amount=)` followed by
`score_candidates` would, without reading the history again: a request is a few
vectorised array operations over the platform's candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import numpy as np

from scoring.reputation.features import COL, FeatureConfig
from scoring.reputation.model import (
    Scorer,
    predict_proba,
    reason_baseline,
)
from scoring.reputation.reasons import Reason, swapped_rows, top_reasons


class SkillTable(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Per candidate (rows) and skill (columns): the candidate's record in the skill."""

    skills: dict[str, int]
    trial_best: np.ndarray  # best trial score in the skill, 0 when none
    proven: np.ndarray  # 1.0 when a passed trial or an accepted milestone proves it
    clients: np.ndarray  # clients' worth behind the finished milestones in the skill
    client_share: np.ndarray  # Σ over those clients of their worth x share that went well


def skill_table(per_skill: Sequence[Sequence[Mapping[str, Any]]]) -> SkillTable:
    """Build the table from stored per-skill records (`SkillScore` as plain data), one
    sequence per candidate, in the candidates' order."""
    names = sorted({str(s["skill"]) for rows in per_skill for s in rows})
    column = {name: j for j, name in enumerate(names)}
    shape = (len(per_skill), len(names))
    best, proven, clients, share = (np.zeros(shape) for _ in range(4))
    for i, rows in enumerate(per_skill):
        for s in rows:
            j = column[str(s["skill"])]
            best[i, j] = float(s.get("trial_best", 0.0))
            proven[i, j] = 1.0 if s.get("proven") else 0.0
            clients[i, j] = float(s.get("clients", 0))
            share[i, j] = float(s.get("client_share", 0.0))
    return SkillTable(
        skills=column, trial_best=best, proven=proven, clients=clients, client_share=share
    )


def milestone_rows(
    base: np.ndarray,
    table: SkillTable,
    *,
    skills: Sequence[str],
    amount: float | None,
    config: FeatureConfig,
) -> np.ndarray:
    """Each candidate's feature row for a milestone needing `skills` at `amount` (None: the
    tier's usual amount).

    `base`: (candidates, features) rows stored with the reputations of the milestone's
    tier (so `tier_rate` is already that tier's). The same definitions as
    `features._trial_features`, `_skill_outcomes` and `_context_features`.
    """
    rows = np.array(base, dtype=np.float64, copy=True)
    n = len(rows)
    wanted = list(dict.fromkeys(skills))  # a skill asked twice counts once, as in features
    if wanted:
        cols = [table.skills.get(s, -1) for s in wanted]

        def summed(matrix: np.ndarray) -> np.ndarray:
            total = np.zeros(n)
            for j in cols:
                if j >= 0:
                    total += matrix[:, j]
            return total

        per_query = float(len(wanted))
        rows[:, COL["trial_best_skill"]] = summed(table.trial_best) / per_query
        rows[:, COL["skill_match"]] = summed(table.proven) / per_query
        clients, share = summed(table.clients), summed(table.client_share)
        k = config.skill_pseudo
        good = rows[:, COL["good_share"]]
        rows[:, COL["skill_good_share"]] = (share + k * good) / (clients + k)
    else:
        # No skill named: measured as a served score is, by the declared skills.
        for name in ("trial_best_skill", "skill_match", "skill_good_share"):
            rows[:, COL[name]] = rows[:, COL["declared_" + name]]
    # No amount given: the tier's usual one, as a served score assumes.
    rows[:, COL["log_amount"]] = (
        rows[:, COL["tier_log_amount"]] if amount is None else np.log1p(max(amount, 0.0))
    )
    return rows


def explain(
    scorer: Scorer, rows: np.ndarray, proba: np.ndarray, *, shift: float = 0.0
) -> list[tuple[Reason, ...]]:
    """Reasons for a few rows (the top matches): the same swaps as a stored reputation's."""
    baseline = reason_baseline(scorer)
    out: list[tuple[Reason, ...]] = []
    for row, p in zip(rows, proba, strict=True):
        swapped = predict_proba(scorer, swapped_rows(row, baseline), shift=shift)
        out.append(top_reasons(row, baseline, float(p), swapped))
    return out
