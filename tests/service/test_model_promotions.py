"""Promoting a stored model version and rolling back, over the API and the command line:
the serving version changes, everyone is re-scored with it before the answer, another
process's scorer picks it up on its next pass, and every change is audited (training's
own promotions too). Refused changes change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from scoring.reputation.model_store import TrainedModel, dump_model, load_model
from service.app import create_app
from service.db.pool import init_connection
from service.repo.models import insert_version
from service.reputation.scorers import Scorers
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.service.test_events_import import jsonl
from tests.service.test_reputation_model import MARKET, candidate_id, market, run_cli
from tests.support import Caller, new_caller

__all__ = ["market"]  # a fixture used below


class Keys(msgspec.Struct, frozen=True, kw_only=True):
    admin: Caller
    platform: Caller


class Versions(msgspec.Struct, frozen=True, kw_only=True):
    first: str  # trained first: promoted, as nothing served
    second: str  # trained with another seed: promoted only if it beat the first


@pytest.fixture(scope="module")
async def registry_db(admin_url: str) -> AsyncIterator[str]:
    """A database of this module's own: promotions re-score everyone in it."""
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def keys(registry_db: str) -> Keys:
    conn = await asyncpg.connect(registry_db)
    try:
        return Keys(
            admin=await new_caller(conn, "admin", None, "ops"),
            platform=await new_caller(conn, "platform", None, "marketplace"),
        )
    finally:
        await conn.close()


def import_market(client: TestClient, admin: Caller, events: bytes) -> None:
    response = client.post("/v1/events:import", content=events, headers=admin.headers)
    assert response.status_code == 200, response.text


def train(client: TestClient, admin: Caller, seed: int) -> dict:
    response = client.post("/v1/models:train", params={"seed": seed}, headers=admin.headers)
    assert response.status_code == 200, response.text
    report: dict = response.json()
    assert report["trained"] is True, report
    return report


def serving_version(client: TestClient, admin: Caller) -> str | None:
    models = client.get("/v1/models", headers=admin.headers).json()
    promoted = [m["version"] for m in models if m["promoted"]]
    assert len(promoted) <= 1
    return promoted[0] if promoted else None


