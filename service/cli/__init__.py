"""The `trialgate` command line."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from service.cli.commands import register_all
from service.settings import Settings, SettingsError, settings_from_environment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trialgate",
        description="Quality-assurance engine for freelance and outsourced IT work.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_all(commands)
    return parser


def command(handler: str) -> Callable[[argparse.Namespace, Settings, dict[str, str]], int]:
    """The function behind `module:name`, its module imported now: only the command that
    runs loads its stack."""
    module, _, name = handler.partition(":")
    found: Callable[[argparse.Namespace, Settings, dict[str, str]], int] = getattr(
        importlib.import_module(module), name
    )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_environment()
    except SettingsError as exc:
        print(f"trialgate: {exc}", file=sys.stderr)
        return 2
    try:
        return int(command(args.handler)(args, settings, dict(os.environ)) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`); nothing left to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
