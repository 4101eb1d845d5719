"""What a client sees: candidates by name, found by either id, searched, filtered and paged;
a profile whose score has its context (eligibility per tier, rank, reasons either way)
and a work history; all within the client's own organization.

The candidates live in an organization of this module's own, so ranks and lists do not
depend on what other tests created. No refresher runs behind `site`: the reputations are
stored here directly, once every event that would mark them for a refresh is in.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import msgspec
import pytest
from litestar.testing import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from scoring.reputation.model import SkillScore
from scoring.reputation.reasons import Reason
from service.repo import reputation as reputation_repo
from service.repo import score_history
from service.repo.organizations import insert_organization
from service.repo.reputation import ReputationWrite
from service.repo.score_history import ScorePoint
from service.web import chart
from tests.support import Caller, new_caller
from tests.web.browser import PHONE, browser, capture, screenshots, wait_for
from tests.web.conftest import People, sign_in

__all__ = ["browser", "screenshots"]  # fixtures used below

PAGING = 30  # candidates named "Paging person NN": more than one page of 25


class Org(msgspec.Struct, frozen=True, kw_only=True):
    platform: Caller
    # a platform of its own for the paging test: its 30 candidates, scored by any refresher
    # running in the session, stay out of the ranks the other tests read
    paging_platform: Caller
    client: Caller
    other_client: Caller
    ids: dict[str, UUID]  # by platform id
    elsewhere: UUID  # "c000057" of the default organization: same platform id, another person
    first_milestone: datetime  # Ada's first milestone opened then, before she was registered
    rated: str  # Ada's milestone the client rated 4 stars
    disputed: str  # Ada's milestone with the client, disputed, not rated
    others: str  # Ada's milestone with the other client, rated 2 stars


# platform id: (name, skills, stored standard score, lower bound, evidence, source)
CANDIDATES = {
    "c000057": ("Ada Lovelace", ["python", "sql"], 91.0, 80.0, 40, "model"),
    "c000058": ("Grace Hopper", ["cobol"], 62.0, 40.0, 9, "model"),
    "c000059": ("", ["python"], 35.0, 20.0, 3, "prior"),
    "c000060": ("Alan Turing", ["python", "go"], 80.0, 66.0, 20, "model"),
    "c000061": ("Edsger Dijkstra", ["go"], 20.0, 5.0, 1, "prior"),
    "c000062": ("Barbara Liskov", ["python"], 50.0, 30.0, 6, "model"),
    "c000063": ("Katherine Johnson", [], 88.0, 75.0, 30, "model"),
}
ADA_REASONS = (
    Reason(
        code="high_trial_scores",
        text="Strong trial results in the requested skills",
        feature="trial_best_skill",
        effect=6.2,
    ),
    Reason(
        code="few_ratings", text="Few client ratings so far", feature="rating_evidence", effect=-3.4
    ),
    Reason(
        code="strong_track_record",
        text="Most milestones were accepted on time",
        feature="good_share",
        effect=1.6,
    ),
)


def _created(site: TestClient, platform: Caller, body: dict) -> UUID:
    response = site.post("/v1/candidates", json=body, headers=platform.headers)
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


def _milestone(
    site: TestClient,
    platform: Caller,
    client: Caller,
    candidate: UUID,
    *,
    amount: float,
    opened: datetime,
    outcome: str,
    on_time: bool,
    currency: str | None = None,
) -> str:
    headers = platform.headers
    engagement = site.post(
        "/v1/engagements",
        json={"client": str(client.actor_id), "candidate": str(candidate)},
        headers=headers,
    )
    assert engagement.status_code == 201, engagement.text
    made = site.post(
        "/v1/milestones",
        json={
            "engagement": engagement.json()["id"],
            "tier": "standard",
            "skills": ["python"],
            "amount": amount,
            **({"currency": currency} if currency else {}),
            "due": (opened + timedelta(days=7)).isoformat(),
            "at": opened.isoformat(),
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    milestone = made.json()["id"]
    ended = site.post(
        f"/v1/milestones/{milestone}/outcome",
        json={"outcome": outcome, "on_time": on_time},
        headers=headers,
    )
    assert ended.status_code == 201, ended.text
    return milestone


def _rate(site: TestClient, client: Caller, milestone: str, stars: int) -> None:
    rated = site.post(
        f"/v1/milestones/{milestone}/rating", json={"stars": stars}, headers=client.headers
    )
    assert rated.status_code == 201, rated.text


async def _store_reputations(database_url: str, ids: dict[str, UUID]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        now = datetime.now(UTC)
        rows = [
            ReputationWrite(
                candidate_id=ids[ref],
                tier="standard",
                score=score,
                lower_bound=lower,
                upper_bound=min(100.0, score + 8),
                evidence=evidence,
                effective_evidence=float(evidence),
                per_skill=tuple(
                    SkillScore(skill=s, score=score, effective_evidence=1.0) for s in skills
                ),
                reasons=ADA_REASONS if ref == "c000057" else (),
                model_version="test" if source == "model" else "prior",
                source=source,  # type: ignore[arg-type]
                as_of=now,
            )
            for ref, (_, skills, score, lower, evidence, source) in CANDIDATES.items()
        ]
        async with conn.transaction():
            # Nothing may re-score them: a refresher running in this session takes only these.
            await conn.execute(
                "DELETE FROM reputation_dirty WHERE candidate_id = ANY($1::uuid[])",
                list(ids.values()),
            )
            await reputation_repo.upsert(conn, rows, computed_at=now)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def org(site: TestClient, people: People, database_url: str) -> Org:
    conn = await asyncpg.connect(database_url)
    try:
        made = await insert_organization(conn, slug=f"cp-{uuid4().hex[:8]}", name="Client pages")
        paging = await insert_organization(conn, slug=f"cq-{uuid4().hex[:8]}", name="Paging")
        paging_platform = await new_caller(conn, "platform", None, "Paging platform", paging.id)
        platform = await new_caller(conn, "platform", None, "Talent platform", made.id)
        client = await new_caller(conn, "client", "client", "Initech", made.id)
        other_client = await new_caller(conn, "client", "client", "Umbrella", made.id)
    finally:
        await conn.close()
    ids = {
        ref: _created(site, platform, {"external_ref": ref, "display_name": name, "skills": skills})
        for ref, (name, skills, *_) in CANDIDATES.items()
    }
    for n in range(1, PAGING + 1):
        _created(
            site,
            paging_platform,
            {"external_ref": f"p{n:03d}", "display_name": f"Paging person {n:02d}"},
        )
    elsewhere = _created(
        site,
        people.platform,
        {"external_ref": "c000057", "display_name": "Ada Elsewhere", "skills": ["python"]},
    )
    ada = ids["c000057"]
    first = datetime.now(UTC) - timedelta(days=40)
    rated = _milestone(
        site,
        platform,
        client,
        ada,
        amount=1200,
        opened=first,
        outcome="accepted",
        on_time=True,
        currency="EUR",
    )
    _rate(site, client, rated, 4)
    disputed = _milestone(
        site,
        platform,
        client,
        ada,
        amount=350.5,
        opened=first + timedelta(days=20),
        outcome="disputed",
        on_time=False,
    )
    others = _milestone(
        site,
        platform,
        other_client,
        ada,
        amount=90,
        opened=first + timedelta(days=25),
        outcome="accepted",
        on_time=True,
    )
    _rate(site, other_client, others, 2)
    await _store_reputations(database_url, ids)
    return Org(
        platform=platform,
        paging_platform=paging_platform,
        client=client,
        other_client=other_client,
        ids=ids,
        elsewhere=elsewhere,
        first_milestone=first,
        rated=rated,
        disputed=disputed,
        others=others,
    )


async def _forget(database_url: str, candidate_id: UUID, tier: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "DELETE FROM reputations WHERE candidate_id = $1 AND tier = $2", candidate_id, tier
        )
    finally:
        await conn.close()


def _cards(html: str) -> list[str]:
    """Each card's HTML, in list order."""
    listed = html.split('id="candidate-cards"', 1)[1].split("</ul>", 1)[0]
    return [c.split("</li>", 1)[0] for c in listed.split('<li class="card candidate-card">')[1:]]


