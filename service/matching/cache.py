"""The process's match indexes: one per (organization, tier), each brought up to date only
when that organization's reputations for the tier changed.

Before each match one indexed read says whether they changed since the index was built
(`reputation_generations`, kept by triggers on every write). Only then is the index brought
up to date, once however many requests wait for it: patched with the rows of the
candidates that changed (the triggers log who, for statements of up to 2000 candidates: a
refresh of the ones new events touched), or built anew after a larger change (an import,
a promotion, the daily refresh) or when another scorer serves. Building and patching run
in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from uuid import UUID

from litestar.datastructures import State
from litestar.di import Provide

from scoring.reputation.model import Scorer
from service.db.connection import Connection
from service.matching.index import MatchIndex, build_index
from service.matching.patching import patch_index
from service.repo import calibration as calibration_repo
from service.repo import matching as repo
from service.reputation.scorers import Scorers

CACHE_SIZE = 64  # (organization, tier) indexes kept per process, least recently used out


async def base_rate_shift(conn: Connection, *, organization_id: UUID, model_version: str) -> float:
    """The recalibration the promoted model's scores are served with in the organization, as
    the refresher reads it for the rows it stores: the one place it plugs into matching.
    Read when an index is built or patched; storing a shift marks the organization for a
    refresh, whose new rows bring the index up to date (a shift other than the index's
    rebuilds it)."""
    return await calibration_repo.current_shift(
        conn, organization_id=organization_id, model_version=model_version
    )


class MatchIndexes:
    """The process's match indexes, least recently used out past `capacity`."""

    def __init__(self, capacity: int = CACHE_SIZE) -> None:
        self.capacity = capacity
        self._indexes: OrderedDict[tuple[UUID, str], MatchIndex] = OrderedDict()
        self._locks: dict[tuple[UUID, str], asyncio.Lock] = {}
        self.builds = 0  # indexes built from scratch, and patched: for tests and benches
        self.patches = 0

    def _cached(self, key: tuple[UUID, str], generation: int) -> MatchIndex | None:
        found = self._indexes.get(key)
        # An index built from a later generation than the caller read is as good.
        if found is None or found.generation < generation:
            return None
        self._indexes.move_to_end(key)
        return found

    async def current(
        self,
        conn: Connection,
        scorers: Scorers,
        *,
        organization_id: UUID,
        tier: str,
        generation: int,
    ) -> MatchIndex:
        """The index of at least `generation` (read by the caller just before): the cached
        one, patched with the candidates that changed since if the log still lists them,
        else built anew."""
        key = (organization_id, tier)
        found = self._cached(key, generation)
        if found is not None:
            return found
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one build per key at a time; the others wait and reuse it
            found = self._cached(key, generation)
            if found is not None:
                return found
            old = self._indexes.get(key)
            index = None
            if old is not None:
                index = await self._patched(conn, scorers, old, generation)
            if index is None:
                index = await self._built(conn, scorers, organization_id=organization_id, tier=tier)
            self._indexes[key] = index
            self._indexes.move_to_end(key)
            while len(self._indexes) > self.capacity:
                gone, _ = self._indexes.popitem(last=False)
                if not self._locks[gone].locked():
                    del self._locks[gone]
            return index

    @staticmethod
    async def _serving(
        conn: Connection, scorers: Scorers, organization_id: UUID
    ) -> tuple[Scorer | None, float]:
        promoted = await scorers.promoted(conn)
        if promoted is None:
            return None, 0.0
        shift = await base_rate_shift(
            conn, organization_id=organization_id, model_version=promoted.version
        )
        return promoted, shift

    async def _built(
        self, conn: Connection, scorers: Scorers, *, organization_id: UUID, tier: str
    ) -> MatchIndex:
        stored = await repo.match_rows(conn, organization_id=organization_id, tier=tier)
        promoted, shift = await self._serving(conn, scorers, organization_id)
        self.builds += 1
        return await asyncio.to_thread(
            build_index,
            organization_id,
            tier,
            stored.generation,
            stored.rows,
            promoted=promoted,
            shift=shift,
        )

    async def _patched(
        self, conn: Connection, scorers: Scorers, old: MatchIndex, generation: int
    ) -> MatchIndex | None:
        """`old` brought to `generation` by re-reading only the candidates that changed;
        None when it cannot be (see `patch_index`, `repo.changes`)."""
        org, tier = old.organization_id, old.tier
        changed = await repo.changes(
            conn, organization_id=org, tier=tier, after=old.generation, upto=generation
        )
        if not changed.complete:
            return None
        rows = []
        if changed.candidates:
            found = await repo.match_rows(
                conn, organization_id=org, tier=tier, candidates=changed.candidates
            )
            rows = found.rows
        promoted, shift = await self._serving(conn, scorers, org)
        patched = await asyncio.to_thread(
            patch_index, old, generation, rows, changed.candidates, promoted=promoted, shift=shift
        )
        if patched is not None:
            self.patches += 1
        return patched


def provide_match_indexes(state: State) -> MatchIndexes:
    """The app's indexes, made on first use (the API and the pages share them)."""
    found = state.get("match_indexes")
    if not isinstance(found, MatchIndexes):
        found = MatchIndexes()
        state["match_indexes"] = found
    return found


MATCHING = {"match_indexes": Provide(provide_match_indexes, sync_to_thread=False)}
