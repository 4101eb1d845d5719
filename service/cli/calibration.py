"""`trialgate model calibration` and `trialgate model recalibrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import msgspec

from service.cli.output import fail
from service.db.pool import open_connection
from service.errors import ServiceError
from service.reputation.calibration import (
    MAX_DAYS,
    CalibrationReport,
    ShiftDecision,
    calibration,
    recalibrate,
)
from service.settings import Settings

EXIT_BAD_INPUT = 2


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(msgspec.json.encode(obj) + b"\n")


def _run(settings: Settings, work: Callable[[asyncpg.Connection], Coroutine[Any, Any, int]]) -> int:
    """Database work on one connection; an unknown organization or an unreachable database
    is a clear message, not a traceback."""
    if not settings.database_url:
        return fail("no database configured: run `trialgate infra up` or set DATABASE_URL")

    async def connected() -> int:
        conn = await open_connection(settings.database_url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    try:
        return asyncio.run(connected())
    except ServiceError as exc:  # an unknown organization
        return fail(f"--{exc.field or 'organization'}: {exc.detail}", EXIT_BAD_INPUT)
    except (OSError, asyncpg.PostgresConnectionError) as exc:
        return fail(f"cannot reach PostgreSQL: {exc}")


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _print_report(report: CalibrationReport) -> None:
    versions = ", ".join(f"{v.model_version} ({v.outcomes})" for v in report.versions) or "none"
    print(
        f"{report.organization}: {report.outcomes} outcomes known in the last {report.days} "
        f"days with a served score ({report.unscored} without one left out); versions: "
        f"{versions}"
    )
    print(f"  {'band':>8}  {'n':>5}  {'predicted':>9}  {'observed':>8}  90 % interval")
    for band in report.table.bands:
        seen = band.observed
        interval = f"{seen.lower:.3f}-{seen.upper:.3f}" if seen else "-"
        print(
            f"  {f'{band.lower:.0f}-{band.upper:.0f}':>8}  {band.count:>5}  "
            f"{_num(band.predicted):>9}  {_num(seen.rate if seen else None):>8}  {interval}"
        )
    large = report.in_the_large
    interval = f"{large.observed.lower:.3f}-{large.observed.upper:.3f}" if large.observed else "-"
    print(
        f"  {'all':>8}  {large.n:>5}  {_num(large.predicted):>9}  "
        f"{_num(large.observed.rate if large.observed else None):>8}  {interval}"
    )
    print(f"  ECE {report.table.ece:.4f}. As served: {large.reason}")
    print(f"  Recalibrating now: {report.recalibration.reason}")
    for shift in report.shifts:
        who = shift.created_by_name or (shift.created_by and str(shift.created_by)) or "no key"
        print(
            f"  shift {shift.shift:+.3f} for {shift.model_version}, "
            f"{shift.created_at:%Y-%m-%d %H:%M} UTC by {who}"
        )


def calibration_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if not 1 <= args.days <= MAX_DAYS:
        return fail(f"--days: between 1 and {MAX_DAYS}, not {args.days}", EXIT_BAD_INPUT)

    async def work(conn: asyncpg.Connection) -> int:
        reports = await calibration(conn, organization=args.organization, days=args.days)
        for report in reports:
            if args.json:
                _emit(report)
            else:
                _print_report(report)
        return 0

    return _run(settings, work)


def _print_decision(decision: ShiftDecision) -> None:
    print(f"{decision.organization}: {decision.reason}")


def recalibrate_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:

    async def work(conn: asyncpg.Connection) -> int:
        decisions = await recalibrate(
            conn, organization=args.organization, dry_run=args.dry_run, changed_by=None
        )
        for decision in decisions:
            if args.json:
                _emit(decision)
            else:
                _print_decision(decision)
        return 0

    return _run(settings, work)
