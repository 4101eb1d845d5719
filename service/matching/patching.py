"""Bringing a match index up to date when a few candidates' reputations changed: their rows
written over the old ones (or, when candidates came or went, every row moved to its place
in the new order), instead of reading and building 10,000 rows again.

Patched or built, an index ranks the same (tests/service/test_matches.py builds both and
compares them).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

import msgspec
import numpy as np

from scoring.reputation.features import FEATURE_NAMES
from scoring.reputation.matching import SkillTable, skill_table
from scoring.reputation.model import Scorer
from service.matching.index import (
    MatchIndex,
    feature_rows,
    resolve_scorers,
    score_groups,
    usable_row,
)
from service.repo.matching import MatchRow


def _merged_table(
    old: SkillTable,
    kept: tuple[np.ndarray, np.ndarray] | None,
    part: SkillTable,
    placed: np.ndarray,
    n: int,
) -> SkillTable | None:
    """`old`'s rows `kept[0]` moved to `kept[1]` (None: every row stays where it is) and
    `part`'s rows written at `placed`, in the union of both tables' skills.

    None if the table is not the shape this assumes (a `skills` column map and, per field,
    a (candidates, skills) array that is 0 where a candidate has no record, as `skill_table`
    builds it): then the caller builds anew. A skill no row holds any more keeps a column
    of zeros, which sums as its absence does.
    """
    names = sorted(set(old.skills) | set(part.skills))
    column = old.skills if len(names) == len(old.skills) else {s: j for j, s in enumerate(names)}
    old_cols = np.array([column[s] for s in old.skills], dtype=np.int64)
    old_from = np.array(list(old.skills.values()), dtype=np.int64)
    part_cols = np.array([column[s] for s in part.skills], dtype=np.int64)
    part_from = np.array(list(part.skills.values()), dtype=np.int64)
    values: dict[str, np.ndarray] = {}
    for name in old.__struct_fields__:
        if name == "skills":
            continue
        before, fresh = getattr(old, name), getattr(part, name)
        if not (
            isinstance(before, np.ndarray)
            and isinstance(fresh, np.ndarray)
            and before.ndim == fresh.ndim == 2
            and before.shape[1] == len(old.skills)
            and fresh.shape == (len(placed), len(part.skills))
        ):
            return None
        if kept is None and column is old.skills:
            out = before.astype(np.float64, copy=True)
            out[placed] = 0.0
        else:
            out = np.zeros((n, len(names)), dtype=np.float64)
            rows_from, rows_to = kept if kept is not None else (np.arange(n), np.arange(n))
            out[np.ix_(rows_to, old_cols)] = before[np.ix_(rows_from, old_from)]
            out[placed] = 0.0
        out[np.ix_(placed, part_cols)] = fresh[:, part_from]
        values[name] = out
    return msgspec.structs.replace(old, skills=dict(column), **values)


_Arrays = tuple[
    dict[UUID, int],
    np.ndarray,
    SkillTable,
    np.ndarray,
    list[str | None],
    list[str],
    list[str],
]


def _overwritten(
    index: MatchIndex, fresh: Sequence[MatchRow], placed: np.ndarray
) -> _Arrays | None:
    """The same candidates in the same places, the `fresh` rows' values written over theirs."""
    part = skill_table([r.per_skill for r in fresh])
    table = _merged_table(index.table, None, part, placed, len(index))
    if table is None:
        return None
    base = index.base.copy()
    base[placed] = feature_rows(fresh)
    evidence = index.effective_evidence.copy()
    evidence[placed] = [r.effective_evidence for r in fresh]
    refs, names, versions = list(index.refs), list(index.names), list(index.versions)
    for r, i in zip(fresh, placed.tolist(), strict=True):
        refs[i], names[i], versions[i] = r.external_ref, r.display_name, r.model_version
    return index.position, base, table, evidence, refs, names, versions


def _rearranged(
    index: MatchIndex, ids: tuple[UUID, ...], kept: Sequence[UUID], fresh: Sequence[MatchRow]
) -> _Arrays | None:
    """Candidates come or go: every row moved to its place in the new candidate order."""
    n = len(ids)
    position = {c: i for i, c in enumerate(ids)}
    kept_old = np.array([index.position[c] for c in kept], dtype=np.int64)
    kept_new = np.array([position[c] for c in kept], dtype=np.int64)
    placed = np.array([position[r.candidate_id] for r in fresh], dtype=np.int64)
    table = _merged_table(
        index.table, (kept_old, kept_new), skill_table([r.per_skill for r in fresh]), placed, n
    )
    if table is None:
        return None
    base = np.zeros((n, len(FEATURE_NAMES)))
    base[kept_new] = index.base[kept_old]
    base[placed] = feature_rows(fresh)
    evidence = np.zeros(n)
    evidence[kept_new] = index.effective_evidence[kept_old]
    evidence[placed] = [r.effective_evidence for r in fresh]
    refs: list[str | None] = [None] * n
    names, versions = [""] * n, [""] * n
    for c, i in zip(kept, kept_new.tolist(), strict=True):
        old = index.position[c]
        refs[i], names[i], versions[i] = index.refs[old], index.names[old], index.versions[old]
    for r, i in zip(fresh, placed.tolist(), strict=True):
        refs[i], names[i], versions[i] = r.external_ref, r.display_name, r.model_version
    return position, base, table, evidence, refs, names, versions


def patch_index(
    index: MatchIndex,
    generation: int,
    changed: Sequence[MatchRow],
    named: Collection[UUID],
    *,
    promoted: Scorer | None,
    shift: float,
) -> MatchIndex | None:
    """`index` with the candidates `named` replaced by their rows now (`changed`; a named
    candidate without a row has none any more); None when it must be built anew (another
    scorer serves, or the skill table is not as assumed)."""
    if (None if promoted is None else promoted.version) != index.serving or shift != index.shift:
        return None
    usable = [r for r in changed if usable_row(r)]
    scorers = resolve_scorers(usable, promoted, shift, index.scorers)
    fresh = [r for r in usable if r.model_version in scorers]
    out = set(named)
    ranked = {r.candidate_id for r in fresh}
    if ranked == out and all(c in index.position for c in ranked):
        # The common case (a refresh of a few ranked candidates): every row stays in place.
        placed = np.array([index.position[r.candidate_id] for r in fresh], dtype=np.int64)
        ids, arrays = index.ids, _overwritten(index, fresh, placed)
    else:
        kept = [c for c in index.ids if c not in out]
        ids = tuple(sorted([*kept, *ranked]))
        arrays = _rearranged(index, ids, kept, fresh)
    if arrays is None:
        return None
    position, base, table, evidence, refs, names, versions = arrays
    groups, group_of = score_groups(versions, scorers)
    return msgspec.structs.replace(
        index,
        generation=generation,
        ids=ids,
        refs=tuple(refs),
        names=tuple(names),
        position=position,
        base=base,
        table=table,
        effective_evidence=evidence,
        versions=tuple(versions),
        scorers={v: s for v, s in scorers.items() if v in set(versions)},
        groups=groups,
        group_of=group_of,
        unscored=(index.unscored - out) | {r.candidate_id for r in changed} - ranked,
    )
