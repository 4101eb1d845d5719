"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter

Summary = dict[str, dict[str, object]]


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows, every cell stripped."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no header")
    return rows[0], rows[1:]


def is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    cells: dict[str, list[str]] = {name: [] for name in header}
    for row in rows:
        padded = row + [""] * (len(header) - len(row))
        for name, cell in zip(header, padded):
            if cell:
                cells[name].append(cell)

    summary: Summary = {}
    for name in header:
        values = cells[name]
        if not values:
            summary[name] = {"type": "empty", "count": 0}
        elif all(map(is_number, values)):
            numbers = list(map(float, values))
            summary[name] = dict(
                type="number",
                count=len(numbers),
                min=min(numbers),
                max=max(numbers),
                mean=round(statistics.fmean(numbers), 2),
            )
        else:
            ranked = sorted(Counter(values).items(), key=lambda vc: (-vc[1], vc[0]))
            summary[name] = dict(type="text", count=len(values), distinct=len(ranked), top=ranked[0][0])
    return summary


def format_summary(summary: Summary) -> str:
    def line(name: str, info: dict[str, object]) -> str:
        fields = [f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
                  for key, value in info.items() if key != "type"]
        if info["type"] == "empty":
            fields = []
        return " ".join([f"{name}:", str(info["type"]), *fields])

    return "\n".join(line(name, info) for name, info in summary.items())
