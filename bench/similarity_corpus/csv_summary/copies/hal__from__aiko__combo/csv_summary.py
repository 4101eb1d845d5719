"""Summarise the columns of a CSV file. See the task statement."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import zip_longest

Summary = dict[str, dict[str, object]]


def summarise(text: str) -> Summary:
    head, body = read_rows(text)
    n_cols = len(head)
    cols = zip_longest(*(line[:n_cols] for line in body), fillvalue="")
    # prefill so that columns missing from every row still appear
    res: Summary = {key.strip(): _profile([]) for key in head}
    for key, col in zip(head, cols):
        items_ = [it.strip() for it in col if it.strip()]
        res[key.strip()] = _profile(items_)
    return res


def _profile(items_: list[str]) -> dict[str, object]:
    # an empty list of cells means an empty column
    if not items_:
        return {"type": "empty", "count": 0}
    nums = [_num(it) for it in items_]
    if all(x is not None for x in nums):
        xs = [float(it) for it in items_]
        return {
            "type": "number",
            "count": len(xs),
            "min": min(xs),
            "max": max(xs),
            "mean": round(sum(xs) / len(xs), 2),
        }
    tally = Counter(items_)
    uniq = sorted(tally)
    mode = min(tally, key=lambda val: (-tally[val], val))
    return {"type": "text", "count": len(items_), "distinct": len(tally), "top": mode}


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows. Provided; change it if you need to."""
    body = [line for line in csv.reader(io.StringIO(text)) if line]
    if not body:
        raise ValueError("no header")
    return body[0], body[1:]


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def format_summary(res: Summary) -> str:
    """Render the summary as text."""
    buf = []
    for key, st in res.items():
        if st["type"] == "number":
            extra = f"count={st['count']} min={st['min']:g} max={st['max']:g} mean={st['mean']:g}"
        elif st["type"] == "text":
            extra = f"count={st['count']} distinct={st['distinct']} top={st['top']}"
        else:
            buf.append(f"{key}: empty")
            continue
        buf.append(f"{key}: {st['type']} {extra}")
        extra = ""
    return "\n".join(buf)


def _num(it: str) -> float | None:
    try:
        return float(it)
    except ValueError:
        return None
