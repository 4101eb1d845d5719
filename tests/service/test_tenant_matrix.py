"""Each platform sees only its own organization.

Organization A (the default one: the suite's `callers`) holds a candidate, a client, an
engagement, a milestone with its outcome, a graded submission, an eligibility decision,
a webhook and a private trial. Organization B's platform, candidate and client then try
every operation with A's ids: each answers exactly as it does for an id that does not
exist (same status), while A's own platform gets past it. B's webhook never receives A's
events, and nothing of A's changes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from service.db.pool import init_connection
from service.repo import reputation as reputation_repo
from service.repo.organizations import insert_organization
from service.reputation.refresh import refresh
from service.reputation.scorers import Scorers
from tests.service.conftest import Callers
from tests.service.test_api_roles import SOLUTION, wait_graded
from tests.service.test_webhooks import Receiver
from tests.support import EXAMPLES, Caller, folder_files, new_caller, tar_gz


class TenantB(msgspec.Struct, frozen=True, kw_only=True):
    platform: Caller
    candidate: Caller
    client: Caller


class WorldA(msgspec.Struct, frozen=True, kw_only=True):
    candidate: str
    candidate_ref: str
    client: str
    client_ref: str
    engagement: str
    milestone: str
    milestone_ref: str
    submission: str
    attempt: str
    decision: str
    webhook: str
    private_trial: str


@pytest.fixture(scope="module")
def tenant_b(database_url: str) -> TenantB:
    async def make() -> TenantB:
        conn = await asyncpg.connect(database_url)
        try:
            org = await insert_organization(conn, slug=f"b-{uuid4().hex[:8]}", name="Platform B")
            return TenantB(
                platform=await new_caller(conn, "platform", None, "platform B", org.id),
                candidate=await new_caller(conn, "candidate", "candidate", "Bea", org.id),
                client=await new_caller(conn, "client", "client", "B Corp", org.id),
            )
        finally:
            await conn.close()

    return asyncio.run(make())


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver(), Receiver())
    for receiver in pair:
        receiver.thread.start()
    try:
        yield pair
    finally:
        for receiver in pair:
            receiver.server.shutdown()
            receiver.server.server_close()


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def world_a(
    api: TestClient,
    callers: Callers,
    lru_trial: str,
    tenant_b: TenantB,
    receivers: tuple[Receiver, Receiver],
    tmp_path_factory: pytest.TempPathFactory,
) -> WorldA:
    platform = callers.platform.headers
    hook_a = _created(
        api.post(
            "/v1/webhooks",
            json={"url": receivers[0].url, "events": ["submission.graded"]},
            headers=platform,
        )
    )
    _created(
        api.post(
            "/v1/webhooks",
            json={"url": receivers[1].url, "events": ["submission.graded"]},
            headers=tenant_b.platform.headers,
        )
    )
    ref = f"shared-{uuid4().hex[:8]}"  # B registers the same platform ids below
    candidate = _created(
        api.post(
            "/v1/candidates", json={"external_ref": ref, "skills": ["python"]}, headers=platform
        )
    )
    client = _created(api.post("/v1/clients", json={"external_ref": ref}, headers=platform))
    engagement = _created(
        api.post(
            "/v1/engagements",
            json={"id": ref, "client": ref, "candidate": ref},
            headers=platform,
        )
    )
    milestone = _created(
        api.post(
            "/v1/milestones",
            json={
                "id": ref,
                "engagement": ref,
                "tier": "standard",
                "amount": 100,
                "due": "2026-01-01T00:00:00Z",
                "at": "2025-12-01T00:00:00Z",
            },
            headers=platform,
        )
    )
    _created(
        api.post(
            f"/v1/milestones/{ref}/outcome",
            json={"outcome": "accepted", "on_time": True},
            headers=platform,
        )
    )
    submission = _created(
        api.post(
            f"/v1/trials/{lru_trial}/submissions",
            json={"files": SOLUTION, "candidate_id": candidate["id"]},
            headers=platform,
        )
    )
    wait_graded(api, submission["id"], platform)
    deadline = time.monotonic() + 30
    decision = api.post(
        "/v1/eligibility", json={"candidate": ref, "tier": "standard"}, headers=platform
    )
    while decision.status_code == 409 and time.monotonic() < deadline:  # scored within seconds
        time.sleep(0.3)
        decision = api.post(
            "/v1/eligibility", json={"candidate": ref, "tier": "standard"}, headers=platform
        )
    # A private trial for organization A (the default one): a copy of lru-cache, renamed.
    folder = tmp_path_factory.mktemp("private") / "trial"
    shutil.copytree(EXAMPLES / "lru-cache", folder, ignore=shutil.ignore_patterns("__pycache__"))
    private_id = f"private-{uuid4().hex[:8]}"
    toml = folder / "trial.toml"
    toml.write_text(toml.read_text().replace('id = "lru-cache"', f'id = "{private_id}"'))
    imported = api.post(
        "/v1/trials?organization=default",
        files={"package": ("p.tar.gz", tar_gz(folder_files(folder)), "application/gzip")},
        headers=callers.admin.headers,
    )
    assert imported.status_code == 201, imported.text
    return WorldA(
        candidate=candidate["id"],
        candidate_ref=ref,
        client=client["id"],
        client_ref=ref,
        engagement=engagement["id"],
        milestone=milestone["id"],
        milestone_ref=ref,
        submission=submission["id"],
        attempt=submission["attempt_id"],
        decision=_created(decision)["id"],
        webhook=hook_a["id"],
        private_trial=private_id,
    )


def _probes(a: WorldA) -> list[tuple[str, str, str, dict[str, Any] | None, str]]:
    """(role in B, method, path with A's ids, body, what names A's id) per operation; `{x}` in
    path and body marks where the probe puts A's id or an id that exists nowhere."""
    return [
        ("platform", "GET", "/v1/candidates/{x}", None, a.candidate),
        ("client", "GET", "/v1/candidates/{x}", None, a.candidate),
        ("platform", "GET", "/v1/clients/{x}", None, a.client),
        ("platform", "GET", "/v1/candidates/{x}/submissions", None, a.candidate),
        ("client", "GET", "/v1/candidates/{x}/submissions", None, a.candidate),
        ("platform", "GET", "/v1/submissions/{x}", None, a.submission),
        ("client", "GET", "/v1/submissions/{x}", None, a.submission),
        ("candidate", "GET", "/v1/submissions/{x}", None, a.submission),
        ("platform", "GET", "/v1/attempts/{x}", None, a.attempt),
        ("client", "GET", "/v1/attempts/{x}", None, a.attempt),
        ("candidate", "GET", "/v1/attempts/{x}", None, a.attempt),
        ("platform", "POST", "/v1/attempts/{x}/finish", None, a.attempt),
        ("platform", "GET", "/v1/candidates/{x}/attempts", None, a.candidate),
        ("client", "GET", "/v1/candidates/{x}/attempts", None, a.candidate),
        ("platform", "POST", "/v1/trials/lru-cache/attempts", {"candidate_id": "{x}"}, a.candidate),
        ("platform", "POST", "/v1/trials/lru-cache/practice-runs", {"files": SOLUTION, "candidate_id": "{x}"}, a.candidate),
        ("candidate", "POST", "/v1/trials/{x}/attempts", None, a.private_trial),
        ("candidate", "POST", "/v1/trials/{x}/practice-runs", {"files": SOLUTION}, a.private_trial),
        ("platform", "GET", "/v1/candidates/{x}/reputation", None, a.candidate),
        ("client", "GET", "/v1/candidates/{x}/reputation", None, a.candidate),
        ("platform", "GET", "/v1/milestones/{x}", None, a.milestone),
        ("platform", "GET", "/v1/milestones/{x}", None, a.milestone_ref),
        ("platform", "POST", "/v1/milestones/{x}/outcome", {"outcome": "disputed", "on_time": False}, a.milestone),
        ("client", "POST", "/v1/milestones/{x}/rating", {"stars": 1}, a.milestone),
        ("platform", "GET", "/v1/eligibility/decisions/{x}", None, a.decision),
        ("platform", "DELETE", "/v1/webhooks/{x}", None, a.webhook),
        ("platform", "GET", "/v1/webhooks/{x}/deliveries", None, a.webhook),
        ("platform", "GET", "/v1/trials/{x}", None, a.private_trial),
        ("candidate", "GET", "/v1/trials/{x}", None, a.private_trial),
        ("candidate", "GET", "/v1/trials/{x}/starter", None, a.private_trial),
        ("candidate", "POST", "/v1/trials/{x}/submissions", {"files": SOLUTION}, a.private_trial),
        ("platform", "POST", "/v1/trials/lru-cache/submissions", {"files": SOLUTION, "candidate_id": "{x}"}, a.candidate),
        ("platform", "POST", "/v1/engagements", {"client": "{x}", "candidate": "{x}"}, a.candidate),
        ("platform", "POST", "/v1/milestones", {"engagement": "{x}", "tier": "standard", "amount": 1, "due": "2026-01-01T00:00:00Z"}, a.engagement),
        ("platform", "POST", "/v1/eligibility", {"candidate": "{x}", "tier": "standard"}, a.candidate),
        ("platform", "POST", "/v1/eligibility", {"candidate": "{x}", "tier": "standard"}, a.candidate_ref),
        ("platform", "POST", "/v1/eligibility:batch", {"requests": [{"candidate": "{x}", "tier": "standard"}]}, a.candidate),
        ("platform", "POST", "/v1/sign-in-links", {"actor_id": "{x}"}, a.candidate),
        ("platform", "POST", "/v1/sign-in-links", {"actor_id": "{x}"}, a.client),
    ]  # fmt: skip


