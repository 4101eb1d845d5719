"""Calibration on new outcomes and base-rate recalibration, over a real PostgreSQL: milestones
labelled as training labels them, each paired with the score served before it opened;
drift found on scores served 15 points too high, a shift stored that fixes it, composed
with later ones; dry runs and calm periods store nothing; admins only, over the API and the
command line, each organization judged on its own outcomes.

Each test module has databases of its own: the shifts and the promoted version stored here
must not meet the other suites' refreshers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
import numpy as np
import pytest
from litestar.testing import TestClient

from scoring.reputation.calibration import apply_shift, rebase
from scoring.reputation.datasets import milestone_labels
from scoring.reputation.history import build_index
from service.app import create_app
from service.cli import main as cli
from service.db.pool import init_connection
from service.repo import calibration as calibration_repo
from service.repo import history as history_repo
from service.repo import score_history
from service.repo.models import insert_version
from service.repo.organizations import insert_organization
from service.repo.reputation import ReputationWrite
from service.reputation.calibration import (
    LABEL_GRACE,
    calibration,
    recalibrate,
    recalibrate_if_drifted,
)
from service.reputation.refresh import DEFAULT_TIER
from service.settings import Settings
from tests.conftest import _migrated_database
from tests.support import Caller, new_caller

VERSION = "gbm-calibration-test"
TRUTH = (0.35, 0.45, 0.55, 0.65, 0.75)  # true chances; 80 milestones at each: 400
TOO_HIGH = 0.15


# -- building a history ---------------------------------------------------------------------


async def new_organization(conn: asyncpg.Connection, slug: str) -> UUID:
    return (await insert_organization(conn, slug=slug, name=slug)).id


async def promote_fake_version(conn: asyncpg.Connection) -> None:
    """A promoted version for the shifts to be stored for (nothing here loads its bytes)."""
    await insert_version(
        conn,
        version=VERSION,
        model=b"not a model: no refresher runs against this database",
        meta={},
        metrics={},
        compared_with=None,
        compared_metrics=None,
        promoted=True,
        decision="stored by the calibration tests",
    )


def served_point(candidate: UUID, tier: str, score: float) -> ReputationWrite:
    return ReputationWrite(
        candidate_id=candidate,
        tier=tier,
        score=score,
        lower_bound=max(0.0, score - 10),
        upper_bound=min(100.0, score + 10),
        evidence=5,
        effective_evidence=5.0,
        per_skill=(),
        reasons=(),
        model_version=VERSION,
        source="model",
        as_of=datetime.now(UTC),
    )


# How a milestone that did not go well ended, in turn: late, disputed, or rated 3 stars.
BAD_ENDINGS = (("accepted", False, None), ("disputed", True, None), ("accepted", True, 3))


async def add_outcomes(
    conn: asyncpg.Connection,
    *,
    organization_id: UUID,
    served_at: datetime,
    truth: Sequence[float] = TRUTH,
    per_truth: int = 80,
    bias: float = TOO_HIGH,
    served_with: float = 0.0,
) -> np.ndarray:
    """`per_truth` candidates at each true rate, exactly round(rate * per_truth) of whose
    milestones go well; each served `rate + bias` (through a stored shift `served_with`) at
    `served_at`, in the score history as the refresher writes it, a day before their
    milestone opens. Labels become known 38 days after `served_at`. The served
    probabilities."""
    client = uuid4()
    actors: list[tuple[object, ...]] = [
        (client, "client", f"client-{client}", [], served_at - timedelta(days=400), organization_id)
    ]
    milestones, ends, ratings, points, served = [], [], [], [], []
    opened = served_at + timedelta(days=1)
    for rate in truth:
        good_ones = round(rate * per_truth)
        score = round(float(apply_shift(np.array([rate + bias]), served_with)[0]) * 100, 1)
        for i in range(per_truth):
            candidate, milestone = uuid4(), uuid4()
            actors.append(
                (
                    candidate,
                    "candidate",
                    f"cand-{candidate}",
                    ["python"],
                    served_at - timedelta(days=400),
                    organization_id,
                )
            )
            milestones.append(
                (
                    milestone,
                    f"ms-{milestone}",
                    candidate,
                    client,
                    DEFAULT_TIER,
                    ["python"],
                    800.0,
                    opened + timedelta(days=7),
                    opened,
                    "import",
                    organization_id,
                )
            )
            end = opened + timedelta(days=6)
            if i < good_ones:
                ends.append((milestone, "accepted", True, end))
                if i % 3 == 0:
                    ratings.append((milestone, 5, 5, 5, 5, end + timedelta(days=1)))
            else:
                outcome, on_time, stars = BAD_ENDINGS[i % len(BAD_ENDINGS)]
                ends.append((milestone, outcome, on_time, end))
                if stars is not None:
                    ratings.append((milestone, stars, stars, stars, stars, end + timedelta(days=1)))
            points.append((served_at, served_point(candidate, DEFAULT_TIER, score)))
            served.append(score / 100)
    await history_repo.copy_actors(conn, actors)
    await history_repo.copy_milestones(conn, milestones)
    await history_repo.copy_outcomes(conn, ends)
    await history_repo.copy_ratings(conn, ratings)
    await score_history.insert_points(conn, points)
    return np.array(served)


def known_after(served_at: datetime) -> datetime:
    """When `add_outcomes`' labels are known: the due date plus the grace period."""
    return served_at + timedelta(days=1 + 7) + LABEL_GRACE


