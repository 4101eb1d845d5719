"""The model in the service: the prior until training, promotion only of a better model,
reputations served and exported, monotone in the evidence and blind to the future."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from uuid import UUID

import asyncpg
import msgspec
import numpy as np
import pytest
from litestar.testing import TestClient

from scoring.reputation.datasets import candidate_features
from scoring.reputation.events import (
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
)
from scoring.reputation.history import build_index
from scoring.simulator.simulate import START, Market, MarketSpec, simulate
from service.app import create_app
from service.auth import create_key
from service.cli import main as cli
from service.db.pool import init_connection
from service.repo.history import load_events
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.service.test_events_import import days_ago, jsonl, small_history

MARKET = MarketSpec(
    n_candidates=300, n_clients=60, n_milestones=5000, seed=3, ring=True, ring_milestones=60
)
# A history whose outcomes say nothing about who delivered them (see `_noise`): no model
# can beat the prior there, so none may replace it.
NOISE_MARKET = MarketSpec(n_candidates=150, n_clients=40, n_milestones=3000, seed=3, ring=False)


def _noise(events: Sequence[Event]) -> list[Event]:
    """The market with its outcomes and ratings dealt out again at random: the same
    milestones, times and rates of success, but nothing left to learn about anyone."""
    rng = np.random.default_rng(0)
    outcomes = [e for e in events if isinstance(e, MilestoneOutcome)]
    ratings = [e for e in events if isinstance(e, Rating)]
    dealt_outcomes = iter(rng.permutation(len(outcomes)).tolist())
    dealt_stars = iter(rng.permutation(len(ratings)).tolist())
    out: list[Event] = []
    for event in events:
        if isinstance(event, MilestoneOutcome):
            other = outcomes[next(dealt_outcomes)]
            dealt: Event = msgspec.structs.replace(
                event, outcome=other.outcome, on_time=other.on_time
            )
        elif isinstance(event, Rating):
            stars = ratings[next(dealt_stars)].stars
            dealt = msgspec.structs.replace(event, stars=stars, quality=None)
        else:
            dealt = event
        out.append(dealt)
    return out


@pytest.fixture(scope="module")
def market() -> Market:
    return simulate(MARKET)


@pytest.fixture(scope="module")
async def model_db(admin_url: str) -> AsyncIterator[str]:
    """A database of this module's own: training here must not change other tests' scores."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def admin(model_db: str) -> dict[str, str]:
    conn = await asyncpg.connect(model_db)
    try:
        key, _ = await create_key(conn, role="admin", actor_id=None, name="ops")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def service(
    settings: Settings, model_db: str, admin: dict[str, str], market: Market
) -> Iterator[TestClient]:
    """The API on the module's database with the simulated market imported."""
    app_settings = Settings(
        data_dir=settings.data_dir, database_url=model_db, docker_host=settings.docker_host
    )
    with TestClient(create_app(app_settings, embedded_worker=False), timeout=120) as client:
        response = client.post(
            "/v1/events:import", content=jsonl(list(market.events)), headers=admin
        )
        assert response.status_code == 200, response.text
        yield client


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = cli(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def trained(service: TestClient, admin: dict[str, str]) -> dict:
    response = service.post("/v1/models:train", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def candidate_id(service: TestClient, admin: dict[str, str], ref: str) -> str:
    found = service.get("/v1/candidates", params={"external_ref": ref}, headers=admin).json()
    return found["items"][0]["id"]


def test_before_enough_history_the_prior_serves_and_says_so(
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
):
    history = tmp_path / "small.jsonl"
    history.write_bytes(jsonl(small_history("few")))
    code, _, err = run_cli(monkeypatch, capsys, isolated_database, "events", "import", str(history))
    assert code == 0, err
    code, out, err = run_cli(monkeypatch, capsys, isolated_database, "model", "train", "--json")
    assert code == 0, err
    report = msgspec.json.decode(out)
    assert report["trained"] is False and report["promoted"] is False
    assert report["required"] == 200 and report["labelled"] < 200
    assert report["serving"].startswith("prior-")
    code, out, _ = run_cli(monkeypatch, capsys, isolated_database, "reputation", "export", "--json")
    rows = [msgspec.json.decode(line) for line in out.splitlines()]
    assert {r["external_ref"] for r in rows} == {"few-cand"}
    assert all(r["source"] == "prior" and "prior" in r["note"] for r in rows)


def test_a_model_that_does_not_beat_the_prior_as_served_does_not_replace_it(
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
):
    history = tmp_path / "early.jsonl"
    history.write_bytes(jsonl(_noise(simulate(NOISE_MARKET).events)))
    code, _, err = run_cli(monkeypatch, capsys, isolated_database, "events", "import", str(history))
    assert code == 0, err
    code, out, err = run_cli(monkeypatch, capsys, isolated_database, "model", "train", "--json")
    assert code == 0, err
    report = msgspec.json.decode(out)
    assert report["trained"] is True and report["promoted"] is False, report
    assert report["serving"].startswith("prior-") and report["compared_with"] == report["serving"]
    assert "beyond the noise" in report["decision"] or "ranks worse" in report["decision"]
    code, out, _ = run_cli(monkeypatch, capsys, isolated_database, "reputation", "export", "--json")
    assert all(msgspec.json.decode(line)["source"] == "prior" for line in out.splitlines())


def test_training_promotes_a_first_model_with_its_hold_out_metrics(
    service: TestClient, admin: dict[str, str], trained: dict
):
    assert trained["trained"] is True and trained["promoted"] is True, trained
    assert trained["decision"].startswith("promoted: beats the serving scorer as served")
    assert trained["compared_with"].startswith("prior-")  # the prior served until now
    metrics, prior = trained["metrics"], trained["compared_metrics"]
    assert 0.5 < metrics["roc_auc"] <= 1.0
    assert 0.0 < metrics["brier"] < 0.25 and 0.0 <= metrics["ece"] < 0.2
    # judged as served, beside the prior on the same later milestones
    assert metrics["n"] == prior["n"] >= 100 and metrics["brier"] < prior["brier"]
    assert trained["holdout_metrics"]["n"] == trained["n_holdout"] >= 100
    assert trained["serving"] == trained["version"]
    models = service.get("/v1/models", headers=admin).json()
    assert [(m["version"], m["promoted"]) for m in models] == [(trained["version"], True)]


def test_reputations_come_from_the_promoted_model_with_interval_skills_and_reasons(
    service: TestClient, admin: dict[str, str], trained: dict
):
    ident = candidate_id(service, admin, "c000001")
    reputation = service.get(f"/v1/candidates/{ident}/reputation", headers=admin).json()
    assert reputation["source"] == "model" and "note" not in reputation
    assert reputation["model_version"] == trained["version"]
    assert (
        0
        <= reputation["interval"]["lower"]
        <= reputation["score"]
        <= reputation["interval"]["upper"]
        <= 100
    )
    assert reputation["evidence"] > 0 and reputation["per_skill"]
    assert all(r["code"] and r["text"] for r in reputation["reasons"])
    expert = service.get(
        f"/v1/candidates/{ident}/reputation", params={"tier": "expert"}, headers=admin
    ).json()
    assert expert["tier"] == "expert"
    missing = service.get(
        f"/v1/candidates/{ident}/reputation", params={"tier": "no-policy"}, headers=admin
    )
    assert missing.status_code == 404 and missing.json()["field"] == "tier"


def test_training_again_promotes_only_a_model_that_beats_the_serving_one(
    service: TestClient,
    admin: dict[str, str],
    trained: dict,
    model_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    code, out, err = run_cli(monkeypatch, capsys, model_db, "model", "train", "--json")
    assert code == 0, err
    same = msgspec.json.decode(out)
    assert same["promoted"] is False and same["decision"].startswith("unchanged")

    code, out, err = run_cli(
        monkeypatch, capsys, model_db, "model", "train", "--json", "--seed", "7"
    )
    assert code == 0, err
    other = msgspec.json.decode(out)
    assert other["version"] != trained["version"]
    assert other["compared_with"] == trained["version"]
    # judged on the very same later milestones as the serving model; the same recipe on the
    # same history scores the same, so it cannot beat the serving one beyond the noise
    assert other["compared_metrics"]["n"] == other["metrics"]["n"]
    assert other["promoted"] is False
    assert "not better than the serving scorer beyond the noise" in other["decision"]
    models = service.get("/v1/models", headers=admin).json()
    assert sum(m["promoted"] for m in models) == 1
    serving = other["version"] if other["promoted"] else trained["version"]
    assert other["serving"] == serving


def test_export_lists_every_candidate_and_tier(
    service: TestClient,
    trained: dict,
    model_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    code, out, _ = run_cli(
        monkeypatch, capsys, model_db, "reputation", "export", "--json", "--tier", "standard"
    )
    assert code == 0
    rows = [msgspec.json.decode(line) for line in out.splitlines()]
    assert {f"c{n:06d}" for n in range(MARKET.n_candidates)} <= {r["external_ref"] for r in rows}
    assert {r["tier"] for r in rows} == {"standard"}
    assert all(r["source"] == "model" for r in rows)
    code, out, _ = run_cli(monkeypatch, capsys, model_db, "reputation", "export")
    table = out.splitlines()
    assert table[0].startswith("candidate_id\t") and len(table) == 1 + 3 * len(rows)


def _twins(tag: str, stars: tuple[int, int]) -> list[Event]:
    """Two candidates with the same history except the rating of their one milestone."""
    events: list[Event] = [ClientJoined(id=f"{tag}-k", at=days_ago(200))]
    for twin, star in zip(("a", "b"), stars, strict=True):
        cand = f"{tag}-{twin}"
        events += [
            small_history(cand)[0],
            MilestoneOpened(
                id=f"{cand}-m",
                candidate=f"{cand}-cand",
                client=f"{tag}-k",
                tier="standard",
                skills=("python",),
                amount=400.0,
                due=days_ago(20),
                at=days_ago(40),
            ),
            MilestoneOutcome(
                milestone=f"{cand}-m", outcome="accepted", on_time=True, at=days_ago(25)
            ),
            Rating(milestone=f"{cand}-m", stars=star, quality=star, at=days_ago(24)),
        ]
    return events


def test_a_better_rating_never_lowers_the_served_reputation(
    service: TestClient, admin: dict[str, str], trained: dict
):
    for low, high in ((3, 5), (1, 4), (4, 5)):
        tag = f"twin{low}{high}"
        response = service.post(
            "/v1/events:import", content=jsonl(_twins(tag, (high, low))), headers=admin
        )
        assert response.status_code == 200, response.text
        better = candidate_id(service, admin, f"{tag}-a-cand")
        worse = candidate_id(service, admin, f"{tag}-b-cand")
        for tier in ("entry", "standard", "expert"):
            scores = [
                service.get(
                    f"/v1/candidates/{c}/reputation", params={"tier": tier}, headers=admin
                ).json()
                for c in (better, worse)
            ]
            assert scores[0]["source"] == "model"
            assert scores[0]["score"] >= scores[1]["score"], (tier, low, high, scores)


async def test_the_stored_history_reproduces_point_in_time_features(
    service: TestClient, model_db: str, market: Market
):
    """Features as of a past instant, read back from PostgreSQL (which now holds later events
    too), equal those computed from the file cut at that instant: nothing from the future leaks."""
    conn = await asyncpg.connect(model_db)
    try:
        await init_connection(conn)
        stored = await load_events(conn, None)
        refs = {
            r["external_ref"]: str(r["id"])
            for r in await conn.fetch(
                "SELECT id, external_ref FROM actors WHERE kind = 'candidate'"
            )
        }
    finally:
        await conn.close()
    cut = START + timedelta(days=400)
    past = build_index(e for e in market.events if e.at < cut)
    who = [c for c in past.candidate_ids if c in refs]
    assert len(who) > 50
    from_file = candidate_features(past, who, as_of=cut)
    from_store = candidate_features(build_index(stored), [refs[c] for c in who], as_of=cut)
    for a, b in zip(from_file, from_store, strict=True):
        assert a.evidence == b.evidence
        np.testing.assert_allclose(a.values, b.values, rtol=1e-9, atol=1e-9)
        assert [s.skill for s in a.per_skill] == [s.skill for s in b.per_skill]
    assert UUID(from_store[0].candidate)


def _trial_twins(tag: str, scores: tuple[float, float]) -> list[Event]:
    events: list[Event] = []
    for twin, score in zip(("a", "b"), scores, strict=True):
        cand = f"{tag}-{twin}-cand"
        events += [
            small_history(f"{tag}-{twin}")[0],
            TrialResult(
                candidate=cand,
                trial="py",
                skills=("python",),
                score=score,
                verdict="partial",
                at=days_ago(15),
            ),
        ]
    return events


@pytest.mark.parametrize(("low", "high"), [(0.2, 0.6), (0.6, 0.95), (0.0, 1.0)])
def test_a_better_trial_score_never_lowers_the_served_reputation(
    service: TestClient, admin: dict[str, str], trained: dict, low: float, high: float
):
    tag = f"trial{int(low * 100)}-{int(high * 100)}"
    response = service.post(
        "/v1/events:import", content=jsonl(_trial_twins(tag, (high, low))), headers=admin
    )
    assert response.status_code == 200, response.text
    better = candidate_id(service, admin, f"{tag}-a-cand")
    worse = candidate_id(service, admin, f"{tag}-b-cand")
    for tier in ("entry", "standard", "expert"):
        a, b = (
            service.get(
                f"/v1/candidates/{c}/reputation", params={"tier": tier}, headers=admin
            ).json()
            for c in (better, worse)
        )
        assert a["source"] == "model"
        assert a["score"] >= b["score"], (tier, a, b)
        skill_a = {s["skill"]: s["score"] for s in a["per_skill"]}
        skill_b = {s["skill"]: s["score"] for s in b["per_skill"]}
        assert skill_a["python"] >= skill_b["python"]


def test_gradient_boosting_is_trained_on_request_and_judged_the_same_way(
    service: TestClient, admin: dict[str, str], trained: dict
):
    wrong = service.post("/v1/models:train", params={"kind": "forest"}, headers=admin)
    assert wrong.status_code == 400 and "kind" in wrong.text, wrong.text
    report = service.post("/v1/models:train", params={"kind": "gbm"}, headers=admin).json()
    assert report["version"].startswith("gbm-"), report
    assert report["compared_metrics"]["n"] == report["metrics"]["n"] > 0
    assert report["decision"].startswith(
        "promoted: beats" if report["promoted"] else "not promoted"
    )