def _fill(value: Any, x: str) -> Any:
    if isinstance(value, str):
        return value.replace("{x}", x)
    if isinstance(value, dict):
        return {k: _fill(v, x) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, x) for v in value]
    return value


def _missing_like(a_id: str) -> str:
    """An id of the same shape as `a_id` that names nothing."""
    try:
        UUID(a_id)
    except ValueError:
        return f"nothing-{uuid4().hex[:8]}"
    return str(uuid4())


@pytest.mark.parametrize("probe", range(39))
def test_another_organizations_ids_answer_like_missing_ones(
    api: TestClient, callers: Callers, tenant_b: TenantB, world_a: WorldA, probe: int
):
    probes = _probes(world_a)
    assert len(probes) == 39  # the parametrization above counts them
    role, method, path, body, a_id = probes[probe]
    caller: Caller = getattr(tenant_b, role)

    def ask(as_caller: Caller, x: str) -> Any:
        kwargs: dict[str, Any] = {"headers": as_caller.headers}
        if body is not None:
            kwargs["json"] = _fill(body, x)
        return api.request(method, path.replace("{x}", x), **kwargs)

    nothing = _missing_like(a_id)
    theirs = ask(caller, a_id)
    missing = ask(caller, nothing)
    assert theirs.status_code in (404, 422), (probe, theirs.text)
    # The same answer, word for word, once the id the caller sent is set aside.
    assert (theirs.status_code, theirs.text.replace(a_id, "ID")) == (
        missing.status_code,
        missing.text.replace(nothing, "ID"),
    ), probe


