"""`trialgate simulate`, `events import`, `model train|list|promote|rollback` and
`reputation export|refresh`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import msgspec

from scoring.simulator.simulate import MarketSpec, simulate, spec_for_events, write_jsonl
from service.cli.output import fail, say
from service.db.pool import create_pool, open_connection
from service.errors import ConflictError, ImportRejected, ServiceError
from service.repo.models import list_versions
from service.repo.organizations import find_organization
from service.repo.reputation import claim_dirty, page
from service.reputation.importer import import_history
from service.reputation.promotion import PromotionReport, checked_note, promote, rollback
from service.reputation.refresh import refresh
from service.reputation.refresher import run_refresher
from service.reputation.scorers import Scorers
from service.reputation.training import train_and_promote
from service.reputation.views import model_out, reputation_out
from service.settings import Settings

EXIT_BAD_INPUT = 2
T = TypeVar("T")


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(msgspec.json.encode(obj) + b"\n")


@asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[asyncpg.Connection]:

    conn = await open_connection(settings.database_url)
    try:
        yield conn
    finally:
        await conn.close()


def _run(settings: Settings, work: Callable[[], Coroutine[Any, Any, T]]) -> T | int:
    """Run database work; an unreachable database is a clear message, not a traceback."""
    if not settings.database_url:
        return fail("no database configured: run `trialgate infra up` or set DATABASE_URL")
    try:
        return asyncio.run(work())
    except BrokenPipeError:
        raise  # the reader went away (`... | head`): main() ends quietly
    except (OSError, asyncpg.PostgresConnectionError) as exc:
        return fail(f"cannot reach PostgreSQL: {exc}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


# -- simulate -----------------------------------------------------------------------------


def simulate_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    base = (
        spec_for_events(args.events, seed=args.seed, ring=args.ring)
        if args.events
        else MarketSpec(seed=args.seed, ring=args.ring)
    )
    sizes = {
        name: value
        for name, value in (
            ("n_candidates", args.candidates),
            ("n_clients", args.clients),
            ("n_milestones", args.milestones),
        )
        if value is not None
    }
    if any(v <= 0 for v in sizes.values()) or (args.events is not None and args.events <= 0):
        return fail("sizes must be positive", EXIT_BAD_INPUT)
    market = simulate(msgspec.structs.replace(base, **sizes))
    try:
        write_jsonl(market.events, args.out)
        if args.truth:
            args.truth.write_bytes(msgspec.json.encode(market.truth))
    except OSError as exc:
        return fail(f"cannot write {exc.filename}: {exc.strerror}", EXIT_BAD_INPUT)
    say(f"wrote {len(market.events)} events to {args.out}")
    return 0


# -- events import ------------------------------------------------------------------------


def import_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}", EXIT_BAD_INPUT)

    async def work() -> int:
        async with _connection(settings) as conn:
            try:
                organization = await find_organization(conn, slug=args.organization)
                if organization is None:
                    return fail(f"no organization {args.organization!r}", EXIT_BAD_INPUT)
                async with conn.transaction():
                    report = await import_history(
                        conn,
                        Scorers(),
                        data,
                        organization_id=organization.id,
                        skip_bad=args.skip_bad,
                    )
            except ImportRejected as exc:
                for problem in exc.problems:
                    print(f"{args.file}:{problem.line}: {problem.reason}", file=sys.stderr)
                return fail(f"{args.file}: {exc.detail}", EXIT_BAD_INPUT)
            except ConflictError as exc:
                return fail(str(exc))
        for problem in report.skipped:
            print(f"{args.file}:{problem.line}: {problem.reason} (skipped)", file=sys.stderr)
        if args.json:
            _emit(report)
        else:
            counts = ", ".join(
                f"{value} {name.replace('_', ' ')}"
                for name, value in msgspec.structs.asdict(report.imported).items()
            )
            say(
                f"{args.file}: {report.lines} lines: imported {counts}; {report.unchanged} "
                f"unchanged; {len(report.skipped)} skipped; {report.refreshed} reputations "
                f"refreshed in {report.took_ms / 1000:.1f} s"
            )
            for tier in report.tiers:
                if not tier.policy:
                    say(
                        f"{args.file}: tier {tier.tier!r} ({tier.milestones} milestones) has no "
                        "eligibility policy: its effect is learned from its own milestones, "
                        "and its reputations are kept once a policy names it"
                    )
        return EXIT_BAD_INPUT if report.skipped else 0

    return int(_run(settings, work))


# -- model ------------------------------------------------------------------------------------


def train_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def work() -> int:
        async with _connection(settings) as conn, conn.transaction():
            report = await train_and_promote(conn, Scorers(), seed=args.seed, kind=args.kind)
        if args.json:
            _emit(report)
            return 0
        print(report.decision)
        if report.metrics:
            m = report.metrics
            print(
                f"  version {report.version}, as served: ROC AUC {_fmt(m.roc_auc)}, "
                f"Brier {_fmt(m.brier)}, calibration error {m.ece:.4f} on {m.n} later milestones"
            )
        if report.compared_metrics:
            c = report.compared_metrics
            print(
                f"  serving {report.compared_with}, on the same rows: ROC AUC {_fmt(c.roc_auc)}, "
                f"Brier {_fmt(c.brier)}, calibration error {c.ece:.4f}"
            )
        if report.holdout_metrics:
            h = report.holdout_metrics
            print(
                f"  (milestone-level hold-out, each milestone scored at its opening: ROC AUC "
                f"{_fmt(h.roc_auc)}, Brier {_fmt(h.brier)} on {h.n})"
            )
        print(f"  serving now: {report.serving}")
        return 0

    return int(_run(settings, work))


def list_models_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def work() -> int:
        async with _connection(settings) as conn:
            rows = await list_versions(conn, limit=200)
        for row in rows:
            out = model_out(row)
            if args.json:
                _emit(out)
            else:
                mark = "*" if out.promoted else " "
                figures = "  ".join(
                    f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}"
                    for name, value in (
                        ("AUC", out.metrics.get("roc_auc")),
                        ("Brier", out.metrics.get("brier")),
                        ("ECE", out.metrics.get("ece")),
                    )
                )
                print(f"{mark} {out.version}  {figures}  {out.decision}")
        return 0

    return int(_run(settings, work))


def _change_command(
    args: argparse.Namespace,
    settings: Settings,
    change: Callable[[asyncpg.Connection, str | None], Coroutine[Any, Any, PromotionReport]],
) -> int:
    """Promote or roll back from the command line (the audit names no key: None)."""
    try:
        note = checked_note(args.note)
    except ServiceError as exc:
        return fail(f"--note: {exc.detail}", EXIT_BAD_INPUT)

    async def work() -> int:
        async with _connection(settings) as conn:
            try:
                async with conn.transaction():
                    report = await change(conn, note)
            except ServiceError as exc:  # unknown version, already serving, nothing before
                return fail(exc.detail)
        if args.json:
            _emit(report)
            return 0
        done = report.promotion
        verb = "rolled back to" if done.kind == "rollback" else "promoted"
        print(
            f"{verb} {done.to_version} (serving before: {done.from_version or 'the prior'}); "
            f"{report.refreshed} candidates re-scored with it"
        )
        return 0

    return int(_run(settings, work))


def promote_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    return _change_command(
        args,
        settings,
        lambda conn, note: promote(
            conn, Scorers(), version=args.version, changed_by=None, note=note
        ),
    )


def rollback_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    return _change_command(
        args, settings, lambda conn, note: rollback(conn, Scorers(), changed_by=None, note=note)
    )


# -- reputation ---------------------------------------------------------------------------------


def export_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def work() -> int:
        async with _connection(settings) as conn:
            after = None
            if not args.json:
                print(
                    "candidate_id\texternal_ref\ttier\tscore\tlower\tupper\tevidence\tsource\treasons"
                )
            while True:
                rows = await page(conn, tier=args.tier, after=after, limit=1000)
                for row in rows:
                    out = reputation_out(row)
                    if args.json:
                        _emit(out)
                    else:
                        reasons = ",".join(r.code for r in out.reasons)
                        print(
                            f"{out.candidate_id}\t{out.external_ref or ''}\t{out.tier}\t"
                            f"{out.score:.1f}\t{out.interval.lower:.1f}\t{out.interval.upper:.1f}\t"
                            f"{out.evidence}\t{out.source}\t{reasons}"
                        )
                if len(rows) < 1000:
                    return 0
                after = (rows[-1].candidate_id, rows[-1].tier)

    return int(_run(settings, work))


def refresh_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def once() -> int:
        async with _connection(settings) as conn, conn.transaction():
            ids = None if args.all else await claim_dirty(conn, limit=1_000_000)
            report = await refresh(conn, Scorers(), candidates=ids)
        if not report.candidates:
            say("nothing to refresh: no candidate has new events (--all recomputes everyone)")
            return 0
        say(
            f"refreshed {report.candidates} candidates x {len(report.tiers)} tiers with "
            f"{report.scorer} ({report.source}); {report.flipped} eligibility changes"
        )
        return 0

    async def watch() -> int:

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        pool = await create_pool(settings.database_url)
        try:
            await run_refresher(pool, Scorers(), stop)
        finally:
            await pool.close()
        return 0

    return int(_run(settings, watch if args.watch else once))
