"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import zip_longest

Summary = dict[str, dict[str, object]]


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no header")
    return rows[0], rows[1:]


def _as_number(cell: str) -> float | None:
    """The cell as a float, or None when it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None


def _describe(cells: list[str]) -> dict[str, object]:
    """Statistics for one column's non-blank cells."""
    # nothing at all: the column is empty
    if not cells:
        return {"type": "empty", "count": 0}
    numbers = [_as_number(cell) for cell in cells]
    # numeric only if *every* cell parses
    if all(number is not None for number in numbers):
        values = [float(cell) for cell in cells]
        return {
            "type": "number",
            "count": len(values),
            "min": min(values),
            "max": max(values),
            "mean": round(sum(values) / len(values), 2),
        }
    # text column: the most common value wins, ties go to the alphabetically first
    counts = Counter(cells)
    top = min(counts, key=lambda value: (-counts[value], value))
    return {"type": "text", "count": len(cells), "distinct": len(counts), "top": top}


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    # cells past the header are ignored; short rows are padded with blanks by zip_longest
    width = len(header)
    columns = zip_longest(*(row[:width] for row in rows), fillvalue="")
    summary: Summary = {name.strip(): _describe([]) for name in header}
    for name, column in zip(header, columns):
        # blank cells do not count
        cells = [cell.strip() for cell in column if cell.strip()]
        summary[name.strip()] = _describe(cells)
    return summary


def format_summary(summary: Summary) -> str:
    """One line per column, in the order of the summary."""
    lines = []
    for name, stats in summary.items():
        if stats["type"] == "number":
            detail = f"count={stats['count']} min={stats['min']:g} max={stats['max']:g} mean={stats['mean']:g}"
        elif stats["type"] == "text":
            detail = f"count={stats['count']} distinct={stats['distinct']} top={stats['top']}"
        else:
            lines.append(f"{name}: empty")
            continue
        lines.append(f"{name}: {stats['type']} {detail}")
    return "\n".join(lines)
