"""Matching at 10,000 candidates: `POST /v1/matches` latency, against a trivial endpoint.

Simulates a market, imports it and trains the model through the CLI on a throwaway
database (so every stored reputation carries its feature row and per-skill records, as
the refresher writes them). Simulating and scoring 10,000 candidates' histories would
take minutes, so the scored market (about 340 candidates) is replicated into an
organization of its own: 10,000 candidates, each a copy of a scored one with its feature
row and per-skill records perturbed (evidence counts scaled, rates and trial scores
jittered) and its trial results copied, stored for every tier with a policy through the
refresher's own write (`repo.reputation.upsert`).

Then `trialgate serve` answers, with no refresher: the first match per tier (cold: it
builds that tier's index), then at least 500 matches one after another over one
keep-alive connection, each with other skills, tier and amount, for p50/p95/p99; the
same at 4 connections; and, as in the other benches, requests/s at full speed against
GET /health on the same server. In process: the index build alone, and the ranking alone
(no HTTP, no database) over the same requests.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import numpy as np

from bench.api import (
    TRIALGATE,
    _drop,
    _free_port,
    throwaway_service,
    trained_market,
    wait_until_serving,
)
from bench.loadgen import _raw, _request, max_rate, percentile
from scoring.reputation.features import COL
from scoring.reputation.model import SkillScore
from scoring.reputation.reasons import Reason
from service.auth import create_key
from service.db.pool import open_connection
from service.matching.index import build_index
from service.matching.ranking import rank
from service.repo import matching as matching_repo
from service.repo import reputation as reputation_repo
from service.repo.organizations import insert_organization
from service.repo.reputation import ReputationWrite
from service.reputation.scorers import Scorers
from service.settings import settings_from_environment

CANDIDATES = 10_000
TIERS = ("entry", "standard", "expert")
RATES = ("good_share", "dispute_rate", "late_rate", "unaccepted_rate", "rating_low_share")
COUNTS = ("outcome_evidence", "rating_evidence", "trial_count")


class Seeded(msgspec.Struct, frozen=True, kw_only=True):
    organization_id: UUID
    platform_key: str
    skills: list[str]
    seconds: float


def _perturbed(rng: random.Random, features: list[float], per_skill: list[dict]) -> tuple:
    values = list(features)
    scale = rng.uniform(0.5, 1.8)
    for name in COUNTS:
        values[COL[name]] *= scale
    for name in RATES:
        values[COL[name]] = min(1.0, max(0.0, values[COL[name]] + rng.gauss(0.0, 0.04)))
    for name in ("trial_mean", "trial_best", "trial_best_skill"):
        values[COL[name]] = min(1.0, max(0.0, values[COL[name]] + rng.gauss(0.0, 0.05)))
    skills = []
    for record in per_skill:
        changed = dict(record)
        changed["trial_best"] = min(
            1.0, max(0.0, float(record.get("trial_best", 0.0)) + rng.gauss(0.0, 0.05))
        )
        skills.append(changed)
    return values, skills


async def _seed(url: str, candidates: int, seed: int) -> Seeded:
    """The scored market's candidates copied into an organization of their own."""
    started = time.perf_counter()
    rng = random.Random(seed)
    conn = await open_connection(url)
    try:
        source = await conn.fetch(
            "SELECT r.*, a.skills AS declared FROM reputations r "
            "JOIN actors a ON a.id = r.candidate_id WHERE r.tier = ANY($1::text[])",
            list(TIERS),
        )
        by_candidate: dict[UUID, dict[str, Any]] = defaultdict(dict)
        for row in source:
            by_candidate[row["candidate_id"]][row["tier"]] = row
        scored = [c for c, tiers in by_candidate.items() if len(tiers) == len(TIERS)]
        trials: dict[UUID, list[Any]] = defaultdict(list)
        for t in await conn.fetch(
            "SELECT candidate_id, trial, skills, score, verdict, at FROM trial_results"
        ):
            trials[t["candidate_id"]].append(t)
        org = await insert_organization(conn, slug="bench-matching", name="Matching bench")
        key, _ = await create_key(
            conn, role="platform", actor_id=None, name="bench", organization_id=org.id
        )
        ids = [uuid4() for _ in range(candidates)]
        picks = [rng.choice(scored) for _ in ids]
        await conn.executemany(
            "INSERT INTO actors (id, kind, external_ref, display_name, skills, organization_id) "
            "VALUES ($1, 'candidate', $2, $3, $4, $5)",
            [
                (
                    c,
                    f"b{n:06d}",
                    f"Bench candidate {n}",
                    list(by_candidate[p][TIERS[0]]["declared"]),
                    org.id,
                )
                for n, (c, p) in enumerate(zip(ids, picks, strict=True))
            ],
        )
        await conn.executemany(
            "INSERT INTO trial_results (key, candidate_id, trial, skills, score, verdict, at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (
                    f"{c}|{t['trial']}|{i}",
                    c,
                    t["trial"],
                    t["skills"],
                    t["score"],
                    t["verdict"],
                    t["at"],
                )
                for c, p in zip(ids, picks, strict=True)
                for i, t in enumerate(trials[p])
            ],
        )
        now = datetime.now(UTC)
        for tier in TIERS:
            rows = []
            for c, p in zip(ids, picks, strict=True):
                stored = by_candidate[p][tier]
                rows.append(_perturbed_write(rng, stored, candidate_id=c, tier=tier))
            rows.sort(key=lambda r: r.candidate_id)
            await reputation_repo.upsert(conn, rows, computed_at=now)
        skills = sorted({s["skill"] for row in source for s in row["per_skill"]})
    finally:
        await conn.close()
    return Seeded(
        organization_id=org.id,
        platform_key=key,
        skills=skills,
        seconds=time.perf_counter() - started,
    )


