"""Bulk history import over HTTP and the CLI: idempotent, all or nothing, bad lines by number."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
    encode_event,
)
from scoring.simulator.simulate import MarketSpec, simulate
from service.cli import main as cli
from tests.service.conftest import Callers

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
NOW = datetime.now(UTC).replace(microsecond=0)


def jsonl(events: list[Event]) -> bytes:
    return b"".join(encode_event(e) + b"\n" for e in events)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def small_history(tag: str) -> list[Event]:
    """One candidate, one client, a trial and two milestones (one rated), all in the past."""
    cand, client = f"{tag}-cand", f"{tag}-client"
    return [
        CandidateJoined(id=cand, skills=("python",), at=days_ago(100)),
        ClientJoined(id=client, at=days_ago(100)),
        TrialResult(
            candidate=cand,
            trial="not-a-package-here",
            skills=("python",),
            score=0.9,
            verdict="partial",
            at=days_ago(90),
        ),
        MilestoneOpened(
            id=f"{tag}-m1",
            candidate=cand,
            client=client,
            tier="standard",
            skills=("python",),
            amount=500.0,
            due=days_ago(70),
            at=days_ago(80),
        ),
        MilestoneOutcome(milestone=f"{tag}-m1", outcome="accepted", on_time=True, at=days_ago(72)),
        Rating(milestone=f"{tag}-m1", stars=5, quality=5, at=days_ago(71)),
        MilestoneOpened(
            id=f"{tag}-m2",
            candidate=cand,
            client=client,
            tier="basic",
            skills=("python",),
            amount=150.0,
            due=days_ago(40),
            at=days_ago(50),
        ),
        MilestoneOutcome(milestone=f"{tag}-m2", outcome="disputed", on_time=False, at=days_ago(30)),
    ]


def post_import(api: TestClient, callers: Callers, body: bytes, *, skip_bad: bool = False) -> dict:
    response = api.post(
        "/v1/events:import",
        content=body,
        params={"skip_bad": "true"} if skip_bad else {},
        headers={**callers.platform.headers, "Content-Type": "application/x-ndjson"},
    )
    return {"status": response.status_code, **response.json()}


async def count_rows(url: str, tag: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {
            "actors": await conn.fetchval(
                "SELECT count(*) FROM actors WHERE external_ref LIKE $1", f"{tag}-%"
            ),
            "milestones": await conn.fetchval(
                "SELECT count(*) FROM milestones WHERE external_ref LIKE $1", f"{tag}-%"
            ),
            "trials": await conn.fetchval(
                "SELECT count(*) FROM trial_results t JOIN actors a ON a.id = t.candidate_id "
                "WHERE a.external_ref LIKE $1",
                f"{tag}-%",
            ),
        }
    finally:
        await conn.close()


async def test_an_import_stores_every_event_and_refreshes_reputations(
    api: TestClient, callers: Callers, database_url: str
):
    tag = f"imp-{uuid4().hex[:8]}"
    report = post_import(api, callers, jsonl(small_history(tag)))
    assert report["status"] == 200, report
    assert report["imported"] == {
        "candidates": 1,
        "clients": 1,
        "trial_results": 1,
        "milestones": 2,
        "outcomes": 2,
        "ratings": 1,
    }
    assert report["unchanged"] == 0
    assert report["skipped"] == []
    assert report["refreshed"] >= 1
    assert await count_rows(database_url, tag) == {"actors": 2, "milestones": 2, "trials": 1}

    found = api.get(
        "/v1/candidates", params={"external_ref": f"{tag}-cand"}, headers=callers.admin.headers
    ).json()["items"]
    reputation = api.get(
        f"/v1/candidates/{found[0]['id']}/reputation", headers=callers.client.headers
    ).json()
    assert reputation["evidence"] == 1 + 2 + 1  # a trial, two finished milestones, a rating
    assert reputation["source"] == "prior" and "prior" in reputation["note"]


async def test_importing_the_same_file_again_changes_nothing(
    api: TestClient, callers: Callers, database_url: str
):
    tag = f"idem-{uuid4().hex[:8]}"
    body = jsonl(small_history(tag))
    assert post_import(api, callers, body)["status"] == 200
    before = await count_rows(database_url, tag)
    again = post_import(api, callers, body)
    assert again["status"] == 200
    assert sum(again["imported"].values()) == 0
    assert again["unchanged"] == 8
    assert await count_rows(database_url, tag) == before


async def test_a_file_with_bad_lines_is_refused_whole_with_each_line_and_reason(
    api: TestClient, callers: Callers, database_url: str
):
    tag = f"bad-{uuid4().hex[:8]}"
    lines = jsonl(small_history(tag)).splitlines()
    lines.insert(
        2, b'{"type": "rating", "milestone": "nowhere", "stars": 4, "at": "2024-01-01T00:00:00Z"}'
    )
    lines.insert(4, b"{not json")
    lines.append(
        encode_event(
            TrialResult(
                candidate=f"{tag}-cand",
                trial="t",
                score=0.5,
                verdict="partial",
                at=NOW + timedelta(days=3),
            )
        )
    )
    lines.append(b'{"type": "rating", "milestone": "x", "stars": 9, "at": "2024-01-01T00:00:00Z"}')
    report = post_import(api, callers, b"\n".join(lines) + b"\n")
    assert report["status"] == 422
    assert report["title"] == "Import refused"
    by_line = {item["line"]: item for item in report["lines"]}
    assert set(by_line) == {3, 5, 11, 12}
    assert by_line[3]["code"] == "unknown_reference" and by_line[3]["field"] == "milestone"
    assert by_line[5]["code"] == "invalid_line"
    assert by_line[11]["code"] == "future_event" and by_line[11]["field"] == "at"
    assert by_line[12]["field"] == "stars"
    assert report["bad_lines"] == 4
    assert report["errors"][0]["field"].startswith("line 3")
    assert await count_rows(database_url, tag) == {"actors": 0, "milestones": 0, "trials": 0}


async def test_skip_bad_imports_the_good_lines_and_drops_what_depends_on_bad_ones(
    api: TestClient, callers: Callers, database_url: str
):
    tag = f"skip-{uuid4().hex[:8]}"
    events = small_history(tag)
    lines = jsonl(events).splitlines()
    lines[1] = b'{"type": "client", "id": 42}'  # the client is unreadable ...
    report = post_import(api, callers, b"\n".join(lines), skip_bad=True)
    assert report["status"] == 200, report
    # ... so both milestones and what follows them are dropped, the trial is kept
    assert {p["line"] for p in report["skipped"]} == {2, 4, 5, 6, 7, 8}
    assert report["imported"]["candidates"] == 1 and report["imported"]["trial_results"] == 1
    assert await count_rows(database_url, tag) == {"actors": 1, "milestones": 0, "trials": 1}


def test_the_same_id_with_other_content_is_a_conflict_line(api: TestClient, callers: Callers):
    tag = f"conf-{uuid4().hex[:8]}"
    events = small_history(tag)
    assert post_import(api, callers, jsonl(events))["status"] == 200
    changed = msgspec.structs.replace(events[4], outcome="cancelled")
    report = post_import(api, callers, jsonl([changed]))
    assert report["status"] == 422
    assert report["lines"] == [
        {
            "line": 1,
            "code": "conflict",
            "reason": f"milestone `{tag}-m1` already has another outcome",
            "field": "milestone",
        }
    ]


def test_lines_may_refer_to_actors_registered_over_the_api_by_external_ref_or_uuid(
    api: TestClient, callers: Callers
):
    tag = f"ref-{uuid4().hex[:8]}"
    cand = api.post(
        "/v1/candidates",
        json={"external_ref": f"{tag}-cand", "skills": ["go"]},
        headers=callers.platform.headers,
    ).json()
    client = api.post("/v1/clients", json={}, headers=callers.platform.headers).json()
    events: list[Event] = [
        CandidateJoined(id=f"{tag}-cand", skills=("rust",), at=days_ago(20)),
        TrialResult(
            candidate=cand["id"],
            trial="t-go",
            skills=("go",),
            score=1.0,
            verdict="accepted",
            at=days_ago(10),
        ),
        MilestoneOpened(
            id=f"{tag}-m",
            candidate=f"{tag}-cand",
            client=client["id"],
            tier="standard",
            amount=100.0,
            due=days_ago(1),
            at=days_ago(5),
        ),
    ]
    report = post_import(api, callers, jsonl(events))
    assert report["status"] == 200, report
    assert report["imported"]["candidates"] == 1 and report["imported"]["milestones"] == 1
    again = api.get(f"/v1/candidates/{cand['id']}", headers=callers.admin.headers).json()
    assert sorted(again["skills"]) == ["go", "rust"]


def test_only_admins_and_platforms_import(api: TestClient, callers: Callers):
    for caller in (callers.client, callers.candidate):
        response = api.post("/v1/events:import", content=b"", headers=caller.headers)
        assert response.status_code == 403


def test_the_cli_simulates_and_imports_and_reports_bad_lines_by_file_and_line(
    tmp_path: Path,
    isolated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("DATABASE_URL", isolated_database)
    market = tmp_path / "market.jsonl"
    argv = ["simulate", "--out", str(market), "--candidates", "30", "--clients", "8"]
    assert cli([*argv, "--milestones", "200", "--seed", "4"]) == 0
    lines = market.read_bytes().splitlines()
    assert len(lines) > 500
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join([*lines[:3], b'{"type": "nope"}', *lines[3:]]))
    # the installed console script, as an operator runs it
    done = subprocess.run(
        [TRIALGATE, "events", "import", str(broken)],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": isolated_database},
    )
    assert done.returncode == 2
    assert f"{broken}:4: unknown event type" in done.stderr
    capsys.readouterr()
    assert cli(["events", "import", str(market), "--json"]) == 0
    report = msgspec.json.decode(capsys.readouterr().out)
    assert report["lines"] == len(lines) and report["imported"]["candidates"] == 30
    assert report["refreshed"] == 30


def test_a_simulated_market_round_trips_through_the_store(api: TestClient, callers: Callers):
    market = simulate(MarketSpec(n_candidates=20, n_clients=6, n_milestones=150, seed=11))
    # ids of a simulated market are fixed; make them this test's own
    tag = uuid4().hex[:6]
    body = (
        jsonl(list(market.events))
        .replace(b'"c0', f'"{tag}c0'.encode())
        .replace(b'"k0', f'"{tag}k0'.encode())
        .replace(b'"m0', f'"{tag}m0'.encode())
    )
    report = post_import(api, callers, body)
    assert report["status"] == 200, report
    assert sum(report["imported"].values()) == report["lines"] == len(market.events)
