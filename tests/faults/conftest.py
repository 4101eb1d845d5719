"""The fault suite's report: how long the stack took to recover from each fault.

Recovery times are printed, never asserted (the machine is shared and noisy)."""

from __future__ import annotations

from typing import Any

RECOVERIES: list[tuple[str, float, str]] = []  # (fault, seconds, what was measured)


def record_recovery(fault: str, seconds: float, measured: str) -> None:
    RECOVERIES.append((fault, seconds, measured))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RECOVERIES:
        return
    terminalreporter.section("fault recovery times")
    for fault, seconds, measured in RECOVERIES:
        terminalreporter.write_line(f"{fault:<44} {seconds:6.1f} s  {measured}")
