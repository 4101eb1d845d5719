"""`POST /v1/matches`: an organization's candidates ranked by their chance on one milestone,
as the model itself would score each of them from the whole history, and nothing stored.

The module has a database of its own: a simulated market imported into organization A and
a smaller one into B, then a model trained and promoted (which re-scores everyone). No
refresher runs behind the app, so reputations change only when a test refreshes them.
The reference for every ranking is computed here from the history, as the refresher does
(`candidate_features` with the milestone's skills, tier and amount, then
`score_candidates`), never from what matching stores or caches.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
import numpy as np
import pytest
from litestar.testing import TestClient

from scoring.reputation.datasets import candidate_features
from scoring.reputation.features import COL, FEATURE_NAMES
from scoring.reputation.history import build_index
from scoring.reputation.model import Scorer, feature_config, predict_proba, score_candidates
from scoring.reputation.model_store import load_model
from scoring.reputation.prior import fit_prior, prior_posterior
from scoring.simulator.simulate import Market, MarketSpec, simulate
from service.app import create_app
from service.db.pool import init_connection, open_connection
from service.matching.cache import MatchIndexes
from service.matching.index import MatchIndex
from service.matching.priors import rebuild_prior
from service.matching.ranking import rank
from service.repo import calibration as calibration_repo
from service.repo import matching as matching_repo
from service.repo import models as models_repo
from service.repo.history import load_events
from service.reputation.scorers import Scorers, prior_for
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.service.test_events_import import jsonl
from tests.support import Caller, TwoOrganizations, new_caller, two_organizations

MARKET_A = MarketSpec(n_candidates=120, n_clients=30, n_milestones=1200, seed=11)
MARKET_B = MarketSpec(n_candidates=25, n_clients=8, n_milestones=250, seed=12)
TIER = "standard"


World = TwoOrganizations


@pytest.fixture(scope="module")
async def match_db(admin_url: str) -> AsyncIterator[str]:
    """A database of this module's own: training here must not move other tests' scores."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def world(match_db: str) -> World:
    conn = await asyncpg.connect(match_db)
    try:
        return await two_organizations(conn, prefix="m")
    finally:
        await conn.close()


