"""Every eligibility decision is stored and stays as it was; a flip on refresh is announced."""

from __future__ import annotations

import time
from uuid import uuid4

import asyncpg
import pytest
from litestar.testing import TestClient

from scoring.reputation.events import CandidateJoined, TrialResult
from service.repo.actors import insert_actor
from service.repo.organizations import default_organization_id
from tests.service.conftest import Callers
from tests.service.test_eligibility_rules import ask, imported_candidate, put_policy, tier_name
from tests.service.test_events_import import days_ago, jsonl, post_import


def test_a_decision_is_stored_and_read_back_exactly(api: TestClient, callers: Callers):
    candidate = imported_candidate(api, callers)
    response = api.post(
        "/v1/eligibility",
        json={"candidate": candidate, "tier": "standard", "skills": ["python"]},
        headers=callers.platform.headers,
    )
    decision = response.json()
    assert response.headers["location"] == f"/v1/eligibility/decisions/{decision['id']}"
    assert decision["external_ref"] == candidate and decision["origin"] == "request"
    assert decision["model_version"] and decision["policy_version"] >= 1
    stored = api.get(response.headers["location"], headers=callers.admin.headers)
    assert stored.status_code == 200 and stored.json() == decision


async def test_the_audit_trail_keeps_what_a_decision_used_and_cannot_be_edited(
    api: TestClient, callers: Callers, database_url: str
):
    tier = tier_name()
    put_policy(api, callers, tier, {"min_score": 1, "no_open_disputes": False})
    candidate = imported_candidate(api, callers)
    before = ask(api, callers, candidate, tier, ["python"])
    # new evidence and a stricter policy version afterwards ...
    post_import(
        api,
        callers,
        jsonl(
            [
                TrialResult(
                    candidate=candidate,
                    trial="x",
                    skills=("python",),
                    score=0.1,
                    verdict="failed",
                    at=days_ago(1),
                )
            ]
        ),
    )
    put_policy(api, callers, tier, {"min_score": 99})
    after = ask(api, callers, candidate, tier, ["python"])
    assert after["policy_version"] == before["policy_version"] + 1
    assert after["evidence_used"] == before["evidence_used"] + 1
    # ... leave the earlier decision exactly as it was answered
    stored = api.get(f"/v1/eligibility/decisions/{before['id']}", headers=callers.platform.headers)
    assert stored.json() == before

    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="audit trail"):
            await conn.execute(
                "UPDATE eligibility_decisions SET eligible = NOT eligible WHERE id = $1",
                before["id"],
            )
        with pytest.raises(asyncpg.RaiseError, match="audit trail"):
            await conn.execute("DELETE FROM eligibility_decisions WHERE id = $1", before["id"])
    finally:
        await conn.close()

    listed = api.get(
        "/v1/eligibility/decisions",
        params={"candidate_id": before["candidate_id"], "tier": tier},
        headers=callers.admin.headers,
    ).json()["items"]
    assert [d["id"] for d in listed] == [after["id"], before["id"]]


def test_a_batch_answers_every_question_in_order(api: TestClient, callers: Callers):
    a, b = imported_candidate(api, callers), imported_candidate(api, callers)
    response = api.post(
        "/v1/eligibility:batch",
        json={
            "requests": [
                {"candidate": a, "tier": "entry", "skills": ["python"]},
                {"candidate": b, "tier": "expert", "skills": ["python"]},
                {"candidate": a, "tier": "standard"},
            ]
        },
        headers=callers.platform.headers,
    )
    assert response.status_code == 200, response.text
    decisions = response.json()["decisions"]
    assert [(d["external_ref"], d["tier"]) for d in decisions] == [
        (a, "entry"),
        (b, "expert"),
        (a, "standard"),
    ]
    assert "prior_not_accepted" in {r["code"] for r in decisions[1]["reasons"]}
    for d in decisions:
        got = api.get(f"/v1/eligibility/decisions/{d['id']}", headers=callers.platform.headers)
        assert got.json() == d


async def test_a_batch_with_one_bad_question_answers_none(
    api: TestClient, callers: Callers, database_url: str
):
    a = imported_candidate(api, callers)
    response = api.post(
        "/v1/eligibility:batch",
        json={
            "requests": [
                {"candidate": a, "tier": "entry"},
                {"candidate": f"ghost-{uuid4().hex}", "tier": "entry"},
            ]
        },
        headers=callers.platform.headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "requests[1].candidate"
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM eligibility_decisions d JOIN actors a ON a.id = d.candidate_id "
            "WHERE a.external_ref = $1",
            a,
        )
    finally:
        await conn.close()
    assert stored == 0


