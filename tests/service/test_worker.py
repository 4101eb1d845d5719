"""The queue and its workers: nothing lost when a worker dies, drains on SIGTERM, or the engine is down."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import msgspec
import pytest
from litestar.testing import TestClient

from scoring.grading.verdicts import Grade
from service.app import create_app
from service.cli.runtime import migrate
from service.db.pool import create_pool, init_connection
from service.grading.sandboxes import SandboxProvider
from service.infra import postgres
from service.repo import jobs as jobs_repo
from service.repo import submissions as submissions_repo
from service.settings import Settings
from service.submissions.worker import Worker
from tests.service.test_api_roles import SOLUTION, wait_graded
from tests.support import EXAMPLES, folder_files, tar_gz

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
SLOW_SOLUTION = {
    **SOLUTION,
    # after the module's own code: it starts with `from __future__ import annotations`
    "lru_cache.py": SOLUTION["lru_cache.py"] + "\nimport time\ntime.sleep(4)\n",
}


def _settings(settings: Settings, database_url: str, **overrides: object) -> Settings:
    base = {
        "data_dir": settings.data_dir,
        "database_url": database_url,
        "docker_host": settings.docker_host,
        "sandbox_pool_size": 1,
    }
    return Settings(**(base | overrides))  # type: ignore[arg-type]


def _admin_key(database_url: str) -> dict[str, str]:
    done = subprocess.run(
        [TRIALGATE, "keys", "create", "--role", "admin", "--name", "ops"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    return {"Authorization": f"Bearer {done.stdout.strip()}"}


@pytest.fixture
def quiet_service(
    settings: Settings, isolated_database: str
) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    """The API on a database of its own, without a worker; lru-cache imported; a candidate to submit for."""
    admin = _admin_key(isolated_database)
    with TestClient(
        create_app(_settings(settings, isolated_database), embedded_worker=False), timeout=60
    ) as api:
        package = tar_gz(folder_files(EXAMPLES / "lru-cache"))
        imported = api.post(
            "/v1/trials",
            files={"package": ("p.tar.gz", package, "application/gzip")},
            headers=admin,
        )
        assert imported.status_code == 201, imported.text
        candidate = api.post("/v1/candidates", json={"display_name": "Ada"}, headers=admin).json()
        yield api, admin, candidate["id"]


def _submit(api: TestClient, admin: dict[str, str], candidate: str, files: dict[str, str]) -> str:
    response = api.post(
        "/v1/trials/lru-cache/submissions",
        json={"files": files, "candidate_id": candidate},
        headers=admin,
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _worker(
    database_url: str, *extra_env: tuple[str, str], concurrency: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRIALGATE_WORKER_LEASE_SECONDS": "3",
        "TRIALGATE_SANDBOX_POOL_SIZE": "1",
        **dict(extra_env),
    }
    return subprocess.Popen(
        [TRIALGATE, "worker", "--concurrency", str(concurrency)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _job(database_url: str, submission_id: str) -> asyncpg.Record:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow(
            "SELECT j.state, j.attempts, j.max_attempts, j.infra_failures, j.lease_owner, "
            "j.last_error, s.status, "
            "(SELECT count(*) FROM results r WHERE r.submission_id = s.id) AS results "
            "FROM jobs j JOIN submissions s ON s.id = j.submission_id WHERE s.id = $1",
            submission_id,
        )
    finally:
        await conn.close()


async def _wait_job(
    database_url: str, submission_id: str, predicate, wait_seconds: float = 60
) -> asyncpg.Record:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        row = await _job(database_url, submission_id)
        if predicate(row):
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"job for {submission_id} never reached the expected state: {dict(row)}")


async def test_a_worker_killed_mid_run_loses_nothing_and_the_job_is_graded_once(
    quiet_service, isolated_database, docker_client
):
    api, admin, candidate = quiet_service
    submission_id = _submit(api, admin, candidate, SLOW_SOLUTION)
    first = _worker(isolated_database)
    try:
        await _wait_job(isolated_database, submission_id, lambda r: r["state"] == "running")
        await asyncio.sleep(1.0)  # the run is under way in the sandbox
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    second = _worker(isolated_database)
    try:
        row = await _wait_job(
            isolated_database, submission_id, lambda r: r["status"] == "graded", wait_seconds=90
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert row["results"] == 1
    assert row["attempts"] == 2
    assert row["state"] == "done"
    # the killed worker's container was removed by the next sandbox on this host
    owner = f"{socket.gethostname()}:{first.pid}"
    assert (
        docker_client.containers.list(all=True, filters={"label": f"trialgate.owner={owner}"}) == []
    )
    graded = api.get(f"/v1/submissions/{submission_id}", headers=admin).json()
    assert graded["result"]["verdict"] == "accepted"


async def test_sigterm_drains_running_jobs_and_claims_no_new_ones(quiet_service, isolated_database):
    api, admin, candidate = quiet_service
    running_id = _submit(api, admin, candidate, SLOW_SOLUTION)
    worker = _worker(isolated_database, concurrency=1)
    try:
        await _wait_job(isolated_database, running_id, lambda r: r["state"] == "running")
        waiting_id = _submit(api, admin, candidate, SOLUTION)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
    assert (await _job(isolated_database, running_id))["status"] == "graded"
    assert (await _job(isolated_database, waiting_id))["state"] == "queued"


async def test_an_engine_outage_longer_than_every_attempt_loses_nothing(
    settings: Settings, quiet_service, isolated_database, tmp_path: Path
):
    """Infrastructure faults wait for the engine and use up none of the candidate's attempts."""
    _, admin, candidate = quiet_service
    dead_engine = _settings(
        settings,
        isolated_database,
        docker_host=f"unix://{tmp_path}/gone.sock",
        worker_backoff_seconds=0.05,
    )
    with TestClient(create_app(dead_engine, embedded_worker=True), timeout=60) as down:
        assert down.get("/v1/trials", headers=admin).status_code == 200
        submission_id = _submit(down, admin, candidate, SOLUTION)
        row = await _wait_job(
            isolated_database,
            submission_id,
            lambda r: r["infra_failures"] > r["max_attempts"],
            wait_seconds=60,
        )
        assert row["state"] in ("queued", "running") and row["attempts"] <= 1
        assert "sandbox" in row["last_error"]
        body = down.get(f"/v1/submissions/{submission_id}", headers=admin).json()
        assert body["status"] in ("queued", "running") and "result" not in body
        assert down.get("/ready").status_code == 503
    # the engine is back: the same job is graded, once, on its merits
    with TestClient(
        create_app(_settings(settings, isolated_database), embedded_worker=True), timeout=60
    ) as up:
        graded = wait_graded(up, submission_id, admin)
        assert graded["status"] == "graded" and graded["result"]["verdict"] == "accepted"
    row = await _job(isolated_database, submission_id)
    assert (row["state"], row["results"]) == ("done", 1)


