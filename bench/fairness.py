"""Fair claims: a second candidate's latency while a first floods the queue.

Starts `trialgate serve` and two separate `trialgate worker` processes (each with
concurrency 1) on a throwaway database and imports lru-cache over HTTP. Then:

1. Idle (the yardstick): candidate B submits the reference solution `--rounds`
   times, each after the previous one is graded.
2. Flood: candidate A posts `--burst` submissions at once (three in four slow: the
   solution sleeps `--slow` seconds when the tests import it), then B submits as in
   1. Default limit of one run per candidate: A holds one worker, B finds the other.
3. Flood, A allowed two runs at once (TRIALGATE_RUNS_PER_CANDIDATE=2, workers
   restarted, A's backlog topped up to `--burst`): A holds both workers, so each
   of B's submissions waits for one of A's runs to end, and then goes first.

Latency is submit -> graded by the server's own timestamps (`created_at` and
`graded_at` from GET /v1/submissions/{id}). Where it splits into a wait in the
queue and a run, the claim is the job's `heartbeat_at` (set when the job is
claimed, renewed only every lease/3, longer than any run here). "One run" is A's
slow runs, claim -> graded. Fairness cannot be switched off by configuration (the
order is in the claim's SQL), so FIFO is not measured: it is computed as A's
backlog when B arrived x A's mean run / workers + B's own idle latency.

The flood/idle ratio is what to read: the machine is shared and absolute times drift.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from bench.api import (
    LRU,
    TRIALGATE,
    _drop,
    _files,
    _free_port,
    stop_processes,
    throwaway_service,
    wait_until_serving,
)
from bench.loadgen import percentile
from service.settings import settings_from_environment
from trials.archives import write_tar

WORKERS = 2  # separate `trialgate worker` processes, concurrency 1 each
# The flood must reach the queue: the rate limits stay far above what this bench sends.
RATE_LIMITS = {
    "TRIALGATE_CANDIDATE_SUBMISSIONS_PER_MINUTE": "1000",
    "TRIALGATE_ORGANIZATION_SUBMISSIONS_PER_MINUTE": "100000",
}
# Room for the flood under the per-attempt submission limit (default 10).
ATTEMPT = "\n[attempt]\nsubmissions = 100\nminutes = 600\ncooldown_hours = 0\n"
LEASE_SECONDS = 30.0  # the default: a claim's heartbeat_at holds for lease/3

Row = dict[str, Any]  # a submission as GET /v1/submissions/{id} answers it
Log = IO[bytes] | int  # where the service's processes write their logs


def _package(attempt: bool) -> bytes:
    files = {
        str(p.relative_to(LRU)): p.read_bytes()
        for p in sorted(LRU.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    if attempt:
        files["trial.toml"] += ATTEMPT.encode()
    return write_tar(files)


def _slow(files: dict[str, str], seconds: float) -> dict[str, str]:
    """The reference solution, slower: it sleeps `seconds` when the tests import it."""
    slow = dict(files)
    slow["lru_cache.py"] += f"\nimport time as _bench_time\n\n_bench_time.sleep({seconds})\n"
    return slow


def _workers(env: dict[str, str], runs_per_candidate: int, log: Log) -> list[subprocess.Popen]:
    env = env | {"TRIALGATE_RUNS_PER_CANDIDATE": str(runs_per_candidate)}
    return [subprocess.Popen([TRIALGATE, "worker"], env=env, stderr=log) for _ in range(WORKERS)]


def _when(row: Row, field: str) -> datetime | None:
    return datetime.fromisoformat(row[field]) if row.get(field) else None


def _created(row: Row) -> datetime:
    return datetime.fromisoformat(row["created_at"])


def _latency(row: Row) -> float:
    return (datetime.fromisoformat(row["graded_at"]) - _created(row)).total_seconds()


async def _claims(url: str, ids: list[str]) -> dict[str, datetime]:
    """When each submission's grading job was claimed (see the module's docstring)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT submission_id::text AS id, heartbeat_at FROM jobs "
            "WHERE submission_id = ANY($1::uuid[]) AND heartbeat_at IS NOT NULL",
            ids,
        )
    finally:
        await conn.close()
    return {r["id"]: r["heartbeat_at"] for r in rows}


