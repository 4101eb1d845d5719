"""`trialgate simulate`, `events import`, `model train|list` and `reputation export|refresh`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import msgspec

from service.cli.output import fail, say
from service.settings import Settings

EXIT_BAD_INPUT = 2
T = TypeVar("T")


def register(commands: Any) -> None:
    sim = commands.add_parser("simulate", help="write a synthetic market as a JSONL history")
    sim.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    sim.add_argument(
        "--events", type=int, default=None, help="size the market to about this many lines"
    )
    sim.add_argument("--candidates", type=int, default=None)
    sim.add_argument("--clients", type=int, default=None)
    sim.add_argument("--milestones", type=int, default=None)
    sim.add_argument("--ring", action=argparse.BooleanOptionalAction, default=True)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--truth", type=Path, help="also write the hidden truth as JSON")
    sim.set_defaults(handler=_simulate)

    events = commands.add_parser("events", help="event histories")
    actions = events.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import", help="import a JSONL history; all or nothing unless --skip-bad"
    )
    load.add_argument(
        "file", type=Path, help="one JSON event per line (see scoring/reputation/events.py)"
    )
    load.add_argument("--skip-bad", action="store_true", help="import the good lines anyway")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.set_defaults(handler=_import)

    model = commands.add_parser("model", help="reputation models")
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = actions.add_parser(
        "train", help="train on the stored history; promote only a better model"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--json", action="store_true", help="print the report as JSON")
    train.set_defaults(handler=_train)
    listing = actions.add_parser("list", help="model versions with their hold-out metrics")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=_list_models)

    rep = commands.add_parser("reputation", help="materialised reputations")
    actions = rep.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="every candidate's reputation")
    export.add_argument("--tier", default=None, help="one tier (default: every tier)")
    export.add_argument("--json", action="store_true", help="one JSON object per line")
    export.set_defaults(handler=_export)
    refresh = actions.add_parser(
        "refresh", help="recompute reputations of candidates with new events"
    )
    refresh.add_argument("--all", action="store_true", help="recompute everyone")
    refresh.add_argument(
        "--watch", action="store_true", help="keep refreshing as events arrive (until SIGTERM)"
    )
    refresh.set_defaults(handler=_refresh)


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(msgspec.json.encode(obj) + b"\n")


@asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    from service.db.pool import open_connection  # noqa: PLC0415 - only database commands need it

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


def _simulate(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from scoring.simulator.simulate import MarketSpec, simulate, spec_for_events, write_jsonl  # noqa: PLC0415

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


def _import(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from service.errors import ConflictError, ImportRejected  # noqa: PLC0415
    from service.reputation.importer import import_history  # noqa: PLC0415
    from service.reputation.scorers import Scorers  # noqa: PLC0415

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror}", EXIT_BAD_INPUT)

    async def work() -> int:
        async with _connection(settings) as conn:
            try:
                async with conn.transaction():
                    report = await import_history(conn, Scorers(), data, skip_bad=args.skip_bad)
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
        return EXIT_BAD_INPUT if report.skipped else 0

    return int(_run(settings, work))


# -- model ------------------------------------------------------------------------------------


def _train(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from service.reputation.scorers import Scorers  # noqa: PLC0415
    from service.reputation.training import train_and_promote  # noqa: PLC0415

    async def work() -> int:
        async with _connection(settings) as conn, conn.transaction():
            report = await train_and_promote(conn, Scorers(), seed=args.seed)
        if args.json:
            _emit(report)
            return 0
        print(report.decision)
        if report.metrics:
            m = report.metrics
            print(
                f"  version {report.version}: ROC AUC {_fmt(m.roc_auc)}, Brier {_fmt(m.brier)}, "
                f"calibration error {m.ece:.4f} on {m.n} hold-out milestones"
            )
        if report.compared_metrics:
            c = report.compared_metrics
            print(
                f"  serving {report.compared_with} on the same rows: ROC AUC {_fmt(c.roc_auc)}, "
                f"Brier {_fmt(c.brier)}, calibration error {c.ece:.4f}"
            )
        print(f"  serving now: {report.serving}")
        return 0

    return int(_run(settings, work))


def _list_models(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from service.repo.models import list_versions  # noqa: PLC0415
    from service.reputation.views import model_out  # noqa: PLC0415

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


# -- reputation ---------------------------------------------------------------------------------


def _export(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from service.repo.reputation import page  # noqa: PLC0415
    from service.reputation.views import reputation_out  # noqa: PLC0415

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


def _refresh(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    from service.repo.reputation import claim_dirty  # noqa: PLC0415
    from service.reputation.refresh import refresh, run_refresher  # noqa: PLC0415
    from service.reputation.scorers import Scorers  # noqa: PLC0415

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
        from service.db.pool import create_pool  # noqa: PLC0415

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
