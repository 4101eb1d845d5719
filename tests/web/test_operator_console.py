"""The operator's console: every submission filtered and paged, the queue with its workers and
parked jobs (retry, cancel), and the operations page's figures as links, over HTTP and in
Chromium.

The `site` app has no worker. Rows that must be graded, parked or running are written
straight into the database for candidates that never submitted through the API: such a
candidate has no turn in the fair queue, so no worker (the live server's included) ever
claims their jobs, and each test sees exactly the states it wrote.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar.testing import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from service.repo.operations import HourCount
from service.web import hours_chart
from tests.service.test_api_roles import SOLUTION
from tests.support import new_caller
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import People, Person, csrf_token, sign_in

__all__ = ["browser", "screenshots"]  # fixtures used below

ROW = re.compile(r'data-submission="([0-9a-f-]{36})"')
NEXT = re.compile(r'href="([^"]+)" id="next-page"')


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection that commits: the app must see what the test writes."""
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


async def _candidate(conn: asyncpg.Connection, name: str) -> Person:
    return await new_caller(conn, "candidate", "candidate", f"{name} {uuid4().hex[:8]}")


async def _submission(
    conn: asyncpg.Connection,
    candidate: Person,
    trial: str,
    *,
    status: str = "queued",
    job: str = "queued",
    verdict: str | None = None,
    score: float = 0.0,
    practice: bool = False,
    sent: datetime | None = None,
    attempts: int = 0,
    error: str | None = None,
) -> UUID:
    """A submission with its job in the given states; graded ones get a result."""
    submission_id: UUID = await conn.fetchval(
        "INSERT INTO submissions (trial_version_id, candidate_id, archive, archive_sha256, "
        "file_count, status, practice, created_at, graded_at) "
        "SELECT current_version_id, $1, '\\x00'::bytea, repeat('0', 64), 1, $3, $4, "
        "coalesce($5, clock_timestamp()), CASE WHEN $3 = 'graded' THEN clock_timestamp() END "
        "FROM trials WHERE id = $2 RETURNING id",
        candidate.actor_id,
        trial,
        status,
        practice,
        sent,
    )
    await conn.execute(
        "INSERT INTO jobs (kind, submission_id, state, attempts, run_after, last_error, "
        "finished_at) VALUES ('grade', $1, $2, $3, now() + interval '1 day', $4, "
        "CASE WHEN $2 IN ('done', 'failed') THEN now() END)",
        submission_id,
        job,
        attempts,
        error,
    )
    if verdict is not None:
        await conn.execute(
            "INSERT INTO results (submission_id, verdict, score, tests, duration_ms, "
            "peak_memory_mb) VALUES ($1, $2, $3, '[]'::jsonb, 10, 1)",
            submission_id,
            verdict,
            score,
        )
    return submission_id


async def _parked(conn: asyncpg.Connection, candidate: Person, trial: str, error: str) -> UUID:
    return await _submission(
        conn, candidate, trial, status="failed", job="failed", attempts=5, error=error
    )


async def _job(conn: asyncpg.Connection, submission_id: UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT j.state, j.attempts, j.last_error, s.status FROM jobs j "
        "JOIN submissions s ON s.id = j.submission_id WHERE j.submission_id = $1",
        submission_id,
    )
    assert row is not None
    return row


def _listed(site: TestClient, query: str) -> list[str]:
    response = site.get(f"/operator/submissions?{query}")
    assert response.status_code == 200, response.text
    return ROW.findall(response.text)


def _post(site: TestClient, path: str) -> object:
    token = csrf_token(site.get("/operator/queue").text)
    return site.post(path, data={"_csrf_token": token}, follow_redirects=False)