class Bench:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.refused: Counter[int] = Counter()  # A's submissions the API refused, by status

    async def import_trial(self) -> bool:
        """Imports lru-cache with room for the flood; False if `[attempt]` was refused."""
        for attempt in (True, False):
            reply = await self.client.post(
                "/v1/trials",
                files={"package": ("p.tar", _package(attempt), "application/x-tar")},
            )
            if reply.is_success:
                return attempt
            print(f"import with [attempt] refused: {reply.status_code} {reply.json()['detail']}")
        raise SystemExit("lru-cache could not be imported")

    async def candidate(self, name: str) -> str:
        reply = await self.client.post("/v1/candidates", json={"display_name": name})
        reply.raise_for_status()
        return reply.json()["id"]

    async def submit(self, candidate: str, files: dict[str, str]) -> str | None:
        """The new submission's id; None when the API refused it with 429 (counted)."""
        reply = await self.client.post(
            "/v1/trials/lru-cache/submissions", json={"files": files, "candidate_id": candidate}
        )
        if reply.status_code == 429:
            self.refused[429] += 1
            return None
        if not reply.is_success:
            raise SystemExit(f"submission refused: {reply.status_code} {reply.text}")
        return reply.json()["id"]

    async def read(self, submission: str) -> Row:
        reply = await self.client.get(f"/v1/submissions/{submission}")
        reply.raise_for_status()
        return reply.json()

    async def statuses(self, ids: list[str]) -> list[Row]:
        return list(await asyncio.gather(*(self.read(i) for i in ids)))

    async def graded(self, submission: str, wait_seconds: float = 120) -> Row:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            row = await self.read(submission)
            if row["status"] == "graded":
                return row
            if row["status"] == "failed":
                raise SystemExit(f"submission {submission} failed: {row.get('error')}")
            await asyncio.sleep(0.1)
        raise SystemExit(f"submission {submission} was not graded within {wait_seconds:.0f} s")

    async def running(self, ids: list[str], count: int, wait_seconds: float = 60) -> None:
        """Until `count` of `ids` run at once: the workers are up and busy."""
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if sum(r["status"] == "running" for r in await self.statuses(ids)) >= count:
                return
            await asyncio.sleep(0.2)
        raise SystemExit(f"{count} of A's submissions never ran at once in {wait_seconds:.0f} s")

    async def rounds(self, candidate: str, files: dict[str, str], count: int) -> list[Row]:
        """Submit, wait until graded, again: one candidate working at their own pace."""
        rows = []
        for _ in range(count):
            submission = await self.submit(candidate, files)
            if submission is None:
                raise SystemExit("B was refused with 429: raise the rate limits")
            rows.append(await self.graded(submission))
        return rows

    async def burst(self, candidate: str, batch: list[dict[str, str]]) -> list[str | None]:
        """Each submission's id in `batch` order (None: refused with 429), 8 at a time."""
        gate = asyncio.Semaphore(8)

        async def one(files: dict[str, str]) -> str | None:
            async with gate:
                return await self.submit(candidate, files)

        return list(await asyncio.gather(*(one(files) for files in batch)))


def _backlog(flood: list[Row], at: datetime) -> int:
    """A's submissions queued or running when B's arrived, by the server's timestamps."""
    return sum(
        _created(r) <= at and ((graded := _when(r, "graded_at")) is None or graded > at)
        for r in flood
    )


def _figures(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), percentile(ordered, 0.95), ordered[-1]