def _card_names(html: str) -> list[str]:
    return [re.search(r'<h2><a href="[^"]+">([^<]*)</a>', c).group(1) for c in _cards(html)]


def _element(html: str, element_id: str, end: str = "</ul>") -> str:
    return html.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def _tier(html: str, tier: str) -> str:
    return html.split(f'data-tier="{tier}"', 1)[1].split("</details>", 1)[0]


def test_cards_show_names_with_the_platform_id_beside_them(site: TestClient, org: Org):
    sign_in(site, org.platform)
    page = site.get("/candidates", params={"skill": "python"})
    assert page.status_code == 200
    cards = _cards(page.text)
    ada = next(c for c in cards if "Ada Lovelace" in c)
    assert "c000057" in ada and str(org.ids["c000057"]) in ada  # the id is in the link only
    assert ">Ada Lovelace<" in ada and f">{org.ids['c000057']}<" not in ada
    # no name: the platform's id stands in, once
    nameless = next(c for c in cards if f'href="/candidates/{org.ids["c000059"]}"' in c)
    assert ">c000059</a>" in nameless and "Platform id" not in nameless
    profile = site.get(f"/candidates/{org.ids['c000057']}")
    assert "<h1>Ada Lovelace</h1>" in profile.text
    assert '<code id="platform-id">c000057</code>' in profile.text


