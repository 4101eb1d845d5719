"""Bad input anywhere gets a 4xx problem naming the field at fault, and changes nothing."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

import asyncpg
import pytest
from litestar.testing import TestClient

from tests.service.conftest import Callers
from tests.support import tar_gz


def _problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if field is not None:
        fields = {body.get("field")} | {e["field"] for e in body.get("errors", [])}
        assert field in fields, body
    return body


async def _count(database_url: str, table: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "x", "nickname": "y"}, "nickname"),
        ({"skills": 5}, "skills"),
        ({"skills": ["Not A Slug"]}, "skills[0]"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"external_ref": ""}, "external_ref"),
    ],
)
async def test_bad_candidate_bodies_name_the_field_and_store_nothing(
    api: TestClient, callers: Callers, database_url: str, body: dict, field: str
):
    before = await _count(database_url, "actors")
    _problem(api.post("/v1/candidates", json=body, headers=callers.admin.headers), 400, field)
    assert await _count(database_url, "actors") == before


def test_a_body_that_is_not_json_is_refused(api: TestClient, callers: Callers):
    response = api.post(
        "/v1/candidates",
        content=b"{not json",
        headers={**callers.admin.headers, "Content-Type": "application/json"},
    )
    _problem(response, 400)


def test_a_duplicate_external_ref_is_a_conflict(api: TestClient, callers: Callers):
    ref = f"ext-{os.urandom(4).hex()}"
    assert (
        api.post(
            "/v1/candidates", json={"external_ref": ref}, headers=callers.platform.headers
        ).status_code
        == 201
    )
    _problem(
        api.post("/v1/candidates", json={"external_ref": ref}, headers=callers.platform.headers),
        409,
        "external_ref",
    )
    found = api.get(
        "/v1/candidates", params={"external_ref": ref}, headers=callers.platform.headers
    ).json()
    assert len(found["items"]) == 1


def test_bad_pagination_parameters_name_the_field(api: TestClient, callers: Callers):
    _problem(
        api.get("/v1/candidates", params={"limit": 0}, headers=callers.admin.headers), 400, "limit"
    )
    _problem(
        api.get("/v1/candidates", params={"limit": "many"}, headers=callers.admin.headers),
        400,
        "limit",
    )
    _problem(
        api.get("/v1/candidates", params={"cursor": "garbage!"}, headers=callers.admin.headers),
        400,
        "cursor",
    )


def test_unknown_ids_are_not_found(api: TestClient, callers: Callers):
    _problem(
        api.get(
            "/v1/candidates/00000000-0000-0000-0000-000000000000", headers=callers.admin.headers
        ),
        404,
    )
    _problem(api.get("/v1/trials/no-such-trial", headers=callers.admin.headers), 404, "trial_id")
    _problem(
        api.get(
            "/v1/submissions/00000000-0000-0000-0000-000000000000", headers=callers.admin.headers
        ),
        404,
    )


async def test_invalid_trial_packages_list_every_problem_and_store_nothing(
    api: TestClient, callers: Callers, database_url: str
):
    before = await _count(database_url, "trial_versions")
    package = tar_gz(
        {"trial.toml": b'id = "Bad Id"\ndifficulty = 9\n', "tests/test_x.py": b"def test(:\n"}
    )
    body = _problem(
        api.post(
            "/v1/trials",
            files={"package": ("p.tar.gz", package, "application/gzip")},
            headers=callers.admin.headers,
        ),
        422,
        "package",
    )
    assert len(body["errors"]) >= 3
    _problem(
        api.post(
            "/v1/trials",
            files={"package": ("p.zip", os.urandom(2048), "application/zip")},
            headers=callers.admin.headers,
        ),
        422,
    )
    assert await _count(database_url, "trial_versions") == before


async def test_bad_submissions_are_refused_before_anything_is_stored(
    api: TestClient, callers: Callers, lru_trial: str, database_url: str
):
    path = f"/v1/trials/{lru_trial}/submissions"
    headers = callers.candidate.headers
    before = (await _count(database_url, "submissions"), await _count(database_url, "jobs"))

    _problem(api.post(path, json={"files": {"../escape.py": "x"}}, headers=headers), 422)
    _problem(api.post(path, json={"files": {"/etc/passwd": "x"}}, headers=headers), 422)
    _problem(api.post(path, json={"files": {}}, headers=headers), 422)
    _problem(api.post(path, json={"files": {"a.py": 3}}, headers=headers), 400, "files.a.py")
    _problem(api.post(path, json={"files": {"a.py": "x"}, "extra": 1}, headers=headers), 400)
    _problem(
        api.post(path, content=b"plain", headers={**headers, "Content-Type": "text/plain"}),
        400,
        "content-type",
    )
    _problem(
        api.post(
            path,
            files={"archive": ("a.tar.gz", os.urandom(4096), "application/gzip")},
            headers=headers,
        ),
        422,
        "archive",
    )
    _problem(
        api.post(path, files={"other": ("a.tar.gz", b"x", "application/gzip")}, headers=headers),
        400,
        "archive",
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.py", b"0" * (64 * 1024 * 1024))
    _problem(
        api.post(
            path,
            files={"archive": ("bomb.zip", bomb.getvalue(), "application/zip")},
            headers=headers,
        ),
        422,
    )
    _problem(
        api.post(path, json={"files": {"a.py": "x"}}, headers=callers.platform.headers),
        400,
        "candidate_id",
    )
    _problem(
        api.post(
            path,
            json={"files": {"a.py": "x"}, "candidate_id": "not-a-uuid"},
            headers=callers.platform.headers,
        ),
        400,
    )
    _problem(
        api.post(
            "/v1/trials/no-such-trial/submissions", json={"files": {"a.py": "x"}}, headers=headers
        ),
        404,
        "trial_id",
    )
    too_big = api.post(
        path,
        content=b"x" * (9 * 1024 * 1024),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413
    # files the grader would refuse are refused here, before a 202, by the same rule
    for hijacker in ("conftest.py", "pkg/sitecustomize.py", "pytest.py", "x.pth", "_pytest/a.py"):
        refused = _problem(
            api.post(
                path,
                json={"files": {"lru_cache.py": "x = 1\n", hijacker: "x = 1\n"}},
                headers=headers,
            ),
            422,
            f"files/{hijacker}",
        )
        assert refused["type"] == "urn:trialgate:submission-rejected:harness_file"

    assert (await _count(database_url, "submissions"), await _count(database_url, "jobs")) == before


async def test_an_idempotent_resubmission_returns_the_first_answer(
    api: TestClient, callers: Callers, lru_trial: str, database_url: str
):
    path = f"/v1/trials/{lru_trial}/submissions"
    headers = {**callers.candidate.headers, "Idempotency-Key": f"retry-{os.urandom(4).hex()}"}
    body = {"files": {"lru_cache.py": "class LRUCache: pass\n"}}
    first = api.post(path, json=body, headers=headers)
    before = await _count(database_url, "submissions")
    second = api.post(path, json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("idempotent-replayed") == "true"
    assert await _count(database_url, "submissions") == before
    other = api.post(path, json={"files": {"lru_cache.py": "x = 2\n"}}, headers=headers)
    _problem(other, 409, "Idempotency-Key")


async def test_a_resend_of_the_same_files_packed_anew_is_the_same_request(
    api: TestClient, callers: Callers, lru_trial: str, database_url: str
):
    """The fingerprint covers the content: files, not archive bytes; fields, not spacing."""
    path = f"/v1/trials/{lru_trial}/submissions"
    headers = {**callers.candidate.headers, "Idempotency-Key": f"repack-{os.urandom(4).hex()}"}
    files = {"lru_cache.py": b"class LRUCache: pass\n", "util.py": b"X = 1\n"}

    def packed(mtime: int, order: list[str]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name in order:
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(files[name]), mtime
                tar.addfile(info, io.BytesIO(files[name]))
        return buffer.getvalue()

    first = api.post(
        path,
        files={"archive": ("a.tar.gz", packed(1, ["lru_cache.py", "util.py"]), "application/gzip")},
        headers=headers,
    )
    before = await _count(database_url, "submissions")
    again = api.post(
        path,
        files={"archive": ("b.tar.gz", packed(2, ["util.py", "lru_cache.py"]), "application/gzip")},
        headers=headers,
    )
    as_json = api.post(
        path,
        content=b'{ "files" : {"util.py": "X = 1\\n",  "lru_cache.py": "class LRUCache: pass\\n"}}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert first.status_code == again.status_code == as_json.status_code == 202, as_json.text
    assert first.json()["id"] == again.json()["id"] == as_json.json()["id"]
    assert await _count(database_url, "submissions") == before


def test_registering_an_actor_twice_with_one_idempotency_key_creates_one(
    api: TestClient, callers: Callers
):
    headers = {**callers.platform.headers, "Idempotency-Key": f"actor-{os.urandom(4).hex()}"}
    body = {"external_ref": f"ext-{os.urandom(4).hex()}", "display_name": "Grace"}
    first = api.post("/v1/candidates", json=body, headers=headers)
    second = api.post("/v1/candidates", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("idempotent-replayed") == "true"
    _problem(
        api.post("/v1/candidates", json={**body, "display_name": "Other"}, headers=headers),
        409,
        "Idempotency-Key",
    )
