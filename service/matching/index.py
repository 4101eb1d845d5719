"""A match index: one organization's stored reputations for one tier as arrays, built from
rows already read, in a worker thread (`patching.py` brings one up to date).

Each row is scored by the scorer that stored it, so a match for the context a reputation
was stored with (the candidate's declared skills, the default amount) gives back its
stored score. Rows that no serving scorer stored are left out and counted (`unscored`):

- rows of a model version other than the promoted one: a promotion re-scores everyone in
  its own transaction, so these are seen only when the promoted model cannot be loaded
  (the prior serves then) or a refresh of another version is being written;
- rows of a prior while a model serves, or of a model while the prior serves;
- rows whose feature row is empty or of another length: scored before matching existed,
  or by code computing other features. The refresher replaces them on its next pass.

While the prior serves, an organization's rows carry several prior versions: a prior's
version names its population rate, which every new label moves, and a refresh of a few
candidates stores the new one for them only. Each version is rebuilt (`priors.py`) and
scores the rows it stored, as their stored scores do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from uuid import UUID

import msgspec
import numpy as np

from scoring.reputation.features import FEATURE_NAMES
from scoring.reputation.matching import SkillTable, skill_table
from scoring.reputation.model import Scorer
from scoring.reputation.prior import Prior
from service.matching.priors import is_prior_version, rebuild_prior
from service.repo.matching import MatchRow

Source = Literal["model", "prior"]
Scorers = dict[str, tuple[Scorer, float]]  # per stored model version: its scorer and shift


class ScoreGroup(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """The rows one scorer stored, and the base-rate shift it serves with here."""

    scorer: Scorer
    shift: float
    rows: np.ndarray  # positions in the index


class MatchIndex(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    organization_id: UUID
    tier: str
    generation: int  # of the reputations it holds
    serving: str | None  # the promoted model's version when built; None: the prior served
    shift: float  # the promoted model's base-rate shift in the organization
    ids: tuple[UUID, ...]  # in candidate id order; only rows that rank
    refs: tuple[str | None, ...]
    names: tuple[str, ...]
    position: dict[UUID, int]
    base: np.ndarray  # (candidates, features): each stored feature row
    table: SkillTable
    effective_evidence: np.ndarray
    versions: tuple[str, ...]  # each row's stored model version
    scorers: Scorers
    groups: tuple[ScoreGroup, ...]
    group_of: np.ndarray  # per position: its group
    unscored: frozenset[UUID]  # candidates whose stored row is left out (module docstring)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def source(self) -> Source | None:
        """Who serves: "model" or "prior"; None when nothing ranks."""
        if not self.groups:
            return None
        return "prior" if isinstance(self.groups[0].scorer, Prior) else "model"


def usable_row(row: MatchRow) -> bool:
    return len(row.features) == len(FEATURE_NAMES) and bool(np.isfinite(row.features).all())


def resolve_scorers(
    rows: Sequence[MatchRow], promoted: Scorer | None, shift: float, known: Scorers
) -> Scorers:
    """Per stored version among `rows`: the scorer that stored it, if it serves (`known`
    are kept)."""
    found = dict(known)
    for version in sorted({r.model_version for r in rows} - set(known)):
        if promoted is not None:
            if version == promoted.version:
                found[version] = (promoted, shift)
        elif is_prior_version(version):
            mine = [r for r in rows if r.model_version == version]
            prior = rebuild_prior(
                version,
                np.array([r.features for r in mine], dtype=np.float64),
                np.array([r.score for r in mine], dtype=np.float64),
            )
            if prior is not None:
                found[version] = (prior, 0.0)  # no shift is ever stored for a prior
    return found


def score_groups(
    versions: Sequence[str], scorers: Scorers
) -> tuple[tuple[ScoreGroup, ...], np.ndarray]:
    names = sorted(set(versions))
    lookup = {v: i for i, v in enumerate(names)}
    group_of = np.fromiter((lookup[v] for v in versions), dtype=np.int64, count=len(versions))
    groups = tuple(
        ScoreGroup(scorer=scorers[v][0], shift=scorers[v][1], rows=np.flatnonzero(group_of == i))
        for i, v in enumerate(names)
    )
    return groups, group_of


def feature_rows(rows: Sequence[MatchRow]) -> np.ndarray:
    return np.array([r.features for r in rows], dtype=np.float64).reshape(-1, len(FEATURE_NAMES))


def build_index(
    organization_id: UUID,
    tier: str,
    generation: int,
    stored: Sequence[MatchRow],
    *,
    promoted: Scorer | None,
    shift: float,
) -> MatchIndex:
    """The index of `stored` (every row of the organization and tier, by candidate id).

    `promoted`: the model serving now, None when the prior does; `shift`: its base-rate
    recalibration in the organization.
    """
    usable = [r for r in stored if usable_row(r)]
    scorers = resolve_scorers(usable, promoted, shift, {})
    rows = [r for r in usable if r.model_version in scorers]
    versions = tuple(r.model_version for r in rows)
    groups, group_of = score_groups(versions, scorers)
    ranked = {r.candidate_id for r in rows}
    return MatchIndex(
        organization_id=organization_id,
        tier=tier,
        generation=generation,
        serving=None if promoted is None else promoted.version,
        shift=shift,
        ids=tuple(r.candidate_id for r in rows),
        refs=tuple(r.external_ref for r in rows),
        names=tuple(r.display_name for r in rows),
        position={r.candidate_id: i for i, r in enumerate(rows)},
        base=feature_rows(rows),
        table=skill_table([r.per_skill for r in rows]),
        effective_evidence=np.array([r.effective_evidence for r in rows], dtype=np.float64),
        versions=versions,
        scorers={v: s for v, s in scorers.items() if v in set(versions)},
        groups=groups,
        group_of=group_of,
        unscored=frozenset(r.candidate_id for r in stored if r.candidate_id not in ranked),
    )
