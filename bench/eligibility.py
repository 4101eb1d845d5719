"""Eligibility answers under load, against a trivial endpoint on the same server.

Simulates a market, imports it and trains the model through the CLI on a
throwaway database, then loads POST /v1/eligibility (a stored, audited
decision per request) and, as the yardstick, GET /health, from a load
generator in its own process: requests/s at full speed, then p99 at half the
eligibility endpoint's full rate.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys

import asyncpg
import httpx
import msgspec

from bench.api import (
    TRIALGATE,
    _drop,
    _free_port,
    throwaway_service,
    trained_market,
    wait_until_serving,
)
from bench.loadgen import fixed_rate, max_rate, percentile
from service.settings import settings_from_environment


async def _some_candidate(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(
            "SELECT external_ref FROM actors WHERE kind = 'candidate' AND external_ref IS NOT NULL "
            "ORDER BY external_ref LIMIT 1"
        )
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000, help="size of the simulated history")
    parser.add_argument("--seconds", type=float, default=5.0, help="per load measurement")
    args = parser.parse_args(argv)

    admin_url, url, key, env = throwaway_service(settings_from_environment())
    server = None
    try:
        trained_market(env, args.events)
        port = _free_port()
        server = subprocess.Popen(
            [TRIALGATE, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base)
        headers = {"Authorization": f"Bearer {key}"}
        body = msgspec.json.encode(
            {
                "candidate": asyncio.run(_some_candidate(url)),
                "tier": "standard",
                "skills": ["python"],
            }
        )
        answer = httpx.post(
            f"{base}/v1/eligibility",
            content=body,
            headers=headers | {"Content-Type": "application/json"},
        )
        answer.raise_for_status()
        trivial = max_rate("127.0.0.1", port, "/health", {}, seconds=args.seconds)
        decide = max_rate(
            "127.0.0.1", port, "/v1/eligibility", headers, seconds=args.seconds, body=body
        )
        half = decide["rps"] / 2
        decide_half = fixed_rate(
            "127.0.0.1",
            port,
            "/v1/eligibility",
            headers,
            rate=half,
            seconds=args.seconds,
            body=body,
        )
        print("eligibility (16 connections, full speed; every answer stored for audit):")
        print(
            f"  GET /health (yardstick)   {trivial['rps']:7.0f} req/s   p99 {percentile(trivial['latencies'], 0.99) * 1000:6.1f} ms"
        )
        print(
            f"  POST /v1/eligibility      {decide['rps']:7.0f} req/s   p99 {percentile(decide['latencies'], 0.99) * 1000:6.1f} ms"
            f"   errors {decide['errors']}"
        )
        print(
            f"at half its full rate ({half:.0f} req/s, open loop): p50 "
            f"{percentile(decide_half['latencies'], 0.5) * 1000:.1f} ms   p99 {percentile(decide_half['latencies'], 0.99) * 1000:.1f} ms"
            f"   (target < 10 ms)   errors {decide_half['errors']}"
        )
        print(
            f"ratio eligibility / trivial endpoint: {decide['rps'] / trivial['rps']:.2f}   (target >= 0.50)"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        asyncio.run(_drop(admin_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