def test_own_platform_reaches_what_the_other_cannot(
    api: TestClient, callers: Callers, world_a: WorldA
):
    """The probes above use real ids: A's platform reads every one of them."""
    platform = callers.platform.headers
    for path in (
        f"/v1/candidates/{world_a.candidate}",
        f"/v1/clients/{world_a.client}",
        f"/v1/submissions/{world_a.submission}",
        f"/v1/candidates/{world_a.candidate}/reputation",
        f"/v1/milestones/{world_a.milestone_ref}",
        f"/v1/eligibility/decisions/{world_a.decision}",
        f"/v1/webhooks/{world_a.webhook}/deliveries",
        f"/v1/trials/{world_a.private_trial}",
    ):
        assert api.get(path, headers=platform).status_code == 200, path
    link = api.post("/v1/sign-in-links", json={"actor_id": world_a.candidate}, headers=platform)
    assert link.status_code == 201, link.text


def test_lists_show_only_the_callers_organization(
    api: TestClient, callers: Callers, tenant_b: TenantB, world_a: WorldA
):
    b = tenant_b.platform.headers
    ref = world_a.candidate_ref
    assert api.get(f"/v1/candidates?external_ref={ref}", headers=b).json()["items"] == []
    mine = api.get(f"/v1/candidates?external_ref={ref}", headers=callers.platform.headers).json()
    assert [c["id"] for c in mine["items"]] == [world_a.candidate]
    assert world_a.webhook not in {w["id"] for w in api.get("/v1/webhooks", headers=b).json()}
    decisions = api.get("/v1/eligibility/decisions?limit=200", headers=b).json()["items"]
    assert world_a.decision not in {d["id"] for d in decisions}
    trials = api.get("/v1/trials?limit=200", headers=tenant_b.candidate.headers).json()["items"]
    ids = {t["id"] for t in trials}
    assert "lru-cache" in ids and world_a.private_trial not in ids  # shared, not private
    everything = api.get("/v1/trials?limit=200", headers=callers.candidate.headers).json()
    assert world_a.private_trial in {t["id"] for t in everything["items"]}


