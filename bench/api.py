"""The service end to end: submissions through the queue, and the HTTP read path.

1. Starts `trialgate serve` (no embedded worker) and `--workers` separate
   `trialgate worker` processes on a throwaway database, imports lru-cache,
   submits `--count` submissions over HTTP (half correct, half the starter) and
   reports submit -> graded latency p50/p95 (server timestamps) and throughput.
2. Loads GET /v1/submissions/{id} (auth, a submission and its result, filtered
   for the caller) and, as the yardstick, GET /health (a trivial Litestar
   endpoint on the same server) from a load generator in its own process:
   requests/s at full speed, then p99 at half the read path's full rate.

Ratios are what to read: the machine is shared and absolute figures drift.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from bench.loadgen import fixed_rate, max_rate, percentile
from service.auth import create_key
from service.db.migrations import apply_pending
from service.settings import Settings, settings_from_environment

ROOT = Path(__file__).resolve().parents[1]
TRIALGATE = str(Path(sys.executable).with_name("trialgate"))
LRU = ROOT / "trials" / "examples" / "lru-cache"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*.py")}


def _package() -> bytes:
    import io  # noqa: PLC0415
    import tarfile  # noqa: PLC0415

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(LRU.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                data = path.read_bytes()
                if path.name == "trial.toml":  # each candidate's submissions in one attempt
                    data += b"\n[attempt]\nsubmissions = 100\nminutes = 600\ncooldown_hours = 0\n"
                info = tarfile.TarInfo(str(path.relative_to(LRU)))
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def _database(admin_url: str) -> tuple[str, str]:
    name = f"trialgate_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base, _, query = admin_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    conn = await asyncpg.connect(url)
    await apply_pending(conn)
    key, _ = await create_key(conn, role="admin", actor_id=None, name="bench")
    await conn.close()
    return url, key


async def _drop(admin_url: str, url: str) -> None:
    name = url.split("?", maxsplit=1)[0].rsplit("/", 1)[1]
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


CANDIDATES = 20  # the submissions are spread over them


async def _submit_all(base: str, headers: dict[str, str], count: int) -> list[str]:
    solution, starter = _files(LRU / "solution"), _files(LRU / "starter")
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        response = await client.post(
            "/v1/trials", files={"package": ("p.tar.gz", _package(), "application/gzip")}
        )
        response.raise_for_status()
        # Many candidates, as a platform has: one candidate's runs go one at a time.
        candidates = [
            (await client.post("/v1/candidates", json={"display_name": f"bench {n}"})).json()["id"]
            for n in range(CANDIDATES)
        ]
        gate = asyncio.Semaphore(8)

        async def one(i: int) -> str:
            async with gate:
                files = solution if i % 2 == 0 else starter
                reply = await client.post(
                    "/v1/trials/lru-cache/submissions",
                    json={"files": files, "candidate_id": candidates[i % CANDIDATES]},
                )
                reply.raise_for_status()
                return reply.json()["id"]

        return await asyncio.gather(*(one(i) for i in range(count)))


async def _wait_graded(url: str, ids: list[str], wait_seconds: float) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            rows = await conn.fetch(
                "SELECT s.created_at, s.graded_at, r.verdict FROM submissions s "
                "LEFT JOIN results r ON r.submission_id = s.id WHERE s.id = ANY($1::uuid[])",
                ids,
            )
            if all(r["graded_at"] for r in rows):
                return rows
            await asyncio.sleep(0.5)
        raise SystemExit(f"not all {len(ids)} submissions were graded within {wait_seconds:.0f} s")
    finally:
        await conn.close()


def stop_processes(processes: list[subprocess.Popen]) -> None:
    """Terminate (a worker finishes its running job first), then wait; kill what hangs."""
    for proc in processes:
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def trained_market(env: dict[str, str], events: int) -> None:
    """Simulate a market of about `events` events, import it and train a model, through
    the CLI against the service in `env`; prints how long each step took."""
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "market.jsonl"
        for step in (
            ["simulate", "--out", str(history), "--events", str(events)],
            ["events", "import", str(history)],
            ["model", "train"],
        ):
            started = time.perf_counter()
            subprocess.run([TRIALGATE, *step], env=env, check=True, capture_output=True)
            print(f"trialgate {step[0]} {step[1]}: {time.perf_counter() - started:.1f} s")


def throwaway_service(settings: Settings) -> tuple[str, str, str, dict[str, str]]:
    """(admin url, database url, admin key, environment for the service's processes)."""
    base_url, _, query = settings.database_url.partition("?")
    admin_url = f"{base_url.rsplit('/', 1)[0]}/postgres?{query}"
    url, key = asyncio.run(_database(admin_url))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TRIALGATE_EMBEDDED_WORKER": "0",
        "TRIALGATE_LOG_LEVEL": "WARNING",
        "TRIALGATE_WORKER_CONCURRENCY": "1",
        # the bench queues everything at once: the rate limits would refuse most of it
        "TRIALGATE_CANDIDATE_SUBMISSIONS_PER_MINUTE": "100000",
        "TRIALGATE_ORGANIZATION_SUBMISSIONS_PER_MINUTE": "1000000",
    }
    return admin_url, url, key, env