def _perturbed_write(
    rng: random.Random, stored: Any, *, candidate_id: UUID, tier: str
) -> ReputationWrite:
    """A stored reputation row (a mapping of its columns) written again for `candidate_id`,
    with its features and per-skill records perturbed."""
    features, per_skill = _perturbed(rng, stored["features"], stored["per_skill"])
    return ReputationWrite(
        candidate_id=candidate_id,
        tier=tier,
        score=stored["score"],
        lower_bound=stored["lower_bound"],
        upper_bound=stored["upper_bound"],
        evidence=stored["evidence"],
        effective_evidence=stored["effective_evidence"],
        tier_evidence=stored["tier_evidence"],
        per_skill=msgspec.convert(per_skill, tuple[SkillScore, ...]),
        reasons=msgspec.convert(stored["reasons"], tuple[Reason, ...]),
        model_version=stored["model_version"],
        source=stored["source"],
        as_of=stored["as_of"],
        features=tuple(features),
    )


async def _rescore_some(url: str, organization_id: UUID, count: int, seed: int) -> None:
    """As a refresh of `count` candidates whose events changed stores them: their standard
    rows written again, perturbed (the index is then patched, not rebuilt)."""
    rng = random.Random(seed)
    conn = await open_connection(url)
    try:
        rows = await conn.fetch(
            "SELECT r.* FROM reputations r JOIN actors a ON a.id = r.candidate_id "
            "WHERE a.organization_id = $1 AND r.tier = 'standard'",
            organization_id,
        )
        writes = []
        for stored in rng.sample(list(rows), count):
            writes.append(
                _perturbed_write(rng, stored, candidate_id=stored["candidate_id"], tier="standard")
            )
        writes.sort(key=lambda r: r.candidate_id)
        await reputation_repo.upsert(conn, writes, computed_at=datetime.now(UTC))
    finally:
        await conn.close()


def _bodies(skills: list[str], count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "skills": rng.sample(skills, rng.randint(0, min(3, len(skills)))),
            "tier": rng.choice(TIERS),
            "amount": round(math.exp(rng.uniform(math.log(50), math.log(50_000))), 2),
        }
        for _ in range(count)
    ]


async def _timed(
    port: int, headers: dict[str, str], bodies: list[dict], connections: int
) -> tuple[list[float], int]:
    """Each body once, over `connections` keep-alive connections; latencies in seconds."""
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(_raw("127.0.0.1", port, "/v1/matches", headers, msgspec.json.encode(body)))

    async def one() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                raw = queue.get_nowait()
                started = time.perf_counter()
                if await _request(reader, writer, raw) != 200:
                    errors += 1
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return sorted(latencies), errors