def test_the_same_platform_ids_in_two_organizations_are_two_people(
    api: TestClient, callers: Callers, tenant_b: TenantB, world_a: WorldA
):
    b = tenant_b.platform.headers
    ref = world_a.candidate_ref
    mine = _created(api.post("/v1/candidates", json={"external_ref": ref}, headers=b))
    assert mine["id"] != world_a.candidate
    again = api.post("/v1/candidates", json={"external_ref": ref}, headers=b)
    assert again.status_code == 409  # unique within the organization: the existing one named
    assert again.headers["location"] == f"/v1/candidates/{mine['id']}" and mine["id"] in again.text
    imported = api.post(
        "/v1/events:import",
        content=(
            f'{{"type": "candidate", "id": "{ref}", "at": "2025-01-01T00:00:00Z"}}\n'
            f'{{"type": "client", "id": "{ref}", "at": "2025-01-01T00:00:00Z"}}\n'
        ).encode(),
        headers=b,
    )
    assert imported.status_code == 200, imported.text
    # A's records are untouched: its milestone still has A's outcome and no rating.
    milestone = api.get(f"/v1/milestones/{world_a.milestone}", headers=callers.platform.headers)
    assert milestone.json()["outcome"]["outcome"] == "accepted"
    assert milestone.json().get("rating") is None


def test_a_platform_cannot_name_an_organization_and_an_admin_can(
    api: TestClient, callers: Callers, tenant_b: TenantB
):
    named = api.post(
        "/v1/candidates", json={"organization": "default"}, headers=tenant_b.platform.headers
    )
    assert named.status_code == 422 and named.json()["field"] == "organization", named.text
    unknown = api.post(
        "/v1/candidates", json={"organization": "no-such-org"}, headers=callers.admin.headers
    )
    assert unknown.status_code == 422, unknown.text


def test_webhooks_receive_only_their_organizations_events(
    api: TestClient, tenant_b: TenantB, world_a: WorldA, receivers: tuple[Receiver, Receiver]
):
    # B's own candidate submits: B's webhook hears of it, A's does not
    mine = _created(
        api.post(
            "/v1/trials/lru-cache/submissions",
            json={"files": SOLUTION},
            headers=tenant_b.candidate.headers,
        )
    )
    wait_graded(api, mine["id"], tenant_b.candidate.headers)
    deadline = time.monotonic() + 30
    a_hook, b_hook = receivers

    def heard(receiver: Receiver, submission: str) -> bool:
        return any(submission.encode() in body for _, _, body in receiver.received)

    while not (heard(b_hook, mine["id"]) and heard(a_hook, world_a.submission)):
        assert time.monotonic() < deadline, "the graded events were not delivered"
        time.sleep(0.2)
    time.sleep(1)  # room for a wrong delivery to arrive
    assert not heard(b_hook, world_a.submission)
    assert not heard(a_hook, mine["id"])


def test_admins_see_across_organizations(
    api: TestClient, callers: Callers, tenant_b: TenantB, world_a: WorldA
):
    admin = callers.admin.headers
    assert api.get(f"/v1/candidates/{world_a.candidate}", headers=admin).status_code == 200
    same_ref = api.post(  # B's own candidate under A's platform id (it may exist already)
        "/v1/candidates",
        json={"external_ref": world_a.candidate_ref},
        headers=tenant_b.platform.headers,
    )
    assert same_ref.status_code in (201, 409), same_ref.text
    b_candidate = tenant_b.candidate.actor_id
    assert api.get(f"/v1/candidates/{b_candidate}", headers=admin).status_code == 200
    # a private trial takes only its own organization's candidates, even from an admin
    private = api.post(
        f"/v1/trials/{world_a.private_trial}/submissions",
        json={"files": SOLUTION, "candidate_id": str(b_candidate)},
        headers=admin,
    )
    assert private.status_code == 422 and private.json()["field"] == "candidate_id"
    # by platform id, an id used in two organizations is refused, not guessed
    ambiguous = api.post(
        "/v1/eligibility",
        json={"candidate": world_a.candidate_ref, "tier": "standard"},
        headers=admin,
    )
    assert ambiguous.status_code == 422 and "several organizations" in ambiguous.text