async def test_a_worker_that_lost_its_job_cannot_requeue_a_graded_submission(
    settings: Settings, quiet_service, isolated_database
):
    """The race: worker A's lease expires, B grades the job, then A's late retry arrives."""
    _, admin, candidate = quiet_service
    submission_id = _submit(quiet_service[0], admin, candidate, SOLUTION)
    pool = await create_pool(isolated_database)
    try:
        late = Worker(pool, SandboxProvider(settings.docker_host, pool_size=0))
        async with pool.acquire() as conn:
            job = await jobs_repo.claim(conn, owner=late.owner, lease=timedelta(seconds=30))
            assert job is not None
            await conn.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 s'")
            taken = await jobs_repo.claim(conn, owner="other-worker", lease=timedelta(seconds=30))
            assert taken is not None and taken.id == job.id
            async with conn.transaction():
                assert await jobs_repo.complete(
                    conn, job_id=job.id, owner="other-worker", generation=taken.lease_generation
                )
                grade = Grade(verdict="accepted", score=1.0, summary="ok")
                await submissions_repo.insert_result(
                    conn, submission_id=UUID(submission_id), grade=grade
                )
                await submissions_repo.set_status(
                    conn, submission_id=UUID(submission_id), status="graded"
                )
        await late._retry_or_park(job, "a late failure")
        await late._wait_for_infrastructure(job, "a late engine fault")
        async with pool.acquire() as conn:
            await submissions_repo.set_status(  # any late write, from anyone
                conn, submission_id=UUID(submission_id), status="running"
            )
    finally:
        await pool.close()
    row = await _job(isolated_database, submission_id)
    assert (row["state"], row["status"], row["results"]) == ("done", "graded", 1)


async def test_a_workers_write_from_an_earlier_claim_of_its_own_is_refused(
    quiet_service, isolated_database
):
    """The same worker claims a job, loses the lease, claims it again: what its first,
    stale task writes afterwards changes nothing; only the current claim may finish."""
    _, admin, candidate = quiet_service
    _submit(quiet_service[0], admin, candidate, SOLUTION)
    conn = await asyncpg.connect(isolated_database)
    await init_connection(conn)  # jsonb as values, as the pool has it
    try:
        lease = timedelta(seconds=30)
        first = await jobs_repo.claim(conn, owner="worker-1", lease=lease)
        assert first is not None
        await conn.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 s'")
        second = await jobs_repo.claim(conn, owner="worker-1", lease=lease)
        assert second is not None and second.id == first.id
        assert second.lease_generation == first.lease_generation + 1
        stale = {"job_id": first.id, "owner": "worker-1", "generation": first.lease_generation}
        assert not await jobs_repo.renew(conn, **stale, lease=lease)
        assert not await jobs_repo.retry_later(
            conn, **stale, delay=timedelta(0), error="stale", infrastructure=True
        )
        assert not await jobs_repo.park(conn, **stale, error="stale")
        assert not await jobs_repo.complete(conn, **stale)
        assert await jobs_repo.complete(
            conn, job_id=second.id, owner="worker-1", generation=second.lease_generation
        )
    finally:
        await conn.close()