async def _in_process(url: str, organization_id: UUID, bodies: list[dict]) -> dict[str, Any]:
    """The index build and the ranking alone, as the server does them, without HTTP."""
    conn = await open_connection(url)
    try:
        promoted = await Scorers().promoted(conn)
        reads, builds, indexes = [], [], {}
        for tier in TIERS:
            started = time.perf_counter()
            stored = await matching_repo.match_rows(
                conn, organization_id=organization_id, tier=tier
            )
            read = time.perf_counter()
            indexes[tier] = build_index(
                organization_id, tier, stored.generation, stored.rows, promoted=promoted, shift=0.0
            )
            reads.append(read - started)
            builds.append(time.perf_counter() - read)
    finally:
        await conn.close()
    ranking = []
    for body in bodies:
        started = time.perf_counter()
        rank(
            indexes[body["tier"]],
            skills=body["skills"],
            amount=body["amount"],
            limit=10,
            exclude=[],
        )
        ranking.append(time.perf_counter() - started)
    return {
        "read": reads,
        "build": builds,
        "ranking": sorted(ranking),
        "size": len(indexes["standard"]),
        "unscored": len(indexes["standard"].unscored),
        "scorer": promoted.version if promoted else "prior",
    }


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:6.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000, help="size of the simulated history")
    parser.add_argument("--candidates", type=int, default=CANDIDATES)
    parser.add_argument("--requests", type=int, default=600, help="timed matches (at least 500)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per full-speed measurement")
    args = parser.parse_args(argv)

    admin_url, url, _, env = throwaway_service(settings_from_environment())
    server = None
    try:
        trained_market(env, args.events)
        seeded = asyncio.run(_seed(url, args.candidates, seed=1))
        print(
            f"seeded {args.candidates} candidates x {len(TIERS)} tiers "
            f"(copies of the scored market, perturbed): {seeded.seconds:.1f} s"
        )
        port = _free_port()
        server = subprocess.Popen(
            [TRIALGATE, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
        )
        wait_until_serving(f"http://127.0.0.1:{port}")
        headers = {"Authorization": f"Bearer {seeded.platform_key}"}
        cold = {}
        for tier in TIERS:  # the first match of each tier builds its index
            latencies, errors = asyncio.run(
                _timed(
                    port, headers, [{"tier": tier, "amount": 800, "skills": seeded.skills[:1]}], 1
                )
            )
            assert errors == 0, "the first match failed"
            cold[tier] = latencies[0]
        patched = []
        for round_ in range(5):  # a refresh of a few candidates, then the next match
            asyncio.run(_rescore_some(url, seeded.organization_id, 20, seed=round_))
            latencies, errors = asyncio.run(
                _timed(port, headers, [{"tier": "standard", "amount": 800}], 1)
            )
            assert errors == 0, "a match after a refresh failed"
            patched.append(latencies[0])
        bodies = _bodies(seeded.skills, max(args.requests, 500), seed=2)
        one, errors_one = asyncio.run(_timed(port, headers, bodies, 1))
        four, errors_four = asyncio.run(_timed(port, headers, bodies, 4))
        fixed = msgspec.json.encode(
            {"tier": "standard", "amount": 800, "skills": seeded.skills[:2]}
        )
        trivial = max_rate("127.0.0.1", port, "/health", {}, seconds=args.seconds)
        matches = max_rate(
            "127.0.0.1", port, "/v1/matches", headers, seconds=args.seconds, body=fixed
        )
        alone = asyncio.run(_in_process(url, seeded.organization_id, bodies))

        print(
            f"index: {alone['size']} candidates ranked per tier, {alone['unscored']} unscored, "
            f"scorer {alone['scorer']}"
        )
        print("cold: the first match of a tier builds its index (read + arrays + scorers)")
        for tier in TIERS:
            print(f"  POST /v1/matches, first {tier:8s}        {cold[tier] * 1000:7.1f} ms")
        print(
            f"  in process: read {np.median(alone['read']) * 1000:.1f} ms, "
            f"build {np.median(alone['build']) * 1000:.1f} ms (median of the {len(TIERS)} tiers)"
        )
        print(
            "after a refresh of 20 candidates, the next match (patches the index): median "
            f"{np.median(patched) * 1000:.1f} ms, max {max(patched) * 1000:.1f} ms (5 refreshes)"
        )
        print(f"warm: {len(bodies)} matches, each with other skills, tier and amount, limit 10")
        print("                                   p50      p95      p99   (ms)")
        print(
            f"  1 connection                  {_ms(one, 0.5)}   {_ms(one, 0.95)}   {_ms(one, 0.99)}   errors {errors_one}   (target p99 < 50 ms)"
        )
        print(
            f"  4 connections                 {_ms(four, 0.5)}   {_ms(four, 0.95)}   {_ms(four, 0.99)}   errors {errors_four}"
        )
        ranking = alone["ranking"]
        print(
            f"  ranking alone, in process     {_ms(ranking, 0.5)}   {_ms(ranking, 0.95)}   {_ms(ranking, 0.99)}"
        )
        print("full speed (16 connections, one body):")
        print(
            f"  GET /health (yardstick)   {trivial['rps']:7.0f} req/s   p99 "
            f"{percentile(trivial['latencies'], 0.99) * 1000:6.1f} ms"
        )
        print(
            f"  POST /v1/matches          {matches['rps']:7.0f} req/s   p99 "
            f"{percentile(matches['latencies'], 0.99) * 1000:6.1f} ms   errors {matches['errors']}"
        )
        print(f"ratio matches / trivial endpoint: {matches['rps'] / trivial['rps']:.3f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        asyncio.run(_drop(admin_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
