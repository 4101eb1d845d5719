"""Eligibility policies over HTTP: versions per tier, every rule's reason, roles and bad input."""

from __future__ import annotations

from uuid import uuid4

import pytest
from litestar.testing import TestClient

from scoring.reputation.events import CandidateJoined, TrialResult
from tests.service.conftest import Callers
from tests.service.test_events_import import days_ago, jsonl, post_import, small_history

STRICT = {
    "min_score": 99,
    "min_lower_bound": 99,
    "min_evidence": 50,
    "required_trials": [{"skill": "go", "min_count": 1, "min_score": 0.8, "window_days": 30}],
    "no_open_disputes": True,
    "allow_prior": False,
}
LENIENT = {"no_open_disputes": False}


def tier_name() -> str:
    return f"t-{uuid4().hex[:10]}"


def put_policy(api: TestClient, callers: Callers, tier: str, body: dict) -> dict:
    response = api.put(f"/v1/policies/{tier}", json=body, headers=callers.admin.headers)
    assert response.status_code in {200, 201}, response.text
    return response.json()


def ask(api: TestClient, callers: Callers, candidate: str, tier: str, skills: list[str]) -> dict:
    response = api.post(
        "/v1/eligibility",
        json={"candidate": candidate, "tier": tier, "skills": skills},
        headers=callers.platform.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def imported_candidate(api: TestClient, callers: Callers) -> str:
    """A candidate with a passed python trial, two milestones (one disputed 30 days ago)."""
    tag = f"el-{uuid4().hex[:8]}"
    assert post_import(api, callers, jsonl(small_history(tag)))["status"] == 200
    return f"{tag}-cand"


def test_the_seeded_tiers_have_documented_defaults(api: TestClient, callers: Callers):
    policies = {
        p["tier"]: p for p in api.get("/v1/policies", headers=callers.platform.headers).json()
    }
    assert {"entry", "standard", "expert"} <= set(policies)
    assert policies["entry"]["min_score"] == 40
    assert policies["expert"]["allow_prior"] is False
    assert all(policies[t]["no_open_disputes"] for t in ("entry", "standard", "expert"))


def test_every_failed_rule_is_a_reason_of_its_own(api: TestClient, callers: Callers):
    tier = tier_name()
    put_policy(api, callers, tier, STRICT)
    decision = ask(api, callers, imported_candidate(api, callers), tier, ["python"])
    assert decision["eligible"] is False
    codes = {r["code"]: r for r in decision["reasons"]}
    assert set(codes) == {
        "score_below_minimum",
        "lower_bound_below_minimum",
        "insufficient_evidence",
        "missing_trials",
        "open_disputes",
        "prior_not_accepted",
    }
    assert codes["missing_trials"]["skill"] == "go"
    assert decision["policy_version"] == 1 and decision["source"] == "prior"
    assert decision["score_used"] > 0 and decision["evidence_used"] == 4


def test_a_candidate_meeting_every_rule_is_eligible_with_no_reasons(
    api: TestClient, callers: Callers
):
    tier = tier_name()
    put_policy(api, callers, tier, LENIENT)
    decision = ask(api, callers, imported_candidate(api, callers), tier, ["python"])
    assert decision["eligible"] is True and decision["reasons"] == []


def test_required_trials_count_only_passes_in_each_requested_skill_within_the_window(
    api: TestClient, callers: Callers
):
    tier = tier_name()
    put_policy(
        api,
        callers,
        tier,
        {
            "required_trials": [
                {"skill": "*", "min_count": 1, "min_score": 0.8, "window_days": 60}
            ],
            "no_open_disputes": False,
        },
    )
    tag = f"tr-{uuid4().hex[:8]}"
    events = [
        CandidateJoined(id=f"{tag}-c", skills=("python", "sql", "go"), at=days_ago(400)),
        TrialResult(
            candidate=f"{tag}-c",
            trial="py",
            skills=("python",),
            score=0.9,
            verdict="partial",
            at=days_ago(10),
        ),
        TrialResult(
            candidate=f"{tag}-c",
            trial="sql",
            skills=("sql",),
            score=0.5,
            verdict="partial",
            at=days_ago(10),
        ),
        TrialResult(
            candidate=f"{tag}-c",
            trial="go",
            skills=("go",),
            score=1.0,
            verdict="accepted",
            at=days_ago(200),
        ),
    ]
    assert post_import(api, callers, jsonl(events))["status"] == 200
    assert ask(api, callers, f"{tag}-c", tier, ["python"])["eligible"] is True
    decision = ask(api, callers, f"{tag}-c", tier, ["python", "sql", "go"])
    assert [(r["code"], r["skill"]) for r in decision["reasons"]] == [
        ("missing_trials", "sql"),  # below the pass mark
        ("missing_trials", "go"),  # too long ago
    ]


def test_a_policy_change_is_a_new_version_and_the_same_body_changes_nothing(
    api: TestClient, callers: Callers
):
    tier = tier_name()
    first = put_policy(api, callers, tier, {"min_score": 10})
    second = put_policy(api, callers, tier, {"min_score": 20})
    same = api.put(f"/v1/policies/{tier}", json={"min_score": 20}, headers=callers.admin.headers)
    assert (first["version"], second["version"]) == (1, 2)
    assert same.status_code == 200 and same.json()["version"] == 2
    old = api.get(f"/v1/policies/{tier}", params={"version": 1}, headers=callers.platform.headers)
    assert old.json()["min_score"] == 10
    assert api.get(f"/v1/policies/{tier}", headers=callers.platform.headers).json()["version"] == 2


def test_policies_are_set_by_admins_and_read_by_admins_and_platforms(
    api: TestClient, callers: Callers
):
    tier = tier_name()
    assert (
        api.put(f"/v1/policies/{tier}", json={}, headers=callers.platform.headers).status_code
        == 403
    )
    assert api.get("/v1/policies/entry", headers=callers.platform.headers).status_code == 200
    for caller in (callers.client, callers.candidate):
        assert api.get("/v1/policies/entry", headers=caller.headers).status_code == 403
        response = api.post(
            "/v1/eligibility", json={"candidate": "x", "tier": "entry"}, headers=caller.headers
        )
        assert response.status_code == 403
    assert api.get(f"/v1/policies/{tier}", headers=callers.admin.headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_score": 120}, "min_score"),
        ({"min_evidence": -1}, "min_evidence"),
        ({"surprise": True}, "surprise"),
        ({"required_trials": [{"skill": "go", "min_count": 0}]}, "required_trials[0].min_count"),
        (
            {"required_trials": [{"skill": "go", "window_days": 0}]},
            "required_trials[0].window_days",
        ),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(
    api: TestClient, callers: Callers, body: dict, field: str
):
    response = api.put(f"/v1/policies/{tier_name()}", json=body, headers=callers.admin.headers)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_a_tier_name_must_be_a_slug(api: TestClient, callers: Callers):
    response = api.put("/v1/policies/Not%20A%20Tier", json={}, headers=callers.admin.headers)
    assert response.status_code == 400
    assert response.json()["field"] == "tier"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"candidate": "nobody-at-all", "tier": "entry"}, "candidate"),
        ({"candidate": "x", "tier": "no-such-tier"}, "tier"),
        ({"candidate": "x", "tier": "entry", "skills": "python"}, "skills"),
        ({"tier": "entry"}, "candidate"),
    ],
)
def test_bad_eligibility_questions_are_4xx_naming_the_field(
    api: TestClient, callers: Callers, body: dict, field: str
):
    if body.get("candidate") == "x":
        body = {**body, "candidate": imported_candidate(api, callers)}
    response = api.post("/v1/eligibility", json=body, headers=callers.platform.headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["field"] == field
