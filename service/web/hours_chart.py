"""Graded runs per hour as bars with axes, computed on the server.

The bars are an <svg> stretched to the card's width; the count scale and the
hour labels are HTML beside and under it, so their text keeps its size from a
390 px phone to a desktop instead of shrinking with the drawing. The scale has
four equal steps of a round number (1, 2, 5, 10, 20, 50…), so its labels sit on
the gridlines by spacing them evenly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta

import msgspec

from service.repo.operations import HourCount
from service.web.submission_filters import list_url, minute

SLOT = 10  # width of one hour in the drawing's units
HEIGHT = 100
STEPS = 4
MAJOR_EVERY = 6  # hours labelled at every width
MINOR_EVERY = 3  # and the ones between, where there is room


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    x: float
    y: float
    width: float
    height: float
    runs: int
    title: str
    href: str  # the runs graded in this hour, in the submissions list


class HourLabel(msgspec.Struct, frozen=True, kw_only=True):
    text: str  # "" for an hour left unlabelled
    day: str  # "" unless the date changes here (or it is the first labelled hour)
    major: bool


class HoursChart(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    bars: list[Bar]
    gridlines: list[float]  # y of each scale step, bottom (0) first
    ticks: list[int]  # the scale's counts, 0 first
    labels: list[HourLabel]  # one per hour, left to right
    busiest: int
    total: int
    summary: str  # for screen readers


def scale_step(busiest: int) -> int:
    """The smallest round step (1, 2, 5 times a power of ten) whose four steps reach `busiest`."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude * STEPS >= busiest:
                return factor * magnitude
        magnitude *= 10


def _label(hour: int, day: str) -> HourLabel:
    if hour % MINOR_EVERY:
        return HourLabel(text="", day="", major=False)
    return HourLabel(text=f"{hour:02d}:00", day=day, major=hour % MAJOR_EVERY == 0)


def build(hours: Sequence[HourCount]) -> HoursChart:
    busiest = max((h.runs for h in hours), default=0)
    step = scale_step(busiest)
    top = step * STEPS
    bars, labels = [], []
    previous_day = ""
    for index, count in enumerate(hours):
        start = count.hour.astimezone(UTC)
        height = HEIGHT * count.runs / top
        bars.append(
            Bar(
                x=index * SLOT + 1.5,
                y=HEIGHT - height,
                width=SLOT - 3,
                height=height,
                runs=count.runs,
                title=f"{start:%Y-%m-%d %H:00} UTC: {count.runs} graded",
                href=list_url(
                    by="graded", start=minute(start), end=minute(start + timedelta(hours=1))
                ),
            )
        )
        # The date goes on the first major label and wherever the day changes (at 00:00);
        # minor labels carry none, since a phone hides them.
        day = f"{start.day} {start:%b}"
        is_major = start.hour % MAJOR_EVERY == 0
        labels.append(_label(start.hour, day if is_major and day != previous_day else ""))
        if is_major:
            previous_day = day
    total = sum(h.runs for h in hours)
    return HoursChart(
        width=max(1, len(hours)) * SLOT,
        height=HEIGHT,
        bars=bars,
        gridlines=[HEIGHT - HEIGHT * i / STEPS for i in range(STEPS + 1)],
        ticks=[step * i for i in range(STEPS + 1)],
        labels=labels,
        busiest=busiest,
        total=total,
        summary=(
            f"Graded runs in each of the last {len(hours)} hours (UTC): {total} in all, "
            f"{busiest} in the busiest hour."
        ),
    )
