"""Attempts, practice runs and rate limits, through the API on the real PostgreSQL and Docker.

Each test has a trial of its own (a copy of lru-cache under a fresh id) and fresh
candidates, so one test's attempts, cool-downs and fingerprints never meet another's.
Time is moved by moving an attempt's stored times, as a fake clock would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import Callers
from tests.service.test_api_roles import SOLUTION, wait_graded
from tests.support import INDEPENDENT_LRU, STARTER_LRU, Caller, import_example, new_caller

INDEPENDENT = INDEPENDENT_LRU
STARTER = STARTER_LRU
# Half the work: the cache without expiry passes some tests and fails the TTL ones.
PARTIAL = {
    "lru_cache.py": INDEPENDENT["lru_cache.py"].replace(
        "expires = None if life is None else now + life", "expires = None"
    )
}


def sql(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def candidate(database_url: str, name: str = "Cand", organization: UUID | None = None) -> Caller:
    async def make() -> Caller:
        conn = await asyncpg.connect(database_url)
        try:
            return await new_caller(conn, "candidate", "candidate", name, organization)
        finally:
            await conn.close()

    return asyncio.run(make())


def organization(database_url: str) -> UUID:
    slug = f"org-{uuid4().hex[:8]}"
    return sql(
        database_url, "INSERT INTO organizations (slug, name) VALUES ($1, $1) RETURNING id", slug
    )[0]["id"]


def own_trial(api: TestClient, callers: Callers, **rules: float) -> str:
    return import_example(
        api,
        callers.admin,
        "lru-cache",
        trial_id=f"attempts-{uuid4().hex[:10]}",
        attempt=rules or None,
    )


def submit(api: TestClient, trial: str, who: Caller, files: dict[str, str], **kw: Any) -> Any:
    path = "practice-runs" if kw.pop("practice", False) else "submissions"
    return api.post(f"/v1/trials/{trial}/{path}", json={"files": files, **kw}, headers=who.headers)


def wait_status(
    api: TestClient, attempt: str, who: Caller, wanted: set[str], timeout: float = 30
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"/v1/attempts/{attempt}", headers=who.headers).json()
        if body["status"] in wanted or time.monotonic() > deadline:
            assert body["status"] in wanted, body
            return body
        time.sleep(0.2)


def test_an_attempt_has_a_time_box_a_limit_and_only_its_last_graded_submission_counts(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=30, submissions=2, cooldown_hours=0)
    ada = candidate(database_url)
    started = api.post(f"/v1/trials/{trial}/attempts", headers=ada.headers)
    assert started.status_code == 201, started.text
    attempt = started.json()
    assert attempt["status"] == "open"
    assert attempt["submission_limit"] == 2 and attempt["submissions_used"] == 0
    assert 29 * 60 < attempt["seconds_left"] <= 30 * 60
    assert started.headers["location"] == f"/v1/attempts/{attempt['id']}"
    again = api.post(f"/v1/trials/{trial}/attempts", headers=ada.headers)
    assert again.status_code == 409 and again.headers["location"] == started.headers["location"]

    first = submit(api, trial, ada, INDEPENDENT)
    assert first.status_code == 202 and first.json()["attempt_id"] == attempt["id"]
    assert wait_graded(api, first.json()["id"], ada.headers)["result"]["score"] == 1.0
    second = submit(api, trial, ada, PARTIAL)  # worse, but handed in last: it counts
    assert second.status_code == 202
    third = submit(api, trial, ada, INDEPENDENT)  # the limit is reached
    assert third.status_code == 409, third.text
    assert third.json()["field"] == "trial_id" and "all 2" in third.json()["detail"]
    graded = wait_graded(api, second.json()["id"], ada.headers)
    assert 0 < graded["result"]["score"] < 1

    settled = wait_status(api, attempt["id"], ada, {"counted"})
    assert settled["result"]["submission_id"] == second.json()["id"]
    assert settled["result"]["score"] == graded["result"]["score"]
    assert settled["result"]["time_taken_seconds"] >= 0
    assert settled["submissions_used"] == 2 and settled["seconds_left"] == 0
    # a client reads the counted result with its time taken, and nothing of practice
    seen = api.get(f"/v1/attempts/{attempt['id']}", headers=callers.client.headers).json()
    assert seen["result"] == settled["result"] and "practice_runs" not in seen
    listed = api.get(f"/v1/candidates/{ada.actor_id}/attempts", headers=callers.client.headers)
    assert [a["id"] for a in listed.json()["items"]] == [attempt["id"]]
    # one trial result, the attempt's: not one per try
    rows = sql(
        database_url,
        "SELECT key, score, submission_id FROM trial_results WHERE candidate_id = $1",
        ada.actor_id,
    )
    assert [(r["key"], r["score"]) for r in rows] == [
        (f"attempt:{attempt['id']}", graded["result"]["score"])
    ]


def test_a_submission_without_an_attempt_starts_one_and_the_deadline_closes_it(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    bo = candidate(database_url)
    sent = submit(api, trial, bo, INDEPENDENT)
    assert sent.status_code == 202
    attempt_id = sent.json()["attempt_id"]
    assert attempt_id is not None
    wait_graded(api, sent.json()["id"], bo.headers)
    # the clock moves two hours on: past the deadline
    sql(
        database_url,
        "UPDATE submissions SET created_at = created_at - interval '2 hours' WHERE attempt_id = $1",
        attempt_id,
    )
    sql(
        database_url,
        "UPDATE attempts SET started_at = started_at - interval '2 hours', "
        "deadline = deadline - interval '2 hours' WHERE id = $1",
        attempt_id,
    )
    late = submit(api, trial, bo, INDEPENDENT)
    assert late.status_code == 409 and "ended" in late.json()["detail"]
    # the workers settle attempts whose deadline passed within seconds
    settled = wait_status(api, attempt_id, bo, {"counted"})
    assert settled["result"]["score"] == 1.0
    # and a new attempt can start (no cool-down on this trial)
    assert api.post(f"/v1/trials/{trial}/attempts", headers=bo.headers).status_code == 201


def test_finishing_early_settles_and_the_cool_down_holds_the_next_attempt(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=24)
    cy = candidate(database_url)
    attempt = api.post(f"/v1/trials/{trial}/attempts", headers=cy.headers).json()
    # nothing submitted: it settles with no result, and counts nowhere
    finished = api.post(f"/v1/attempts/{attempt['id']}/finish", headers=cy.headers)
    assert finished.status_code == 200 and finished.json()["status"] == "no_result"
    assert api.post(f"/v1/attempts/{attempt['id']}/finish", headers=cy.headers).status_code == 200
    refused = api.post(f"/v1/trials/{trial}/attempts", headers=cy.headers)
    assert refused.status_code == 409
    assert 23 * 3600 < int(refused.headers["retry-after"]) <= 24 * 3600
    assert submit(api, trial, cy, INDEPENDENT).status_code == 409  # nor by submitting
    sql(
        database_url,
        "UPDATE attempts SET started_at = started_at - interval '25 hours', "
        "deadline = deadline - interval '25 hours', ended_at = ended_at - interval '25 hours' "
        "WHERE id = $1",
        attempt["id"],
    )
    assert api.post(f"/v1/trials/{trial}/attempts", headers=cy.headers).status_code == 201
    assert not sql(database_url, "SELECT 1 FROM trial_results WHERE candidate_id = $1", cy.actor_id)


def test_who_sees_and_moves_an_attempt(api: TestClient, callers: Callers, database_url: str):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    dee = candidate(database_url)
    other = candidate(database_url, "Other")
    attempt = api.post(f"/v1/trials/{trial}/attempts", headers=dee.headers).json()
    path = f"/v1/attempts/{attempt['id']}"
    assert api.get(path, headers=other.headers).status_code == 404
    assert api.post(f"{path}/finish", headers=other.headers).status_code == 404
    assert api.post(f"{path}/finish", headers=callers.client.headers).status_code == 403
    for caller in (callers.platform, callers.admin):
        assert api.get(path, headers=caller.headers).status_code == 200, caller.role
    # a client sees attempts that count, not one going
    assert api.get(path, headers=callers.client.headers).status_code == 404
    listing = api.get(f"/v1/candidates/{dee.actor_id}/attempts", headers=callers.platform.headers)
    assert [a["id"] for a in listing.json()["items"]] == [attempt["id"]]
    assert (
        api.get(f"/v1/candidates/{dee.actor_id}/attempts", headers=other.headers).status_code == 404
    )
    # a platform starts one for its candidate; a candidate only for themself
    started = api.post(
        f"/v1/trials/{trial}/attempts",
        json={"candidate_id": str(other.actor_id)},
        headers=callers.platform.headers,
    )
    assert started.status_code == 201 and started.json()["candidate_id"] == str(other.actor_id)
    for_someone = api.post(
        f"/v1/trials/{trial}/attempts",
        json={"candidate_id": str(other.actor_id)},
        headers=dee.headers,
    )
    assert for_someone.status_code == 400 and for_someone.json()["field"] == "candidate_id"
    # bad input: named, and nothing changes
    before = sql(database_url, "SELECT count(*) AS n FROM attempts")[0]["n"]
    for body, field in (
        ({"candidate_id": "nope"}, "candidate_id"),
        ({"surprise": 1}, "surprise"),
        ([1, 2], "body"),
    ):
        response = api.post(
            f"/v1/trials/{trial}/attempts", json=body, headers=callers.platform.headers
        )
        assert response.status_code == 400, (body, response.text)
        assert field in response.text
    assert api.post("/v1/trials/no-such-trial/attempts", headers=dee.headers).status_code == 404
    assert api.get("/v1/attempts/not-a-uuid", headers=dee.headers).status_code in (400, 404)
    assert sql(database_url, "SELECT count(*) AS n FROM attempts")[0]["n"] == before


def test_the_task_opens_with_the_first_attempt_and_the_clock_starts_with_it(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=45, submissions=5, cooldown_hours=0)
    ivy = candidate(database_url, "Ivy")
    before = api.get(f"/v1/trials/{trial}", headers=ivy.headers).json()
    assert before["opened"] is False and before["statement"] is None
    assert before["public_tests"] == {} and before["public_test_count"] > 0
    assert before["attempt"] == {"minutes": 45, "submissions": 5, "cooldown_hours": 0.0}
    starter = api.get(f"/v1/trials/{trial}/starter", headers=ivy.headers)
    assert starter.status_code == 409 and starter.json()["field"] == "trial_id"
    assert submit(api, trial, ivy, INDEPENDENT, practice=True).status_code == 409
    # others read it at any time
    assert api.get(f"/v1/trials/{trial}", headers=callers.platform.headers).json()["statement"]
    assert api.post(f"/v1/trials/{trial}/attempts", headers=ivy.headers).status_code == 201
    after = api.get(f"/v1/trials/{trial}", headers=ivy.headers).json()
    assert after["opened"] is True and after["statement"] and after["public_tests"]
    assert api.get(f"/v1/trials/{trial}/starter", headers=ivy.headers).status_code == 200


def test_a_practice_run_grades_the_public_tests_only_and_never_counts(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    eve = candidate(database_url)
    attempt = api.post(f"/v1/trials/{trial}/attempts", headers=eve.headers).json()
    run = submit(api, trial, eve, INDEPENDENT, practice=True)
    assert run.status_code == 202, run.text
    assert run.json()["practice"] is True and run.json()["attempt_id"] == attempt["id"]
    graded = wait_graded(api, run.json()["id"], eve.headers)
    tests = graded["result"]["tests"]
    assert tests and all(t["visible"] and t["id"].startswith("public_tests/") for t in tests)
    assert "hidden" not in graded["result"]
    # the operator's view shows no hidden test either: it never ran
    operator = api.get(f"/v1/submissions/{run.json()['id']}", headers=callers.admin.headers)
    assert all(t["id"].startswith("public_tests/") for t in operator.json()["result"]["tests"])
    # it uses no submission of the attempt, and is never its result
    now = api.get(f"/v1/attempts/{attempt['id']}", headers=eve.headers).json()
    assert now["submissions_used"] == 0 and now["practice_runs"] == 1
    finished = api.post(f"/v1/attempts/{attempt['id']}/finish", headers=eve.headers)
    assert finished.json()["status"] == "no_result"
    # between attempts, practice still works, and belongs to none
    between = submit(api, trial, eve, STARTER, practice=True)
    assert between.status_code == 202 and between.json().get("attempt_id") is None
    wait_graded(api, between.json()["id"], eve.headers)
    # never shown to clients, never a trial result
    for sent in (run, between):
        path = f"/v1/submissions/{sent.json()['id']}"
        assert api.get(path, headers=callers.client.headers).status_code == 404
    listing = api.get(f"/v1/candidates/{eve.actor_id}/submissions", headers=callers.client.headers)
    assert listing.json()["items"] == []
    assert not sql(
        database_url, "SELECT 1 FROM trial_results WHERE candidate_id = $1", eve.actor_id
    )


def test_hidden_tests_show_as_labels_or_only_as_a_count_by_the_trials_setting(
    api: TestClient, callers: Callers, database_url: str
):
    counted = import_example(
        api,
        callers.admin,
        "lru-cache",
        trial_id=f"counts-{uuid4().hex[:10]}",
        extra_toml='\n[results]\nhidden_tests = "count"\n',
    )
    fay = candidate(database_url)
    sent = submit(api, counted, fay, PARTIAL)
    result = wait_graded(api, sent.json()["id"], fay.headers)["result"]
    assert all(t["visible"] for t in result["tests"])
    hidden = result["hidden"]
    assert 0 < hidden["passed"] < hidden["total"]
    operator = api.get(f"/v1/submissions/{sent.json()['id']}", headers=callers.admin.headers)
    names = [t["id"] for t in operator.json()["result"]["tests"] if not t["visible"]]
    assert len(names) == hidden["total"] and all(n.startswith("tests/") for n in names)
    # the default: each hidden test under a neutral label, no name, no message
    labelled = own_trial(api, callers)
    sent = submit(api, labelled, fay, PARTIAL)
    result = wait_graded(api, sent.json()["id"], fay.headers)["result"]
    shown = [t for t in result["tests"] if not t["visible"]]
    total = len(shown)
    assert [t["id"] for t in shown] == [f"hidden test {i} of {total}" for i in range(1, total + 1)]
    assert all(t["message"] == "" for t in shown)
    assert result["hidden"]["total"] == total


@pytest.fixture(scope="module")
def limited_api(app_settings: Settings) -> Iterator[TestClient]:
    """The service with tight rate limits and no worker: only taking submissions in."""
    settings = Settings(
        **{
            **{f: getattr(app_settings, f) for f in app_settings.__struct_fields__},
            "candidate_submissions_per_minute": 2,
            "candidate_practice_runs_per_minute": 1,
            "organization_submissions_per_minute": 5,
        }
    )
    with TestClient(create_app(settings, embedded_worker=False), timeout=60) as client:
        yield client


def test_rate_limits_answer_429_with_retry_after_and_store_nothing(
    limited_api: TestClient, callers: Callers, database_url: str
):
    trial = import_example(
        limited_api,
        callers.admin,
        "lru-cache",
        trial_id=f"limits-{uuid4().hex[:10]}",
        attempt={"minutes": 60, "submissions": 50, "cooldown_hours": 0},
    )
    own = organization(database_url)  # its limit counts its own candidates only
    gil = candidate(database_url, organization=own)
    assert submit(limited_api, trial, gil, STARTER).status_code == 202
    assert submit(limited_api, trial, gil, STARTER).status_code == 202
    before = sql(database_url, "SELECT count(*) AS n FROM submissions")[0]["n"]
    refused = submit(limited_api, trial, gil, STARTER)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["field"] == "candidate_id"
    # practice runs have a limit of their own
    assert submit(limited_api, trial, gil, STARTER, practice=True).status_code == 202
    assert submit(limited_api, trial, gil, STARTER, practice=True).status_code == 429
    # the organization's limit binds its candidates together (5 a minute here)
    others = [candidate(database_url, organization=own) for _ in range(3)]
    answers = [submit(limited_api, trial, o, STARTER).status_code for o in others]
    assert answers.count(429) >= 1, answers
    last = submit(limited_api, trial, others[0], STARTER)
    assert last.status_code == 429 and last.json()["field"] == "organization"
    assert sql(database_url, "SELECT count(*) AS n FROM submissions")[0]["n"] == before + 1 + (
        answers.count(202)
    )


def test_a_copy_waits_under_review_and_the_earlier_work_keeps_counting(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    author, copier, leaker = (candidate(database_url, n) for n in ("Author", "Copier", "Leaker"))
    original = submit(api, trial, author, INDEPENDENT)
    wait_graded(api, original.json()["id"], author.headers)
    renamed = INDEPENDENT["lru_cache.py"].replace("entries", "store").replace("counts", "tally")
    copy = submit(api, trial, copier, {"lru_cache.py": "# my own work\n" + renamed})
    wait_graded(api, copy.json()["id"], copier.headers)
    leaked = submit(api, trial, leaker, SOLUTION)  # the trial's own solution
    wait_graded(api, leaked.json()["id"], leaker.headers)

    flags = api.get(
        "/v1/similarity-flags", params={"trial": trial}, headers=callers.admin.headers
    ).json()["items"]
    by_kind = {f["other_kind"]: f for f in flags}
    assert set(by_kind) == {"submission", "solution"}, flags
    pair = by_kind["submission"]
    assert pair["submission_id"] == copy.json()["id"]
    assert pair["other_submission_id"] == original.json()["id"]
    assert pair["similarity"] > 0.9 and pair["regions"]
    assert by_kind["solution"]["submission_id"] == leaked.json()["id"]
    # the later work waits while an operator has not looked; the earlier side counts
    outcome = {
        who.actor_id: api.post(
            f"/v1/attempts/{sent.json()['attempt_id']}/finish", headers=who.headers
        ).json()["status"]
        for who, sent in ((author, original), (copier, copy), (leaker, leaked))
    }
    assert outcome == {
        author.actor_id: "counted",
        copier.actor_id: "under_review",
        leaker.actor_id: "under_review",
    }
    counted = sql(database_url, "SELECT candidate_id FROM trial_results WHERE trial = $1", trial)
    assert [r["candidate_id"] for r in counted] == [author.actor_id]
    # another copy of the author's work puts nobody but its sender on hold
    griefer = candidate(database_url, "Griefer")
    again_copied = submit(api, trial, griefer, {"lru_cache.py": renamed})
    wait_graded(api, again_copied.json()["id"], griefer.headers)
    author_attempt = original.json()["attempt_id"]
    assert api.get(f"/v1/attempts/{author_attempt}", headers=author.headers).json()["status"] == (
        "counted"
    )
    # the side-by-side view names the matching lines in both files
    shown = api.get(f"/v1/similarity-flags/{pair['id']}", headers=callers.admin.headers).json()
    assert "lru_cache.py" in shown["side_by_side"]["files_a"]
    assert "tally" in shown["side_by_side"]["files_a"]["lru_cache.py"]
    assert "counts" in shown["side_by_side"]["files_b"]["lru_cache.py"]
    # only operators see flags
    for caller in (callers.platform, callers.client, copier):
        assert api.get("/v1/similarity-flags", headers=caller.headers).status_code == 403
    # confirmed: the copier's attempt is rejected, the author's counts
    decided = api.post(
        f"/v1/similarity-flags/{pair['id']}/decision",
        json={"decision": "confirmed", "note": "renamed copy"},
        headers=callers.admin.headers,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    again = api.post(
        f"/v1/similarity-flags/{pair['id']}/decision",
        json={"decision": "cleared"},
        headers=callers.admin.headers,
    )
    assert again.status_code == 409
    statuses = [
        api.get(f"/v1/attempts/{sent.json()['attempt_id']}", headers=who.headers).json()["status"]
        for who, sent in ((author, original), (copier, copy))
    ]
    assert statuses == ["counted", "rejected"]
    counted = sql(database_url, "SELECT candidate_id FROM trial_results WHERE trial = $1", trial)
    assert [r["candidate_id"] for r in counted] == [author.actor_id]
    # a rejected attempt stays rejected: a later copy of the same work holds only itself
    late = candidate(database_url, "Late")
    copy_of_copy = submit(api, trial, late, {"lru_cache.py": "# mine\n" + renamed})
    wait_graded(api, copy_of_copy.json()["id"], late.headers)
    copier_attempt = copy.json()["attempt_id"]
    assert api.get(f"/v1/attempts/{copier_attempt}", headers=copier.headers).json()["status"] == (
        "rejected"
    )
    bad = api.post(
        f"/v1/similarity-flags/{by_kind['solution']['id']}/decision",
        json={"decision": "maybe"},
        headers=callers.admin.headers,
    )
    assert bad.status_code == 400 and "decision" in bad.text


def test_starter_code_handed_back_is_never_similar(
    api: TestClient, callers: Callers, database_url: str
):
    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    people = [candidate(database_url, f"S{i}") for i in range(3)]
    for who in people:
        sent = submit(api, trial, who, STARTER)
        wait_graded(api, sent.json()["id"], who.headers)
    flags = api.get(
        "/v1/similarity-flags", params={"trial": trial}, headers=callers.admin.headers
    ).json()["items"]
    assert flags == []
    stored = sql(
        database_url, "SELECT count(*) AS n FROM submission_fingerprints WHERE trial_id = $1", trial
    )
    assert stored[0]["n"] == 3


def test_operators_list_attempts_and_decide_flags_from_the_command_line(
    api: TestClient, callers: Callers, database_url: str
):
    trialgate = str(Path(sys.executable).with_name("trialgate"))
    env = {**os.environ, "DATABASE_URL": database_url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([trialgate, *args], env=env, capture_output=True, text=True)

    trial = own_trial(api, callers, minutes=60, submissions=5, cooldown_hours=0)
    hal = candidate(database_url, "Hal")
    sent = submit(api, trial, hal, SOLUTION)  # the trial's own solution: flagged
    wait_graded(api, sent.json()["id"], hal.headers)
    attempt = sent.json()["attempt_id"]
    api.post(f"/v1/attempts/{attempt}/finish", headers=hal.headers)

    listed = cli("attempts", "list", str(hal.actor_id))
    assert listed.returncode == 0, listed.stderr
    assert attempt in listed.stdout and "under_review" in listed.stdout
    flags = cli("similarity", "flags", "--trial", trial)
    assert flags.returncode == 0 and "the trial's solution" in flags.stdout
    flag_id = flags.stdout.split("\t", 1)[0]
    cleared = cli("similarity", "decide", flag_id, "cleared", "--note", "written in the room")
    assert cleared.returncode == 0, cleared.stderr
    assert "counted" in cli("attempts", "list", str(hal.actor_id)).stdout
    assert sql(database_url, "SELECT 1 FROM trial_results WHERE attempt_id = $1", UUID(attempt))
    # twice, an unknown flag, a bad decision: each a message, nothing changes
    again = cli("similarity", "decide", flag_id, "confirmed")
    assert again.returncode == 1 and "already decided" in again.stderr
    unknown = cli("similarity", "decide", str(uuid4()), "cleared")
    assert unknown.returncode == 1 and "No similarity flag" in unknown.stderr
    assert cli("similarity", "decide", flag_id, "maybe").returncode == 2
    assert cli("attempts", "list", "not-a-uuid").returncode == 2
    assert "counted" in cli("attempts", "list", str(hal.actor_id)).stdout