class OwnPostgres(msgspec.Struct, frozen=True, kw_only=True):
    api: TestClient
    admin: dict[str, str]
    candidate: str
    database_url: str
    scratch: Settings
    pgdata: Path

    def stop(self) -> None:
        postgres.stop(self.pgdata)

    def start(self) -> None:
        postgres.start(self.scratch, lambda _m: None)


@pytest.fixture
def on_own_postgres(settings: Settings, tmp_path: Path) -> Iterator[OwnPostgres]:
    """The whole service, grading, on a PostgreSQL cluster of its own that the test may
    stop and start; lru-cache imported and a candidate to submit for."""
    scratch = Settings(data_dir=tmp_path / "data")
    url, pgdata, _ = postgres.start(scratch, lambda _m: None)
    try:
        asyncio.run(migrate(url))
        admin = _admin_key(url)
        with TestClient(
            create_app(_settings(settings, url), embedded_worker=True), timeout=60
        ) as api:
            package = tar_gz(folder_files(EXAMPLES / "lru-cache"))
            files = {"package": ("p.tar.gz", package, "application/gzip")}
            assert api.post("/v1/trials", files=files, headers=admin).status_code == 201
            candidate = api.post("/v1/candidates", json={}, headers=admin).json()["id"]
            yield OwnPostgres(
                api=api,
                admin=admin,
                candidate=candidate,
                database_url=url,
                scratch=scratch,
                pgdata=pgdata,
            )
    finally:
        postgres.stop(pgdata)


def test_graded_results_survive_a_postgres_restart_under_a_running_service(
    on_own_postgres: OwnPostgres,
):
    api, admin, candidate = on_own_postgres.api, on_own_postgres.admin, on_own_postgres.candidate
    submission_id = _submit(api, admin, candidate, SOLUTION)
    before = wait_graded(api, submission_id, admin)

    on_own_postgres.stop()
    assert api.get("/ready").status_code == 503
    listing = f"/v1/candidates/{candidate}/submissions"
    outage = api.get(listing, headers=admin)
    assert outage.status_code == 503  # a problem, not a 500 or a hang
    # a graded result never changes, so one already read is still served
    assert api.get(f"/v1/submissions/{submission_id}", headers=admin).status_code == 200
    on_own_postgres.start()

    assert api.get(listing, headers=admin).json()["items"][0]["id"] == submission_id
    after = api.get(f"/v1/submissions/{submission_id}", headers=admin)
    assert after.status_code == 200
    assert after.json()["result"] == before["result"]
    # ready again by itself, once the worker's next claim works (within seconds)
    deadline = time.monotonic() + 30
    while api.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, api.get("/ready").text
        time.sleep(0.2)


async def test_output_no_database_could_store_is_graded_once_all_the_same(
    quiet_service, isolated_database
):
    # A NUL byte is refused by PostgreSQL's text: printed by a submission, it once made
    # every attempt to store the grade fail and the job loop unpunished for ever.
    api, admin, candidate = quiet_service
    printer = "import sys\nsys.stdout.write('before\\x00after\\n')\nsys.stdout.flush()\n"
    # after the module's own code (it starts with `from __future__`), and a broken `get`
    files = {"lru_cache.py": SOLUTION["lru_cache.py"].replace("def get", "def _get", 1) + printer}
    submission_id = _submit(api, admin, candidate, files)
    worker = _worker(isolated_database)
    try:
        row = await _wait_job(
            isolated_database,
            submission_id,
            lambda r: r["state"] != "queued" and r["status"] in ("graded", "failed"),
            wait_seconds=90,
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert (row["status"], row["state"], row["results"], row["attempts"]) == (
        "graded",
        "done",
        1,
        1,
    )
    graded = api.get(f"/v1/submissions/{submission_id}", headers=admin).json()["result"]
    assert graded["verdict"] in ("partial", "failed", "runtime_error")
    assert "before\\x00after" in graded["output"]


def test_a_grade_finished_while_postgres_is_down_is_stored_not_recomputed(
    on_own_postgres: OwnPostgres,
):
    """The run ends during a database outage: the worker keeps the grade and stores it
    when the database is back; the job is not claimed and run a second time."""
    api, admin = on_own_postgres.api, on_own_postgres.admin
    submission_id = _submit(api, admin, on_own_postgres.candidate, SLOW_SOLUTION)
    deadline = time.monotonic() + 60
    while api.get(f"/v1/submissions/{submission_id}", headers=admin).json()["status"] != (
        "running"
    ):
        assert time.monotonic() < deadline, "the submission never started running"
        time.sleep(0.1)
    on_own_postgres.stop()
    time.sleep(8)  # the slow solution's run ends meanwhile
    on_own_postgres.start()
    graded = wait_graded(api, submission_id, admin)
    assert graded["status"] == "graded" and graded["result"]["verdict"] == "accepted"
    row = asyncio.run(_job(on_own_postgres.database_url, submission_id))
    assert (row["state"], row["attempts"], row["results"]) == ("done", 1, 1)


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIALGATE, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": database_url},
    )