def wait_until_serving(base: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"the service at {base} did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="separate worker processes")
    parser.add_argument("--seconds", type=float, default=5.0, help="per load measurement")
    args = parser.parse_args(argv)

    admin_url, url, key, env = throwaway_service(settings_from_environment())
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    processes = [
        subprocess.Popen(
            [TRIALGATE, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
    ]
    processes += [
        subprocess.Popen([TRIALGATE, "worker"], env=env, stderr=subprocess.DEVNULL)
        for _ in range(args.workers)
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        started = time.perf_counter()
        ids = asyncio.run(_submit_all(base, headers, args.count))
        submitted = time.perf_counter() - started
        rows = asyncio.run(_wait_graded(url, ids, wait_seconds=600))
        e2e = sorted((r["graded_at"] - r["created_at"]).total_seconds() for r in rows)
        span = (
            max(r["graded_at"] for r in rows) - min(r["created_at"] for r in rows)
        ).total_seconds()
        verdicts: dict[str, int] = {}
        for r in rows:
            verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
        print(
            f"submissions: {args.count} over HTTP in {submitted:.1f} s, graded by {args.workers} workers"
        )
        print(
            f"  submit -> graded  p50 {statistics.median(e2e):.2f} s   p95 {percentile(e2e, 0.95):.2f} s   "
            f"throughput {args.count / span:.2f} graded/s   ({', '.join(f'{v} {n}' for v, n in sorted(verdicts.items()))})"
        )

        for proc in processes[1:]:
            proc.terminate()  # the read path is measured alone on the machine
        path = f"/v1/submissions/{ids[0]}"
        trivial = max_rate("127.0.0.1", port, "/health", {}, seconds=args.seconds)
        read = max_rate("127.0.0.1", port, path, headers, seconds=args.seconds)
        half = read["rps"] / 2
        read_half = fixed_rate("127.0.0.1", port, path, headers, rate=half, seconds=args.seconds)
        trivial_half = fixed_rate("127.0.0.1", port, "/health", {}, rate=half, seconds=args.seconds)
        print("read path (16 connections, full speed):")
        print(
            f"  GET /health (yardstick)        {trivial['rps']:7.0f} req/s   p99 {percentile(trivial['latencies'], 0.99) * 1000:6.1f} ms"
        )
        print(
            f"  GET /v1/submissions/{{id}}       {read['rps']:7.0f} req/s   p99 {percentile(read['latencies'], 0.99) * 1000:6.1f} ms"
            f"   errors {read['errors']}"
        )
        print(f"at half the read path's rate ({half:.0f} req/s, open loop):")
        print(
            f"  GET /health                    p50 {percentile(trivial_half['latencies'], 0.5) * 1000:6.1f} ms   p99 {percentile(trivial_half['latencies'], 0.99) * 1000:6.1f} ms"
        )
        print(
            f"  GET /v1/submissions/{{id}}       p50 {percentile(read_half['latencies'], 0.5) * 1000:6.1f} ms   p99 {percentile(read_half['latencies'], 0.99) * 1000:6.1f} ms"
            f"   (target < 20 ms)"
        )
        print(
            f"ratio read path / trivial endpoint: {read['rps'] / trivial['rps']:.2f}   (target >= 0.50)"
        )
    finally:
        stop_processes(processes)
        asyncio.run(_drop(admin_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
