"""Each role against each endpoint: allowed, refused (403), or not even shown (404)."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from service.auth import allow
from service.web.sessions import signed_in
from tests.service.conftest import Callers
from tests.support import EXAMPLES, INDEPENDENT_LRU, folder_files

SOLUTION = {k: v.decode() for k, v in folder_files(EXAMPLES / "lru-cache" / "solution").items()}


def wait_graded(
    api: TestClient, submission_id: str, headers: dict[str, str], timeout: float = 60
) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/v1/submissions/{submission_id}", headers=headers).json()
        if body["status"] in {"graded", "failed"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} not graded within {timeout} s")


def test_requests_without_a_valid_key_are_unauthorized(api: TestClient):
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Bearer tg_000000000000_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ):
        response = api.get("/v1/trials", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/v1/candidates", "/v1/clients"])
def test_only_admins_and_platforms_register_actors(api: TestClient, callers: Callers, path: str):
    for caller, expected in [
        (callers.admin, 201),
        (callers.platform, 201),
        (callers.client, 403),
        (callers.candidate, 403),
    ]:
        response = api.post(path, json={"display_name": "x"}, headers=caller.headers)
        assert response.status_code == expected, (caller.role, response.text)


def test_actor_lists_are_for_admins_and_platforms(api: TestClient, callers: Callers):
    for caller, expected in [
        (callers.admin, 200),
        (callers.platform, 200),
        (callers.client, 403),
        (callers.candidate, 403),
    ]:
        assert api.get("/v1/candidates", headers=caller.headers).status_code == expected, (
            caller.role
        )


def test_a_candidate_is_visible_to_themself_clients_and_operators_but_not_other_candidates(
    api: TestClient, callers: Callers
):
    path = f"/v1/candidates/{callers.candidate.actor_id}"
    for caller, expected in [
        (callers.candidate, 200),
        (callers.client, 200),
        (callers.platform, 200),
        (callers.admin, 200),
        (callers.other_candidate, 404),
    ]:
        assert api.get(path, headers=caller.headers).status_code == expected, caller.role


def test_clients_are_not_visible_to_candidates(api: TestClient, callers: Callers):
    path = f"/v1/clients/{callers.client.actor_id}"
    assert api.get(path, headers=callers.client.headers).status_code == 200
    assert api.get(path, headers=callers.candidate.headers).status_code == 404


def test_only_admins_upload_trials(api: TestClient, callers: Callers):
    files = {"package": ("p.tar.gz", b"not an archive", "application/gzip")}
    assert api.post("/v1/trials", files=files, headers=callers.admin.headers).status_code == 422
    for caller in (callers.platform, callers.client, callers.candidate):
        assert api.post("/v1/trials", files=files, headers=caller.headers).status_code == 403, (
            caller.role
        )


def test_every_role_can_browse_trials(api: TestClient, callers: Callers, lru_trial: str):
    for caller in (callers.admin, callers.platform, callers.client, callers.candidate):
        listing = api.get("/v1/trials", headers=caller.headers)
        assert listing.status_code == 200
        assert lru_trial in [t["id"] for t in listing.json()["items"]]
        assert api.get(f"/v1/trials/{lru_trial}", headers=caller.headers).status_code == 200


def test_submission_access_by_role(api: TestClient, callers: Callers, lru_trial: str):
    created = api.post(
        f"/v1/trials/{lru_trial}/submissions",
        json={"files": INDEPENDENT_LRU},
        headers=callers.candidate.headers,
    )
    assert created.status_code == 202, created.text
    submission_id = created.json()["id"]
    graded = wait_graded(api, submission_id, callers.candidate.headers)
    assert graded["result"]["verdict"] == "accepted"

    path = f"/v1/submissions/{submission_id}"
    assert api.get(path, headers=callers.other_candidate.headers).status_code == 404
    for caller in (callers.platform, callers.admin):
        assert api.get(path, headers=caller.headers).status_code == 200, caller.role
    # a client sees an attempt's counted result, not the tries on the way to it
    assert api.get(path, headers=callers.client.headers).status_code == 404
    attempt = f"/v1/attempts/{created.json()['attempt_id']}"
    finished = api.post(f"{attempt}/finish", headers=callers.candidate.headers)
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "counted"
    assert api.get(path, headers=callers.client.headers).status_code == 200

    owner_view = api.get(path, headers=callers.candidate.headers).json()["result"]
    assert "output" not in owner_view and "flags" not in owner_view
    assert all(t["message"] == "" for t in owner_view["tests"] if not t["visible"])
    operator_view = api.get(path, headers=callers.admin.headers).json()["result"]
    assert "output" in operator_view and "flags" in operator_view

    listing = f"/v1/candidates/{callers.candidate.actor_id}/submissions"
    assert api.get(listing, headers=callers.candidate.headers).status_code == 200
    assert api.get(listing, headers=callers.other_candidate.headers).status_code == 404


def test_who_may_submit(api: TestClient, callers: Callers, lru_trial: str):
    path = f"/v1/trials/{lru_trial}/submissions"
    body = {"files": {"lru_cache.py": "x = 1\n"}}
    assert api.post(path, json=body, headers=callers.client.headers).status_code == 403
    on_behalf = {**body, "candidate_id": str(callers.candidate.actor_id)}
    assert api.post(path, json=on_behalf, headers=callers.platform.headers).status_code == 202
    assert api.post(path, json=on_behalf, headers=callers.admin.headers).status_code == 202
    for_someone_else = {**body, "candidate_id": str(callers.other_candidate.actor_id)}
    assert (
        api.post(path, json=for_someone_else, headers=callers.candidate.headers).status_code == 400
    )


def test_webhooks_are_for_platforms_and_admins(api: TestClient, callers: Callers):
    body = {"url": "http://127.0.0.1:9/hook", "events": ["submission.graded"]}
    for caller, expected in [
        (callers.platform, 201),
        (callers.admin, 201),
        (callers.client, 403),
        (callers.candidate, 403),
    ]:
        response = api.post("/v1/webhooks", json=body, headers=caller.headers)
        assert response.status_code == expected, caller.role
        if expected == 201:
            hook = response.json()
            assert hook["secret"].startswith("whsec_")
            assert (
                api.delete(f"/v1/webhooks/{hook['id']}", headers=caller.headers).status_code == 204
            )
    # a platform cannot remove another's webhook
    hook = api.post("/v1/webhooks", json=body, headers=callers.admin.headers).json()
    assert (
        api.delete(f"/v1/webhooks/{hook['id']}", headers=callers.platform.headers).status_code
        == 404
    )
    assert api.delete(f"/v1/webhooks/{uuid4()}", headers=callers.admin.headers).status_code == 404
    assert (
        api.delete(f"/v1/webhooks/{hook['id']}", headers=callers.admin.headers).status_code == 204
    )


PUBLIC_PATHS = {"/health", "/ready", "/", "/sign-in", "/sign-in/link/{token:str}", "/sign-out"}


def test_every_operation_names_the_roles_it_serves(api: TestClient):
    """A handler without a role guard cannot be added by forgetting one: each API
    operation carries `allow(...)` and each page `signed_in(...)`, except the open few."""
    unguarded = []
    for route in api.app.routes:
        if route.path in PUBLIC_PATHS or route.path.startswith(("/schema", "/static")):
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods == {"OPTIONS"}:  # Litestar's own CORS preflight
                continue
            wanted = allow if route.path.startswith("/v1/") else signed_in
            guards = handler.resolve_guards()
            if not any(isinstance(g, wanted) and g.roles for g in guards):
                unguarded.append(f"{sorted(handler.http_methods)} {route.path}")
    assert unguarded == []


def test_a_guard_refuses_before_the_body_is_read(api: TestClient, callers: Callers):
    # A client's malformed body to an admin-only operation: 403, not 400 naming its fields.
    response = api.put(
        "/v1/policies/standard", content=b"{not json", headers=callers.client.headers
    )
    assert response.status_code == 403, response.text
