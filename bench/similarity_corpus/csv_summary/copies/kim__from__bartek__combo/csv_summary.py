"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io

Summary = dict[str, dict[str, object]]


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("no header")
    return rows[0], rows[1:]


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    accs = [Acc() for _ in header]
    lineno = 1
    for row in rows:
        lineno += 1
        for idx, acc in enumerate(accs):
            if idx < len(row):
                acc.add(row[idx])
    return {name.strip(): acc.result() for name, acc in zip(header, accs)}


def format_summary(summary: Summary) -> str:
    lines = []
    for name, st in summary.items():
        typ = st["type"]
        if typ == "empty":
            lines.append("%s: empty" % name)
        elif typ == "number":
            lines.append("%s: number count=%d min=%g max=%g mean=%g" % (name, st["count"], st["min"], st["max"], st["mean"]))
        else:
            lines.append("%s: text count=%d distinct=%d top=%s" % (name, st["count"], st["distinct"], st["top"]))
    return "\n".join(lines)


class Acc:
    """Accumulates one column's cells as they stream past."""

    name = ""

    def result(self) -> dict[str, object]:
        if self.n == 0:
            return {"type": "empty", "count": 0}
        if self.all_numbers:
            avg = round(self.sum_ / self.n, 2)
            return {"type": "number", "count": self.n, "min": self.lowest, "max": self.highest, "mean": avg}
        top = None
        for candidate in sorted(self.freq):
            if top is None or self.freq[candidate] > self.freq[top]:
                top = candidate
        return {"type": "text", "count": self.n, "distinct": len(self.freq), "top": top}


    def reset(self) -> None:
        self.__init__()

    def __init__(self) -> None:
        self.n = 0
        self.all_numbers = True
        self.sum_ = 0.0
        self.lowest = float("inf")
        self.highest = float("-inf")
        self.freq: dict[str, int] = {}
        self.blanks = 0

    def add(self, cell: str) -> None:
        cell = cell.strip()
        if cell == "":
            # blank
            return
        self.n += 1
        self.freq[cell] = self.freq.get(cell, 0) + 1
        if self.all_numbers:
            try:
                num = float(cell)
            except ValueError:
                self.all_numbers = False
                return
            self.sum_ += num
            self.lowest = min(self.lowest, num)
            self.highest = max(self.highest, num)
