"""The score-over-time chart as plain SVG geometry, computed on the server.

No script draws it: the page inlines an <svg> with a polyline for the score and
a polygon for its interval, so it shows without JavaScript and prints as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import msgspec

from service.repo.score_history import ScorePoint

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28  # room for the axis labels
# Labels must not overlap or run off the drawing at the largest size the stylesheet draws
# them (on phones, where the chart is shrunk to fit: `.chart .axis`), in chart units; the
# width per character is a generous average, so an estimate never falls short.
AXIS_FONT = 18
CHAR_WIDTH = 0.62 * AXIS_FONT
LABEL_GAP = 12
DAY = 86_400

Anchor = Literal["start", "middle", "end"]


class Dot(msgspec.Struct, frozen=True, kw_only=True):
    x: float
    y: float
    label: str


class AxisLabel(msgspec.Struct, frozen=True, kw_only=True):
    x: float
    text: str
    anchor: Anchor  # the first label starts at the left edge, the last ends at the right


class Chart(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    line: str  # polyline points
    band: str  # polygon points: upper bound left to right, lower bound back
    dots: list[Dot]
    gridlines: list[tuple[float, int]]  # (y, score)
    x_labels: list[AxisLabel]
    summary: str  # for screen readers


def _x(at: datetime, first: datetime, span: float) -> float:
    inner = WIDTH - LEFT - RIGHT
    if span <= 0:
        return LEFT + inner / 2
    return LEFT + inner * (at - first).total_seconds() / span


def _y(score: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - max(0.0, min(100.0, score)) / 100)


def _when(at: datetime, shown: datetime | None, *, with_time: bool) -> str:
    """A date on the axis: with its year where the year changes from the label before it
    (`shown`), the first label's included; with the time of day over a short span."""
    if shown is None or at.year != shown.year:
        day = f"{at:%d %b %Y}"
    elif with_time and at.date() == shown.date():
        day = ""
    else:
        day = f"{at:%d %b}"
    return f"{day} {at:%H:%M}".strip() if with_time else day


def _extent(label: AxisLabel) -> tuple[float, float]:
    width = len(label.text) * CHAR_WIDTH
    if label.anchor == "start":
        return label.x, label.x + width
    if label.anchor == "end":
        return label.x - width, label.x
    return label.x - width / 2, label.x + width / 2


def _apart(left: AxisLabel, right: AxisLabel) -> bool:
    return _extent(left)[1] + LABEL_GAP <= _extent(right)[0]


def _x_labels(first: datetime, last: datetime, span: float) -> list[AxisLabel]:
    """The first and the last date, and each new year between them where it fits."""
    with_time = span < DAY
    if span <= 0:
        return [AxisLabel(x=WIDTH / 2, text=_when(first, None, with_time=True), anchor="middle")]
    labels = [AxisLabel(x=LEFT, text=_when(first, None, with_time=with_time), anchor="start")]
    shown = first
    # the last label at its longest (with its year), so a year between never crowds it
    longest = AxisLabel(x=WIDTH - RIGHT, text=_when(last, None, with_time=with_time), anchor="end")
    for year in range(first.year + 1, last.year + 1):
        new_year = first.replace(
            year=year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        if not first < new_year <= last:
            continue
        mark = AxisLabel(x=_x(new_year, first, span), text=str(year), anchor="middle")
        if _apart(labels[-1], mark) and _apart(mark, longest):
            labels.append(mark)
            shown = new_year
    labels.append(
        AxisLabel(x=WIDTH - RIGHT, text=_when(last, shown, with_time=with_time), anchor="end")
    )
    return labels


def _summary(points: Sequence[ScorePoint]) -> str:
    """In whole points throughout: the change is the difference of the ends as shown."""
    start, end = round(points[0].score), round(points[-1].score)
    if len(points) == 1:
        return f"Score over time: one point so far, {start}."
    change = end - start
    moved = "no change" if change == 0 else f"{change:+d}".replace("-", "\u2212")
    return f"Score over time: {len(points)} points, from {start} to {end} ({moved})."


def build(points: Sequence[ScorePoint]) -> Chart | None:
    if not points:
        return None
    first, last = points[0].computed_at, points[-1].computed_at
    span = (last - first).total_seconds()
    xs = [_x(p.computed_at, first, span) for p in points]
    line = " ".join(f"{x:.1f},{_y(p.score):.1f}" for x, p in zip(xs, points, strict=True))
    # One point (or all at one instant) still shows its interval: a narrow bar around it.
    band_xs = [xs[0] - 6, xs[0] + 6] if span <= 0 else xs
    band_points = [points[0], points[0]] if span <= 0 else list(points)
    upper = [f"{x:.1f},{_y(p.upper_bound):.1f}" for x, p in zip(band_xs, band_points, strict=True)]
    lower = [f"{x:.1f},{_y(p.lower_bound):.1f}" for x, p in zip(band_xs, band_points, strict=True)]
    dots = [
        Dot(x=x, y=_y(p.score), label=f"{round(p.score)} on {p.computed_at:%Y-%m-%d %H:%M} UTC")
        for x, p in zip(xs, points, strict=True)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=line,
        band=" ".join(upper + lower[::-1]),
        dots=dots,
        gridlines=[(_y(s), s) for s in (0, 25, 50, 75, 100)],
        x_labels=_x_labels(first, last, span),
        summary=_summary(points),
    )