async def test_filters_narrow_the_list_of_every_submission(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    ada, bob, api_made = (
        await _candidate(conn, "Ada Console"),
        await _candidate(conn, "Bob Console"),
        await _candidate(conn, "Cy Console"),
    )
    made = site.post(
        f"/v1/trials/{lru_trial}/submissions",
        json={"files": SOLUTION, "candidate_id": str(api_made.actor_id)},
        headers=people.platform.headers,
    )
    assert made.status_code == 202, made.text
    through_api = made.json()["id"]
    accepted = await _submission(
        conn, ada, lru_trial, status="graded", job="done", verdict="accepted", score=1.0
    )
    practice = await _submission(
        conn,
        ada,
        lru_trial,
        status="graded",
        job="done",
        verdict="partial",
        score=0.5,
        practice=True,
    )
    parked = await _parked(conn, bob, lru_trial, "the grader gave up")
    old = await _submission(
        conn, bob, lru_trial, sent=datetime(2020, 1, 15, 12, tzinfo=UTC), attempts=2
    )

    sign_in(site, people.admin)
    page = site.get(f"/operator/submissions?candidate={api_made.actor_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert ROW.findall(page.text) == [through_api]  # the API's submission, queued or graded
    assert f'href="/submissions/{through_api}"' in page.text
    assert api_made.key not in page.text

    everyone = _listed(site, "limit=200")
    assert {str(accepted), str(practice), str(parked)} <= set(everyone)
    assert _listed(site, f"candidate={ada.actor_id}") == [str(practice), str(accepted)]
    # a part of the name, in any case; % and _ are matched as themselves
    bob_name = site.get(f"/operator/submissions?candidate={bob.actor_id}").text
    assert "Bob Console" in bob_name
    assert _listed(site, "candidate=bOB+consOLE") == [str(parked), str(old)]
    assert _listed(site, "candidate=b%25b+console") == []

    ada_only = f"candidate={ada.actor_id}"
    assert _listed(site, f"{ada_only}&verdict=accepted") == [str(accepted)]
    assert _listed(site, f"{ada_only}&practice=yes") == [str(practice)]
    assert _listed(site, f"{ada_only}&practice=no") == [str(accepted)]
    assert _listed(site, f"{ada_only}&trial={lru_trial}&status=graded") == [
        str(practice),
        str(accepted),
    ]
    assert _listed(site, f"{ada_only}&status=queued") == []
    bob_only = f"candidate={bob.actor_id}"
    assert _listed(site, f"{bob_only}&status=failed") == [str(parked)]
    assert _listed(site, f"{bob_only}&from=2020-01-15&to=2020-01-15") == [str(old)]
    assert _listed(site, f"{bob_only}&from=2020-01-15T13:00&to=2020-01-16") == []
    assert _listed(site, f"{bob_only}&to=2020-01-31") == [str(old)]
    today = datetime.now(UTC).date().isoformat()
    assert _listed(site, f"{ada_only}&by=graded&from={today}") == [str(practice), str(accepted)]
    assert _listed(site, f"{bob_only}&by=graded&from=2000-01-01") == []  # never graded

    shown = site.get(f"/operator/submissions?{ada_only}").text
    assert "Accepted" in shown and "Partly correct" in shown and "100%" in shown
    assert "practice" in shown and "Ada Console" in shown
    parked_row = site.get(f"/operator/submissions?{bob_only}&status=failed").text
    assert "Could not be graded" in parked_row and "parked" in parked_row
    assert "5 of 5" in parked_row  # the job's attempts
    # each row opens the submission page, which an admin may read
    assert site.get(f"/submissions/{accepted}").status_code == 200


async def test_the_list_pages_newest_first_with_a_cursor(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    dee = await _candidate(conn, "Dee Console")
    start = datetime(2024, 6, 1, 9, tzinfo=UTC)
    sent = [
        await _submission(conn, dee, lru_trial, sent=start + timedelta(minutes=i)) for i in range(5)
    ]
    newest_first = [str(s) for s in reversed(sent)]
    sign_in(site, people.admin)
    seen: list[str] = []
    url = f"/operator/submissions?candidate={dee.actor_id}&limit=2"
    pages = 0
    while url:
        page = site.get(url)
        assert page.status_code == 200, page.text
        rows = ROW.findall(page.text)
        assert 1 <= len(rows) <= 2
        seen += rows
        pages += 1
        found = NEXT.search(page.text)
        url = html.unescape(found.group(1)) if found else ""
        if found:  # the next page keeps the filters
            assert f"candidate={dee.actor_id}" in url and "limit=2" in url
            assert 'id="first-page"' in site.get(url).text
    assert seen == newest_first and pages == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("verdict=great", "verdict"),
        ("status=lost", "status"),
        ("trial=no-such-trial", "trial"),
        ("practice=maybe", "practice"),
        ("by=whenever", "by"),
        ("from=yesterday", "from"),
        ("from=2024-02-30", "from"),
        ("to=1066-10-14", "to"),
        ("from=2024-03-02&to=2024-03-01", "to"),
        ("limit=0", "limit"),
        ("limit=9999999999999999999999", "limit"),
        ("candidate=a%07b", "candidate"),
        ("candidate=" + "x" * 201, "candidate"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_a_bad_filter_is_a_422_page_naming_the_filter(
    site: TestClient, people: People, query: str, field: str
):
    sign_in(site, people.admin)
    page = site.get(f"/operator/submissions?{query}")
    assert page.status_code == 422, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert f'data-field="{field}"' in page.text
    message = re.search(r'id="filter-error"[^>]*>([^<]+)<', page.text)
    assert message and field in message.group(1).lower(), page.text
    assert 'id="filters"' in page.text  # the form stays, to be corrected
    assert "Traceback" not in page.text


def test_a_nul_in_a_filter_is_refused_before_the_page_by_the_apps_own_guard(
    site: TestClient, people: People
):
    sign_in(site, people.admin)
    page = site.get("/operator/submissions?candidate=a%00b")
    assert page.status_code == 400 and "candidate holds a NUL character" in page.text


def test_the_console_is_for_admins_only(site: TestClient, people: People):
    target = f"/operator/queue/{uuid4()}/cancel"
    for person in (people.candidate, people.client, people.platform):
        sign_in(site, person)
        for path in ("/operator/submissions", "/operator/queue"):
            assert site.get(path).status_code == 403, (person.role, path)
        token = csrf_token(site.get("/sign-in").text)
        for path in (target, "/operator/queue/retry-all"):
            assert site.post(path, data={"_csrf_token": token}).status_code == 403
    site.cookies.clear()
    for path in ("/operator/submissions?verdict=accepted", "/operator/queue"):
        response = site.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=%2Foperator%2F")
    sign_in(site, people.admin)
    queue = site.get("/operator/queue")
    assert queue.status_code == 200 and queue.headers["cache-control"] == "no-store"
    without_token = site.post("/operator/queue/retry-all", follow_redirects=False)
    assert without_token.status_code == 403 and "security token" in without_token.text


async def test_retry_and_cancel_change_exactly_that_parked_job(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    eve = await _candidate(conn, "Eve Console")
    first, second, third = [
        await _parked(conn, eve, lru_trial, f"<b>grader error {n}</b>") for n in (1, 2, 3)
    ]
    running = await _submission(conn, eve, lru_trial, status="running", job="running")
    graded = await _submission(
        conn, eve, lru_trial, status="graded", job="done", verdict="failed", score=0.0
    )
    sign_in(site, people.admin)
    queue = site.get("/operator/queue").text
    for parked in (first, second, third):
        assert f'action="/operator/queue/{parked}/retry"' in queue
        assert f'action="/operator/queue/{parked}/cancel"' in queue
    assert "&lt;b&gt;grader error 1&lt;/b&gt;" in queue and "<b>grader" not in queue
    assert "does not count against them" in queue  # what cancel means, said where it is done

    retried = _post(site, f"/operator/queue/{first}/retry")
    assert retried.status_code == 303
    assert retried.headers["location"] == "/operator/queue?retried=1"
    assert "1 job queued again" in site.get(retried.headers["location"]).text
    again = await _job(conn, first)
    assert (again["state"], again["status"], again["attempts"]) == ("queued", "queued", 0)
    assert again["last_error"].startswith("retried by an operator after: ")
    for untouched in (second, third):
        assert (await _job(conn, untouched))["state"] == "failed"

    cancelled = _post(site, f"/operator/queue/{second}/cancel")
    assert cancelled.status_code == 303
    assert "does not count against the candidate" in site.get(cancelled.headers["location"]).text
    gone = await _job(conn, second)
    assert (gone["state"], gone["status"]) == ("done", "failed")
    assert gone["last_error"] == "cancelled by an operator after: <b>grader error 2</b>"
    assert (await _job(conn, third))["state"] == "failed"
    assert (await _job(conn, first))["state"] == "queued"
    listed = site.get(f"/operator/submissions?candidate={eve.actor_id}&status=failed").text
    assert "cancelled" in listed and "Could not be graded" in listed

    # only a parked job can be cancelled or retried: any other is left alone, and said so
    for other in (first, second, running, graded, uuid4()):
        before = await conn.fetchrow("SELECT * FROM jobs WHERE submission_id = $1", other)
        for action in ("cancel", "retry"):
            refused = _post(site, f"/operator/queue/{other}/{action}")
            assert refused.status_code == 409, (other, action)
            assert "is not parked" in refused.text and str(other) in refused.text
        after = await conn.fetchrow("SELECT * FROM jobs WHERE submission_id = $1", other)
        assert before == after
    assert (await _job(conn, third))["state"] == "failed"


async def test_retry_all_queues_every_parked_job(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    fay = await _candidate(conn, "Fay Console")
    parked = [await _parked(conn, fay, lru_trial, "worker crashed") for _ in range(2)]
    sign_in(site, people.admin)
    response = _post(site, "/operator/queue/retry-all")
    assert response.status_code == 303
    assert re.fullmatch(r"/operator/queue\?retried=\d+", response.headers["location"])
    assert int(response.headers["location"].rsplit("=", 1)[1]) >= 2
    for submission_id in parked:
        assert (await _job(conn, submission_id))["state"] == "queued"
    nothing = _post(site, "/operator/queue/retry-all")
    assert nothing.headers["location"] == "/operator/queue?retried=0"
    assert "nothing to retry" in site.get(nothing.headers["location"]).text


async def test_the_queue_shows_running_jobs_their_workers_and_the_oldest_wait(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    gus = await _candidate(conn, "Gus Console")
    alive, dead = f"console-test:{uuid4().hex[:6]}:1", f"console-gone:{uuid4().hex[:6]}:2"
    busy = await _submission(conn, gus, lru_trial, status="running", job="running", attempts=1)
    stuck = await _submission(conn, gus, lru_trial, status="running", job="running", attempts=2)
    waiting = await _submission(conn, gus, lru_trial)
    await conn.execute(
        "UPDATE jobs SET lease_owner = $2, heartbeat_at = now() - interval '30 seconds', "
        "lease_expires_at = now() + interval '10 minutes' WHERE submission_id = $1",
        busy,
        alive,
    )
    await conn.execute(
        "UPDATE jobs SET lease_owner = $2, heartbeat_at = now() - interval '20 minutes', "
        "lease_expires_at = now() + interval '1 day' WHERE submission_id = $1",
        stuck,
        dead,
    )
    # written apart: an expired lease is one a worker may take over at once
    await conn.execute(
        "UPDATE jobs SET lease_expires_at = now() - interval '5 minutes', "
        "created_at = now() - interval '2 hours' WHERE submission_id = $1",
        stuck,
    )
    await conn.execute(
        "UPDATE jobs SET created_at = now() - interval '3 days' WHERE submission_id = $1",
        waiting,
    )
    sign_in(site, people.admin)
    page = site.get("/operator/queue").text
    workers = page[page.index('id="workers"') : page.index('id="running-card"')]
    assert alive in workers and dead in workers
    assert "probably gone" in workers
    running = page[page.index('id="running-jobs"') : page.index('id="waiting-card"')]
    assert f'href="/submissions/{busy}"' in running and "Gus Console" in running
    assert "runs out in" in running and "ran out 5 min" in running
    assert "30 s ago" in running or "31 s ago" in running
    assert 'id="oldest-wait"' in page
    row = re.search(rf'href="/submissions/{waiting}">.*?</tr>', page, re.DOTALL)
    assert row and "72 h" in row.group(0)  # waited three days


def _figures_match_their_lists(site: TestClient) -> bool:
    """Each verdict's count, and the last 24 hours', is the number of rows its link lists."""
    page = site.get("/operator").text
    figures = re.findall(
        r'<a class="bar-label" href="([^"]+)" data-verdict="\w+">[^<]*</a><svg.*?'
        r'class="bar-value"[^>]*>(\d+)<',
        page,
    )
    last_day = re.search(r'href="([^"]+)" id="last-day">(\d+)<', page)
    assert figures and last_day
    for href, count in [*figures, last_day.groups()]:
        query = html.unescape(href).split("?", 1)[1]
        if int(count) <= 200 and len(_listed(site, query + "&limit=200")) != int(count):
            return False
    return True


async def test_the_operations_page_figures_open_exactly_their_runs(
    site: TestClient, people: People, lru_trial: str, conn: asyncpg.Connection
):
    hal = await _candidate(conn, "Hal Console")
    await _submission(conn, hal, lru_trial, status="graded", job="done", verdict="accepted")
    await _submission(conn, hal, lru_trial, status="graded", job="done", verdict="internal_error")
    sign_in(site, people.admin)
    # A worker grading elsewhere in the session may add a run between two reads: read again.
    for _ in range(3):
        if _figures_match_their_lists(site):
            break
    else:
        raise AssertionError("a figure on /operator does not match the runs its link opens")
    page = site.get("/operator").text
    for link in ('href="/operator/queue"', 'href="/operator/submissions"', "#parked"):
        assert link in page
    assert 'class="verdict-fill verdict-fill-accepted"' in page
    assert 'class="verdict-fill verdict-fill-internal_error"' in page
    assert {"accepted", "internal_error"} <= set(re.findall(r'data-verdict="(\w+)"', page))
    # the chart has a count scale and hour labels
    scale = re.search(r'<ol class="hc-scale"[^>]*>(.*?)</ol>', page)
    assert scale and re.findall(r"<li>(\d+)</li>", scale.group(1))[-1] == "0"
    assert re.search(r"<span>\d\d:00<small>\d{1,2} \w{3}</small></span>", page)


def test_the_hours_chart_has_a_round_scale_and_dates_where_the_day_changes():
    assert [hours_chart.scale_step(n) for n in (0, 1, 4, 5, 8, 9, 21, 41, 199, 201)] == [
        1, 1, 1, 2, 2, 5, 10, 20, 50, 100,
    ]  # fmt: skip
    start = datetime(2025, 3, 1, 19, tzinfo=UTC)
    hours = [HourCount(hour=start + timedelta(hours=i), runs=i % 7) for i in range(24)]
    chart = hours_chart.build(hours)
    assert chart.ticks == [0, 2, 4, 6, 8] and chart.busiest == 6
    assert chart.total == sum(h.runs for h in hours)
    labelled = [(label.text, label.day, label.major) for label in chart.labels if label.text]
    assert labelled == [
        ("21:00", "", False),
        ("00:00", "2 Mar", True),  # the first major label, and the day changes there
        ("03:00", "", False),
        ("06:00", "", True),
        ("09:00", "", False),
        ("12:00", "", True),
        ("15:00", "", False),
        ("18:00", "", True),
    ]
    tallest = max(chart.bars, key=lambda b: b.runs)
    assert tallest.height == pytest.approx(75) and tallest.y == pytest.approx(25)
    assert chart.bars[0].href.startswith("/operator/submissions?by=graded&from=2025-03-01T19%3A00")


@pytest.mark.docker
async def test_operator_follows_a_verdict_to_its_runs_and_opens_the_queue(
    live_server: str,
    people: People,
    lru_trial: str,
    browser: WebDriver,
    screenshots: Path,
    conn: asyncpg.Connection,
):
    ivy = await _candidate(conn, "Ivy Console")
    accepted = await _submission(
        conn, ivy, lru_trial, status="graded", job="done", verdict="accepted", score=1.0
    )
    await _parked(conn, ivy, lru_trial, "the sandbox image was missing")
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{live_server}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(people.admin.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.current_url.endswith("/operator"))
    assert driver.find_elements(By.CSS_SELECTOR, "#hours-chart .hc-scale li")
    capture(driver, screenshots, "operator-console")
    capture(driver, screenshots, "operator-console-phone", size=PHONE)

    driver.find_element(
        By.CSS_SELECTOR, "#verdict-mix a.bar-label[data-verdict='accepted']"
    ).click()
    wait_for(driver, lambda d: "verdict=accepted" in d.current_url)
    table = wait_for(driver, lambda d: d.find_elements(By.ID, "submissions"))[0]
    verdicts = {
        cell.get_attribute("data-verdict")
        for cell in table.find_elements(By.CSS_SELECTOR, "[data-verdict]")
    }
    assert verdicts == {"accepted"}
    assert table.find_elements(By.CSS_SELECTOR, f"a[href='/submissions/{accepted}']")
    assert driver.find_element(By.ID, "f-verdict").get_attribute("value") == "accepted"
    capture(driver, screenshots, "operator-submissions")
    capture(driver, screenshots, "operator-submissions-phone", size=PHONE)

    driver.find_element(By.LINK_TEXT, "Queue and workers").click()
    wait_for(driver, lambda d: d.current_url.endswith("/operator/queue"))
    parked = wait_for(driver, lambda d: d.find_elements(By.ID, "parked-jobs"))[0]
    assert "the sandbox image was missing" in parked.text
    assert parked.find_elements(By.XPATH, ".//button[normalize-space()='Retry']")
    assert parked.find_elements(By.XPATH, ".//button[normalize-space()='Cancel']")
    capture(driver, screenshots, "operator-queue")
    capture(driver, screenshots, "operator-queue-phone", size=PHONE)
