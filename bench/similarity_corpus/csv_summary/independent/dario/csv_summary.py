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


def numeric_stats(values):
    smallest = values[0]
    largest = values[0]
    total = 0.0
    for v in values:
        if v < smallest:
            smallest = v
        if v > largest:
            largest = v
        total = total + v
    return smallest, largest, round(total / len(values), 2)


def most_common(values):
    counts = {}
    for v in values:
        if v in counts:
            counts[v] += 1
        else:
            counts[v] = 1
    best_value, best_count = None, 0
    for v, c in counts.items():
        if c > best_count or (c == best_count and v < best_value):
            best_value, best_count = v, c
    return best_value, len(counts)


def summarise(text: str) -> Summary:
    header, rows = read_rows(text)
    result = {}
    for col in range(len(header)):
        name = header[col].strip()
        cells = []
        for row in rows:
            if col < len(row) and row[col].strip() != "":
                cells.append(row[col].strip())
        if len(cells) == 0:
            result[name] = {"type": "empty", "count": 0}
            continue
        numbers = []
        for cell in cells:
            try:
                numbers.append(float(cell))
            except ValueError:
                numbers = None
                break
        if numbers is not None:
            low, high, mean = numeric_stats(numbers)
            result[name] = {"type": "number", "count": len(numbers), "min": low, "max": high, "mean": mean}
        else:
            top, distinct = most_common(cells)
            result[name] = {"type": "text", "count": len(cells), "distinct": distinct, "top": top}
    return result


def format_summary(summary: Summary) -> str:
    text = ""
    for name in summary:
        info = summary[name]
        if text:
            text += "\n"
        text += name + ": " + info["type"]
        if info["type"] == "number":
            text += " count=" + str(info["count"])
            text += " min=" + format(info["min"], "g")
            text += " max=" + format(info["max"], "g")
            text += " mean=" + format(info["mean"], "g")
        elif info["type"] == "text":
            text += " count=" + str(info["count"])
            text += " distinct=" + str(info["distinct"])
            text += " top=" + info["top"]
    return text
