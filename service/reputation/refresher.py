"""The refresher loop: reputations kept current, and their calibration watched.

Single events mark their candidate dirty and the loop refreshes them within a second.
Once a day (when the oldest stored reputation is older than `FULL_REFRESH_AFTER`) it
refreshes everyone, so decay and trial windows move scores no event touched, and then
checks each organization's calibration on new outcomes, storing a base-rate shift when
it drifted (`service.reputation.calibration`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg

from service.db.connection import DATABASE_UNAVAILABLE
from service.repo import organizations as organizations_repo
from service.repo import reputation as repo
from service.reputation.calibration import recalibrate_if_drifted
from service.reputation.refresh import DIRTY_BATCH, FULL_REFRESH_AFTER, refresh
from service.reputation.scorers import Scorers

log = logging.getLogger("trialgate.reputation")


async def refresh_dirty(pool: asyncpg.Pool, scorers: Scorers, *, limit: int = DIRTY_BATCH) -> int:
    """Refresh candidates marked by single events; how many were refreshed."""
    async with pool.acquire() as conn, conn.transaction():
        ids = await repo.claim_dirty(conn, limit=limit)
        if ids:
            await refresh(conn, scorers, candidates=ids)
        return len(ids)


async def refresh_if_old(pool: asyncpg.Pool, scorers: Scorers) -> bool:
    """The daily pass: a full refresh when the oldest reputation is older than
    FULL_REFRESH_AFTER, then a calibration check per organization."""
    async with pool.acquire() as conn:
        oldest = await repo.oldest_computed(conn)
        if oldest is None or datetime.now(UTC) - oldest < FULL_REFRESH_AFTER:
            return False
        async with conn.transaction():
            await refresh(conn, scorers)
        # After the refresh, so the points it wrote are taken as served before any shift.
        for organization in await organizations_repo.list_organizations(conn):
            await recalibrate_if_drifted(
                conn, organization_id=organization.id, now=datetime.now(UTC)
            )
        return True


async def run_refresher(
    pool: asyncpg.Pool, scorers: Scorers, stop: asyncio.Event, *, poll_seconds: float = 1.0
) -> None:
    """Keep reputations current until `stop` is set; survives the database going away."""
    while not stop.is_set():
        done = 0
        try:
            done = await refresh_dirty(pool, scorers)
            if not done:
                await refresh_if_old(pool, scorers)
        except DATABASE_UNAVAILABLE as exc:
            log.warning("reputation refresh paused, database unavailable: %s", exc)
        except Exception:  # a bug must not stop the loop for good; it is logged and retried
            log.exception("reputation refresh failed")
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
