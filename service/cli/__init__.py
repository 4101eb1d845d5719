"""The `trialgate` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from service.cli import demo, grading, infra, reputation, runtime, service_cmds
from service.settings import SettingsError, settings_from_environment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trialgate",
        description="Quality-assurance engine for freelance and outsourced IT work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (infra, runtime, grading, service_cmds, reputation, demo):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_environment()
    except SettingsError as exc:
        print(f"trialgate: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.handler(args, settings, dict(os.environ)) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`); nothing left to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
