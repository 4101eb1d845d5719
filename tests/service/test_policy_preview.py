"""`POST /v1/policies/{tier}/preview`: what a draft of a tier's rules would change, counted
over the stored reputations and facts exactly as eligibility answers them, and nothing
written.

The candidates live in an organization and a tier of this module's own. Their reputations,
trials and disputes are stored directly, so no refresher re-scores them: each one's answer
under the current version and under the draft is known (see PEOPLE).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from scoring.eligibility import PolicyRules, TrialRequirement
from service.db.pool import init_connection
from service.eligibility.changes import rule_changes
from service.eligibility.impact import SAMPLE, policy_impact
from service.repo import eligibility as eligibility_repo
from service.repo import reputation as reputation_repo
from service.repo.organizations import insert_organization
from service.repo.reputation import ReputationWrite
from tests.service.conftest import Callers

# The current version: score 50 and 5 pieces of evidence, no open dispute.
CURRENT = PolicyRules(min_score=50, min_evidence=5, no_open_disputes=True)
# The draft: score 60, any evidence, a passed python trial within a year, disputes allowed.
DRAFT = PolicyRules(
    min_score=60,
    min_evidence=0,
    required_trials=(TrialRequirement(skill="python", min_count=1, min_score=0.7),),
    no_open_disputes=False,
)

# name: (score, evidence, python trial (score, days ago) or None, open dispute,
#        eligible now, eligible with the draft)
PEOPLE = {
    "Ada Both": (90.0, 10, (0.9, 30), False, True, True),
    "Bea Lower": (55.0, 10, (0.9, 30), False, True, False),  # under the new minimum score
    "Cal Neither": (45.0, 10, (0.9, 30), False, False, False),
    "Dan Evidence": (80.0, 2, (0.9, 30), False, False, True),  # evidence no longer counted
    "Eve Untried": (90.0, 10, None, False, True, False),  # no python trial
    "Fay Disputed": (90.0, 10, (0.9, 30), True, False, True),  # disputes now allowed
    "Gus Failed": (70.0, 10, (0.5, 30), False, True, False),  # the trial was not a pass
    "Hal Stale": (62.0, 3, (0.9, 400), False, False, False),  # too little, and too long ago
}
NOW = {name for name, p in PEOPLE.items() if p[4]}
WITH_DRAFT = {name for name, p in PEOPLE.items() if p[5]}


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    organization_id: UUID
    ids: dict[str, UUID]  # by name


async def store_standings(
    conn: asyncpg.Connection,
    *,
    tier: str,
    created_by: UUID,
    people: dict[str, tuple[float, int, tuple[float, int] | None, bool, bool, bool]] = PEOPLE,
) -> Standing:
    """A new organization whose candidates have stored `tier` reputations and facts as
    `people` says, and version 1 of `tier` (CURRENT), stored as a PUT stores it but without
    scoring everyone for the new tier: only these candidates have a reputation for it."""
    now = datetime.now(UTC)
    org = await insert_organization(conn, slug=f"pv-{uuid4().hex[:10]}", name=f"Org {tier}")
    await eligibility_repo.insert_policy(conn, tier=tier, rules=CURRENT, created_by=created_by)
    client_id = await conn.fetchval(
        "INSERT INTO actors (kind, display_name, organization_id) "
        "VALUES ('client', 'Preview client', $1) RETURNING id",
        org.id,
    )
    ids: dict[str, UUID] = {}
    rows = []
    for n, (name, (score, evidence, trial, disputed, *_)) in enumerate(people.items()):
        # Written directly, never marked for a refresh: nothing re-scores them.
        ids[name] = await conn.fetchval(
            "INSERT INTO actors (kind, external_ref, display_name, skills, organization_id) "
            "VALUES ('candidate', $1, $2, '{python}', $3) RETURNING id",
            f"pv{n:03d}",
            name,
            org.id,
        )
        if trial is not None:
            await conn.execute(
                "INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at) "
                "VALUES ($1, $2, 'lru-cache', '{python}', $3, 'accepted', $4)",
                f"{ids[name]}|lru-cache|{n}",
                ids[name],
                trial[0],
                now - timedelta(days=trial[1]),
            )
        if disputed:
            milestone = uuid4()
            await conn.execute(
                "INSERT INTO milestones (id, external_ref, candidate_id, client_id, tier, skills, "
                "amount, due_at, opened_at, origin, organization_id) VALUES ($1, $2, $3, $4, $5, "
                "'{python}', 100, $6, $6, 'import', $7)",
                milestone,
                str(milestone),
                ids[name],
                client_id,
                tier,
                now - timedelta(days=10),
                org.id,
            )
            await conn.execute(
                "INSERT INTO milestone_outcomes (milestone_id, outcome, on_time, at) "
                "VALUES ($1, 'disputed', false, $2)",
                milestone,
                now - timedelta(days=5),
            )
        rows.append(
            ReputationWrite(
                candidate_id=ids[name],
                tier=tier,
                score=score,
                lower_bound=score - 10,
                upper_bound=min(100.0, score + 10),
                evidence=evidence,
                effective_evidence=float(evidence),
                per_skill=(),
                reasons=(),
                model_version="test",
                source="model",
                as_of=now,
            )
        )
    await reputation_repo.upsert(conn, rows, computed_at=now)
    return Standing(tier=tier, organization_id=org.id, ids=ids)


async def _counts(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in (
                "policies",
                "eligibility_decisions",
                "reputations",
                "reputation_history",
                "webhook_deliveries",
                "reputation_dirty",
            )
        }
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def standing(database_url: str, callers: Callers) -> Standing:
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    try:
        async with conn.transaction():
            return await store_standings(
                conn, tier=f"pv-{uuid4().hex[:8]}", created_by=callers.admin.key_id
            )
    finally:
        await conn.close()


def _eligible(api: TestClient, callers: Callers, standing: Standing) -> set[str]:
    """Who eligibility answers say is eligible (answers that are stored, as every answer is)."""
    names = {str(i): name for name, i in standing.ids.items()}
    asked = api.post(
        "/v1/eligibility:batch",
        json={
            "requests": [
                {"candidate": candidate, "tier": standing.tier, "skills": ["python"]}
                for candidate in names
            ]
        },
        headers=callers.admin.headers,
    )
    assert asked.status_code == 200, asked.text
    return {names[d["candidate_id"]] for d in asked.json()["decisions"] if d["eligible"]}


def _preview(
    api: TestClient, callers: Callers, standing: Standing, rules: PolicyRules, **params: str
) -> dict:
    response = api.post(
        f"/v1/policies/{standing.tier}/preview",
        json=msgspec.to_builtins(rules),
        params={"organization": str(standing.organization_id), **params},
        headers=callers.admin.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_preview_counts_what_eligibility_answers_after_the_draft_is_saved(
    api: TestClient, callers: Callers, standing: Standing, database_url: str
):
    assert _eligible(api, callers, standing) == NOW
    before = await _counts(database_url)
    preview = _preview(api, callers, standing, DRAFT)
    assert await _counts(database_url) == before, "a preview wrote something"

    assert preview["tier"] == standing.tier and preview["current_version"] == 1
    assert preview["organization_id"] == str(standing.organization_id)
    assert preview["candidates"] == len(PEOPLE)
    assert preview["eligible_now"] == len(NOW) == 4
    assert preview["eligible_with_draft"] == len(WITH_DRAFT) == 3
    gained = {a["name"] for a in preview["newly_eligible_sample"]}
    lost = {a["name"] for a in preview["newly_ineligible_sample"]}
    assert gained == WITH_DRAFT - NOW == {"Dan Evidence", "Fay Disputed"}
    assert lost == NOW - WITH_DRAFT == {"Bea Lower", "Eve Untried", "Gus Failed"}
    assert (preview["newly_eligible"], preview["newly_ineligible"]) == (2, 3)
    for sample in preview["newly_eligible_sample"] + preview["newly_ineligible_sample"]:
        assert sample["candidate_id"] == str(standing.ids[sample["name"]])
    assert preview["took_ms"] >= 0

    saved = api.put(
        f"/v1/policies/{standing.tier}",
        json=msgspec.to_builtins(DRAFT),
        headers=callers.admin.headers,
    )
    assert saved.status_code == 201 and saved.json()["version"] == 2, saved.text
    assert _eligible(api, callers, standing) == WITH_DRAFT
    # the draft is now current: previewing it again changes nobody
    again = _preview(api, callers, standing, DRAFT)
    assert again["current_version"] == 2
    assert again["eligible_now"] == again["eligible_with_draft"] == 3
    assert again["newly_eligible"] == again["newly_ineligible"] == 0
    assert again["newly_eligible_sample"] == again["newly_ineligible_sample"] == []


def test_the_preview_covers_every_organization_unless_one_is_chosen(
    api: TestClient, callers: Callers, standing: Standing
):
    everyone = api.post(
        f"/v1/policies/{standing.tier}/preview",
        json={"min_score": 0},
        headers=callers.admin.headers,
    )
    assert everyone.status_code == 200, everyone.text
    # the tier is this module's own: only its candidates have a reputation for it
    assert everyone.json()["organization_id"] is None
    assert everyone.json()["candidates"] == len(PEOPLE)
    unknown = api.post(
        f"/v1/policies/{standing.tier}/preview",
        json={"min_score": 0},
        params={"organization": str(uuid4())},
        headers=callers.admin.headers,
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "organization"


async def test_a_preview_names_the_first_twenty_by_name_and_writes_nothing(
    db: asyncpg.Connection, callers: Callers
):
    many = {f"Zed {n:02d}": (90.0, 10, None, False, True, False) for n in range(SAMPLE + 5)}
    stored = await store_standings(
        db, tier=f"pv-{uuid4().hex[:8]}", created_by=callers.admin.key_id, people=many
    )
    impact = await policy_impact(
        db, tier=stored.tier, draft=PolicyRules(min_score=95), organization_id=None
    )
    assert (impact.candidates, impact.eligible_now, impact.eligible_with_draft) == (25, 25, 0)
    assert impact.newly_ineligible == 25 and impact.newly_eligible == 0
    assert [a.name for a in impact.newly_ineligible_sample] == sorted(many)[:SAMPLE]
    assert impact.newly_eligible_sample == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_score": 101}, "min_score"),
        (
            {"required_trials": [{"skill": "python", "min_count": 0}]},
            "required_trials[0].min_count",
        ),
        ({"min_scor": 1}, "min_scor"),
    ],
)
def test_the_preview_refuses_what_the_put_refuses(
    api: TestClient, callers: Callers, standing: Standing, body: dict, field: str
):
    for method, path in (
        ("POST", f"/v1/policies/{standing.tier}/preview"),
        ("PUT", f"/v1/policies/{standing.tier}"),
    ):
        response = api.request(method, path, json=body, headers=callers.admin.headers)
        assert response.status_code == 400, (method, response.text)
        assert response.json()["field"] == field, (method, response.text)


def test_only_an_admin_may_preview(api: TestClient, callers: Callers, standing: Standing):
    for caller in (callers.platform, callers.client, callers.candidate):
        response = api.post(
            f"/v1/policies/{standing.tier}/preview", json={}, headers=caller.headers
        )
        assert response.status_code == 403, (caller.role, response.text)
    # a policy is replaced with PUT; POST on it is no operation
    wrong = api.post(f"/v1/policies/{standing.tier}", json={}, headers=callers.admin.headers)
    assert wrong.status_code == 405


def test_the_diff_reads_a_changed_requirement_as_one_change():
    after = PolicyRules(
        min_score=60,
        required_trials=(
            TrialRequirement(skill="python", min_count=2, min_score=0.75, window_days=540),
        ),
        no_open_disputes=False,
    )
    assert rule_changes(DRAFT, after) == [
        "required trials in python: 1 → 2 trials, scored 70% → 75% or more, within 365 → 540 days"
    ]
    assert rule_changes(CURRENT, PolicyRules(min_score=50, min_evidence=5, allow_prior=False)) == [
        "the prior's score: accepted → not accepted"
    ]
    assert rule_changes(CURRENT, CURRENT) == []


async def store_many(conn: asyncpg.Connection, *, tier: str, candidates: int) -> UUID:
    """`candidates` candidates of a new organization with stored `tier` reputations (two
    skills, three reasons), three trials each and a dispute for one in ten; its id."""
    org = await insert_organization(conn, slug=f"pv-{uuid4().hex[:10]}", name="Many")
    client_id = await conn.fetchval(
        "INSERT INTO actors (kind, display_name, organization_id) "
        "VALUES ('client', 'Many client', $1) RETURNING id",
        org.id,
    )
    await conn.execute(
        "INSERT INTO actors (kind, external_ref, display_name, skills, organization_id) "
        "SELECT 'candidate', 'm' || g, 'Many ' || lpad(g::text, 6, '0'), '{python,sql}', $1 "
        "FROM generate_series(1, $2) g",
        org.id,
        candidates,
    )
    ids = "SELECT id FROM actors WHERE organization_id = $1 AND kind = 'candidate'"
    await conn.execute(
        "INSERT INTO reputations (candidate_id, tier, score, lower_bound, upper_bound, evidence, "
        "effective_evidence, per_skill, reasons, model_version, source, as_of) "
        "SELECT id, $2, s, s - 12, least(100, s + 12), e, e, "
        """'[{"skill": "python", "score": 70, "effective_evidence": 3},"""
        """ {"skill": "sql", "score": 60, "effective_evidence": 2}]'::jsonb, """
        """'[{"code": "a", "text": "A reason", "feature": "f", "effect": 2.5},"""
        """ {"code": "b", "text": "B reason", "feature": "g", "effect": -1.5},"""
        """ {"code": "c", "text": "C reason", "feature": "h", "effect": 0.5}]'::jsonb, """
        "'test', 'model', now() FROM (SELECT id, random() * 100 AS s, "
        "(random() * 20)::int AS e FROM (" + ids + ") c) r",
        org.id,
        tier,
    )
    await conn.execute(
        "INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at) "
        "SELECT c.id || '|t|' || k, c.id, 't' || k, '{python}', random(), 'accepted', "
        "now() - random() * interval '500 days' FROM (" + ids + ") c, "
        "generate_series(1, 3) k",
        org.id,
    )
    await conn.execute(
        "WITH m AS (INSERT INTO milestones (id, external_ref, candidate_id, client_id, tier, "
        "amount, due_at, opened_at, origin, organization_id) SELECT gen_random_uuid(), "
        "'mm' || c.id, c.id, $2, $3, 100, now(), now() - interval '20 days', 'import', $1 "
        "FROM (" + ids + " ORDER BY id) c WHERE random() < 0.1 RETURNING id) "
        "INSERT INTO milestone_outcomes (milestone_id, outcome, on_time, at) "
        "SELECT id, 'disputed', false, now() - interval '5 days' FROM m",
        org.id,
        client_id,
        tier,
    )
    return org.id


async def test_a_preview_of_ten_thousand_candidates_reads_them_in_one_query(
    db: asyncpg.Connection, callers: Callers
):
    tier = f"pv-{uuid4().hex[:8]}"
    await eligibility_repo.insert_policy(
        db, tier=tier, rules=CURRENT, created_by=callers.admin.key_id
    )
    organization = await store_many(db, tier=tier, candidates=10_000)
    await db.execute("ANALYZE")  # as autovacuum would have, long before anyone previews
    statements: list[str] = []
    db.add_query_logger(lambda record: statements.append(record.query))
    impact = await policy_impact(db, tier=tier, draft=DRAFT, organization_id=organization)
    await asyncio.sleep(0)  # the logger is called soon after each statement, not during it
    # the organization, the current version, then every candidate's reputation and facts
    assert len(statements) == 3, statements
    assert impact.candidates == 10_000
    assert impact.newly_eligible + impact.newly_ineligible > 0
