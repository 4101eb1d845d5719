"""The score-over-time chart as plain SVG geometry, computed on the server.

No script draws it: the page inlines an <svg> with a polyline for the score and
a polygon for its interval, so it shows without JavaScript and prints as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from service.repo.score_history import ScorePoint

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28  # room for the axis labels


class Dot(msgspec.Struct, frozen=True, kw_only=True):
    x: float
    y: float
    label: str


class Chart(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    line: str  # polyline points
    band: str  # polygon points: upper bound left to right, lower bound back
    dots: list[Dot]
    gridlines: list[tuple[float, int]]  # (y, score)
    x_labels: list[tuple[float, str]]
    summary: str  # for screen readers


def _x(at: datetime, first: datetime, span: float) -> float:
    inner = WIDTH - LEFT - RIGHT
    if span <= 0:
        return LEFT + inner / 2
    return LEFT + inner * (at - first).total_seconds() / span


def _y(score: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - max(0.0, min(100.0, score)) / 100)


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
        Dot(x=x, y=_y(p.score), label=f"{p.score:.0f} on {p.computed_at:%Y-%m-%d %H:%M} UTC")
        for x, p in zip(xs, points, strict=True)
    ]
    fmt = "%H:%M" if span < 86_400 else "%d %b"
    x_labels = [(xs[0], f"{first:{fmt}}")]
    if len(points) > 1 and span > 0:
        x_labels.append((xs[-1], f"{last:{fmt}}"))
    change = points[-1].score - points[0].score
    summary = (
        f"Score over time: {len(points)} points from {points[0].score:.0f} to "
        f"{points[-1].score:.0f} ({change:+.0f})."
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=line,
        band=" ".join(upper + lower[::-1]),
        dots=dots,
        gridlines=[(_y(s), s) for s in (0, 25, 50, 75, 100)],
        x_labels=x_labels,
        summary=summary,
    )