def test_since_is_the_first_event_on_the_card_and_the_profile_alike(site: TestClient, org: Org):
    sign_in(site, org.platform)
    page = site.get("/candidates", params={"q": "lovelace"})
    (card,) = _cards(page.text)
    day = org.first_milestone.strftime("%Y-%m-%d")  # before she was registered here today
    assert f">{day}</time>" in card and "Since" in card
    assert "first event here" in card  # the definition, as a tooltip
    profile = site.get(f"/candidates/{org.ids['c000057']}").text
    assert "Candidate since <time datetime=" in profile and f">{day}</time>" in profile
    assert datetime.now(UTC).strftime("%Y-%m-%d") != day


def test_a_candidate_is_opened_by_the_platform_id_or_the_uuid(site: TestClient, org: Org):
    sign_in(site, org.client)
    ada = org.ids["c000057"]
    for ref in ("c000057", f"  {ada}  ", str(ada).upper()):
        found = site.get("/candidates/lookup", params={"id": ref}, follow_redirects=False)
        assert found.status_code == 303, ref
        assert found.headers["location"] == f"/candidates/{ada}"  # never "elsewhere"'s
    # a client opens any candidate of its platform, not only those it worked with
    found = site.get("/candidates/lookup", params={"id": "c000060"}, follow_redirects=False)
    assert found.headers["location"] == f"/candidates/{org.ids['c000060']}"


