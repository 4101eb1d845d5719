"""A candidate's score over time: drawn back from an imported history, point in time."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from litestar.testing import TestClient

from scoring.reputation.events import CandidateJoined, TrialResult
from service.reputation.refresh import BACKFILL_STEP, DEFAULT_TIER
from tests.service.conftest import Callers
from tests.service.test_events_import import days_ago, jsonl, post_import


async def _points(database_url: str, ref: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(
            "SELECT h.score, h.computed_at FROM reputation_history h "
            "JOIN actors a ON a.id = h.candidate_id "
            "WHERE a.external_ref = $1 AND h.tier = $2 ORDER BY h.computed_at",
            ref,
            DEFAULT_TIER,
        )
    finally:
        await conn.close()


async def test_an_imported_history_draws_past_scores_from_only_the_events_before_each(
    api: TestClient, callers: Callers, database_url: str
):
    ref = f"hist-{datetime.now(UTC).timestamp():.0f}"
    joined, trials_at = 200, 45  # days ago
    twin = f"{ref}-twin"  # joined with them, and nothing else: the market alone moves it
    history = [
        CandidateJoined(id=ref, skills=("python",), at=days_ago(joined)),
        CandidateJoined(id=twin, skills=("python",), at=days_ago(joined)),
        *(
            TrialResult(
                candidate=ref,
                trial=f"t{n}",
                skills=("python",),
                score=1.0,
                verdict="accepted",
                at=days_ago(trials_at),
            )
            for n in range(4)
        ),
    ]
    assert post_import(api, callers, jsonl(history))["status"] == 200
    points = await _points(database_url, ref)
    *past, current = points
    *twin_past, twin_current = await _points(database_url, twin)
    # one point per step while the candidate was known, then the score at import time
    assert len(past) == len(twin_past) == joined // BACKFILL_STEP.days
    now = datetime.now(UTC)
    assert all(p["computed_at"] < current["computed_at"] <= now for p in past)
    before_trials = [
        (p["score"], t["score"])
        for p, t in zip(past, twin_past, strict=True)
        if (now - p["computed_at"]).days > trials_at
    ]
    after_trials = [
        (p["score"], t["score"])
        for p, t in zip(past, twin_past, strict=True)
        if (now - p["computed_at"]).days < trials_at
    ]
    # nothing of their own had happened yet: at every point before the trials they score as
    # the twin does (the market's own rates may move both) ...
    assert before_trials and all(mine == theirs for mine, theirs in before_trials)
    # ... and the passed trials then raised them above the twin
    assert after_trials and all(mine > theirs for mine, theirs in after_trials)
    assert current["score"] > twin_current["score"]

    # importing the same history again draws nothing twice
    assert post_import(api, callers, jsonl(history))["status"] == 200
    assert len(await _points(database_url, ref)) == len(points)
