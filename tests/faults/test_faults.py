"""Faults lose nothing and blame no one.

The whole stack runs as it would be deployed: `trialgate serve` without a worker, two
`trialgate worker` processes, a PostgreSQL cluster of the suite's own, the private
Docker engine, and a platform's webhook receiver. Each test submits a batch over the
API, injects one fault, and checks that every accepted submission was graded exactly
once with the verdict a healthy run gives, that its `submission.graded` event arrived
signed (redeliveries share one delivery id), that no worker process died, and that no
sandbox container was left behind. Recovery times go to the run's summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import docker
import httpx
import pytest

from service.cli.runtime import migrate
from service.infra import docker_engine, postgres, processes
from service.settings import Settings, load_state
from service.webhooks.delivery import verify
from tests.faults.conftest import record_recovery
from tests.support import EXAMPLES, folder_files, free_port, tar_gz

TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
LRU = EXAMPLES / "lru-cache"
WALL_SECONDS = 6  # the trial's own limit here: short, so a stalled engine outlasts it
SOLUTIONS = {
    "right": {k: v.decode() for k, v in folder_files(LRU / "solution").items()},
    "wrong": {k: v.decode() for k, v in folder_files(LRU / "starter").items()},
}
# after the module's own code (it starts with `from __future__ import annotations`)
SOLUTIONS["slow"] = {
    "lru_cache.py": SOLUTIONS["right"]["lru_cache.py"] + "\nimport time\ntime.sleep(1)\n"
}
SETTLE_SECONDS = 150


def _quiet(_message: str) -> None:
    pass


class Receiver:
    """A platform's webhook endpoint: keeps every delivery and checks its signature."""

    def __init__(self) -> None:
        self.secret = ""
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.deliveries.append(
                        {
                            "delivery": self.headers["Trialgate-Delivery"],
                            "event": self.headers["Trialgate-Event"],
                            "signed": verify(
                                receiver.secret,
                                self.headers["Trialgate-Signature"],
                                body,
                                now=time.time(),
                            ),
                            "body": json.loads(body),
                        }
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, submission_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [d for d in self.deliveries if submission_id in json.dumps(d["body"])]


class Stack:
    """The deployed service on its own database; the engine is the suite's."""

    def __init__(self, settings: Settings, root: Path) -> None:
        self.settings = settings  # the suite's: its engine is restarted here
        self.root = root
        self.scratch = Settings(data_dir=root / "data")
        self.database_url, self.pgdata, _ = postgres.start(self.scratch, _quiet)
        asyncio.run(migrate(self.database_url))
        self.env = {
            **os.environ,
            "TRIALGATE_DATA_DIR": str(self.scratch.data_dir),
            "DATABASE_URL": self.database_url,
            "DOCKER_HOST": settings.docker_host,
            "TRIALGATE_LOG_JSON": "1",
            "TRIALGATE_EMBEDDED_WORKER": "0",
            "TRIALGATE_WEB_SECRET": "faults-" + "x" * 32,
            "TRIALGATE_WEBHOOK_PRIVATE_TARGETS": "1",
            "TRIALGATE_WORKER_LEASE_SECONDS": "3",
            "TRIALGATE_WORKER_BACKOFF_SECONDS": "0.3",
            "TRIALGATE_SANDBOX_POOL_SIZE": "1",
            "TRIALGATE_SANDBOX_SWEEP_SECONDS": "2",
        }
        self.admin = {
            "Authorization": f"Bearer {self._cli('keys', 'create', '--role', 'admin', '--name', 'ops')}"
        }
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.dead_workers: list[int] = []
        self.receiver = Receiver()
        self.expected: dict[str, tuple[str, float]] = {}
        self.kind_of: dict[str, str] = {}

    # processes ---------------------------------------------------------------------

    def _cli(self, *args: str) -> str:
        done = subprocess.run(
            [TRIALGATE, *args], capture_output=True, text=True, env=self.env, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.root / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            return subprocess.Popen([TRIALGATE, *args], env=self.env, stdout=log, stderr=log)

    def start_api(self) -> None:
        self.api = self._spawn("api", "serve", "--port", str(self.port))
        self.wait_until(lambda: self._answers("/health"), 60, "the API never answered")

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self._spawn(f"worker-{len(self.workers)}", "worker", "--concurrency", "2")
        self.workers.append(worker)
        return worker

    def live_workers(self) -> list[subprocess.Popen[bytes]]:
        return [w for w in self.workers if w.pid not in self.dead_workers]

    def _answers(self, path: str) -> bool:
        try:
            return httpx.get(self.base + path, timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        for process in [*self.live_workers(), self.api]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.api]:
            if process is not None:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.receiver.server.shutdown()
        self.receiver.server.server_close()
        postgres.stop(self.pgdata)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.root.glob("*.log"))
        )

    # the engine --------------------------------------------------------------------

    def dockerd_pid(self) -> int:
        state = load_state(self.settings.data_dir)
        if not state.started_dockerd or not processes.pid_alive(state.dockerd_pid):
            pytest.skip("needs the private dockerd that `trialgate infra up` started")
        return state.dockerd_pid

    def restart_dockerd_later(self) -> Callable[[], None]:
        """Stop the engine now (its containers die with it); the callable starts it again."""
        docker_engine.stop_private(self.dockerd_pid())

        def start() -> None:  # as an operator would; it records the new dockerd's pid
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DOCKER_HOST")}
            env["TRIALGATE_DATA_DIR"] = str(self.settings.data_dir)
            done = subprocess.run(
                [TRIALGATE, "infra", "up"], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr

        return start

    def containers(self) -> list[dict[str, Any]]:
        client = docker.DockerClient(base_url=self.settings.docker_host, timeout=30)
        try:
            return client.api.containers(all=True, filters={"label": "trialgate.owner"})
        finally:
            client.close()

    def containers_left_behind(self) -> list[str]:
        """Containers whose owner is one of this stack's dead workers, or that stopped
        (an engine restart) and were never removed."""
        dead = {str(pid) for pid in self.dead_workers}
        ours = {str(w.pid) for w in self.workers}
        return [
            f"{c['Labels']['trialgate.owner']} {c['State']}"
            for c in self.containers()
            if c["Labels"]["trialgate.owner"].rpartition(":")[2] in dead
            or (
                c["Labels"]["trialgate.owner"].rpartition(":")[2] in ours
                and c["State"] != "running"
            )
        ]

    # the API -----------------------------------------------------------------------

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.admin, **kwargs.pop("headers", {})}
        return httpx.post(self.base + path, headers=headers, timeout=30, **kwargs)

    def submit(self, candidate: str, kind: str, key: str | None = None) -> str:
        headers = {"Idempotency-Key": key} if key else {}
        response = self.post(
            "/v1/trials/lru-cache/submissions",
            json={"files": SOLUTIONS[kind], "candidate_id": candidate},
            headers=headers,
        )
        assert response.status_code in (200, 202), response.text
        submission_id: str = response.json()["id"]
        self.kind_of[submission_id] = kind
        return submission_id

    def submit_as_new(self, kind: str) -> str:
        """A submission of a candidate of its own: a batch from many candidates runs side by
        side (one candidate's runs go one at a time), as a platform's traffic would."""
        return self.submit(self.candidate(f"{kind} {len(self.kind_of)}"), kind)

    def candidate(self, name: str) -> str:
        response = self.post("/v1/candidates", json={"display_name": name})
        assert response.status_code == 201, response.text
        candidate_id: str = response.json()["id"]
        return candidate_id

    # the database ------------------------------------------------------------------

    def rows(self, ids: list[str]) -> list[dict[str, Any]]:
        async def fetch() -> list[dict[str, Any]]:
            conn = await asyncpg.connect(self.database_url, timeout=10)
            try:
                found = await conn.fetch(
                    "SELECT s.id::text AS id, s.status, j.state, j.attempts, j.infra_failures, "
                    "r.verdict, r.score, "
                    "(SELECT count(*) FROM results x WHERE x.submission_id = s.id) AS results, "
                    "(SELECT count(*) FROM submission_fingerprints f "
                    "  WHERE f.submission_id = s.id) AS fingerprints "
                    "FROM submissions s JOIN jobs j ON j.submission_id = s.id "
                    "LEFT JOIN results r ON r.submission_id = s.id WHERE s.id = ANY($1::uuid[])",
                    ids,
                )
                return [dict(row) for row in found]
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def count_submissions(self, candidate: str) -> int:
        async def fetch() -> int:
            conn = await asyncpg.connect(self.database_url, timeout=10)
            try:
                return int(
                    await conn.fetchval(
                        "SELECT count(*) FROM submissions WHERE candidate_id = $1::uuid", candidate
                    )
                )
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def wait_until(self, done: Callable[[], bool], seconds: float, what: str) -> float:
        """Poll until `done`; returns when it first held (monotonic)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                if done():
                    return time.monotonic()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass  # the database is still coming back
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {seconds:.0f} s\n{self.log_tail()}")
            time.sleep(0.2)

    def settled(self, ids: list[str]) -> float:
        """Wait until every submission in `ids` is graded and its event delivered; check
        it was graded once, as a healthy run grades it; returns when the last one was."""

        def all_graded() -> bool:
            rows = self.rows(ids)
            return len(rows) == len(ids) and all(r["status"] in ("graded", "failed") for r in rows)

        finished = self.wait_until(all_graded, SETTLE_SECONDS, "not every submission was graded")
        for row in self.rows(ids):
            kind = self.kind_of[row["id"]]
            assert (row["status"], row["state"]) == ("graded", "done"), row
            assert (row["results"], row["fingerprints"]) == (1, 1), row
            assert (row["verdict"], row["score"]) == self.expected[kind], (kind, row)
        self.wait_until(
            lambda: all(self.receiver.of(i) for i in ids), 60, "a graded event was not delivered"
        )
        for submission_id in ids:
            deliveries = self.receiver.of(submission_id)
            assert all(d["signed"] and d["event"] == "submission.graded" for d in deliveries)
            # one event, however often delivered: the same delivery id and event id
            assert len({(d["delivery"], d["body"]["id"]) for d in deliveries}) == 1, deliveries
        assert all(w.poll() is None for w in self.live_workers()), self.log_tail()
        self.wait_until(lambda: not self.containers_left_behind(), 60, "containers left behind")
        return finished

    def worker_said(self, fragment: str) -> bool:
        return any(
            fragment in line
            for log in self.root.glob("worker-*.log")
            for line in log.read_text(errors="replace").splitlines()
        )


@pytest.fixture(scope="module")
def stack(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("faults")
    trial = root / "lru-cache"
    shutil.copytree(LRU, trial, ignore=shutil.ignore_patterns("__pycache__"))
    toml = (trial / "trial.toml").read_text()
    (trial / "trial.toml").write_text(
        toml.replace("wall_seconds = 20", f"wall_seconds = {WALL_SECONDS}")
    )
    built = Stack(settings, root)
    try:
        built.start_api()
        package = tar_gz(folder_files(trial))
        imported = built.post(
            "/v1/trials", files={"package": ("lru.tar.gz", package, "application/gzip")}
        )
        assert imported.status_code == 201, imported.text
        hook = built.post(
            "/v1/webhooks", json={"url": built.receiver.url, "events": ["submission.graded"]}
        )
        assert hook.status_code == 201, hook.text
        built.receiver.secret = hook.json()["secret"]
        built.start_worker()
        built.start_worker()
        # what a healthy stack answers for each kind of submission
        baseline = built.candidate("Baseline")
        ids = {kind: built.submit(baseline, kind) for kind in SOLUTIONS}

        def graded() -> bool:
            return all(r["status"] == "graded" for r in built.rows(list(ids.values())))

        built.wait_until(graded, SETTLE_SECONDS, "the baseline was not graded")
        for row in built.rows(list(ids.values())):
            built.expected[built.kind_of[row["id"]]] = (row["verdict"], row["score"])
        assert built.expected["right"][0] == "accepted", built.expected
        assert built.expected["wrong"][0] != "accepted", built.expected
        yield built
    finally:
        built.stop()


def test_a_worker_killed_mid_run_loses_nothing(stack: Stack):
    ids = [stack.submit_as_new(kind) for kind in ("slow", "slow", "right", "wrong", "slow")]
    victim = stack.live_workers()[0]

    def victim_runs_one() -> bool:
        return any(r["status"] == "running" for r in stack.rows(ids))

    stack.wait_until(victim_runs_one, 60, "nothing started running")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed = time.monotonic()
    stack.dead_workers.append(victim.pid)
    stack.start_worker()
    finished = stack.settled(ids)  # the dead worker's containers are gone too
    record_recovery("worker SIGKILL mid-run", finished - killed, "kill → every job graded")


def test_postgres_restarts_kill_no_worker(stack: Stack):
    ids = [stack.submit_as_new(kind) for kind in ("slow", "right", "wrong", "slow", "right")]
    for _ in range(5):
        postgres.stop(stack.pgdata)
        time.sleep(1.5)
        postgres.start(stack.scratch, _quiet)
        time.sleep(0.5)
    back = time.monotonic()
    late = stack.submit_as_new("right")  # accepted right after the database returns
    finished = stack.settled([*ids, late])
    assert stack.worker_said("worker degraded: claiming jobs failed")
    assert stack.worker_said("worker recovered after")
    record_recovery("PostgreSQL restarted 5 times", finished - back, "back → every job graded")


def test_an_engine_outage_longer_than_every_attempt_waits(stack: Stack):
    start_engine = stack.restart_dockerd_later()
    try:
        ids = [stack.submit_as_new(kind) for kind in ("right", "wrong", "slow")]
        # The old limit parked a job after 5 attempts: 0.3 + 0.6 + 1.2 + 2.4 + 4.8 s here.
        time.sleep(20)
        rows = stack.rows(ids)
        assert all(r["status"] in ("queued", "running") for r in rows), rows
        assert all(r["attempts"] <= 1 for r in rows), rows  # faults give their attempt back
        assert max(r["infra_failures"] for r in rows) >= 5, rows  # past the old limit
        assert stack.worker_said("worker degraded: sandbox unavailable")
    finally:
        start_engine()
    back = time.monotonic()
    finished = stack.settled(ids)  # containers from before the restart are gone too
    record_recovery("Docker engine down 20 s", finished - back, "engine up → every job graded")


def test_a_stalled_engine_is_not_the_candidates_timeout(stack: Stack):
    pid = stack.dockerd_pid()
    ids = [stack.submit_as_new(kind) for kind in ("right", "right", "wrong")]

    def one_runs() -> bool:
        return any(r["status"] == "running" for r in stack.rows(ids))

    stack.wait_until(one_runs, 60, "nothing started running")
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(WALL_SECONDS + 10 + 4)  # past the trial's wall time and the host's grace
    finally:
        os.kill(pid, signal.SIGCONT)
    back = time.monotonic()
    finished = stack.settled(ids)  # graded as a healthy run grades them: no timeout
    record_recovery("Docker engine frozen 20 s", finished - back, "thawed → every job graded")


def test_an_api_killed_mid_flight_keeps_idempotent_resends_single(stack: Stack):
    candidate = stack.candidate("Crash")
    first = stack.submit(candidate, "right", key="crash-1")
    assert stack.api is not None
    stack.api.send_signal(signal.SIGKILL)
    stack.api.wait(timeout=30)
    killed = time.monotonic()
    stack.start_api()
    answering = time.monotonic()
    assert stack.submit(candidate, "right", key="crash-1") == first  # the resend is replayed
    second = stack.submit(candidate, "wrong", key="crash-2")
    finished = stack.settled([first, second])
    assert stack.count_submissions(candidate) == 2
    record_recovery("API server SIGKILL", answering - killed, "restart → answering")
    record_recovery("API server SIGKILL", finished - killed, "kill → every job graded")
