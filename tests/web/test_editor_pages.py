"""The trial page's editor over plain HTTP: its files come from the app, the textareas stay
the form, a refused submission comes back in the editor, and sign-in returns only to paths
on this site."""

from __future__ import annotations

import asyncio
import html
import re
from urllib.parse import quote

import asyncpg
import pytest
from litestar.testing import TestClient

from tests.support import STARTER_LRU, Caller, new_caller
from tests.web.conftest import csrf_token, sign_in

ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"')


def fresh_candidate(database_url: str, name: str = "Ada") -> Caller:
    """A candidate of their own, so no other test's attempt at the trial is in the way."""

    async def make() -> Caller:
        conn = await asyncpg.connect(database_url)
        try:
            return await new_caller(conn, "candidate", "candidate", name)
        finally:
            await conn.close()

    return asyncio.run(make())


def _opened_trial_page(site: TestClient, candidate: Caller, trial: str) -> str:
    """The trial page once the candidate has started an attempt (the editor shows then)."""
    started = site.post(f"/v1/trials/{trial}/attempts", headers=candidate.headers)
    assert started.status_code == 201, started.text
    sign_in(site, candidate)
    page = site.get(f"/trials/{trial}")
    assert page.status_code == 200
    return page.text


def _textarea(page: str, path: str) -> str:
    found = re.search(
        rf'<textarea [^>]*name="file:{re.escape(path)}"[^>]*>(.*?)</textarea>', page, re.S
    )
    assert found, f"no textarea for {path}"
    return html.unescape(found.group(1))


def test_the_trial_page_serves_its_editor_from_the_app_and_keeps_the_textareas(
    site: TestClient, lru_trial: str, database_url: str
):
    page = _opened_trial_page(site, fresh_candidate(database_url), lru_trial)
    # without JavaScript the textarea is the form field, holding the starter exactly (the
    # newline after the tag is the one HTML drops)
    assert _textarea(page, "lru_cache.py") == "\n" + STARTER_LRU["lru_cache.py"]
    assert 'id="editor-form"' in page and 'wrap="off"' in page
    assets = ASSET.findall(page)
    wanted = {
        "/static/vendor/codemirror/codemirror.js": "javascript",
        "/static/vendor/codemirror/python.js": "javascript",
        "/static/vendor/codemirror/codemirror.css": "text/css",
        "/static/editor.js": "javascript",
        "/static/session.js": "javascript",
    }
    assert set(wanted) <= set(assets), assets
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), "no other origin"
    for path, kind in wanted.items():
        served = site.get(path)
        assert served.status_code == 200, f"{path}: run `make assets` (part of `make setup`)"
        assert kind in served.headers["content-type"], path
    assert "CodeMirror" in site.get("/static/vendor/codemirror/codemirror.js").text


def test_a_refused_submission_comes_back_in_the_editor_with_the_error_in_focus(
    site: TestClient, lru_trial: str, database_url: str
):
    page = _opened_trial_page(site, fresh_candidate(database_url), lru_trial)
    edited = "class LRUCache:\n    pass  # my own code\n"
    refused = site.post(
        f"/trials/{lru_trial}/submissions",
        data={
            "file:lru_cache.py": edited.replace("\n", "\r\n"),  # as a browser sends it
            "file:../escape.py": "print(1)",
            "_csrf_token": csrf_token(page),
        },
    )
    assert refused.status_code == 422
    error = re.search(r'<p [^>]*id="submit-error"[^>]*>', refused.text)
    assert error and "autofocus" in error.group(0) and 'tabindex="-1"' in error.group(0)
    # the edited file, and its starter beside it for "Discard draft"
    assert _textarea(refused.text, "lru_cache.py") == "\n" + edited
    starter = re.search(r'data-starter="([^"]*)"', refused.text)
    assert starter and html.unescape(starter.group(1)) == STARTER_LRU["lru_cache.py"]

    # an upload refused: the editor was not sent, so it shows the starter and no data-starter
    # (the browser's own draft, if any, is what the editor then shows)
    empty = site.post(
        f"/trials/{lru_trial}/submissions",
        files={"archive": ("", b"", "application/octet-stream")},
        data={"_csrf_token": csrf_token(page)},
    )
    assert empty.status_code == 422 and 'id="submit-error"' in empty.text
    assert "data-starter" not in empty.text
    assert _textarea(empty.text, "lru_cache.py") == "\n" + STARTER_LRU["lru_cache.py"]


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/trials/lru-cache-web?skill=python", "/trials/lru-cache-web?skill=python"),
        ("/submissions", "/submissions"),
        ("//evil.example/", "/trials"),
        ("/\\evil.example/", "/trials"),
        ("https://evil.example/", "/trials"),
        ("javascript:alert(1)", "/trials"),
        ("/\t/evil.example/", "/trials"),  # browsers drop the tab: //evil.example
        ("/\n/evil.example/", "/trials"),
        ("evil.example", "/trials"),
        ("", "/trials"),
    ],
)
def test_signing_in_returns_only_to_a_path_on_this_site(
    site: TestClient, database_url: str, asked: str, lands: str
):
    candidate = fresh_candidate(database_url)
    site.cookies.clear()
    form = site.get(f"/sign-in?next={quote(asked, safe='')}").text
    shown = re.search(r'name="next" value="([^"]*)"', form)
    assert shown and html.unescape(shown.group(1)) == (asked if lands == asked else "")
    # a forged form is held to the same rule as the link
    answer = site.post(
        "/sign-in",
        data={"api_key": candidate.key, "next": asked, "_csrf_token": csrf_token(form)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == lands
