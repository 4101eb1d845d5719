"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import zip_longest

Summary = dict[str, dict[str, object]]


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    data = [r for r in csv.reader(io.StringIO(text)) if r]
    if not data:
        raise ValueError("no header")
    return data[0], data[1:]


def to_float(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def column_stats(vals: list[str]) -> dict[str, object]:
    if not vals:
        return {"type": "empty", "count": 0}
    parsed = [to_float(v) for v in vals]
    if all(p is not None for p in parsed):
        floats = [float(v) for v in vals]
        return {
            "type": "number",
            "count": len(floats),
            "min": min(floats),
            "max": max(floats),
            "mean": round(sum(floats) / len(floats), 2),
        }
    freq = Counter(vals)
    winner = min(freq, key=lambda val: (-freq[val], val))
    return {"type": "text", "count": len(vals), "distinct": len(freq), "top": winner}


def summarise(text: str) -> Summary:
    names, data = read_rows(text)
    ncols = len(names)
    transposed = zip_longest(*(r[:ncols] for r in data), fillvalue="")
    out: Summary = {col.strip(): column_stats([]) for col in names}
    for col, raw in zip(names, transposed):
        vals = [v.strip() for v in raw if v.strip()]
        out[col.strip()] = column_stats(vals)
    return out


def format_summary(out: Summary) -> str:
    rendered = []
    for col, info in out.items():
        if info["type"] == "number":
            tail = f"count={info['count']} min={info['min']:g} max={info['max']:g} mean={info['mean']:g}"
        elif info["type"] == "text":
            tail = f"count={info['count']} distinct={info['distinct']} top={info['top']}"
        else:
            rendered.append(f"{col}: empty")
            continue
        rendered.append(f"{col}: {info['type']} {tail}")
    return "\n".join(rendered)
