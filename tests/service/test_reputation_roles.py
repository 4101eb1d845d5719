"""Who may read a reputation, train a model or force a refresh."""

from __future__ import annotations

from uuid import uuid4

from litestar.testing import TestClient

from tests.service.conftest import Callers
from tests.support import wait_scored


def test_a_reputation_is_read_by_operators_clients_and_the_candidate_themself(
    api: TestClient, callers: Callers
):
    path = f"/v1/candidates/{callers.candidate.actor_id}/reputation"
    wait_scored(api, callers.admin.headers, callers.candidate.actor_id)
    for caller, status in [
        (callers.admin, 200),
        (callers.platform, 200),
        (callers.client, 200),
        (callers.candidate, 200),
        (callers.other_candidate, 404),
    ]:
        response = api.get(path, headers=caller.headers)
        assert response.status_code == status, (caller.role, response.text)
    body = api.get(path, headers=callers.candidate.headers).json()
    assert body["candidate_id"] == str(callers.candidate.actor_id) and body["tier"] == "standard"
    assert body["interval"]["lower"] <= body["score"] <= body["interval"]["upper"]


def test_an_unknown_candidate_has_no_reputation(api: TestClient, callers: Callers):
    response = api.get(f"/v1/candidates/{uuid4()}/reputation", headers=callers.admin.headers)
    assert response.status_code == 404
    assert response.json()["field"] == "candidate_id"


def test_only_admins_train_models_or_force_a_refresh(api: TestClient, callers: Callers):
    for caller in (callers.platform, callers.client, callers.candidate):
        assert api.post("/v1/models:train", headers=caller.headers).status_code == 403
        assert api.post("/v1/reputations:refresh", headers=caller.headers).status_code == 403
    # a model's metrics count every organization's history: admins only
    assert api.get("/v1/models", headers=callers.platform.headers).status_code == 403
    assert api.get("/v1/models", headers=callers.client.headers).status_code == 403
    refreshed = api.post("/v1/reputations:refresh", headers=callers.admin.headers)
    assert refreshed.status_code == 200, refreshed.text