# -- one database, each test in a rolled-back transaction -------------------------------------


@pytest.fixture(scope="module")
async def calibration_db(admin_url: str) -> AsyncIterator[str]:
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture
async def conn(calibration_db: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(calibration_db)
    await init_connection(connection)
    tx = connection.transaction()
    await tx.start()
    try:
        yield connection
    finally:
        await tx.rollback()
        await connection.close()


async def _shift_count(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM calibration_shifts")
    return count


def _by_organization(items: Sequence[Any]) -> dict[str, Any]:
    """Reports or decisions by their organization's slug."""
    return {i.organization: i for i in items}


async def test_the_labels_are_the_training_labels(conn: asyncpg.Connection):
    """The SQL that labels milestones agrees with `milestone_labels` on the same history,
    edge cases included: late, disputed, cancelled, revised, rated 3 or 4, rated only after
    now, due within the grace period, an outcome dated before the opening, none yet."""
    org = await new_organization(conn, "labels")
    now = datetime.now(UTC)
    client, candidate = uuid4(), uuid4()
    await history_repo.copy_actors(
        conn,
        [
            (client, "client", "c", [], now - timedelta(days=500), org),
            (candidate, "candidate", "k", ["python"], now - timedelta(days=500), org),
        ],
    )
    cases = {  # name: (opened days ago, due after opening, outcome, on time, at, stars, rated at)
        "accepted": (200, 7, "accepted", True, 195, None, None),
        "late": (200, 7, "accepted", False, 195, None, None),
        "disputed": (200, 7, "disputed", True, 195, None, None),
        "cancelled": (200, 7, "cancelled", True, 195, None, None),
        "revised": (200, 7, "revision_requested", True, 195, None, None),
        "rated-3": (200, 7, "accepted", True, 195, 3, 190),
        "rated-4": (200, 7, "accepted", True, 195, 4, 190),
        "rated-3-after-now": (200, 7, "accepted", True, 195, 3, -5),
        "within-grace": (20, 7, "accepted", True, 15, None, None),
        "outcome-before-opening": (100, 7, "accepted", True, 120, None, None),
        "outcome-after-now": (100, 7, "accepted", True, -2, None, None),
        "no-outcome": (100, 7, None, None, None, None, None),
    }
    ids = {name: uuid4() for name in cases}
    milestones, ends, ratings = [], [], []
    for name, (opened, due, outcome, on_time, at, stars, rated) in cases.items():
        opened_at = now - timedelta(days=opened)
        milestones.append(
            (
                ids[name],
                name,
                candidate,
                client,
                DEFAULT_TIER,
                [],
                100.0,
                opened_at + timedelta(days=due),
                opened_at,
                "import",
                org,
            )
        )
        if outcome is not None:
            ends.append((ids[name], outcome, on_time, now - timedelta(days=at)))
        if stars is not None:
            ratings.append((ids[name], stars, None, None, None, now - timedelta(days=rated)))
    await history_repo.copy_milestones(conn, milestones)
    await history_repo.copy_outcomes(conn, ends)
    await history_repo.copy_ratings(conn, ratings)

    index = build_index(await history_repo.load_events(conn, org))
    rows, labels = milestone_labels(index, as_of=now.timestamp())
    expected = {UUID(index.milestone_ids[r]): bool(g) for r, g in zip(rows, labels, strict=True)}
    found = await calibration_repo.outcomes(
        conn,
        organization_id=org,
        since=datetime(1970, 1, 1, tzinfo=UTC),
        now=now,
        grace=LABEL_GRACE,
        default_tier=DEFAULT_TIER,
    )
    assert {r.milestone_id: r.good for r in found} == expected
    good = {name for name in cases if expected.get(ids[name])}
    assert good == {"accepted", "rated-4", "rated-3-after-now", "outcome-before-opening"}


async def test_each_outcome_is_paired_with_the_score_served_just_before_it_opened(
    conn: asyncpg.Connection,
):
    """The milestone's tier first, else the default tier's score; the latest before the
    milestone opened; none when the candidate had no score yet (left out, counted)."""
    org = await new_organization(conn, "pairing")
    now = datetime.now(UTC)
    opened = now - timedelta(days=60)
    client = uuid4()
    candidates = {name: uuid4() for name in ("fallback", "own-tier", "too-late")}
    await history_repo.copy_actors(
        conn,
        [(client, "client", "c", [], now - timedelta(days=500), org)]
        + [
            (c, "candidate", name, [], now - timedelta(days=500), org)
            for name, c in candidates.items()
        ],
    )
    milestones = {name: uuid4() for name in candidates}
    await history_repo.copy_milestones(
        conn,
        [
            (
                milestones[n],
                n,
                c,
                client,
                "expert",
                [],
                100.0,
                opened + timedelta(days=5),
                opened,
                "import",
                org,
            )
            for n, c in candidates.items()
        ],
    )
    await history_repo.copy_outcomes(
        conn,
        [(m, "accepted", True, opened + timedelta(days=4)) for m in milestones.values()],
    )
    day = timedelta(days=1)
    await score_history.insert_points(
        conn,
        [
            (opened - 9 * day, served_point(candidates["fallback"], DEFAULT_TIER, 30.0)),
            (opened - 2 * day, served_point(candidates["fallback"], DEFAULT_TIER, 40.0)),
            (opened + 1 * day, served_point(candidates["fallback"], "expert", 99.0)),
            (opened - 5 * day, served_point(candidates["own-tier"], "expert", 60.0)),
            (opened - 1 * day, served_point(candidates["own-tier"], DEFAULT_TIER, 45.0)),
            (opened + 1 * day, served_point(candidates["too-late"], DEFAULT_TIER, 70.0)),
        ],
    )
    rows = await calibration_repo.outcomes(
        conn,
        organization_id=org,
        since=now - timedelta(days=90),
        now=now,
        grace=LABEL_GRACE,
        default_tier=DEFAULT_TIER,
    )
    found = {r.candidate_id: (r.score, r.served_tier) for r in rows}
    assert found == {
        candidates["fallback"]: (40.0, DEFAULT_TIER),
        candidates["own-tier"]: (60.0, "expert"),
        candidates["too-late"]: (None, None),
    }
    (report,) = await calibration(conn, organization="pairing", now=now)
    assert (report.outcomes, report.unscored) == (2, 1)


async def test_drift_is_found_fixed_by_a_stored_shift_and_later_shifts_add_to_it(
    conn: asyncpg.Connection,
):
    await promote_fake_version(conn)
    drifted = await new_organization(conn, "drifted")
    calm = await new_organization(conn, "calm")
    start = datetime.now(UTC) - timedelta(days=100)  # the first recalibration runs then
    first_served = start - timedelta(days=60)
    assert start - timedelta(days=90) <= known_after(first_served) < start
    served = await add_outcomes(conn, organization_id=drifted, served_at=first_served)
    await add_outcomes(
        conn,
        organization_id=calm,
        served_at=first_served,
        truth=(0.4, 0.6),
        per_truth=125,
        bias=0.0,
    )

    # Monitoring: 400 outcomes of `drifted`, served 15 points too high; `calm` is calibrated.
    reports = _by_organization(await calibration(conn, organization=None, now=start))
    report = reports["drifted"]
    assert (report.outcomes, report.unscored) == (400, 0)
    assert [b.count for b in report.table.bands] == [0, 0, 0, 0, 0, 80, 80, 80, 80, 80]
    seventies = report.table.bands[7]
    assert seventies.predicted == pytest.approx(0.70)
    assert seventies.observed.rate == pytest.approx(0.55)
    assert seventies.observed.lower < 0.55 < seventies.observed.upper
    assert report.in_the_large.drifted
    assert report.in_the_large.predicted == pytest.approx(0.70)
    assert report.in_the_large.observed.rate == pytest.approx(0.55)
    assert report.table.ece == pytest.approx(0.15)
    assert [(v.model_version, v.outcomes) for v in report.versions] == [(VERSION, 400)]
    assert report.recalibration.drift.drifted and not report.recalibration.stored
    assert reports["calm"].outcomes == 250  # each organization on its own outcomes
    assert not reports["calm"].in_the_large.drifted
    assert reports["default"].outcomes == 0
    (only_calm,) = await calibration(conn, organization="calm", now=start)
    assert only_calm.outcomes == 250

    # A dry run computes the shift and stores nothing.
    dry = _by_organization(await recalibrate(conn, organization=None, dry_run=True, now=start))
    assert dry["drifted"].dry_run and not dry["drifted"].stored
    assert dry["drifted"].step < 0
    assert dry["drifted"].reason.startswith("Dry run, nothing stored")
    assert await _shift_count(conn) == 0

    # Recalibrating stores a shift for `drifted` alone, and it brings the mean onto what happened.
    done = _by_organization(await recalibrate(conn, organization=None, now=start))
    assert done["drifted"].stored and not done["calm"].stored
    assert done["calm"].reason.startswith("Nothing stored")
    shift = done["drifted"].shift
    assert shift == done["drifted"].record.shift
    assert done["drifted"].record.outcomes == 400
    assert abs(apply_shift(served, shift).mean() - 0.55) < 0.01
    assert done["drifted"].predicted_after == pytest.approx(0.55, abs=1e-6)
    assert await calibration_repo.current_shift(
        conn, organization_id=drifted, model_version=VERSION
    ) == pytest.approx(shift)
    assert (
        await calibration_repo.current_shift(conn, organization_id=calm, model_version=VERSION)
        == 0.0
    )
    assert await _shift_count(conn) == 1

    # At once again: the scores served before the shift are judged as it serves now. No drift.
    again = _by_organization(await recalibrate(conn, organization="drifted", now=start))
    assert not again["drifted"].stored
    assert "with the stored shift" in again["drifted"].reason
    assert await _shift_count(conn) == 1
    shown = (await calibration(conn, organization="drifted", now=start))[0]
    assert [s.shift for s in shown.shifts] == [pytest.approx(shift)]
    assert not shown.recalibration.drift.drifted

    # Later outcomes, served with the shift as the refresher applies it: calibrated, nothing to do.
    later = start + timedelta(days=5)
    calibrated = await add_outcomes(
        conn, organization_id=drifted, served_at=later, served_with=shift
    )
    now = datetime.now(UTC)
    assert now - timedelta(days=90) <= known_after(later) < now
    (monitored,) = await calibration(conn, organization="drifted", now=now)
    assert monitored.outcomes == 400  # the first 400 fell out of the window
    assert abs(monitored.in_the_large.gap) < 0.01 and not monitored.in_the_large.drifted
    assert await recalibrate_if_drifted(conn, organization_id=drifted, now=now) is None
    assert await _shift_count(conn) == 1

    # Then the market worsens by ten more points: the step is solved on scores as served (with
    # the shift in them) and added to it.
    worse = await add_outcomes(
        conn,
        organization_id=drifted,
        served_at=later,
        served_with=shift,
        truth=tuple(t - 0.10 for t in TRUTH),
        bias=TOO_HIGH + 0.10,
    )
    decision = await recalibrate_if_drifted(conn, organization_id=drifted, now=now)
    assert decision is not None and decision.stored
    assert decision.previous_shift == pytest.approx(shift)
    assert decision.shift == pytest.approx(shift + decision.step)
    assert decision.step < 0
    assert decision.record.created_by is None  # the daily pass asked, not a key
    window = np.concatenate([calibrated, worse])  # both served with `shift`, as stored
    observed = (0.55 * 400 + 0.45 * 400) / 800
    today = rebase(window, np.full(len(window), shift), decision.shift)
    assert abs(today.mean() - observed) < 1e-6
    assert await calibration_repo.current_shift(
        conn, organization_id=drifted, model_version=VERSION
    ) == pytest.approx(decision.shift)


async def test_below_200_outcomes_nothing_is_stored(conn: asyncpg.Connection):
    await promote_fake_version(conn)
    org = await new_organization(conn, "small")
    now = datetime.now(UTC)
    await add_outcomes(
        conn, organization_id=org, served_at=now - timedelta(days=60), per_truth=39
    )  # 195 outcomes, 15 points too high
    (decision,) = await recalibrate(conn, organization="small", now=now)
    assert decision.outcomes == 195 and not decision.stored
    assert "at least 200" in decision.reason
    assert await _shift_count(conn) == 0


async def test_while_the_prior_serves_nothing_is_stored_and_it_says_why(conn: asyncpg.Connection):
    org = await new_organization(conn, "prior-only")
    now = datetime.now(UTC)
    await add_outcomes(conn, organization_id=org, served_at=now - timedelta(days=60))
    (decision,) = await recalibrate(conn, organization="prior-only", now=now)
    assert decision.model_version is None and not decision.stored
    assert "the prior" in decision.reason
    (report,) = await calibration(conn, organization="prior-only", now=now)
    assert report.in_the_large.drifted  # monitoring still shows what was served
    assert await _shift_count(conn) == 0


# -- over the API and the command line (a database of their own, committed) -----------------


class Keys(msgspec.Struct, frozen=True, kw_only=True):
    admin: Caller
    platform: Caller
    candidate: Caller


@pytest.fixture(scope="module")
async def api_db(admin_url: str) -> AsyncIterator[str]:
    async for url in _migrated_database(admin_url):
        yield url


@pytest.fixture(scope="module")
async def keys(api_db: str) -> Keys:
    """Two organizations: `api-drifted` (400 outcomes, 15 points too high) and `api-calm`."""
    conn = await asyncpg.connect(api_db)
    await init_connection(conn)
    try:
        async with conn.transaction():
            await promote_fake_version(conn)
            served_at = datetime.now(UTC) - timedelta(days=60)
            await add_outcomes(
                conn,
                organization_id=await new_organization(conn, "api-drifted"),
                served_at=served_at,
            )
            await add_outcomes(
                conn,
                organization_id=await new_organization(conn, "api-calm"),
                served_at=served_at,
                truth=(0.4, 0.6),
                per_truth=125,
                bias=0.0,
            )
        return Keys(
            admin=await new_caller(conn, "admin", None, "calibration admin"),
            platform=await new_caller(conn, "platform", None, "calibration platform"),
            candidate=await new_caller(conn, "candidate", "candidate", "Ada"),
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def service(settings: Settings, api_db: str, keys: Keys) -> Iterator[TestClient]:
    app_settings = Settings(
        data_dir=settings.data_dir, database_url=api_db, docker_host=settings.docker_host
    )
    app = create_app(app_settings, embedded_worker=False, refresher=False)
    with TestClient(app, timeout=60) as client:
        yield client


def test_only_admins_read_calibration_or_recalibrate(service: TestClient, keys: Keys):
    for method, path in (
        ("GET", "/v1/models/calibration"),
        ("POST", "/v1/models/calibration:recalibrate"),
    ):
        assert service.request(method, path).status_code == 401
        for caller in (keys.platform, keys.candidate):
            response = service.request(method, path, headers=caller.headers)
            assert response.status_code == 403, response.text
    assert service.get("/v1/models/calibration", headers=keys.admin.headers).status_code == 200


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"days": "0"}, 400, "days"),
        ({"days": "100000"}, 400, "days"),
        ({"days": "ninety"}, 400, "days"),
        ({"organization": "no-such-org"}, 422, "organization"),
        ({"organization": "Not A Slug!"}, 400, "organization"),
    ],
)
def test_bad_query_values_answer_4xx_naming_the_field(
    service: TestClient, keys: Keys, query: dict[str, str], status: int, field: str
):
    response = service.get("/v1/models/calibration", params=query, headers=keys.admin.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"organization": "no-such-org"}, 422, "organization"),
        ({"organization": "x"}, 400, "organization"),
        ({"dry_run": "yes"}, 400, "dry_run"),
        ({"organisation": "api-calm"}, 400, "organisation"),
    ],
)
def test_bad_recalibration_bodies_answer_4xx_naming_the_field(
    service: TestClient, keys: Keys, body: dict[str, str], status: int, field: str
):
    response = service.post(
        "/v1/models/calibration:recalibrate", json=body, headers=keys.admin.headers
    )
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def _report(service: TestClient, keys: Keys, organization: str) -> dict:
    response = service.get(
        "/v1/models/calibration",
        params={"organization": organization},
        headers=keys.admin.headers,
    )
    assert response.status_code == 200, response.text
    (report,) = response.json()
    return report


