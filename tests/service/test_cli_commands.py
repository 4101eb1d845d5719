"""The command line parses without loading any stack, and every command resolves to its body."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from service.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _handlers(parser: argparse.ArgumentParser) -> list[str]:
    found = [parser.get_default("handler")] if parser.get_default("handler") else []
    for action in parser._actions:  # argparse keeps subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_handlers(sub))
    return found


def test_every_command_names_a_function_that_exists():
    handlers = _handlers(build_parser())
    assert len(handlers) >= 20
    for handler in handlers:
        module, _, name = handler.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), handler


def test_parsing_any_command_loads_no_database_engine_web_or_model_code():
    probe = (
        "import sys\n"
        "from service.cli import build_parser\n"
        "build_parser().parse_args(['reputation', 'refresh', '--all'])\n"
        "heavy = ('sklearn', 'numpy', 'litestar', 'asyncpg', 'docker', 'uvicorn', 'scoring')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