def test_a_candidate_not_found_is_said_on_the_list_page_with_the_navigation(
    site: TestClient, org: Org
):
    sign_in(site, org.client)
    page = site.get("/candidates/lookup", params={"id": "c999999"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'id="lookup-error"' in page.text
    assert "No candidate with the platform id or uuid “c999999” in your organization" in page.text
    assert 'href="/candidates"' in page.text and 'action="/candidates/lookup"' in page.text
    assert 'value="c999999"' in page.text  # to correct, not to type again
    hostile = site.get("/candidates/lookup", params={"id": "<script>alert(1)</script>"})
    assert hostile.status_code == 404
    assert "<script>alert(1)" not in hostile.text and "&lt;script&gt;alert(1)" in hostile.text
    blank = site.get("/candidates/lookup", params={"id": " "}, follow_redirects=False)
    assert blank.status_code == 303 and blank.headers["location"] == "/candidates"


def test_an_admin_is_told_when_a_platform_id_names_several_organizations(
    site: TestClient, org: Org, people: People
):
    sign_in(site, people.admin)
    page = site.get("/candidates/lookup", params={"id": "c000057"})
    assert page.status_code == 404 and "several organizations" in page.text
    by_uuid = site.get(
        "/candidates/lookup", params={"id": str(org.elsewhere)}, follow_redirects=False
    )
    assert by_uuid.headers["location"] == f"/candidates/{org.elsewhere}"


def test_search_by_name_and_filter_by_skill(site: TestClient, org: Org):
    sign_in(site, org.platform)
    assert _card_names(site.get("/candidates", params={"q": "LOVE"}).text) == ["Ada Lovelace"]
    assert _card_names(site.get("/candidates", params={"skill": "go"}).text) == [
        "Alan Turing",
        "Edsger Dijkstra",
    ]
    both = site.get("/candidates", params={"q": "a", "skill": "python"}).text
    assert _card_names(both) == ["Ada Lovelace", "Alan Turing", "Barbara Liskov"]
    assert '<option value="go" selected>' in site.get("/candidates", params={"skill": "go"}).text
    none = site.get("/candidates", params={"q": "<b>nobody</b>"})
    assert none.status_code == 200 and _cards(none.text) == []
    assert "No candidates match “&lt;b&gt;nobody&lt;/b&gt;”" in none.text


def test_the_list_comes_25_at_a_time_with_next_and_previous(site: TestClient, org: Org):
    sign_in(site, org.paging_platform)
    first = site.get("/candidates", params={"q": "paging person"}).text
    names = _card_names(first)
    assert names == [f"Paging person {n:02d}" for n in range(1, 26)]
    assert 'id="previous-page"' not in first
    following = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=paging%20person" in following
    second = site.get(following).text
    assert _card_names(second) == [f"Paging person {n:02d}" for n in range(26, 31)]
    assert 'id="next-page"' not in second
    back = re.search(r'id="previous-page" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    again = site.get(back).text
    assert _card_names(again) == names and 'id="previous-page"' not in again
    broken = site.get("/candidates", params={"after": "not-a-cursor"})
    assert broken.status_code == 400 and "first page" in broken.text


def test_a_clients_list_holds_its_own_candidates_to_rate_first(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = site.get("/candidates").text
    (card,) = _cards(page)
    assert "Ada Lovelace" in card and "c000057" in card
    assert "2 milestones with you" in card and "1 to rate" in card
    sign_in(site, org.other_client)
    (card,) = _cards(site.get("/candidates").text)
    assert "1 milestone with you" in card and "to rate" not in card


def test_eligibility_per_tier_says_which_rules_failed(
    site: TestClient, org: Org, database_url: str
):
    # no stored reputation for the entry tier: as before the refresher first scores it (a
    # test elsewhere that re-scores everyone would otherwise have stored one)
    asyncio.run(_forget(database_url, org.ids["c000061"], "entry"))
    sign_in(site, org.client)
    edsger = site.get(f"/candidates/{org.ids['c000061']}").text
    standard = _tier(edsger, "standard")
    assert 'data-eligible="no"' in standard and "Not eligible" in standard
    for failed in (
        "Reputation score 20.0 is below the minimum of 55 for standard milestones.",
        "The score&#39;s lower bound 5.0 is below the minimum of 35",
        "1 pieces of evidence",
        "0 passed go trial(s)",
    ):
        assert failed in standard, failed
    assert "Score at least 55" in standard  # what the tier asks, from the same wording
    # no stored reputation for this tier: said, not computed
    assert 'data-eligible="pending"' in _tier(edsger, "entry")
    katherine = site.get(f"/candidates/{org.ids['c000063']}").text
    standard = _tier(katherine, "standard")
    assert 'data-eligible="yes"' in standard and "Eligible" in standard
    assert '<ul class="failed">' not in standard
    # looking decides nothing: no decision is stored
    decisions = site.get(
        "/v1/eligibility/decisions",
        params={"candidate_id": str(org.ids["c000061"])},
        headers=org.platform.headers,
    )
    assert decisions.status_code == 200 and decisions.json()["items"] == []


def test_the_score_is_ranked_among_the_organizations_candidates(site: TestClient, org: Org):
    sign_in(site, org.client)
    for ref, top in (("c000057", 15), ("c000060", 43), ("c000061", 100)):
        page = site.get(f"/candidates/{org.ids[ref]}").text
        assert f"Top {top}%</strong> of the 7 candidates" in _element(page, "standing", "</p>"), ref


def test_reasons_are_split_into_what_raises_and_what_lowers_the_score(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = site.get(f"/candidates/{org.ids['c000057']}").text
    up, down = _element(page, "reasons-up"), _element(page, "reasons-down")
    assert "+6</span> Strong trial results" in up and "+2</span> Most milestones" in up
    assert up.index("Strong trial") < up.index("Most milestones")  # largest first
    assert "−3</span> Few client ratings so far" in down
    assert "Few client ratings" not in up and "Strong trial" not in down


def test_the_work_history_shows_amount_outcome_and_rating(site: TestClient, org: Org):
    sign_in(site, org.client)
    page = site.get(f"/candidates/{org.ids['c000057']}").text
    rated = _element(page, f"milestone-{org.rated}", "</article>")
    assert "Standard milestone" in rated and ">1,200 EUR</dd>" in rated
    assert "Accepted, on time" in rated
    assert "★★★★☆</span> 4/5" in rated
    disputed = _element(page, f"milestone-{org.disputed}", "</article>")
    assert ">350.50</dd>" in disputed and "Disputed, late" in disputed
    assert f'action="/milestones/{org.disputed}/rating"' in disputed  # still to rate
    # the one sent without a currency is shown without one, and said so: none is made up
    assert "the platform sent none" in page and "$" not in _element(
        page, "milestones", "</section>"
    )
    # another client's milestone, and its single rating, are not this client's to see
    assert org.others not in page and "Umbrella" not in page
    sign_in(site, org.platform)
    page = site.get(f"/candidates/{org.ids['c000057']}").text
    others = _element(page, f"milestone-{org.others}", "</article>")
    assert "Umbrella" in others and "★★☆☆☆</span> 2/5" in others
    assert "rating-form" not in page  # only the milestone's client rates it


async def test_trial_results_name_the_trial(
    site: TestClient, org: Org, lru_trial: str, database_url: str
):
    title = site.get(f"/v1/trials/{lru_trial}", headers=org.platform.headers).json()["title"]
    conn = await asyncpg.connect(database_url)
    try:  # a graded result as the worker records it (no worker runs behind `site`)
        await conn.execute(
            "INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at) "
            "VALUES ($1, $2, $3, '{cobol}', 0.75, 'partial', now())",
            f"test:{uuid4()}",
            org.ids["c000058"],
            lru_trial,
        )
    finally:
        await conn.close()
    sign_in(site, org.client)
    page = site.get(f"/candidates/{org.ids['c000058']}").text
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f"<td>{title}</td>" in rows and f"<td>{lru_trial}</td>" not in rows
    assert "Partly correct" in rows and "75%" in rows


def test_another_organizations_candidate_is_not_reachable(
    site: TestClient, org: Org, people: People
):
    sign_in(site, org.client)
    for path in (f"/candidates/{org.elsewhere}", f"/candidates/{org.elsewhere}?tier=entry"):
        page = site.get(path)
        assert page.status_code == 404 and "Ada Elsewhere" not in page.text
    by_uuid = site.get("/candidates/lookup", params={"id": str(org.elsewhere)})
    assert by_uuid.status_code == 404 and "Ada Elsewhere" not in by_uuid.text
    sign_in(site, org.platform)
    listed = site.get("/candidates", params={"q": "ada"}).text
    assert _card_names(listed) == ["Ada Lovelace"]
    # and the other way round: the default organization's platform never sees this one's
    sign_in(site, people.platform)
    assert "Ada Lovelace" not in site.get("/candidates", params={"q": "lovelace"}).text
    assert site.get(f"/candidates/{org.ids['c000057']}").status_code == 404
    found = site.get("/candidates/lookup", params={"id": "c000057"}, follow_redirects=False)
    assert found.headers["location"] == f"/candidates/{org.elsewhere}"


def _point(at: datetime, score: float) -> ScorePoint:
    return ScorePoint(score=score, lower_bound=score - 10, upper_bound=score + 10, computed_at=at)


def test_the_chart_caption_rounds_the_ends_and_their_difference_alike():
    start = datetime(2025, 3, 1, tzinfo=UTC)
    drawn = chart.build([_point(start, 50.4), _point(start + timedelta(days=9), 46.6)])
    assert drawn is not None
    # 46.6 - 50.4 is -3.8, which alone would round to -4 next to "50 to 47"
    assert "from 50 to 47 (−3)" in drawn.summary
    assert [d.label.split()[0] for d in drawn.dots] == ["50", "47"]
    same = chart.build([_point(start, 70.2), _point(start + timedelta(days=1), 69.8)])
    assert same is not None and "from 70 to 70 (no change)" in same.summary


def test_the_chart_axis_names_the_year_where_it_changes_and_stays_inside():
    points = [
        _point(datetime(2024, 6, 1, tzinfo=UTC), 40),
        _point(datetime(2025, 2, 3, tzinfo=UTC), 55),
        _point(datetime(2025, 9, 14, tzinfo=UTC), 61),
    ]
    drawn = chart.build(points)
    assert drawn is not None
    texts = [label.text for label in drawn.x_labels]
    assert texts == ["01 Jun 2024", "2025", "14 Sep"]
    assert [label.anchor for label in drawn.x_labels] == ["start", "middle", "end"]
    for label in drawn.x_labels:
        left, right = chart._extent(label)
        assert left >= 0 and right <= chart.WIDTH
    # a new year too close to the first label to print apart: the last label names it
    crowded = chart.build([_point(datetime(2024, 11, 20, tzinfo=UTC), 40), points[-1]])
    assert crowded is not None
    assert [label.text for label in crowded.x_labels] == ["20 Nov 2024", "14 Sep 2025"]
    # the same year throughout: only the first label carries it
    short = chart.build(
        [_point(datetime(2025, 3, 1, tzinfo=UTC), 40), _point(datetime(2025, 5, 2, tzinfo=UTC), 45)]
    )
    assert short is not None and [label.text for label in short.x_labels] == [
        "01 Mar 2025",
        "02 May",
    ]
    # within a day: times, the first with its date
    day = chart.build(
        [
            _point(datetime(2025, 3, 1, 9, 5, tzinfo=UTC), 40),
            _point(datetime(2025, 3, 1, 17, 45, tzinfo=UTC), 45),
        ]
    )
    assert day is not None and [label.text for label in day.x_labels] == [
        "01 Mar 2025 09:05",
        "17:45",
    ]


def _wait_scored(base: str, candidate: UUID, headers: dict[str, str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = httpx.get(
            f"{base}/v1/candidates/{candidate}/reputation", headers=headers, timeout=30
        )
        if response.status_code == 200:
            return
        time.sleep(0.5)
    raise AssertionError(f"candidate {candidate} not scored within {timeout} s")


@pytest.mark.docker
def test_the_profile_chart_fits_a_phone_with_its_axis_labels_inside(
    live_server: str,
    people: People,
    database_url: str,
    browser: WebDriver,
    screenshots: Path,
):
    made = httpx.post(
        f"{live_server}/v1/candidates",
        json={
            "external_ref": f"phone-{uuid4().hex[:8]}",
            "display_name": "Mary Somerville",
            "skills": ["python"],
        },
        headers=people.platform.headers,
        timeout=60,
    )
    assert made.status_code == 201, made.text
    candidate = UUID(made.json()["id"])
    _wait_scored(live_server, candidate, people.platform.headers)  # by the embedded refresher

    async def past() -> None:  # a history across two new years, as an import draws it
        conn = await asyncpg.connect(database_url)
        try:
            now = datetime.now(UTC)
            rows = [
                (
                    now - timedelta(days=days),
                    ReputationWrite(
                        candidate_id=candidate,
                        tier="standard",
                        score=score,
                        lower_bound=score - 12,
                        upper_bound=score + 9,
                        evidence=3,
                        effective_evidence=3.0,
                        per_skill=(),
                        reasons=(),
                        model_version="prior",
                        source="prior",
                        as_of=now - timedelta(days=days),
                    ),
                )
                for days, score in ((700, 38.0), (450, 47.5), (300, 52.0), (120, 58.4))
            ]
            await score_history.insert_points(conn, rows)
        finally:
            await conn.close()

    asyncio.run(past())
    driver = browser
    driver.delete_all_cookies()
    driver.get(f"{live_server}/sign-in")
    driver.find_element(By.ID, "api_key").send_keys(people.client.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.signout"))
    driver.set_window_size(*PHONE)
    driver.get(f"{live_server}/candidates/{candidate}")
    wait_for(driver, lambda d: d.find_elements(By.ID, "score-chart"))
    width = driver.execute_script("return window.innerWidth")
    assert width <= PHONE[0], width  # the phone's width, not a desktop's
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "the page scrolls sideways at phone width"
    labels = driver.execute_script(
        "const svg = document.getElementById('score-chart').getBoundingClientRect();"
        "return [...document.querySelectorAll('#score-chart text.x-axis')].map(t => {"
        "  const r = t.getBoundingClientRect();"
        "  return {text: t.textContent, left: r.left, right: r.right,"
        "          svgLeft: svg.left, svgRight: svg.right}; });"
    )
    assert len(labels) >= 2
    for label in labels:
        assert label["left"] >= max(0, label["svgLeft"]) - 0.5, label
        assert label["right"] <= min(width, label["svgRight"]) + 0.5, label
    years = [label["text"] for label in labels if re.search(r"\b20\d\d\b", label["text"])]
    assert len(years) >= 2, labels  # where the year changes, the axis says so
    capture(driver, screenshots, "client-profile-chart-phone", size=PHONE)
    driver.get(f"{live_server}/candidates")
    capture(driver, screenshots, "client-candidates-phone", size=PHONE)


def test_a_milestones_currency_is_an_iso_code_or_nothing(site: TestClient, org: Org):
    engagement = site.post(
        "/v1/engagements",
        json={"client": str(org.client.actor_id), "candidate": str(org.ids["c000057"])},
        headers=org.platform.headers,
    ).json()["id"]
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    body = {"engagement": engagement, "tier": "standard", "amount": 10, "due": due}
    for bad in ("eur", "EURO", "E1R", "EUR\n", ""):
        refused = site.post(
            "/v1/milestones", json={**body, "currency": bad}, headers=org.platform.headers
        )
        assert refused.status_code == 400 and refused.json()["field"] == "currency", bad
    made = site.post(
        "/v1/milestones", json={**body, "currency": "CHF"}, headers=org.platform.headers
    )
    assert made.status_code == 201 and made.json()["currency"] == "CHF"
    plain = site.post("/v1/milestones", json=body, headers=org.platform.headers)
    assert plain.status_code == 201 and plain.json()["currency"] is None
