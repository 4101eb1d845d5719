"""Single events over HTTP: engagements, milestones, outcomes, ratings; and graded trials."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar.testing import TestClient

from tests.service.conftest import Callers
from tests.service.test_api_roles import wait_graded
from tests.support import STARTER_LRU


def engagement(api: TestClient, callers: Callers, *, client_ref: str | None = None) -> dict:
    cand = api.post(
        "/v1/candidates",
        json={"external_ref": f"ev-{uuid4().hex[:10]}", "skills": ["python"]},
        headers=callers.platform.headers,
    ).json()
    response = api.post(
        "/v1/engagements",
        json={
            "id": f"eng-{uuid4().hex[:10]}",
            "client": client_ref or str(callers.client.actor_id),
            "candidate": cand["external_ref"],
        },
        headers=callers.platform.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def milestone(api: TestClient, callers: Callers, eng: dict, **extra: object) -> dict:
    body = {
        "id": f"ms-{uuid4().hex[:10]}",
        "engagement": eng["external_ref"],
        "tier": "standard",
        "skills": ["python"],
        "amount": 800,
        "due": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
        **extra,
    }
    response = api.post("/v1/milestones", json=body, headers=callers.platform.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_milestone_goes_from_open_to_outcome_to_rating(api: TestClient, callers: Callers):
    eng = engagement(api, callers)
    assert eng["client_id"] == str(callers.client.actor_id)
    ms = milestone(api, callers, eng)
    assert ms["engagement_id"] == eng["id"] and ms["outcome"] is None

    done = api.post(
        f"/v1/milestones/{ms['external_ref']}/outcome",
        json={"outcome": "accepted", "on_time": True},
        headers=callers.platform.headers,
    )
    assert done.status_code == 201, done.text
    assert done.json()["outcome"]["outcome"] == "accepted"

    rated = api.post(
        f"/v1/milestones/{ms['id']}/rating",
        json={"stars": 5, "quality": 4, "communication": 5, "timeliness": 5},
        headers=callers.client.headers,
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating"]["quality"] == 4

    seen = api.get(f"/v1/milestones/{ms['external_ref']}", headers=callers.client.headers).json()
    assert seen["rating"]["stars"] == 5 and seen["outcome"]["on_time"] is True


def test_an_outcome_is_recorded_once_and_a_retry_of_the_same_is_answered(
    api: TestClient, callers: Callers
):
    ms = milestone(api, callers, engagement(api, callers))
    path = f"/v1/milestones/{ms['id']}/outcome"
    first = api.post(
        path, json={"outcome": "disputed", "on_time": False}, headers=callers.platform.headers
    )
    assert first.status_code == 201
    same = api.post(
        path, json={"outcome": "disputed", "on_time": False}, headers=callers.platform.headers
    )
    assert same.status_code == 200 and same.json() == first.json()
    other = api.post(
        path, json={"outcome": "accepted", "on_time": True}, headers=callers.platform.headers
    )
    assert other.status_code == 409 and other.json()["field"] == "outcome"


def test_only_the_milestones_own_client_rates_it_and_only_once(
    api: TestClient, callers: Callers, database_url: str
):
    ms = milestone(api, callers, engagement(api, callers))
    path = f"/v1/milestones/{ms['id']}/rating"
    early = api.post(path, json={"stars": 4}, headers=callers.client.headers)
    assert early.status_code == 422 and early.json()["field"] == "milestone"
    api.post(
        f"/v1/milestones/{ms['id']}/outcome",
        json={"outcome": "accepted", "on_time": True},
        headers=callers.admin.headers,
    )
    for caller, status in [
        (callers.admin, 403),
        (callers.platform, 403),
        (callers.candidate, 403),
    ]:
        assert api.post(path, json={"stars": 4}, headers=caller.headers).status_code == status

    other_client = api.post("/v1/clients", json={}, headers=callers.admin.headers).json()
    ms2 = milestone(api, callers, engagement(api, callers, client_ref=other_client["id"]))
    api.post(
        f"/v1/milestones/{ms2['id']}/outcome",
        json={"outcome": "accepted", "on_time": True},
        headers=callers.admin.headers,
    )
    # the fixture's client is not this milestone's client: it does not even see it
    refused = api.post(
        f"/v1/milestones/{ms2['id']}/rating", json={"stars": 1}, headers=callers.client.headers
    )
    assert refused.status_code == 404

    assert api.post(path, json={"stars": 4}, headers=callers.client.headers).status_code == 201
    again = api.post(path, json={"stars": 5}, headers=callers.client.headers)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/engagements", {"client": "nobody", "candidate": "x"}, "client"),
        ("/v1/engagements", {"client": "x", "candidate": "y", "extra": 1}, "extra"),
        (
            "/v1/milestones",
            {"engagement": "none", "tier": "standard", "amount": 1, "due": "2030-01-01T00:00:00Z"},
            "engagement",
        ),
        (
            "/v1/milestones",
            {"engagement": "e", "tier": "standard", "amount": -5, "due": "2030-01-01T00:00:00Z"},
            "amount",
        ),
        (
            "/v1/milestones",
            {"engagement": "e", "tier": "standard", "amount": 5, "due": "2030-01-01T00:00:00"},
            "due",
        ),
        (
            "/v1/milestones",
            {"engagement": "e", "tier": "", "amount": 5, "due": "2030-01-01T00:00:00Z"},
            "tier",
        ),
    ],
)
def test_bad_event_bodies_are_4xx_naming_the_field(
    api: TestClient, callers: Callers, path: str, body: dict, field: str
):
    response = api.post(path, json=body, headers=callers.platform.headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_event_times_cannot_be_in_the_future_or_before_the_milestone(
    api: TestClient, callers: Callers
):
    eng = engagement(api, callers)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    response = api.post(
        "/v1/milestones",
        json={"engagement": eng["id"], "tier": "entry", "amount": 5, "due": future, "at": future},
        headers=callers.platform.headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "at"
    ms = milestone(api, callers, eng)
    before = (datetime.fromisoformat(ms["opened_at"]) - timedelta(days=1)).isoformat()
    response = api.post(
        f"/v1/milestones/{ms['id']}/outcome",
        json={"outcome": "accepted", "on_time": True, "at": before},
        headers=callers.platform.headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "at"


def test_a_milestone_is_hidden_from_those_not_party_to_it(api: TestClient, callers: Callers):
    ms = milestone(api, callers, engagement(api, callers))
    assert (
        api.get(f"/v1/milestones/{ms['id']}", headers=callers.candidate.headers).status_code == 404
    )
    assert api.get(f"/v1/milestones/{ms['id']}", headers=callers.client.headers).status_code == 200


def test_event_writes_are_for_admins_and_platforms(api: TestClient, callers: Callers):
    for caller in (callers.client, callers.candidate):
        response = api.post(
            "/v1/engagements", json={"client": "a", "candidate": "b"}, headers=caller.headers
        )
        assert response.status_code == 403


def test_an_idempotency_key_replays_the_first_answer(api: TestClient, callers: Callers):
    eng = engagement(api, callers)
    body = {
        "engagement": eng["id"],
        "tier": "standard",
        "amount": 10,
        "due": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    headers = {**callers.platform.headers, "Idempotency-Key": uuid4().hex}
    first = api.post("/v1/milestones", json=body, headers=headers)
    again = api.post("/v1/milestones", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"


def test_the_refresher_picks_up_single_events(api: TestClient, callers: Callers):
    eng = engagement(api, callers)
    ms = milestone(api, callers, eng)
    api.post(
        f"/v1/milestones/{ms['id']}/outcome",
        json={"outcome": "accepted", "on_time": True},
        headers=callers.platform.headers,
    )
    path = f"/v1/candidates/{eng['candidate_id']}/reputation"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        reputation = api.get(path, headers=callers.admin.headers).json()
        if reputation.get("stale") is False and reputation["evidence"] == 1:
            return
        time.sleep(0.2)
    raise AssertionError(f"reputation not refreshed: {reputation}")


@pytest.mark.docker
async def test_an_attempts_result_counts_as_a_trial_result_and_its_tries_do_not(
    api: TestClient, callers: Callers, lru_trial: str, database_url: str
):
    # the starter, handed back: scored 0, and never similar to anyone's work
    response = api.post(
        f"/v1/trials/{lru_trial}/submissions",
        json={"files": STARTER_LRU},
        headers=callers.other_candidate.headers,
    )
    assert response.status_code == 202, response.text
    graded = wait_graded(api, response.json()["id"], callers.other_candidate.headers)
    assert graded["status"] == "graded"
    submission_id = UUID(response.json()["id"])
    conn = await asyncpg.connect(database_url)
    try:
        query = "SELECT candidate_id, trial, score, skills, key FROM trial_results WHERE submission_id = $1"
        assert await conn.fetchrow(query, submission_id) is None  # a try, not yet a result
        attempt = response.json()["attempt_id"]
        finished = api.post(
            f"/v1/attempts/{attempt}/finish", headers=callers.other_candidate.headers
        )
        assert finished.json()["status"] == "counted", finished.text
        row = await conn.fetchrow(query, submission_id)
    finally:
        await conn.close()
    assert row is not None and row["key"] == f"attempt:{attempt}"
    assert row["candidate_id"] == callers.other_candidate.actor_id
    assert row["trial"] == lru_trial and row["score"] == graded["result"]["score"]
    assert row["skills"]