def test_another_organizations_history_never_moves_a_reputation(
    api: TestClient, callers: Callers, tenant_b: TenantB, world_a: WorldA, database_url: str
):
    """B imports 200 disputed milestones of its own people. A's candidate, scored again
    as of the same moment, keeps the same score: each organization is scored from its own
    history alone, the prior's population rate included."""
    now = datetime.now(UTC)
    candidate = UUID(world_a.candidate)

    async def score_a() -> tuple[float, str]:
        conn = await asyncpg.connect(database_url)
        try:
            await init_connection(conn)
            await refresh(conn, Scorers(), candidates=[candidate], tiers=["standard"], now=now)
            row = await reputation_repo.get(
                conn, candidate_id=candidate, tier="standard", scope=None
            )
            assert row is not None
            return row.score, row.model_version
        finally:
            await conn.close()

    before = asyncio.run(score_a())
    ref = f"flood-{uuid4().hex[:8]}"
    lines = [
        {"type": "candidate", "id": ref, "at": "2025-01-01T00:00:00Z"},
        {"type": "client", "id": ref, "at": "2025-01-01T00:00:00Z"},
    ]
    for i in range(200):
        lines += [
            {
                "type": "milestone",
                "id": f"{ref}-{i}",
                "candidate": ref,
                "client": ref,
                "tier": "standard",
                "amount": 100,
                "due": "2025-03-01T00:00:00Z",
                "at": "2025-02-01T00:00:00Z",
            },
            {
                "type": "milestone_outcome",
                "milestone": f"{ref}-{i}",
                "outcome": "disputed",
                "on_time": False,
                "at": "2025-03-02T00:00:00Z",
            },
        ]
    imported = api.post(
        "/v1/events:import",
        content=b"".join(msgspec.json.encode(line) + b"\n" for line in lines),
        headers=tenant_b.platform.headers,
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"]["milestones"] == 200
    assert asyncio.run(score_a()) == before


def test_operators_make_organizations_and_keys_by_the_platforms_own_ids(
    api: TestClient, callers: Callers, database_url: str
):
    trialgate = str(Path(sys.executable).with_name("trialgate"))
    env = {**os.environ, "DATABASE_URL": database_url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([trialgate, *args], env=env, capture_output=True, text=True)

    slug = f"firm-{uuid4().hex[:8]}"
    made = cli("organizations", "create", slug, "--name", "An outsourcing firm")
    assert made.returncode == 0, made.stderr
    assert slug in cli("organizations", "list").stdout
    assert cli("organizations", "create", slug).returncode == 1  # once
    assert cli("organizations", "create", "Not A Slug").returncode == 2
    person = _created(
        api.post(
            "/v1/candidates",
            json={"external_ref": "c-42", "organization": slug},
            headers=callers.admin.headers,
        )
    )
    key = cli("keys", "create", "--role", "candidate", "--actor", "c-42", "--organization", slug,
              "--name", "Ada")  # fmt: skip
    assert key.returncode == 0, key.stderr
    headers = {"Authorization": f"Bearer {key.stdout.strip()}"}
    assert api.get(f"/v1/candidates/{person['id']}", headers=headers).status_code == 200
    elsewhere = cli("keys", "create", "--role", "candidate", "--actor", "c-42", "--name", "x")
    if elsewhere.returncode == 0:  # the default organization has a c-42 of its own
        other = {"Authorization": f"Bearer {elsewhere.stdout.strip()}"}
        assert api.get(f"/v1/candidates/{person['id']}", headers=other).status_code == 404
    else:
        assert "no candidate 'c-42'" in elsewhere.stderr
    platform = cli("keys", "create", "--role", "platform", "--name", "p")
    assert platform.returncode == 0 and "`default` organization" in platform.stderr