def test_monitoring_recalibration_and_its_record_over_the_api(service: TestClient, keys: Keys):
    everyone = {
        r["organization"]: r
        for r in service.get("/v1/models/calibration", headers=keys.admin.headers).json()
    }
    assert set(everyone) == {"default", "api-drifted", "api-calm"}
    drifted = _report(service, keys, "api-drifted")
    assert drifted["outcomes"] == 400 and drifted["days"] == 90
    assert drifted["in_the_large"]["drifted"] is True
    assert len(drifted["table"]["bands"]) == 10
    assert drifted["versions"] == [{"model_version": VERSION, "source": "model", "outcomes": 400}]
    calm = _report(service, keys, "api-calm")
    assert calm["outcomes"] == 250 and calm["in_the_large"]["drifted"] is False
    # a window that ends before any label was known holds nothing
    assert (
        service.get(
            "/v1/models/calibration",
            params={"organization": "api-drifted", "days": 1},
            headers=keys.admin.headers,
        ).json()[0]["outcomes"]
        == 0
    )

    dry = service.post(
        "/v1/models/calibration:recalibrate",
        json={"organization": "api-drifted", "dry_run": True},
        headers=keys.admin.headers,
    )
    assert dry.status_code == 200, dry.text
    assert [d["stored"] for d in dry.json()] == [False]
    assert _report(service, keys, "api-drifted")["shifts"] == []

    done = service.post("/v1/models/calibration:recalibrate", headers=keys.admin.headers)
    assert done.status_code == 200, done.text
    decisions = {d["organization"]: d for d in done.json()}
    assert decisions["api-drifted"]["stored"] is True
    assert decisions["api-calm"]["stored"] is False
    assert decisions["default"]["stored"] is False
    record = decisions["api-drifted"]["record"]
    assert record["created_by"] == str(keys.admin.key_id)
    assert abs(decisions["api-drifted"]["predicted_after"] - 0.55) < 0.01

    (shift,) = _report(service, keys, "api-drifted")["shifts"]
    assert shift["created_by_name"] == "calibration admin"
    assert shift["shift"] == pytest.approx(record["shift"])
    assert _report(service, keys, "api-calm")["shifts"] == []  # each organization its own

    again = service.post(
        "/v1/models/calibration:recalibrate",
        json={"organization": "api-drifted"},
        headers=keys.admin.headers,
    )
    assert [d["stored"] for d in again.json()] == [False]
    assert len(_report(service, keys, "api-drifted")["shifts"]) == 1


def test_the_command_line_prints_the_table_and_recalibrates(
    service: TestClient,
    api_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("DATABASE_URL", api_db)
    assert cli(["model", "calibration", "--organization", "api-calm", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert msgspec.json.decode(line)["outcomes"] == 250

    assert cli(["model", "calibration", "--organization", "api-calm"]) == 0
    text = capsys.readouterr().out
    assert "api-calm: 250 outcomes" in text
    assert "   40-50    125" in text and "   60-70    125" in text
    assert "ECE" in text

    assert cli(["model", "recalibrate", "--organization", "api-calm", "--dry-run"]) == 0
    assert "api-calm: Nothing stored: Calibrated" in capsys.readouterr().out

    assert cli(["model", "calibration", "--organization", "no-such-org"]) == 2
    assert "no-such-org" in capsys.readouterr().err
    assert cli(["model", "calibration", "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err