async def _measure(
    args: argparse.Namespace, base: str, key: str, url: str, env: dict[str, str], log: Log
) -> None:
    correct = _files(LRU / "solution")
    slow = _slow(correct, args.slow)

    def flood_of(size: int) -> list[dict[str, str]]:
        return [correct if i % 4 == 3 else slow for i in range(size)]

    headers = {"Authorization": f"Bearer {key}"}
    workers = _workers(env, runs_per_candidate=1, log=log)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            bench = Bench(client)
            attempt = await bench.import_trial()
            a, b = await bench.candidate("A (floods)"), await bench.candidate("B")
            # Warm both workers (sandbox pools, images) before anything is measured.
            warm = [await bench.submit(a, correct), await bench.submit(b, correct)]
            await asyncio.gather(*(bench.graded(i) for i in warm if i is not None))

            idle = await bench.rounds(b, correct, args.rounds)

            batch = flood_of(args.burst)
            started = time.perf_counter()
            posted = await bench.burst(a, batch)
            posting = time.perf_counter() - started
            fair = await bench.rounds(b, correct, args.rounds)

            # A may now take both workers: B must wait for one of A's runs each time.
            await asyncio.to_thread(stop_processes, workers)
            flood_ids = [i for i in posted if i is not None]
            pending = [
                r for r in await bench.statuses(flood_ids) if r["status"] in ("queued", "running")
            ]
            top_up = flood_of(max(0, args.burst - len(pending)))
            more = await bench.burst(a, top_up)
            flood_ids += [i for i in more if i is not None]
            workers = _workers(env, runs_per_candidate=2, log=log)
            await bench.running(flood_ids, WORKERS)  # B does not time the workers' start
            both = await bench.rounds(b, correct, args.rounds)

            flood = await bench.statuses(flood_ids)
    finally:
        await asyncio.to_thread(stop_processes, workers)

    sent = [*zip(posted, batch, strict=True), *zip(more, top_up, strict=True)]
    slow_ids = {i for i, files in sent if files is slow}
    claims = await _claims(url, [r["id"] for r in [*flood, *idle, *fair, *both]])
    runs = {
        r["id"]: (datetime.fromisoformat(r["graded_at"]) - claims[r["id"]]).total_seconds()
        for r in flood
        if r["status"] == "graded"
    }
    if max(runs.values()) >= LEASE_SECONDS / 3:
        print("warning: a run outlasted lease/3; its heartbeat_at is no claim time")
    one_run = statistics.mean(s for i, s in runs.items() if i in slow_ids)
    mean_run = statistics.mean(runs.values())

    def wait(row: Row) -> float:
        return (claims[row["id"]] - _created(row)).total_seconds()

    idle_p50 = _figures([_latency(r) for r in idle])[0]
    print(
        f"{WORKERS} worker processes x concurrency 1; lru-cache imported "
        f"{'with' if attempt else 'WITHOUT'} [attempt] submissions = 100; A's burst of "
        f"{len(batch)} posted in {posting:.1f} s, {len(top_up)} more before phase 3; "
        f"A refused with 429: {bench.refused[429]}\n"
    )
    print(
        "| B: submit -> graded | p50 | p95 | max | flood/idle p50 | B's longest queue wait "
        "| A's backlog when B submitted |"
    )
    print("|---|---|---|---|---|---|---|")
    fifo: list[float] = []
    for label, rows in (
        ("idle (yardstick)", idle),
        ("flood, 1 run per candidate (default)", fair),
        ("flood, A may hold 2 runs (both workers)", both),
    ):
        p50, p95, top = _figures([_latency(r) for r in rows])
        backlogs = [_backlog(flood, _created(r)) for r in rows]
        if rows is fair:
            fifo = [k * mean_run / WORKERS + idle_p50 for k in backlogs]
        print(
            f"| {label}, n={len(rows)} | {p50:.2f} s | {p95:.2f} s | {top:.2f} s "
            f"| {p50 / idle_p50:.2f} | {max(map(wait, rows)):.2f} s "
            f"| {min(backlogs)}–{max(backlogs)} |"
        )
    p50, p95, top = _figures(fifo)
    print(
        f"| FIFO, *computed, not measured*: backlog x {mean_run:.2f} s / {WORKERS} + idle p50 "
        f"| {p50:.2f} s | {p95:.2f} s | {top:.2f} s | {p50 / idle_p50:.2f} | {top - idle_p50:.2f} s "
        "| as in the default flood |"
    )
    slow_runs = [s for i, s in runs.items() if i in slow_ids]
    print(
        f"\none run (the bound) = A's slow runs, claim -> graded, n={len(slow_runs)}: "
        f"mean {one_run:.2f} s, max {max(slow_runs):.2f} s; all of A's runs: mean "
        f"{mean_run:.2f} s (n={len(runs)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=40, help="A's submissions at once")
    parser.add_argument("--rounds", type=int, default=12, help="B's submissions per phase")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds A's slow ones sleep")
    parser.add_argument("--log", type=Path, help="file for the service's processes' logs")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    admin_url, url, key, env = throwaway_service(settings_from_environment())
    env |= RATE_LIMITS
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        log: Log = stack.enter_context(args.log.open("ab")) if args.log else subprocess.DEVNULL
        server = subprocess.Popen([TRIALGATE, "serve", "--port", str(port)], env=env, stderr=log)
        try:
            wait_until_serving(base)
            asyncio.run(_measure(args, base, key, url, env, log))
        finally:
            stop_processes([server])
            asyncio.run(_drop(admin_url, url))
    print(f"\nthe bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
