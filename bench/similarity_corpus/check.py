"""Run each task's checks against every submission: `python bench/similarity_corpus/check.py`."""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    sys.dont_write_bytecode = True  # leave no __pycache__ among the submissions
    failures = checked = 0
    for task in sorted(p for p in HERE.iterdir() if (p / "check.py").is_file()):
        checks = _load(task / "check.py", f"check_{task.name}")
        submissions = sorted([*task.glob("independent/*"), *task.glob("copies/*")])
        for folder in submissions:
            checked += 1
            try:
                checks.check(_load(folder / f"{task.name}.py", task.name))
            except Exception:
                failures += 1
                print(f"FAIL {folder.relative_to(HERE)}\n{traceback.format_exc()}")
    print(f"{checked - failures}/{checked} submissions pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