async def test_a_candidate_not_scored_yet_gets_an_explicit_answer_and_reads_write_nothing(
    api: TestClient, callers: Callers, database_url: str
):
    # A candidate the refresher was never told about: no reputation row, none queued.
    conn = await asyncpg.connect(database_url)
    try:
        unscored = await insert_actor(
            conn,
            kind="candidate",
            external_ref=f"unscored-{uuid4().hex[:8]}",
            display_name="",
            skills=["go"],
            created_by=None,
            organization_id=await default_organization_id(conn),
        )
        tables = ("reputations", "reputation_dirty", "eligibility_decisions", "reputation_history")

        async def counts() -> list[int]:
            return [await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables]

        before = await counts()
        asked = api.post(
            "/v1/eligibility",
            json={"candidate": str(unscored.id), "tier": "entry", "skills": ["go"]},
            headers=callers.platform.headers,
        )
        read = api.get(f"/v1/candidates/{unscored.id}/reputation", headers=callers.platform.headers)
        batch = api.post(
            "/v1/eligibility:batch",
            json={"requests": [{"candidate": str(unscored.id), "tier": "entry", "skills": []}]},
            headers=callers.platform.headers,
        )
        for response, field in ((asked, "candidate"), (read, "candidate_id"), (batch, None)):
            assert response.status_code == 409, response.text
            assert response.json()["type"] == "urn:trialgate:not-scored-yet"
            assert response.headers["retry-after"] == "1"
            assert field is None or response.json()["field"] == field
        assert batch.json()["field"] == "requests[0].candidate"
        assert await counts() == before  # reading scored nothing and stored nothing
    finally:
        await conn.close()


def test_a_candidate_registered_a_moment_ago_is_scored_within_seconds(
    api: TestClient, callers: Callers
):
    cand = api.post(
        "/v1/candidates", json={"skills": ["go"]}, headers=callers.platform.headers
    ).json()
    deadline = time.monotonic() + 20
    while True:
        response = api.post(
            "/v1/eligibility",
            json={"candidate": cand["id"], "tier": "entry", "skills": ["go"]},
            headers=callers.platform.headers,
        )
        if response.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.status_code == 200, response.text
    decision = response.json()
    assert decision["eligible"] is False
    assert [r["code"] for r in decision["reasons"]] == ["missing_trials"]
    assert decision["evidence_used"] == 0 and decision["source"] == "prior"


def test_a_refresh_that_flips_a_decision_stores_it_and_sends_eligibility_changed(
    api: TestClient, callers: Callers
):
    hook = api.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["eligibility.changed"]},
        headers=callers.platform.headers,
    ).json()
    tag = f"flip-{uuid4().hex[:8]}"
    post_import(api, callers, jsonl([CandidateJoined(id=tag, skills=("python",), at=days_ago(30))]))
    first = ask(api, callers, tag, "entry", ["python"])
    assert first["eligible"] is False
    assert [r["code"] for r in first["reasons"]] == ["missing_trials"]

    # a passed python trial arrives; the import's refresh re-decides the tier
    report = post_import(
        api,
        callers,
        jsonl(
            [
                TrialResult(
                    candidate=tag,
                    trial="py-1",
                    skills=("python",),
                    score=0.95,
                    verdict="partial",
                    at=days_ago(1),
                )
            ]
        ),
    )
    assert report["status"] == 200
    listed = api.get(
        "/v1/eligibility/decisions",
        params={"candidate_id": first["candidate_id"], "tier": "entry"},
        headers=callers.platform.headers,
    ).json()["items"]
    assert len(listed) == 2
    flipped = listed[0]
    assert flipped["origin"] == "refresh" and flipped["previous_id"] == first["id"]
    assert flipped["eligible"] is True and flipped["skills"] == ["python"]

    deliveries = api.get(
        f"/v1/webhooks/{hook['id']}/deliveries", headers=callers.platform.headers
    ).json()
    changed = [d for d in deliveries if d["subject_id"] == first["candidate_id"]]
    assert [d["event"] for d in changed] == ["eligibility.changed"]

    # nothing changed since: a second refresh stores and sends nothing more
    api.post("/v1/reputations:refresh", params={"all": "true"}, headers=callers.admin.headers)
    again = api.get(
        "/v1/eligibility/decisions",
        params={"candidate_id": first["candidate_id"]},
        headers=callers.platform.headers,
    ).json()["items"]
    assert len(again) == 2


def test_decisions_are_for_admins_and_platforms(api: TestClient, callers: Callers):
    decision = ask(api, callers, imported_candidate(api, callers), "entry", [])
    for caller in (callers.client, callers.candidate):
        path = f"/v1/eligibility/decisions/{decision['id']}"
        assert api.get(path, headers=caller.headers).status_code == 403