async def test_an_operator_retries_a_parked_job_and_it_is_graded(quiet_service, isolated_database):
    """A job parked on healthy infrastructure waits for an operator: `trialgate jobs
    parked` lists it, `trialgate jobs retry` queues it with fresh attempts, and it is graded."""
    api, admin, candidate = quiet_service
    submission_id = _submit(api, admin, candidate, SOLUTION)
    conn = await asyncpg.connect(isolated_database)
    try:
        await init_connection(conn)
        job = await jobs_repo.claim(conn, owner="ops-test", lease=timedelta(seconds=30))
        assert job is not None and str(job.submission_id) == submission_id
        async with conn.transaction():  # what the worker does when a job fails for good
            assert await jobs_repo.park(
                conn, job_id=job.id, owner="ops-test", generation=job.lease_generation, error="x"
            )
            await submissions_repo.set_status(
                conn, submission_id=job.submission_id, status="failed"
            )
    finally:
        await conn.close()

    listed = _cli(isolated_database, "jobs", "parked")
    assert listed.returncode == 0 and submission_id in listed.stdout, listed
    unknown = "00000000-0000-4000-8000-000000000000"
    retried = _cli(isolated_database, "jobs", "retry", submission_id, unknown)
    assert retried.returncode == 1, retried  # one of the two was not parked: said, left alone
    assert retried.stdout.split() == [submission_id] and unknown in retried.stderr
    row = await _job(isolated_database, submission_id)
    assert (row["state"], row["status"], row["attempts"]) == ("queued", "queued", 0)
    assert _cli(isolated_database, "jobs", "retry").returncode == 2  # nothing named

    worker = _worker(isolated_database)
    try:
        row = await _wait_job(isolated_database, submission_id, lambda r: r["state"] == "done")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    assert (row["status"], row["results"]) == ("graded", 1)
    assert _cli(isolated_database, "jobs", "parked").stdout == ""


async def test_claims_are_fair_across_candidates_and_one_run_each_at_most(
    quiet_service, isolated_database
):
    """Ada queues four submissions, then Bob one: Bob's is the second claimed, not the
    fifth. While a run of Ada's goes on, no other of hers is claimed, whoever asks."""
    api, admin, ada = quiet_service
    bob = api.post("/v1/candidates", json={"display_name": "Bob"}, headers=admin).json()["id"]
    adas = [_submit(api, admin, ada, SOLUTION) for _ in range(4)]
    bobs = _submit(api, admin, bob, SOLUTION)
    lease = timedelta(seconds=30)
    conn = await asyncpg.connect(isolated_database)
    await init_connection(conn)
    try:

        async def claim(owner: str) -> str | None:
            job = await jobs_repo.claim(conn, owner=owner, lease=lease)
            return None if job is None else str(job.submission_id)

        first = await claim("worker-1")
        assert first == adas[0]
        assert await claim("worker-2") == bobs  # not Ada's second: she has a run going
        assert await claim("worker-3") is None  # both have one going; the limit holds
        # Ada's run ends: her next comes, then (Bob served since) hers keep coming in order
        await conn.execute("UPDATE jobs SET state = 'done' WHERE lease_owner = 'worker-1'")
        assert await claim("worker-1") == adas[1]
        await conn.execute("UPDATE jobs SET state = 'done' WHERE lease_owner = 'worker-1'")
        assert await claim("worker-1") == adas[2]
        # two runs per candidate when a deployment allows them
        job = await jobs_repo.claim(conn, owner="worker-4", lease=lease, runs_per_candidate=2)
        assert job is not None and str(job.submission_id) == adas[3]
    finally:
        await conn.close()