def _import(api: TestClient, admin: Caller, market: Market, slug: str) -> None:
    response = api.post(
        "/v1/events:import",
        params={"organization": slug},
        content=jsonl(list(market.events)),
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def service(settings: Settings, match_db: str, world: World) -> Iterator[TestClient]:
    """The API over the module's database: both markets in, a model promoted."""
    app_settings = Settings(
        data_dir=settings.data_dir, database_url=match_db, docker_host=settings.docker_host
    )
    with TestClient(create_app(app_settings, embedded_worker=False), timeout=120) as api:
        _import(api, world.admin, simulate(MARKET_A), world.a_slug)
        _import(api, world.admin, simulate(MARKET_B), world.b_slug)
        trained = api.post("/v1/models:train", headers=world.admin.headers)
        assert trained.status_code == 200, trained.text
        report = trained.json()
        if not report["promoted"]:  # it must beat the prior by more than noise; serve it anyway
            promoted = api.post(
                f"/v1/models/{report['version']}/promote", json={}, headers=world.admin.headers
            )
            assert promoted.status_code == 200, promoted.text
        yield api


def match(api: TestClient, caller: Caller, **body: Any) -> dict:
    response = api.post(
        "/v1/matches", json={"tier": TIER, "amount": 800, **body}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    found: dict = response.json()
    return found


def ids(answer: dict) -> list[UUID]:
    return [UUID(m["candidate_id"]) for m in answer["matches"]]


class Exact(msgspec.Struct, frozen=True, kw_only=True):
    score: float  # as score_candidates stores it: 0-100, one decimal
    p: float  # the probability it rounds


async def _exact(
    url: str, organization_id: UUID, *, skills: list[str], amount: float, tier: str = TIER
) -> dict[UUID, Exact]:
    """Every scored candidate's chance on the milestone, from the organization's history:
    as of the moment their reputation was computed, by the scorer serving then."""
    conn = await open_connection(url)
    try:
        events = await load_events(conn, organization_id)
        stored = await conn.fetch(
            "SELECT r.candidate_id, r.as_of FROM reputations r JOIN actors a "
            "ON a.id = r.candidate_id WHERE a.organization_id = $1 AND r.tier = $2",
            organization_id,
            tier,
        )
        version = await models_repo.promoted_version(conn)
        data = await models_repo.model_bytes(conn, version=version) if version else None
        shift = (
            await calibration_repo.current_shift(
                conn, organization_id=organization_id, model_version=version
            )
            if version
            else 0.0
        )
    finally:
        await conn.close()
    index = build_index(events)
    model = load_model(data) if data is not None else None
    by_time: dict[datetime, list[UUID]] = defaultdict(list)
    for row in stored:
        by_time[row["as_of"]].append(row["candidate_id"])
    out: dict[UUID, Exact] = {}
    for as_of, candidates in by_time.items():
        scorer: Scorer = model if model is not None else prior_for(index, as_of)
        features = candidate_features(
            index,
            [str(c) for c in candidates],
            as_of=as_of,
            tier=tier,
            skills=skills,
            amount=amount,
            config=feature_config(scorer),
        )
        moved = shift if model is not None else 0.0  # as the refresher applies it
        reputations = score_candidates(scorer, features, shift=moved)
        proba = predict_proba(scorer, np.array([f.values for f in features]), shift=moved)
        for c, rep, p in zip(candidates, reputations, proba, strict=True):
            out[c] = Exact(score=rep.score, p=float(p))
    return out


def exact(url: str, organization_id: UUID, **kwargs: Any) -> dict[UUID, Exact]:
    return asyncio.run(_exact(url, organization_id, **kwargs))


# Stored per-skill records keep 6 decimals (`SkillScore`), so a chance rebuilt from them can
# differ from the history's own by about 1e-7: candidates closer than that may swap.
CLOSE = 1e-6


def assert_agrees(
    answer: dict, expected: dict[UUID, Exact], *, excluded: frozenset[UUID] = frozenset()
) -> None:
    """The answer is the top of the model's own order, with the model's own chances."""
    order = ids(answer)
    assert order, "nothing ranked"
    # Each chance is the model's, to the 0.1 point both are rounded to.
    for m in answer["matches"]:
        assert abs(m["chance"] - expected[UUID(m["candidate_id"])].score) <= 0.1 + 1e-9, m
    # Best first, by the exact probability.
    p = [expected[c].p for c in order]
    assert all(x >= y - CLOSE for x, y in itertools.pairwise(p)), p
    # Nobody left out ranks above the last one shown.
    shown = set(order)
    rest = [e.p for c, e in expected.items() if c not in shown and c not in excluded]
    assert not rest or max(rest) <= p[-1] + CLOSE


def test_the_ranking_is_the_models_own_order_and_chances(
    service: TestClient, world: World, match_db: str
):
    for skills, amount in ((["python"], 800.0), ([], 500.0), (["python", "sql"], 5000.0)):
        answer = match(service, world.platform, skills=skills, amount=amount, limit=100)
        assert answer["source"] == "model" and answer["unscored"] == 0
        assert answer["ranked"] == len(exact(match_db, world.a, skills=skills, amount=amount))
        assert len(answer["matches"]) == 100
        assert [m["rank"] for m in answer["matches"]] == list(range(1, 101))
        assert_agrees(answer, exact(match_db, world.a, skills=skills, amount=amount))


def test_the_skills_asked_for_change_the_order_where_records_differ(
    service: TestClient, world: World, match_db: str
):
    orders = {}
    for skill in ("python", "go", "react"):
        answer = match(service, world.platform, skills=[skill], limit=100)
        assert_agrees(answer, exact(match_db, world.a, skills=[skill], amount=800))
        orders[skill] = ids(answer)
    assert len({tuple(o) for o in orders.values()}) == 3, "the skill asked for changed nothing"


def test_the_amount_moves_chances_exactly_as_the_model_does(
    service: TestClient, world: World, match_db: str
):
    answers, expected = {}, {}
    for amount in (50.0, 50_000.0):
        answers[amount] = match(
            service, world.platform, skills=["python"], amount=amount, limit=100
        )
        expected[amount] = exact(match_db, world.a, skills=["python"], amount=amount)
        assert_agrees(answers[amount], expected[amount])
    moved = any(abs(expected[50.0][c].p - expected[50_000.0][c].p) > 1e-9 for c in expected[50.0])
    small = {m["candidate_id"]: m["chance"] for m in answers[50.0]["matches"]}
    large = {m["candidate_id"]: m["chance"] for m in answers[50_000.0]["matches"]}
    same = [c for c in small if c in large]
    assert same
    # The model reads log(1 + amount) or leaves it out: matching follows either way.
    assert any(small[c] != large[c] for c in same) == moved


def test_limit_and_exclude(service: TestClient, world: World, match_db: str):
    default = match(service, world.platform, skills=["python"])
    assert len(default["matches"]) == 10
    top = ids(default)
    assert ids(match(service, world.platform, skills=["python"], limit=1)) == top[:1]
    left = match(service, world.platform, skills=["python"], exclude=[str(c) for c in top[:3]])
    assert ids(left)[:7] == top[3:]
    assert left["ranked"] == default["ranked"] - 3
    assert_agrees(
        left, exact(match_db, world.a, skills=["python"], amount=800), excluded=frozenset(top[:3])
    )
    # Another organization's candidates and ids nobody has change nothing.
    theirs = ids(match(service, world.other_platform, limit=5))
    unknown = [str(uuid4()) for _ in range(50)]
    same = match(
        service, world.platform, skills=["python"], exclude=[str(c) for c in theirs] + unknown
    )
    assert ids(same) == top and same["ranked"] == default["ranked"]


def test_only_the_callers_organization_is_ranked(service: TestClient, world: World, match_db: str):
    a_ids = set(exact(match_db, world.a, skills=[], amount=800))
    b_ids = set(exact(match_db, world.b, skills=[], amount=800))
    assert a_ids and b_ids and not a_ids & b_ids
    for caller in (world.platform, world.client):
        assert set(ids(match(service, caller, limit=100))) <= a_ids
    theirs = match(service, world.other_platform, limit=100)
    assert set(ids(theirs)) == b_ids and theirs["organization_id"] == str(world.b)
    # Admins name the organization; by default, the default one (nobody here).
    named = match(service, world.admin, organization=world.b_slug, limit=100)
    assert set(ids(named)) == b_ids
    assert match(service, world.admin)["matches"] == []
    refused = service.post(
        "/v1/matches",
        json={"tier": TIER, "amount": 1, "organization": world.b_slug},
        headers=world.platform.headers,
    )
    assert refused.status_code == 422 and refused.json()["field"] == "organization"
    unknown = service.post(
        "/v1/matches",
        json={"tier": TIER, "amount": 1, "organization": "no-such-org"},
        headers=world.admin.headers,
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "organization"


def test_candidates_and_strangers_may_not_match(service: TestClient, world: World):
    body = {"tier": TIER, "amount": 100}
    assert (
        service.post("/v1/matches", json=body, headers=world.candidate.headers).status_code == 403
    )
    assert service.post("/v1/matches", json=body).status_code == 401
    # Refused at the door, before the body is read.
    bad = service.post("/v1/matches", json={"nonsense": 1}, headers=world.candidate.headers)
    assert bad.status_code == 403


GOOD = {"tier": TIER, "amount": 800, "skills": ["python"], "limit": 5, "exclude": []}
BAD: list[tuple[dict[str, Any], str]] = [
    ({"skills": ["x"] * 33}, "skills"),
    ({"skills": "python"}, "skills"),
    ({"skills": [""]}, "skills[0]"),
    ({"skills": ["python", "x" * 65]}, "skills[1]"),
    ({"skills": ["py\x00thon"]}, "skills[0]"),
    ({"skills": ["py\nthon"]}, "skills[0]"),
    ({"skills": [7]}, "skills[0]"),
    ({"tier": ""}, "tier"),
    ({"tier": "t" * 65}, "tier"),
    ({"tier": "stan\x00dard"}, "tier"),
    ({"tier": None}, "tier"),
    ({"amount": -1}, "amount"),
    ({"amount": 1e9 + 1}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"limit": 2.5}, "limit"),
    ({"exclude": [str(uuid4()) for _ in range(1001)]}, "exclude"),
    ({"exclude": ["not-a-uuid"]}, "exclude[0]"),
    ({"exclude": str(uuid4())}, "exclude"),
    ({"organization": "Not A Slug"}, "organization"),
    ({"extra": True}, "extra"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_every_bad_input_is_refused_naming_its_field(
    service: TestClient, world: World, change: dict[str, Any], field: str
):
    response = service.post("/v1/matches", json=GOOD | change, headers=world.platform.headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field, problem


def test_missing_fields_and_what_json_cannot_carry_are_refused(service: TestClient, world: World):
    for missing in ("tier", "amount"):
        body = {k: v for k, v in GOOD.items() if k != missing}
        response = service.post("/v1/matches", json=body, headers=world.platform.headers)
        assert response.status_code == 400 and response.json()["field"] == missing
    # Not JSON at all (JSON has no NaN or infinity, and 1e999 is no double): refused by the
    # decoder as every endpoint's body is, before any field is read.
    headers = world.platform.headers | {"Content-Type": "application/json"}
    for raw in (
        b'{"tier": "standard", "amount": NaN}',
        b'{"tier": "standard", "amount": Infinity}',
        b'{"tier": "standard", "amount": 1e999}',
        b'{"tier": "standard", "amount": -1e999}',
    ):
        response = service.post("/v1/matches", content=raw, headers=headers)
        assert response.status_code == 400, raw
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_tier_without_a_policy_is_refused_as_an_eligibility_question_is(
    service: TestClient, world: World
):
    body = {"tier": "no-such-tier", "amount": 100}
    refused = service.post("/v1/matches", json=body, headers=world.platform.headers)
    asked = service.post(
        "/v1/eligibility",
        json={"candidate": "c000001", "tier": "no-such-tier"},
        headers=world.platform.headers,
    )
    assert refused.status_code == asked.status_code == 422
    assert refused.json()["field"] == asked.json()["field"] == "tier"


async def _decisions(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM eligibility_decisions"))
    finally:
        await conn.close()


def test_eligibility_is_the_eligibility_answer_and_a_match_stores_no_decision(
    service: TestClient, world: World, match_db: str
):
    for tier, skills in ((TIER, ["python"]), ("entry", ["python", "sql"]), ("expert", [])):
        before = asyncio.run(_decisions(match_db))
        answer = match(service, world.platform, tier=tier, skills=skills, limit=8)
        assert asyncio.run(_decisions(match_db)) == before, "a match stored a decision"
        for m in answer["matches"]:
            asked = service.post(
                "/v1/eligibility",
                json={"candidate": m["candidate_id"], "tier": tier, "skills": skills},
                headers=world.platform.headers,
            )
            assert asked.status_code == 200, asked.text
            decision = asked.json()
            assert m["eligibility"]["eligible"] == decision["eligible"]
            assert [f["message"] for f in m["eligibility"]["failed"]] == [
                r["message"] for r in decision["reasons"]
            ]
            assert m["eligibility"]["policy_version"] == decision["policy_version"]


def test_reasons_and_intervals_come_with_each_match(service: TestClient, world: World):
    answer = match(service, world.platform, skills=["python"], limit=20)
    assert any(m["reasons"] for m in answer["matches"])
    for m in answer["matches"]:
        assert m["interval"]["lower"] <= m["chance"] <= m["interval"]["upper"]
        assert m["interval"]["level"] == 0.9
        assert m["source"] == "model" and m["model_version"].startswith(("lin-", "gbm-"))
        for r in m["reasons"]:
            assert r["direction"] == ("raises" if r["effect"] > 0 else "lowers")
        effects = [abs(r["effect"]) for r in m["reasons"]]
        assert effects == sorted(effects, reverse=True)


def refresh_everyone(api: TestClient, world: World) -> None:
    refreshed = api.post(
        "/v1/reputations:refresh", params={"all": "true"}, headers=world.admin.headers
    )
    assert refreshed.status_code == 200, refreshed.text


def _milestones(
    api: TestClient,
    platform: Caller,
    client: Caller,
    candidate: UUID,
    outcome: str,
    count: int,
    skills: tuple[str, ...] = ("python",),
) -> None:
    """`count` finished milestones of the candidate with the client, long enough ago to be
    labelled (opened 60 days ago, due 5 days later)."""
    headers = platform.headers
    for _ in range(count):
        engagement = api.post(
            "/v1/engagements",
            json={"client": str(client.actor_id), "candidate": str(candidate)},
            headers=headers,
        )
        assert engagement.status_code == 201, engagement.text
        opened = datetime.now(UTC) - timedelta(days=60)
        made = api.post(
            "/v1/milestones",
            json={
                "engagement": engagement.json()["id"],
                "tier": TIER,
                "skills": list(skills),
                "amount": 900,
                "due": (opened + timedelta(days=5)).isoformat(),
                "at": opened.isoformat(),
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
        done = api.post(
            f"/v1/milestones/{made.json()['id']}/outcome",
            json={"outcome": outcome, "on_time": False},
            headers=headers,
        )
        assert done.status_code == 201, done.text


def test_the_index_follows_a_refresh_that_changes_scores(
    service: TestClient, world: World, match_db: str
):
    before = match(service, world.platform, skills=["python"], limit=100)
    top = ids(before)[0]
    _milestones(service, world.platform, world.client, top, "disputed", 4)
    refreshed = service.post("/v1/reputations:refresh", headers=world.admin.headers)
    assert refreshed.status_code == 200 and refreshed.json()["candidates"] >= 1
    after = match(service, world.platform, skills=["python"], limit=100)
    was = before["matches"][0]["chance"]
    now = {UUID(m["candidate_id"]): m["chance"] for m in after["matches"]}
    assert now.get(top, 0.0) < was
    # A refresh of the candidates events touched leaves the others' rows as the history
    # stood before (the market's rates moved a little); re-scored together, every row is
    # the history's of now, and so is the ranking.
    refresh_everyone(service, world)
    everyone = match(service, world.platform, skills=["python"], limit=100)
    assert_agrees(everyone, exact(match_db, world.a, skills=["python"], amount=800))


async def _spoil(url: str, organization_id: UUID) -> tuple[UUID, UUID]:
    """One stored row from before matching (no feature row), one of a model that does not
    serve: the first two candidates by id."""
    conn = await asyncpg.connect(url)
    try:
        first, second = [
            r["id"]
            for r in await conn.fetch(
                "SELECT a.id FROM actors a JOIN reputations r ON r.candidate_id = a.id "
                "WHERE a.organization_id = $1 AND r.tier = $2 ORDER BY a.id LIMIT 2",
                organization_id,
                TIER,
            )
        ]
        await conn.execute(
            "UPDATE reputations SET features = '{}' WHERE candidate_id = $1 AND tier = $2",
            first,
            TIER,
        )
        await conn.execute(
            "UPDATE reputations SET model_version = 'lin-000000000000' "
            "WHERE candidate_id = $1 AND tier = $2",
            second,
            TIER,
        )
        await conn.execute(
            "INSERT INTO reputation_dirty (candidate_id) VALUES ($1), ($2)", first, second
        )
        return first, second
    finally:
        await conn.close()


def test_rows_no_serving_scorer_stored_are_left_out_and_counted(
    service: TestClient, world: World, match_db: str
):
    whole = match(service, world.platform, limit=100)
    spoiled = set(asyncio.run(_spoil(match_db, world.a)))
    answer = match(service, world.platform, limit=100)
    assert answer["unscored"] == 2 and answer["ranked"] == whole["ranked"] - 2
    assert not spoiled & set(ids(answer))
    # The refresher replaces them; then they rank again.
    assert service.post("/v1/reputations:refresh", headers=world.admin.headers).status_code == 200
    mended = match(service, world.platform, limit=100)
    assert mended["unscored"] == 0 and mended["ranked"] == whole["ranked"]


async def test_one_build_serves_requests_that_arrive_together(match_db: str, world: World):
    indexes, scorers = MatchIndexes(), Scorers()
    real = indexes._built

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)  # long enough for every request to queue behind it
        return await real(*args, **kwargs)

    indexes._built = slow  # type: ignore[method-assign]
    pool = await asyncpg.create_pool(match_db, min_size=1, max_size=8, init=init_connection)
    try:

        async def one() -> int:
            async with pool.acquire() as conn:
                state = await matching_repo.match_state(conn, organization_id=world.b, tier=TIER)
                built = await indexes.current(
                    conn, scorers, organization_id=world.b, tier=TIER, generation=state.generation
                )
                return len(built)

        sizes = await asyncio.gather(*(one() for _ in range(8)))
    finally:
        await pool.close()
    assert indexes.builds == 1 and len(set(sizes)) == 1 and sizes[0] > 0


async def _index(url: str, indexes: MatchIndexes, organization_id: UUID) -> MatchIndex:
    conn = await open_connection(url)
    try:
        state = await matching_repo.match_state(conn, organization_id=organization_id, tier=TIER)
        return await indexes.current(
            conn, Scorers(), organization_id=organization_id, tier=TIER, generation=state.generation
        )
    finally:
        await conn.close()


async def _drop_reputation(url: str, candidate: UUID) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "DELETE FROM reputations WHERE candidate_id = $1 AND tier = $2", candidate, TIER
        )
        await conn.execute("INSERT INTO reputation_dirty (candidate_id) VALUES ($1)", candidate)
    finally:
        await conn.close()


def _same_ranking(patched: MatchIndex, built: MatchIndex) -> None:
    assert patched.ids == built.ids and patched.unscored == built.unscored
    for skills, amount in (
        (["python"], 800.0),
        ([], 50.0),
        (["go", "sql", "rust"], 9000.0),
        (["cobol", "python"], 700.0),
    ):
        a = rank(patched, skills=skills, amount=amount, limit=100, exclude=[])
        b = rank(built, skills=skills, amount=amount, limit=100, exclude=[])
        assert [patched.ids[i] for i in a.positions] == [built.ids[i] for i in b.positions]
        assert np.allclose(a.chances, b.chances, rtol=0, atol=1e-12)
        assert a.reasons == b.reasons and a.intervals == b.intervals


def test_a_refresh_of_a_few_candidates_patches_the_index_as_a_build_would(
    service: TestClient, world: World, match_db: str
):
    indexes = MatchIndexes()
    before = asyncio.run(_index(match_db, indexes, world.a))
    changed = list(before.ids[10:13])
    _milestones(service, world.platform, world.client, changed[0], "accepted", 2)
    _milestones(service, world.platform, world.client, changed[1], "disputed", 1)
    asyncio.run(_drop_reputation(match_db, changed[2]))  # gone, then back after the refresh
    newcomer = service.post(
        "/v1/candidates",
        json={"external_ref": f"new-{uuid4().hex[:6]}", "skills": ["python", "elixir"]},
        headers=world.platform.headers,
    )
    assert newcomer.status_code == 201
    gone = asyncio.run(_index(match_db, indexes, world.a))
    assert changed[2] not in gone.position and indexes.patches == 1
    assert service.post("/v1/reputations:refresh", headers=world.admin.headers).status_code == 200
    after = asyncio.run(_index(match_db, indexes, world.a))
    assert indexes.builds == 1 and indexes.patches == 2  # patched twice, never rebuilt
    assert UUID(newcomer.json()["id"]) in after.position and changed[2] in after.position
    _same_ranking(after, asyncio.run(_index(match_db, MatchIndexes(), world.a)))
    # The same candidates re-scored, one of them now with a skill nobody here had: every row
    # stays where it is.
    _milestones(service, world.platform, world.client, changed[0], "accepted", 1)
    _milestones(service, world.platform, world.client, changed[1], "accepted", 1, ("cobol",))
    assert service.post("/v1/reputations:refresh", headers=world.admin.headers).status_code == 200
    again = asyncio.run(_index(match_db, indexes, world.a))
    assert indexes.builds == 1 and indexes.patches == 3 and again.ids is after.ids
    assert "cobol" in again.table.skills
    _same_ranking(again, asyncio.run(_index(match_db, MatchIndexes(), world.a)))
    refresh_everyone(service, world)
    assert_agrees(
        match(service, world.platform, skills=["python"], limit=100),
        exact(match_db, world.a, skills=["python"], amount=800),
    )


async def _store_shift(url: str, organization_id: UUID, shift: float) -> None:
    conn = await open_connection(url)
    try:
        version = await models_repo.promoted_version(conn)
        assert version is not None
        await calibration_repo.insert_shift(
            conn,
            organization_id=organization_id,
            model_version=version,
            shift=shift,
            outcomes=100,
            predicted=0.6,
            observed=0.5,
            reason="a test's recalibration",
            created_at=datetime.now(UTC),
            created_by=None,
        )
    finally:
        await conn.close()


def test_a_stored_base_rate_shift_moves_matches_as_it_moves_stored_scores(
    service: TestClient, world: World, match_db: str
):
    before = match(service, world.other_platform, skills=["python"], limit=100)
    asyncio.run(_store_shift(match_db, world.b, -0.7))
    refresh_everyone(service, world)
    after = match(service, world.other_platform, skills=["python"], limit=100)
    assert_agrees(after, exact(match_db, world.b, skills=["python"], amount=800))
    was = {m["candidate_id"]: m["chance"] for m in before["matches"]}
    assert all(m["chance"] < was[m["candidate_id"]] for m in after["matches"])
    assert ids(after) == ids(before)  # a shift of the base rate keeps the order


# --- the prior ---------------------------------------------------------------------------


def test_while_the_prior_serves_each_row_is_scored_by_the_prior_that_stored_it(
    settings: Settings, isolated_database: str
):
    """After a refresh of one candidate, rows of two prior versions are stored; both rank,
    each chance as its own prior gives it."""

    async def keys() -> tuple[Caller, Caller]:
        conn = await asyncpg.connect(isolated_database)
        try:
            return (
                await new_caller(conn, "admin", None, "ops"),
                await new_caller(conn, "platform", None, "p"),
            )
        finally:
            await conn.close()

    admin, platform = asyncio.run(keys())
    app_settings = Settings(
        data_dir=settings.data_dir, database_url=isolated_database, docker_host=settings.docker_host
    )
    with TestClient(create_app(app_settings, embedded_worker=False), timeout=120) as api:
        market = simulate(MarketSpec(n_candidates=40, n_clients=10, n_milestones=400, seed=5))
        assert (
            api.post(
                "/v1/events:import", content=jsonl(list(market.events)), headers=admin.headers
            ).status_code
            == 200
        )
        org = asyncio.run(_default_org(isolated_database))
        first = match(api, platform, skills=["python"], limit=100)
        assert first["source"] == "prior" and "prior" in first["note"]
        assert_agrees(first, exact(isolated_database, org, skills=["python"], amount=800))
        # One more labelled milestone for one candidate: a new population rate, a new version.
        candidate = ids(first)[5]
        client = asyncio.run(_a_client(isolated_database))
        _milestones(api, platform, client, candidate, "accepted", 1)
        assert api.post("/v1/reputations:refresh", headers=admin.headers).status_code == 200
        versions = asyncio.run(_versions(isolated_database))
        assert len(versions) == 2 and all(v.startswith("prior-") for v in versions)
        second = match(api, platform, skills=["python"], limit=100)
        assert second["unscored"] == 0 and second["ranked"] == first["ranked"]
        assert {m["model_version"] for m in second["matches"]} == versions
        assert_agrees(second, exact(isolated_database, org, skills=["python"], amount=800))


async def _default_org(url: str) -> UUID:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT id FROM organizations WHERE slug = 'default'")
    finally:
        await conn.close()


async def _a_client(url: str) -> Caller:
    conn = await asyncpg.connect(url)
    try:
        return await new_caller(conn, "client", "client", "Initech")
    finally:
        await conn.close()


async def _versions(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT model_version FROM reputations WHERE tier = $1", TIER
        )
        return {r["model_version"] for r in rows}
    finally:
        await conn.close()


@pytest.mark.parametrize("labelled", [0, 1, 150, 979, 980, 4321, 250_000])
def test_a_prior_is_rebuilt_from_its_version(labelled: int):
    features = _rows(np.random.default_rng(labelled))
    for good in sorted({0, labelled // 3, labelled // 2, labelled}):
        labels = np.zeros(labelled, dtype=np.int8)
        labels[:good] = 1
        truth = fit_prior(labels)
        scores = np.round(prior_posterior(truth, features)[0] * 100.0, 1)
        rebuilt = rebuild_prior(truth.version, features, scores)
        assert rebuilt is not None and rebuilt.version == truth.version
        if labelled < 980:
            assert rebuilt == truth  # one count of good milestones prints this rate
        else:  # a few do: the stored scores choose, and any of them is this close
            assert abs(rebuilt.population_good - truth.population_good) <= 0.0005
            mean = prior_posterior(rebuilt, features)[0]
            assert np.abs(mean * 100.0 - scores).max() <= 0.1 + 1e-9
    assert rebuild_prior("lin-0123456789ab", features, np.zeros(len(features))) is None
    assert rebuild_prior("prior-10-0.999", features, np.zeros(len(features))) is None


def _rows(rng: np.random.Generator) -> np.ndarray:
    """Feature rows of candidates with some evidence, as a prior reads them."""
    rows = np.zeros((80, len(FEATURE_NAMES)))
    rows[:, COL["outcome_evidence"]] = rng.uniform(0, 30, 80)
    rows[:, COL["good_share"]] = rng.uniform(0.2, 0.9, 80)
    rows[:, COL["rating_evidence"]] = rng.uniform(0, 20, 80)
    rows[:, COL["rating_rel"]] = rng.uniform(-0.5, 0.5, 80)
    rows[:, COL["trial_count"]] = rng.integers(0, 6, 80)
    rows[:, COL["trial_mean"]] = rng.uniform(0.3, 1.0, 80)
    rows[:, COL["market_rate"]] = 0.55
    rows[:, COL["tier_rate"]] = rng.choice([0.45, 0.55, 0.62], 80)  # three tiers
    return rows