def promotions(client: TestClient, admin: Caller, **params: str) -> list[dict]:
    response = client.get("/v1/models/promotions", params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    found: list[dict] = response.json()
    return found


def the_other(versions: Versions, serving: str | None) -> str:
    return versions.second if serving == versions.first else versions.first


@pytest.fixture(scope="module")
def service(settings: Settings, registry_db: str, keys: Keys, market) -> Iterator[TestClient]:
    app_settings = Settings(
        data_dir=settings.data_dir, database_url=registry_db, docker_host=settings.docker_host
    )
    with TestClient(create_app(app_settings, embedded_worker=False), timeout=120) as client:
        import_market(client, keys.admin, jsonl(list(market.events)))
        yield client


@pytest.fixture(scope="module")
def first(service: TestClient, keys: Keys) -> dict:
    report = train(service, keys.admin, 0)
    assert report["promoted"] is True, report
    return report


@pytest.fixture(scope="module")
def versions(service: TestClient, keys: Keys, first: dict) -> Versions:
    second = train(service, keys.admin, 7)
    assert second["version"] != first["version"]
    return Versions(first=first["version"], second=second["version"])


def test_training_audits_its_promotion_and_one_served_version_has_nothing_to_roll_back_to(
    service: TestClient, keys: Keys, first: dict
):
    [trained] = promotions(service, keys.admin)
    assert trained["kind"] == "training"
    assert (trained["from_version"], trained["to_version"]) == (None, first["version"])
    assert trained["changed_by"] == str(keys.admin.key_id)
    assert trained["note"] == first["decision"]

    refused = service.post("/v1/models:rollback", json={}, headers=keys.admin.headers)
    assert refused.status_code == 409, refused.text
    assert "nothing to roll back" in refused.json()["detail"]
    assert serving_version(service, keys.admin) == first["version"]
    assert len(promotions(service, keys.admin)) == 1


async def test_an_admin_promotes_a_stored_version_and_everyone_is_rescored_with_it(
    service: TestClient, keys: Keys, versions: Versions, registry_db: str
):
    before = serving_version(service, keys.admin)
    chosen = the_other(versions, before)
    # another process (a worker, another replica) holding the serving model in memory
    conn = await asyncpg.connect(registry_db)
    await init_connection(conn)
    elsewhere = Scorers()
    try:
        held = await elsewhere.promoted(conn)
        assert held is not None and held.version == before

        response = service.post(
            f"/v1/models/{chosen}/promote",
            json={"note": "better calibrated on recent work"},
            headers=keys.admin.headers,
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["serving"] == chosen
        assert report["refreshed"] >= MARKET.n_candidates
        done = report["promotion"]
        assert done["kind"] == "promotion"
        assert (done["from_version"], done["to_version"]) == (before, chosen)
        assert done["changed_by"] == str(keys.admin.key_id)
        assert done["note"] == "better calibrated on recent work"

        assert serving_version(service, keys.admin) == chosen
        ident = candidate_id(service, keys.admin.headers, "c000001")
        reputation = service.get(
            f"/v1/candidates/{ident}/reputation", headers=keys.admin.headers
        ).json()
        assert reputation["model_version"] == chosen and reputation["source"] == "model"
        # the next time the other process scores, it asks which version serves and loads it
        picked = await elsewhere.promoted(conn)
        assert picked is not None and picked.version == chosen
    finally:
        await conn.close()

    assert promotions(service, keys.admin)[0] == done
    assert promotions(service, keys.admin, version=chosen)[0] == done
    assert all(
        chosen in (p["from_version"], p["to_version"])
        for p in promotions(service, keys.admin, version=chosen)
    )


def test_rolling_back_serves_the_previous_version_again_and_twice_returns(
    service: TestClient, keys: Keys, versions: Versions
):
    start = serving_version(service, keys.admin)
    chosen = the_other(versions, start)
    promoted = service.post(f"/v1/models/{chosen}/promote", json={}, headers=keys.admin.headers)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["promotion"]["note"] is None

    why = "w" * 2000  # the longest note there may be
    back = service.post("/v1/models:rollback", json={"note": why}, headers=keys.admin.headers)
    assert back.status_code == 200, back.text
    report = back.json()
    assert report["serving"] == start
    assert report["promotion"]["kind"] == "rollback"
    assert (report["promotion"]["from_version"], report["promotion"]["to_version"]) == (
        chosen,
        start,
    )
    assert report["promotion"]["note"] == why
    ident = candidate_id(service, keys.admin.headers, "c000002")
    reputation = service.get(f"/v1/candidates/{ident}/reputation", headers=keys.admin.headers)
    assert reputation.json()["model_version"] == start

    again = service.post("/v1/models:rollback", json={}, headers=keys.admin.headers)
    assert again.status_code == 200, again.text
    assert again.json()["serving"] == chosen
    assert serving_version(service, keys.admin) == chosen
    kinds = [p["kind"] for p in promotions(service, keys.admin)[:3]]
    assert kinds == ["rollback", "rollback", "promotion"]


def test_refused_changes_change_nothing(service: TestClient, keys: Keys, versions: Versions):
    admin = keys.admin.headers
    before = (serving_version(service, keys.admin), promotions(service, keys.admin))
    serving = before[0]
    assert serving is not None
    other = the_other(versions, serving)

    unknown = service.post("/v1/models/gbm-000000000000/promote", json={}, headers=admin)
    assert unknown.status_code == 404 and unknown.json()["field"] == "version", unknown.text
    already = service.post(f"/v1/models/{serving}/promote", json={}, headers=admin)
    assert already.status_code == 409 and already.json()["field"] == "version", already.text
    for note in ("x" * 2001, "before\x00after"):
        for path in (f"/v1/models/{other}/promote", "/v1/models:rollback"):
            bad = service.post(path, json={"note": note}, headers=admin)
            assert bad.status_code == 400 and bad.json()["field"] == "note", bad.text
    stray = service.post(f"/v1/models/{other}/promote", json={"why": "x"}, headers=admin)
    assert stray.status_code == 400, stray.text
    bodiless = service.post(f"/v1/models/{other}/promote", headers=admin)
    assert bodiless.status_code == 400, bodiless.text
    for caller in (keys.platform,):
        for path in (f"/v1/models/{other}/promote", "/v1/models:rollback"):
            assert service.post(path, json={}, headers=caller.headers).status_code == 403
        assert service.get("/v1/models/promotions", headers=caller.headers).status_code == 403

    assert (serving_version(service, keys.admin), promotions(service, keys.admin)) == before


async def test_a_version_this_code_cannot_serve_is_refused(
    service: TestClient, keys: Keys, versions: Versions, registry_db: str
):
    """A version trained on another code's features (stored before an upgrade) stays listed,
    but promoting it would let the prior serve silently: refused, with the reason."""
    conn = await asyncpg.connect(registry_db)
    await init_connection(conn)
    try:
        stored = await conn.fetchval(
            "SELECT model FROM model_versions WHERE version = $1", versions.first
        )
        model = load_model(stored)
        old = TrainedModel(
            meta=msgspec.structs.replace(
                model.meta, version="gbm-oldfeatures0", feature_version="f0-retired"
            ),
            estimator=model.estimator,
        )
        await insert_version(
            conn,
            version=old.version,
            model=dump_model(old),
            meta={"feature_version": "f0-retired"},
            metrics={"roc_auc": 0.5},
            compared_with=None,
            compared_metrics=None,
            promoted=False,
            decision="not promoted: trained by an older release",
        )
    finally:
        await conn.close()
    before = (serving_version(service, keys.admin), promotions(service, keys.admin))
    refused = service.post(f"/v1/models/{old.version}/promote", json={}, headers=keys.admin.headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "version" and "f0-retired" in refused.json()["detail"]
    assert (serving_version(service, keys.admin), promotions(service, keys.admin)) == before


def test_the_command_line_promotes_and_rolls_back_with_no_key_in_the_audit(
    service: TestClient,
    keys: Keys,
    versions: Versions,
    registry_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    start = serving_version(service, keys.admin)
    assert start is not None
    chosen = the_other(versions, start)

    code, out, err = run_cli(
        monkeypatch, capsys, registry_db, "model", "promote", chosen, "--note", "from the shell"
    )
    assert code == 0, err
    assert out.startswith(f"promoted {chosen} (serving before: {start}); ")
    assert "candidates re-scored with it" in out
    assert serving_version(service, keys.admin) == chosen
    latest = promotions(service, keys.admin)[0]
    assert (latest["kind"], latest["changed_by"], latest["note"]) == (
        "promotion",
        None,
        "from the shell",
    )
    ident = candidate_id(service, keys.admin.headers, "c000003")
    reputation = service.get(f"/v1/candidates/{ident}/reputation", headers=keys.admin.headers)
    assert reputation.json()["model_version"] == chosen

    code, out, err = run_cli(monkeypatch, capsys, registry_db, "model", "rollback", "--json")
    assert code == 0, err
    report = msgspec.json.decode(out)
    assert report["serving"] == start and report["promotion"]["kind"] == "rollback"
    assert report["promotion"]["changed_by"] is None and report["promotion"]["note"] is None
    assert serving_version(service, keys.admin) == start

    before = promotions(service, keys.admin)
    code, _, err = run_cli(monkeypatch, capsys, registry_db, "model", "promote", start)
    assert code == 1 and "already serving" in err
    code, _, err = run_cli(monkeypatch, capsys, registry_db, "model", "promote", "gbm-nothing")
    assert code == 1 and "No model version 'gbm-nothing'" in err
    code, _, err = run_cli(
        monkeypatch, capsys, registry_db, "model", "promote", chosen, "--note", "n" * 2001
    )
    assert code == 2 and "--note" in err
    assert promotions(service, keys.admin) == before
    assert serving_version(service, keys.admin) == start
