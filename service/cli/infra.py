"""`trialgate infra up | status | down`."""

from __future__ import annotations

import argparse

from service.cli.output import fail, say
from service.infra import stack
from service.infra.errors import InfraError
from service.settings import Settings


def up_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    try:
        stack.up(settings, env, say)
    except InfraError as exc:
        return fail(str(exc))
    say(f"settings written to {settings.state_path}")
    return 0


def status_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    report = stack.status(settings)
    for name, facts in report.items():
        print(f"{name:9} {facts['state']:6}  {facts['url']}  ({facts['managed']})")
    return 0 if all(f["state"] == "up" for f in report.values()) else 1


def down_command(args: argparse.Namespace, settings: Settings, env: dict[str, str]) -> int:
    try:
        stack.down(settings, say)
    except InfraError as exc:
        return fail(str(exc))
    return 0
