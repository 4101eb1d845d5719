"""Input that once answered 5xx, or broke later requests for everyone: each class is a 4xx
naming its field, changes nothing, and leaves the service whole for the next caller."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from uuid import uuid4

import asyncpg
import msgspec
import msgspec.inspect
import pytest
from litestar.testing import TestClient

from service.api.trials import TrialUpload
from service.db.pool import create_pool
from service.eligibility.answers import Question
from service.eligibility.batching import DecisionBatcher
from service.repo.eligibility import DecisionRow
from service.repo.organizations import default_organization_id
from service.repo.webhooks import insert_webhook
from service.webhooks.delivery import enqueue_event
from tests.service.conftest import Callers
from tests.service.test_eligibility_rules import imported_candidate, put_policy, tier_name
from tests.service.test_webhooks import Receiver
from tests.service.test_webhooks import receiver as receiver  # noqa: PLC0414 - the fixture

NUL = "a\u0000b"


def _refused(response, field: str | None = None, statuses=(400, 422)) -> dict:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if field is not None:
        fields = {body.get("field")} | {e["field"] for e in body.get("errors", [])}
        assert field in fields, body
    return body


def _still_serving(api: TestClient, callers: Callers) -> None:
    """What another caller does next still works."""
    assert api.get("/v1/candidates?limit=1", headers=callers.platform.headers).status_code == 200
    made = api.post(
        "/v1/candidates", json={"display_name": "next"}, headers=callers.platform.headers
    )
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("get", "/v1/candidates?external_ref=%00", None, "external_ref"),
        ("get", "/v1/candidates?cursor=a%00", None, "cursor"),
        ("get", "/v1/trials?skill=py%00thon", None, "skill"),
        ("get", "/v1/eligibility/decisions?tier=%00", None, "tier"),
        ("get", "/v1/policies/std%00", None, "tier"),
        ("get", "/v1/milestones/m%00", None, "milestone"),
        ("post", "/v1/candidates", {"external_ref": NUL}, "external_ref"),
        ("post", "/v1/candidates", {"display_name": NUL}, "display_name"),
        ("post", "/v1/candidates", {"skills": [NUL]}, "skills[0]"),
        ("post", "/v1/clients", {"display_name": NUL}, "display_name"),
        ("post", "/v1/engagements", {"client": NUL, "candidate": "x"}, "client"),
        ("post", "/v1/eligibility", {"candidate": NUL, "tier": "standard"}, "candidate"),
        (
            "post",
            "/v1/eligibility",
            {"candidate": "c", "tier": "standard", "skills": [NUL]},
            "skills[0]",
        ),
        (
            "post",
            "/v1/webhooks",
            {"url": "http://example.com/\u0000", "events": ["submission.graded"]},
            "url",
        ),
        (
            "post",
            "/v1/webhooks",
            {"url": "http://example.com/\u0001x", "events": ["submission.graded"]},
            "url",
        ),
        ("post", "/v1/webhooks", {"url": "http://a..b/", "events": ["submission.graded"]}, "url"),
        ("post", "/v1/webhooks", {"url": "http://[::1/", "events": ["submission.graded"]}, "url"),
        (
            "post",
            "/v1/webhooks",
            {"url": "http://exa mple.com/", "events": ["submission.graded"]},
            "url",
        ),
        ("get", "/v1/policies/standard?version=2147483648", None, "version"),
        ("get", "/v1/candidates?limit=99999999999999999999", None, "limit"),
    ],
)
def test_text_numbers_and_urls_the_database_cannot_hold_are_refused_by_field(
    api: TestClient, callers: Callers, method: str, path: str, body: dict | None, field: str
):
    headers = callers.admin.headers if "policies" in path else callers.platform.headers
    if body is not None and path in ("/v1/candidates", "/v1/clients"):
        body = {"display_name": "x", **body}
    response = getattr(api, method)(path, headers=headers, **({"json": body} if body else {}))
    _refused(response, field, statuses=(400, 404, 422))
    _still_serving(api, callers)


def test_a_nul_in_a_candidates_submission_is_refused_by_file(
    api: TestClient, callers: Callers, lru_trial: str
):
    response = api.post(
        f"/v1/trials/{lru_trial}/submissions",
        json={"files": {"lru_cache.py": "x = '\u0000'\n"}},
        headers=callers.candidate.headers,
    )
    # a NUL is a legal byte in a file: the file is stored as bytes, so this is accepted
    assert response.status_code == 202, response.text
    bad_name = api.post(
        f"/v1/trials/{lru_trial}/submissions",
        json={"files": {"lru\u0000.py": "x = 1\n"}},
        headers=callers.candidate.headers,
    )
    _refused(bad_name)


@pytest.mark.parametrize("key", ["", " ", "a\u0001b", "x" * 300])
def test_an_unusable_idempotency_key_is_refused(api: TestClient, callers: Callers, key: str):
    response = api.post(
        "/v1/candidates",
        json={"display_name": "idem"},
        headers={**callers.platform.headers, "Idempotency-Key": key},
    )
    _refused(response, "Idempotency-Key")


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1900-01-01T00:00:00Z",
        "2500-01-01T00:00:00Z",
    ],
)
def test_dates_outside_the_supported_window_are_refused_and_break_nothing(
    api: TestClient, callers: Callers, when: str
):
    platform = callers.platform.headers
    engagement = api.post(
        "/v1/engagements",
        json={"client": str(callers.client.actor_id), "candidate": str(callers.candidate.actor_id)},
        headers=platform,
    ).json()
    opened = api.post(
        "/v1/milestones",
        json={"engagement": engagement["id"], "tier": "standard", "amount": 10, "due": when},
        headers=platform,
    )
    _refused(opened, "due")
    at = api.post(
        "/v1/milestones",
        json={
            "engagement": engagement["id"],
            "tier": "standard",
            "amount": 10,
            "due": "2030-01-01T00:00:00Z",
            "at": when,
        },
        headers=platform,
    )
    _refused(at, "at")
    cursor = base64.urlsafe_b64encode(json.dumps([when, str(uuid4())]).encode()).decode()
    _refused(api.get(f"/v1/candidates?cursor={cursor}", headers=platform), "cursor")
    # everyone's reputations and eligibility still work
    assert api.post("/v1/reputations:refresh", headers=callers.admin.headers).status_code == 200
    _still_serving(api, callers)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/candidates",
        "/v1/eligibility",
        "/v1/eligibility:batch",
        "/v1/webhooks",
        "/v1/milestones",
        "/v1/engagements",
    ],
)
def test_deeply_nested_json_is_a_400(api: TestClient, callers: Callers, path: str):
    deep = b"[" * 100_000 + b"]" * 100_000
    response = api.post(
        path, content=deep, headers={**callers.platform.headers, "Content-Type": "application/json"}
    )
    _refused(response, statuses=(400,))
    _still_serving(api, callers)


async def test_a_question_the_database_refuses_fails_alone_in_its_batch(
    api: TestClient, callers: Callers, database_url: str
):
    tier = tier_name()
    put_policy(api, callers, tier, {"no_open_disputes": False})
    good = imported_candidate(api, callers)
    pool = await create_pool(database_url)
    batcher = DecisionBatcher(pool)
    try:
        # past the door's checks on purpose: the database itself refuses this one
        questions = [Question(candidate=good, tier=tier, skills=(), scope=None) for _ in range(5)]
        questions.insert(2, Question(candidate="bad\u0000ref", tier=tier, skills=(), scope=None))
        answers = await asyncio.gather(
            *(batcher.decide(q, requested_by=callers.platform.key_id) for q in questions),
            return_exceptions=True,
        )
    finally:
        await batcher.close()
        await pool.close()
    assert isinstance(answers[2], asyncpg.PostgresError)
    others = answers[:2] + answers[3:]
    assert all(isinstance(a, DecisionRow) and a.external_ref == good for a in others), others


async def test_a_stored_webhook_url_no_client_can_use_fails_only_its_own_deliveries(
    api: TestClient, callers: Callers, database_url: str, receiver: Receiver
):
    good = api.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["eligibility.changed"]},
        headers=callers.platform.headers,
    )
    assert good.status_code == 201, good.text
    conn = await asyncpg.connect(database_url)
    try:
        for url in ("http://a..b/", "http://[::1/", "http://exa\u0001mple.com/"):
            # as if stored before the door checked URLs
            await insert_webhook(
                conn,
                owner_key=callers.platform.key_id,
                url=url,
                events=["eligibility.changed"],
                secret="whsec_test",
                organization_id=None,
            )
        async with conn.transaction():
            await enqueue_event(
                conn,
                event="eligibility.changed",
                subject_id=None,
                payload={"probe": True},
                organization_id=await default_organization_id(conn),  # the platform's
            )
    finally:
        await conn.close()
    for _ in range(150):  # the receiver fails a first attempt; the retry comes 2 s later
        if any(s == 204 for s, _, _ in receiver.received):
            break
        await asyncio.sleep(0.2)
    assert any(s == 204 for s, _, _ in receiver.received), receiver.received
    _still_serving(api, callers)


def _text_without_rule(kind: msgspec.inspect.Type, path: str) -> list[str]:
    """Paths of text fields in a request type that accept control characters."""
    match kind:
        case msgspec.inspect.StrType(pattern=pattern):
            refuses = pattern is not None and re.search(pattern, "a\x00b") is None
            return [] if refuses else [path]
        case msgspec.inspect.StructType(fields=fields):
            return [p for f in fields for p in _text_without_rule(f.type, f"{path}.{f.name}")]
        case (
            msgspec.inspect.ListType(item_type=item)
            | msgspec.inspect.TupleType(item_type=item)
            | msgspec.inspect.VarTupleType(item_type=item)
        ):
            return _text_without_rule(item, f"{path}[]")
        case msgspec.inspect.UnionType(types=types):
            return [p for t in types for p in _text_without_rule(t, path)]
        case msgspec.inspect.DictType(key_type=key, value_type=value):
            return _text_without_rule(key, f"{path}{{}}") + _text_without_rule(value, f"{path}[]")
    return []


def test_no_request_body_has_a_text_field_that_takes_control_characters(api: TestClient):
    """The rule is one layer, the field types: a new text field without it fails here."""
    found = []
    for route in api.app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or data.annotation is TrialUpload:  # a file upload, read as bytes
                continue
            found += _text_without_rule(msgspec.inspect.type_info(data.annotation), route.path)
    assert found == []
