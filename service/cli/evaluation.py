"""`trialgate model evaluate`: the served-score back-test on a platform's own history.

The same recipes, cutoffs and verdict as `bench/reputation.py` (see
`scoring.reputation.evaluation`), on the stored history of one organization or of
all, or on a market file (`.jsonl` events in the import format, or a `.csv`
signed-rating network).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from scoring.errors import ScoringError
from scoring.markets import load_market
from scoring.reputation.backtest import BacktestReport, format_report, run_backtest
from scoring.reputation.datasets import milestone_labels
from scoring.reputation.evaluation import REFERENCE, evaluation_recipes, verdicts
from scoring.reputation.history import HistoryIndex, build_index
from scoring.reputation.prior import MIN_LABELLED
from service.cli.output import fail
from service.cli.reputation import EXIT_BAD_INPUT, _connection, _emit, _run
from service.repo.organizations import find_organization
from service.reputation.refresh import load_index
from service.settings import Settings

MAX_BOOT = 1000


def _backtest(index: HistoryIndex, *, name: str, boot: int, seed: int) -> BacktestReport:
    return run_backtest(
        index, evaluation_recipes(), reference=REFERENCE, n_boot=boot, seed=seed, market=name
    )


def _print(report: BacktestReport, as_json: bool) -> None:
    if as_json:
        _emit({"report": report, "verdicts": verdicts(report)})
        return
    print(format_report(report))  # the report is the command's output: stdout
    for verdict in verdicts(report):
        print(f"  {verdict.line()}")


def evaluate_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    if not 10 <= args.boot <= MAX_BOOT:
        return fail(f"--boot: must be from 10 to {MAX_BOOT}", EXIT_BAD_INPUT)
    if args.file is not None:
        return _evaluate_file(args.file, args)

    async def work() -> int:
        async with _connection(settings) as conn:
            organization_id = None
            name = "every organization"
            if args.organization is not None:
                organization = await find_organization(conn, slug=args.organization)
                if organization is None:
                    return fail(f"no organization {args.organization!r}", EXIT_BAD_INPUT)
                organization_id, name = organization.id, args.organization
            index = await load_index(conn, organization_id)
        return await asyncio.to_thread(_evaluate, index, name, args)

    return int(_run(settings, work))


def _evaluate_file(path: Path, args: argparse.Namespace) -> int:
    if not path.is_file():
        return fail(f"{path}: no such file", EXIT_BAD_INPUT)
    try:
        market = load_market(path)
    except ScoringError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    return _evaluate(build_index(market.events), str(path), args)


def _evaluate(index: HistoryIndex, name: str, args: argparse.Namespace) -> int:
    _, labels = milestone_labels(index, as_of=index.end)
    if len(labels) < MIN_LABELLED:
        return fail(
            f"{name}: {len(labels)} labelled milestones; a back-test needs at least "
            f"{MIN_LABELLED} (until then the prior serves)",
            EXIT_BAD_INPUT,
        )
    try:
        report = _backtest(index, name=name, boot=args.boot, seed=args.seed)
    except ValueError as exc:  # e.g. no milestone after a cutoff
        return fail(f"{name}: {exc}", EXIT_BAD_INPUT)
    _print(report, args.json)
    return 0
