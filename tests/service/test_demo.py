"""`trialgate demo` on an empty database: trials, history, a model, and people who can sign in."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.service.test_reputation_model import run_cli


async def _counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {
            name: await conn.fetchval(sql)
            for name, sql in {
                "trials": "SELECT count(*) FROM trials",
                "actors": "SELECT count(*) FROM actors",
                "milestones": "SELECT count(*) FROM milestones",
                "models": "SELECT count(*) FROM model_versions WHERE promoted",
                "keys": "SELECT count(*) FROM api_keys",
            }.items()
        }
    finally:
        await conn.close()


def test_demo_loads_once_and_hands_out_working_keys_and_fresh_links(
    settings: Settings,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
):
    keys_file = tmp_path / "demo.json"
    code, out, err = run_cli(
        monkeypatch, capsys, isolated_database, "demo", "--keys-file", str(keys_file), "--json"
    )
    assert code == 0, err
    first = msgspec.json.decode(out)
    assert [p["role"] for p in first["people"]] == ["candidate", "client", "admin"]
    assert keys_file.stat().st_mode & 0o077 == 0  # keys readable by their owner only
    loaded = asyncio.run(_counts(isolated_database))
    assert loaded["trials"] == 6 and loaded["models"] == 1 and loaded["milestones"] > 1000

    code, out, err = run_cli(
        monkeypatch, capsys, isolated_database, "demo", "--keys-file", str(keys_file), "--json"
    )
    assert code == 0, err
    again = msgspec.json.decode(out)
    assert "already" in err
    assert asyncio.run(_counts(isolated_database)) == loaded  # nothing loaded twice, no new keys
    assert [p["key"] for p in again["people"]] == [p["key"] for p in first["people"]]
    assert all(
        a["sign_in_link"] != b["sign_in_link"]
        for a, b in zip(first["people"], again["people"], strict=True)
    )

    candidate, client, admin = ({"Authorization": f"Bearer {p['key']}"} for p in first["people"])
    app_settings = Settings(
        data_dir=settings.data_dir,
        database_url=isolated_database,
        docker_host=settings.docker_host,
        sandbox_pool_size=1,
    )
    with TestClient(create_app(app_settings, embedded_worker=False), timeout=60) as api:
        trials = api.get("/v1/trials", headers=candidate)
        assert trials.status_code == 200 and len(trials.json()["items"]) == 6
        # the client has an accepted, unrated milestone from a candidate with a history
        milestone = api.get("/v1/milestones/demo-milestone", headers=client).json()
        assert milestone["outcome"]["outcome"] == "accepted" and milestone["rating"] is None
        rated = api.post("/v1/milestones/demo-milestone/rating", json={"stars": 5}, headers=client)
        assert rated.status_code == 201, rated.text
        assert api.get("/v1/models", headers=admin).status_code == 200
