"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io

Summary = dict[str, dict[str, object]]


def format_summary(summary: Summary) -> str:
    out = []
    for name, s in summary.items():
        kind = s["type"]
        if kind == "empty":
            out.append("%s: empty" % name)
        elif kind == "number":
            out.append("%s: number count=%d min=%g max=%g mean=%g" % (name, s["count"], s["min"], s["max"], s["mean"]))
        else:
            out.append("%s: text count=%d distinct=%d top=%s" % (name, s["count"], s["distinct"], s["top"]))
    return "\n".join(out)


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    columns = [Column() for _ in header]
    for row in rows:
        for index, column in enumerate(columns):
            if index < len(row):
                column.add(row[index])
    return {name.strip(): column.result() for name, column in zip(header, columns)}


class Column:
    """Accumulates one column's cells as they stream past."""

    def result(self) -> dict[str, object]:
        if self.count == 0:
            return {"type": "empty", "count": 0}
        if self.numeric:
            mean = round(self.total / self.count, 2)
            return {"type": "number", "count": self.count, "min": self.low, "max": self.high, "mean": mean}
        best = None
        for value in sorted(self.seen):
            if best is None or self.seen[value] > self.seen[best]:
                best = value
        return {"type": "text", "count": self.count, "distinct": len(self.seen), "top": best}


    def add(self, cell: str) -> None:
        cell = cell.strip()
        if cell == "":
            return
        self.count += 1
        self.seen[cell] = self.seen.get(cell, 0) + 1
        if self.numeric:
            try:
                x = float(cell)
            except ValueError:
                self.numeric = False
                return
            self.total += x
            self.low = min(self.low, x)
            self.high = max(self.high, x)

    def __init__(self) -> None:
        self.count = 0
        self.numeric = True
        self.total = 0.0
        self.low = float("inf")
        self.high = float("-inf")
        self.seen: dict[str, int] = {}

def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no header")
    return rows[0], rows[1:]
