"""Questions asked at the same moment share the database work, never each other's answers."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from litestar.testing import TestClient

from service.db.pool import create_pool
from service.eligibility.answers import Question
from service.eligibility.batching import DecisionBatcher
from service.errors import UnprocessableError
from tests.service.conftest import Callers
from tests.service.test_eligibility_rules import imported_candidate, put_policy, tier_name


async def test_concurrent_questions_each_get_their_own_stored_decision(
    api: TestClient, callers: Callers, database_url: str
):
    platform, admin = callers.platform.key_id, callers.admin.key_id
    strict, lenient = tier_name(), tier_name()
    put_policy(api, callers, strict, {"min_score": 100, "no_open_disputes": False})
    put_policy(api, callers, lenient, {"no_open_disputes": False})
    first, second = imported_candidate(api, callers), imported_candidate(api, callers)
    questions = [
        (Question(candidate=first, tier=strict, skills=("python",), scope=None), platform),
        (Question(candidate=second, tier=lenient, skills=(), scope=None), admin),
        (Question(candidate="nobody-here", tier=lenient, skills=(), scope=None), platform),
        (Question(candidate=first, tier="no-such-tier", skills=(), scope=None), platform),
        (Question(candidate=first, tier=lenient, skills=("sql",), scope=None), admin),
    ]
    pool = await create_pool(database_url)
    batcher = DecisionBatcher(pool)
    try:
        answers = await asyncio.gather(
            *(batcher.decide(q, requested_by=who) for q, who in questions),
            return_exceptions=True,
        )
    finally:
        await batcher.close()
        await pool.close()

    refused_strict, admitted, no_candidate, no_tier, admitted_again = answers
    assert isinstance(no_candidate, UnprocessableError) and no_candidate.field == "candidate"
    assert isinstance(no_tier, UnprocessableError) and no_tier.field == "tier"
    decided = [refused_strict, admitted, admitted_again]
    assert not refused_strict.eligible and {r.code for r in refused_strict.reasons} == {
        "score_below_minimum"
    }
    assert admitted.eligible and admitted_again.eligible
    assert [d.external_ref for d in decided] == [first, second, first]
    assert [d.tier for d in decided] == [strict, lenient, lenient]
    assert [d.skills for d in decided] == [["python"], [], ["sql"]]
    assert [d.requested_by for d in decided] == [
        platform,
        admin,
        admin,
    ]

    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetch(
            "SELECT id, eligible, tier, requested_by FROM eligibility_decisions "
            "WHERE id = ANY($1::uuid[])",
            [d.id for d in decided],
        )
    finally:
        await conn.close()
    assert {(r["id"], r["eligible"], r["tier"], r["requested_by"]) for r in stored} == {
        (d.id, d.eligible, d.tier, d.requested_by) for d in decided
    }


async def test_a_batch_that_cannot_reach_the_database_fails_its_questions_instead_of_hanging(
    api: TestClient, callers: Callers, database_url: str
):
    platform = callers.platform.key_id
    tier = tier_name()
    put_policy(api, callers, tier, {})
    candidate = imported_candidate(api, callers)
    pool = await create_pool(database_url)
    batcher = DecisionBatcher(pool)
    await pool.close()  # its pool is gone: every question must fail, none may hang
    with pytest.raises(asyncpg.InterfaceError):
        await asyncio.wait_for(
            batcher.decide(
                Question(candidate=candidate, tier=tier, skills=(), scope=None),
                requested_by=platform,
            ),
            timeout=30,
        )


async def test_questions_asked_one_after_another_are_each_answered(
    api: TestClient, callers: Callers, database_url: str
):
    """A caller that asks again the moment its answer arrives must find a batch to join."""
    platform = callers.platform.key_id
    tier = tier_name()
    put_policy(api, callers, tier, {"no_open_disputes": False})
    question = Question(
        candidate=imported_candidate(api, callers), tier=tier, skills=(), scope=None
    )
    pool = await create_pool(database_url)
    batcher = DecisionBatcher(pool)
    try:
        # asked from this very task (no wait_for: a new task would start a loop turn late)
        async with asyncio.timeout(30):
            answers = [await batcher.decide(question, requested_by=platform) for _ in range(5)]
    finally:
        await batcher.close()
        await pool.close()
    assert len({a.id for a in answers}) == 5


async def test_the_batchers_generic_plans_stay_on_its_own_connection(
    api: TestClient, callers: Callers, database_url: str
):
    tier = tier_name()
    put_policy(api, callers, tier, {"no_open_disputes": False})
    question = Question(
        candidate=imported_candidate(api, callers), tier=tier, skills=(), scope=None
    )
    pool = await create_pool(database_url, max_size=2)
    batcher = DecisionBatcher(pool)
    try:
        await batcher.decide(question, requested_by=callers.platform.key_id)
        async with pool.acquire() as other:  # the pool's other connection
            assert await other.fetchval("SHOW plan_cache_mode") == "auto"
        await batcher.close()
        async with pool.acquire() as first, pool.acquire() as second:  # both, the held one too
            assert {await c.fetchval("SHOW plan_cache_mode") for c in (first, second)} == {"auto"}
    finally:
        await batcher.close()
        await pool.close()
