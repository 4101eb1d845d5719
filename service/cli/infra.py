"""`trialgate infra up | status | down`."""

from __future__ import annotations

import argparse
from typing import Any

from service.cli.output import fail, say
from service.infra import stack
from service.infra.errors import InfraError
from service.settings import Settings


def register(commands: Any) -> None:
    infra = commands.add_parser("infra", help="bring up, inspect or stop PostgreSQL and Docker")
    actions = infra.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("up", help="start what is not configured (idempotent)").set_defaults(
        handler=_up
    )
    actions.add_parser("status", help="say what runs where").set_defaults(handler=_status)
    actions.add_parser("down", help="stop only what `infra up` started").set_defaults(handler=_down)


def _up(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    try:
        stack.up(settings, env, say)
    except InfraError as exc:
        return fail(str(exc))
    say(f"settings written to {settings.state_path}")
    return 0


def _status(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    report = stack.status(settings)
    for name, facts in report.items():
        print(f"{name:9} {facts['state']:6}  {facts['url']}  ({facts['managed']})")
    return 0 if all(f["state"] == "up" for f in report.values()) else 1


def _down(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    try:
        stack.down(settings, say)
    except InfraError as exc:
        return fail(str(exc))
    return 0
