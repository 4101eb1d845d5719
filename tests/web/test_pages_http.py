"""The pages over plain HTTP: sessions, CSRF, sign-in links, who sees what, form errors."""

from __future__ import annotations

import io
import tarfile
import zipfile
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar.testing import TestClient

from service.signin.links import create_sign_in_link
from service.web.markdown import render
from tests.service.test_api_roles import SOLUTION
from tests.service.test_reputation_model import run_cli
from tests.support import EXAMPLES
from tests.web.conftest import People, Person, csrf_token, open_milestone, sign_in


def _submit(site: TestClient, people: People, trial: str, who) -> str:
    response = site.post(
        f"/v1/trials/{trial}/submissions",
        json={"files": SOLUTION, "candidate_id": str(who.actor_id)},
        headers=people.platform.headers,
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_pages_need_a_session_and_send_to_sign_in(site: TestClient):
    site.cookies.clear()
    response = site.get("/trials?skill=python", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Ftrials%3Fskill%3Dpython"


def test_session_cookie_is_httponly_and_samesite_lax(site: TestClient, people: People):
    site.cookies.clear()
    token = csrf_token(site.get("/sign-in").text)
    response = site.post(
        "/sign-in",
        data={"api_key": people.candidate.key, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/trials"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tg_session="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert site.get("/trials").status_code == 200


def test_a_form_without_its_csrf_token_is_refused_with_a_page(site: TestClient, people: People):
    site.cookies.clear()
    site.get("/sign-in")
    response = site.post("/sign-in", data={"api_key": people.candidate.key})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "security token" in response.text
    assert "tg_session" not in response.headers.get("set-cookie", "")


def test_api_stays_bearer_only_and_csrf_exempt(site: TestClient, people: People):
    site.cookies.clear()
    response = site.post(
        "/v1/candidates", json={"display_name": "Eve"}, headers=people.admin.headers
    )
    assert response.status_code == 201
    sign_in(site, people.admin)  # a browser session is no API credential
    refused = site.post("/v1/candidates", json={"display_name": "Eve"})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_wrong_key_is_named_and_starts_no_session(site: TestClient):
    site.cookies.clear()
    token = csrf_token(site.get("/sign-in").text)
    response = site.post("/sign-in", data={"api_key": "tg_abc_nope", "_csrf_token": token})
    assert response.status_code == 401
    assert "unknown or has been revoked" in response.text
    assert "tg_session" not in response.headers.get("set-cookie", "")


def test_signing_out_ends_the_session(site: TestClient, people: People):
    sign_in(site, people.candidate)
    cookie = site.cookies["tg_session"]
    token = csrf_token(site.get("/trials").text)
    assert (
        site.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    site.cookies.set("tg_session", cookie)  # replaying the old cookie does not help
    assert site.get("/trials", follow_redirects=False).status_code == 303


def test_revoking_a_persons_keys_ends_their_web_sessions(
    site: TestClient,
    people: People,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    created = site.post(
        "/v1/candidates", json={"display_name": "Mallory"}, headers=people.admin.headers
    )
    actor_id = created.json()["id"]
    link = site.post("/v1/sign-in-links", json={"actor_id": actor_id}, headers=people.admin.headers)
    assert link.status_code == 201, link.text
    path = link.json()["url"].removeprefix(str(site.base_url).rstrip("/"))
    site.cookies.clear()
    token = csrf_token(site.get(path).text)
    assert site.post(path, data={"_csrf_token": token}, follow_redirects=False).status_code == 303
    assert site.get("/trials").status_code == 200

    # a bad reference is named and revokes nothing
    code, _, err = run_cli(monkeypatch, capsys, database_url, "keys", "revoke", "mallory")
    assert code == 2 and "'mallory' is not a key" in err
    assert site.get("/trials").status_code == 200
    # every key acting as the person, the one the link made included
    code, out, _ = run_cli(monkeypatch, capsys, database_url, "keys", "revoke", "--actor", actor_id)
    assert code == 0 and "revoked tg_" in out and "web sign-in link" in out
    assert site.get("/trials", follow_redirects=False).status_code == 303
    code, _, err = run_cli(monkeypatch, capsys, database_url, "keys", "revoke", "--actor", actor_id)
    assert code == 1 and "no such active key" in err

    # a single key, named by the whole key as it was handed out
    code, out, _ = run_cli(
        monkeypatch, capsys, database_url, "keys", "create", "--role", "platform", "--name", "old"
    )
    key = out.strip()
    code, out, _ = run_cli(monkeypatch, capsys, database_url, "keys", "revoke", key)
    prefix = "_".join(key.split("_")[:2])  # tg_<prefix>; the secret may hold "_" too
    assert code == 0 and out.startswith(f"revoked {prefix} (platform, old")
    assert site.get("/v1/trials", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_sign_in_link_works_once(site: TestClient, people: People):
    made = site.post(
        "/v1/sign-in-links",
        json={"actor_id": str(people.client.actor_id), "ttl_seconds": 600},
        headers=people.platform.headers,
    )
    assert made.status_code == 201, made.text
    path = made.json()["url"].removeprefix(str(site.base_url).rstrip("/"))
    assert path.startswith("/sign-in/link/")
    site.cookies.clear()
    opened = site.get(path)
    assert opened.status_code == 200 and "Acme Ltd" in opened.text
    token = csrf_token(opened.text)
    used = site.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert used.status_code == 303 and used.headers["location"] == "/candidates"
    site.cookies.clear()
    again = site.get(path)
    token = csrf_token(site.get("/sign-in").text)
    assert again.status_code == 410 and "used already" in again.text
    assert site.post(path, data={"_csrf_token": token}).status_code == 410


async def test_an_expired_sign_in_link_is_refused(
    site: TestClient, people: People, database_url: str
):
    conn = await asyncpg.connect(database_url)
    try:
        link = await create_sign_in_link(
            conn, key_id=people.candidate.key_id, created_by=people.admin.key_id, ttl_seconds=1
        )
        await conn.execute(
            "UPDATE sign_in_links SET expires_at = now() - interval '1 second' "
            "WHERE expires_at = $1",
            link.expires_at,
        )
    finally:
        await conn.close()
    site.cookies.clear()
    assert site.get(link.path).status_code == 410


def test_only_admins_and_platforms_make_sign_in_links(site: TestClient, people: People):
    for person, expected in [(people.client, 403), (people.candidate, 403)]:
        response = site.post(
            "/v1/sign-in-links",
            json={"actor_id": str(people.candidate.actor_id)},
            headers=person.headers,
        )
        assert response.status_code == expected
    unknown = site.post(
        "/v1/sign-in-links", json={"actor_id": str(uuid4())}, headers=people.admin.headers
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "actor_id"


def test_a_candidate_cannot_open_another_candidates_result(
    site: TestClient, people: People, lru_trial: str
):
    theirs = _submit(site, people, lru_trial, people.other_candidate)
    sign_in(site, people.candidate)
    for path in (f"/submissions/{theirs}", f"/submissions/{theirs}/status"):
        response = site.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text and '"status"' not in response.text
    mine = _submit(site, people, lru_trial, people.candidate)
    assert site.get(f"/submissions/{mine}").status_code == 200
    assert site.get(f"/submissions/{mine}/status").json()["status"] in {
        "queued",
        "running",
        "graded",
    }


def test_a_client_cannot_rate_a_milestone_that_is_not_theirs(site: TestClient, people: People):
    milestone = open_milestone(site, people, people.candidate, people.other_client)
    sign_in(site, people.client)
    token = csrf_token(site.get(f"/candidates/{people.candidate.actor_id}").text)
    response = site.post(
        f"/milestones/{milestone}/rating",
        data={"stars": "5", "candidate_id": str(people.candidate.actor_id), "_csrf_token": token},
    )
    assert response.status_code == 404
    read = site.get(f"/v1/milestones/{milestone}", headers=people.platform.headers).json()
    assert read["rating"] is None


def test_signing_in_again_ends_the_previous_session(site: TestClient, people: People):
    sign_in(site, people.candidate)
    first = site.cookies["tg_session"]
    token = csrf_token(site.get("/sign-in").text)
    again = site.post(
        "/sign-in",
        data={"api_key": people.other_candidate.key, "_csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303
    site.cookies.clear()
    site.cookies.set("tg_session", first)
    assert site.get("/trials", follow_redirects=False).status_code == 303  # to sign-in


def test_a_form_sent_after_the_session_ended_leads_to_sign_in_without_a_dead_end(
    site: TestClient, people: People, lru_trial: str
):
    sign_in(site, people.candidate)
    token = csrf_token(site.get(f"/trials/{lru_trial}").text)
    site.cookies.delete("tg_session")
    sent = site.post(
        f"/trials/{lru_trial}/submissions",
        data={"file:lru_cache.py": "x = 1", "_csrf_token": token},
        follow_redirects=False,
    )
    # no ?next= back to a POST-only address, which would end on a 405 page
    assert sent.status_code == 303 and sent.headers["location"] == "/sign-in"


def test_other_clients_see_ratings_only_blended(site: TestClient, people: People):
    created = site.post(
        "/v1/candidates",
        json={"external_ref": f"blend-{uuid4().hex[:8]}", "display_name": "Lin"},
        headers=people.platform.headers,
    )
    assert created.status_code == 201, created.text
    lin = Person(role="candidate", key="", key_id=uuid4(), actor_id=UUID(created.json()["id"]))
    milestone = open_milestone(site, people, lin, people.client)
    rated = site.post(
        f"/v1/milestones/{milestone}/rating",
        json={"stars": 2, "quality": 1},
        headers=people.client.headers,
    )
    assert rated.status_code == 201, rated.text
    sign_in(site, people.other_client)
    seen = site.get(f"/candidates/{lin.actor_id}").text
    assert "1 rating so far" in seen and "of 5 on average" not in seen
    # no refresher runs here: the page says the score is pending instead of computing one
    assert "Not scored yet for standard milestones" in seen
    sign_in(site, people.admin)
    assert "2.0</strong> of 5 on average" in site.get(f"/candidates/{lin.actor_id}").text


def test_a_client_rates_their_milestone_once(site: TestClient, people: People):
    milestone = open_milestone(site, people, people.candidate, people.client)
    sign_in(site, people.client)
    profile = site.get(f"/candidates/{people.candidate.actor_id}")
    assert f'action="/milestones/{milestone}/rating"' in profile.text
    token = csrf_token(profile.text)
    form = {"stars": "4", "quality": "5", "candidate_id": str(people.candidate.actor_id)}
    done = site.post(f"/milestones/{milestone}/rating", data={**form, "_csrf_token": token})
    assert done.status_code == 200 and "your rating is saved" in done.text
    again = site.post(f"/milestones/{milestone}/rating", data={**form, "_csrf_token": token})
    assert again.status_code == 409 and "rated" in again.text
    read = site.get(f"/v1/milestones/{milestone}", headers=people.platform.headers).json()
    assert read["rating"]["stars"] == 4 and read["rating"]["quality"] == 5


def test_a_written_review_is_kept_with_the_rating_and_shown_escaped(
    site: TestClient, people: People
):
    milestone = open_milestone(site, people, people.candidate, people.client)
    sign_in(site, people.client)
    token = csrf_token(site.get(f"/candidates/{people.candidate.actor_id}").text)
    review = "Clear work, <script>alert(1)</script>\r\nand on time."
    too_long = {"stars": "5", "review": "x" * 2001}
    for form, named in [
        (too_long, "at most 2000"),
        ({"stars": "5", "review": "a\x01b"}, "control"),
    ]:
        refused = site.post(
            f"/milestones/{milestone}/rating",
            data={**form, "candidate_id": str(people.candidate.actor_id), "_csrf_token": token},
        )
        assert refused.status_code == 422 and named in refused.text
    assert (
        site.get(f"/v1/milestones/{milestone}", headers=people.platform.headers).json()["rating"]
        is None
    )
    done = site.post(
        f"/milestones/{milestone}/rating",
        data={
            "stars": "5",
            "review": review,
            "candidate_id": str(people.candidate.actor_id),
            "_csrf_token": token,
        },
    )
    assert done.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in done.text and "<script>alert" not in done.text
    read = site.get(f"/v1/milestones/{milestone}", headers=people.platform.headers).json()
    assert read["rating"]["review"] == "Clear work, <script>alert(1)</script>\nand on time."
    # over the API, the same bounds: a NUL or 2001 characters are refused by field
    other = open_milestone(site, people, people.candidate, people.client)
    for body in ({"stars": 4, "review": "a\u0000b"}, {"stars": 4, "review": "y" * 2001}):
        answer = site.post(
            f"/v1/milestones/{other}/rating", json=body, headers=people.client.headers
        )
        assert answer.status_code == 400 and answer.json()["field"] == "review", answer.text


def test_bad_rating_input_names_the_field_and_changes_nothing(site: TestClient, people: People):
    milestone = open_milestone(site, people, people.candidate, people.client)
    sign_in(site, people.client)
    token = csrf_token(site.get(f"/candidates/{people.candidate.actor_id}").text)
    for form, named in [
        ({}, "Overall"),
        ({"stars": "9"}, "Overall"),
        ({"stars": "3", "timeliness": "x"}, "Timeliness"),
    ]:
        response = site.post(
            f"/milestones/{milestone}/rating",
            data={**form, "candidate_id": str(people.candidate.actor_id), "_csrf_token": token},
        )
        assert response.status_code == 422, form
        assert response.headers["content-type"].startswith("text/html")
        assert named in response.text and "1 to 5" in response.text
    read = site.get(f"/v1/milestones/{milestone}", headers=people.platform.headers).json()
    assert read["rating"] is None


def test_a_refused_submission_names_the_file_and_stores_nothing(
    site: TestClient, people: People, lru_trial: str
):
    sign_in(site, people.other_candidate)
    before = site.get(
        f"/v1/candidates/{people.other_candidate.actor_id}/submissions",
        headers=people.admin.headers,
    ).json()["items"]
    token = csrf_token(site.get(f"/trials/{lru_trial}").text)
    response = site.post(
        f"/trials/{lru_trial}/submissions",
        data={"file:../escape.py": "print(1)", "_csrf_token": token},
    )
    assert response.status_code == 422
    assert "../escape.py" in response.text and 'role="alert"' in response.text
    empty = site.post(
        f"/trials/{lru_trial}/submissions",
        files={"archive": ("", b"", "application/octet-stream")},
        data={"_csrf_token": token},
    )
    assert empty.status_code == 422 and "archive" in empty.text
    after = site.get(
        f"/v1/candidates/{people.other_candidate.actor_id}/submissions",
        headers=people.admin.headers,
    ).json()["items"]
    # ids only: an earlier test's submission may still be moving from queued to graded
    assert [s["id"] for s in after] == [s["id"] for s in before]


def test_statements_render_markdown_without_raw_html(
    site: TestClient, people: People, lru_trial: str
):
    html = str(render("# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"))
    assert "<h1>Title</h1>" in html and "<script>" not in html and 'href="javascript' not in html
    sign_in(site, people.candidate)
    page = site.get(f"/trials/{lru_trial}")
    assert page.status_code == 200 and "<h1>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["cache-control"] == "no-store"  # Back after sign-out shows nothing


def test_the_page_and_the_api_hand_out_the_same_download_and_no_hidden_test(
    site: TestClient, people: People, lru_trial: str
):
    example = EXAMPLES / "lru-cache"
    expected = {
        f"{lru_trial}/lru_cache.py": (example / "starter" / "lru_cache.py").read_bytes(),
        f"{lru_trial}/statement.md": (example / "statement.md").read_bytes(),
        **{
            f"{lru_trial}/public_tests/{p.name}": p.read_bytes()
            for p in (example / "public_tests").iterdir()
            if p.is_file()
        },
    }
    sign_in(site, people.candidate)
    # the download opens with the candidate's first attempt at the trial
    site.post(f"/v1/trials/{lru_trial}/attempts", headers=people.candidate.headers)
    page_zip = site.get(f"/trials/{lru_trial}/starter")
    api_zip = site.get(
        f"/v1/trials/{lru_trial}/starter",
        params={"format": "zip"},
        headers=people.candidate.headers,
    )
    api_tar = site.get(f"/v1/trials/{lru_trial}/starter", headers=people.candidate.headers)
    assert page_zip.status_code == api_zip.status_code == api_tar.status_code == 200
    assert page_zip.content == api_zip.content
    assert "attachment" in page_zip.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(page_zip.content)) as archive:
        zipped = {n: archive.read(n) for n in archive.namelist()}
    with tarfile.open(fileobj=io.BytesIO(api_tar.content)) as archive:
        files = {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}
    assert zipped == files
    guide = files.pop(f"{lru_trial}/TRIALGATE.md").decode()
    assert "python -m pytest public_tests" in guide
    assert files == expected  # the starter, the statement, the public tests: no hidden test
    assert site.get("/trials/no-such-trial/starter").status_code == 404


def test_errors_are_pages_for_people_and_problems_for_the_api(site: TestClient, people: People):
    sign_in(site, people.candidate)
    page = site.get("/trials/no-such-trial")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text
    # the navigation stays, so the person can go on; no internal names (field ids) shown
    assert 'href="/submissions"' in page.text and "About:" not in page.text
    # error pages carry the same protective headers as every other page
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    assert site.get("/operator").status_code == 403
    api = site.get("/v1/trials/no-such-trial", headers=people.candidate.headers)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_operator_page_shows_the_queue_models_and_policies(site: TestClient, people: People):
    sign_in(site, people.admin)
    page = site.get("/operator")
    assert page.status_code == 200
    for text in (
        "Queue",
        "Runs per hour",
        "Verdicts",
        "Recent failures",
        "Model versions",
        "standard",
        # the seeded expert policy, in words
        "Score at least 70",
        "2 trials in every skill the milestone asks for scored 80% or more within 540 days",
        "Only a trained model&#39;s score counts, not the prior",
    ):
        assert text in page.text
