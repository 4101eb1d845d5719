"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

Summary = dict[str, dict[str, object]]

_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no header")
    return rows[0], rows[1:]


def _column(rows: list[list[str]], index: int) -> list[str]:
    cells = (row[index].strip() if index < len(row) else "" for row in rows)
    return list(filter(None, cells))


def _summary_of(cells: list[str]) -> dict[str, object]:
    if not cells:
        return {"type": "empty", "count": 0}
    if all(_FLOAT.fullmatch(cell.replace("_", "")) for cell in cells):
        ordered = sorted(map(float, cells))
        return {
            "type": "number",
            "count": len(ordered),
            "min": ordered[0],
            "max": ordered[-1],
            "mean": round(sum(ordered) / len(ordered), 2),
        }
    tally = Counter(cells)
    top_count = max(tally.values())
    top = min(value for value, count in tally.items() if count == top_count)
    return {"type": "text", "count": len(cells), "distinct": len(tally), "top": top}


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    return {name.strip(): _summary_of(_column(rows, i)) for i, name in enumerate(header)}


_TEMPLATES = {
    "number": "{name}: number count={count} min={min:g} max={max:g} mean={mean:g}",
    "text": "{name}: text count={count} distinct={distinct} top={top}",
    "empty": "{name}: empty",
}


def format_summary(summary: Summary) -> str:
    return "\n".join(_TEMPLATES[str(s["type"])].format(name=name, **s) for name, s in summary.items())
