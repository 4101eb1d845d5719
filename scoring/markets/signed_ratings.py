"""A signed-rating network (who rated whom, how much, when) read as a market.

Each line `SOURCE,TARGET,RATING,TIME` (an optional header line first) becomes one
milestone of the rated party, who is the candidate `trader-<TARGET>`, for the
rater, who is the client `trader-<SOURCE>`; one person may be both, in the two
separate id spaces. The milestone opens one second before TIME and is due at
TIME; at TIME a positive rating is an accepted, on-time outcome and any other a
dispute, and the rating itself becomes stars, so that the milestone went well
exactly when the rating was positive. Stars are graded by the rating's size
relative to the file's own extremes, so a network rated -10..+10 and one rated
-1/+1 both load. Nothing about attacks is known, so the truth is empty.

Reading is strict: a line that is not four fields with two ids and two finite
numbers stops the load with the file and line named, since a misread rating
would quietly move a reputation.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import NamedTuple

from scoring.markets.truth import Market, MarketFileInvalid, MarketTruth, Timeline, at
from scoring.reputation.events import (
    EARLIEST,
    LATEST,
    CandidateJoined,
    ClientJoined,
    MilestoneOpened,
    MilestoneOutcome,
    Outcome,
    Rating,
)

PREFIX = "trader-"
TIER = "standard"
AMOUNT = 500.0
# A positive rating counts as strong (5 stars, else 4) from 30% of the file's highest; a
# negative one (1 star, else 2) from 40% of its lowest: on Bitcoin OTC's -10..+10 scale,
# 3 and up is 5 stars, 1-2 is 4, 0 is 3, -1..-3 is 2 and -4 and below 1.
STRONG_POSITIVE = 0.3
STRONG_NEGATIVE = 0.4
_ID = re.compile(r"\A[^\s\x00-\x1f\x7f,]{1,64}\Z")
_HEADER_FIELD = re.compile(r"\A[A-Za-z_][A-Za-z0-9_ ]*\Z")


def stars_for(rating: float, lowest: float, highest: float) -> int:
    """Stars for a rating on a scale from `lowest` to `highest`: 4-5 iff the rating is positive."""
    if rating > 0:
        return 5 if rating / highest >= STRONG_POSITIVE else 4
    if rating < 0:
        return 1 if rating / lowest >= STRONG_NEGATIVE else 2
    return 3


class _Row(NamedTuple):
    lineno: int
    source: str
    target: str
    rating: float
    time: float


def load_signed_ratings(path: Path) -> Market:
    """Read a signed-rating CSV into a market; raise `MarketFileInvalid` at the first bad line."""
    rows = _parse(path, path.read_bytes())
    if not rows:
        raise MarketFileInvalid(path, "no ratings in the file")
    lowest = min(row.rating for row in rows)
    highest = max(row.rating for row in rows)
    rows.sort(key=lambda row: row.time)  # stable: the file's order breaks ties in time
    log = Timeline()
    candidates: set[str] = set()
    clients: set[str] = set()
    for row in rows:
        candidate, client = PREFIX + row.target, PREFIX + row.source
        milestone, opened, done = f"rating-{row.lineno}", row.time - 1.0, row.time
        if candidate not in candidates:
            candidates.add(candidate)
            log.add(opened, CandidateJoined(id=candidate, at=at(opened)))
        if client not in clients:
            clients.add(client)
            log.add(opened, ClientJoined(id=client, at=at(opened)))
        log.add(
            opened,
            MilestoneOpened(
                id=milestone,
                candidate=candidate,
                client=client,
                tier=TIER,
                amount=AMOUNT,
                due=at(done),
                at=at(opened),
            ),
        )
        outcome: Outcome = "accepted" if row.rating > 0 else "disputed"
        log.add(
            done, MilestoneOutcome(milestone=milestone, outcome=outcome, on_time=True, at=at(done))
        )
        stars = stars_for(row.rating, lowest, highest)
        log.add(done, Rating(milestone=milestone, stars=stars, at=at(done)))
    notes = f"read from {path.name}: {len(rows)} ratings, on a scale {lowest:g}..{highest:g}.\n"
    return Market(
        name=path.stem, events=log.events(), truth=MarketTruth(notes=notes + (__doc__ or ""))
    )


def _parse(path: Path, data: bytes) -> list[_Row]:
    rows: list[_Row] = []
    for lineno, raw in enumerate(data.splitlines(), start=1):

        def bad(reason: str, lineno: int = lineno) -> MarketFileInvalid:
            return MarketFileInvalid(path, reason, lineno)

        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            raise bad(f"not UTF-8 text ({exc.reason})") from exc
        if not line:
            continue  # blank lines (a trailing one, above all) carry nothing
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 4:
            raise bad(f"expected 4 fields SOURCE,TARGET,RATING,TIME, found {len(fields)}")
        if not rows and lineno == 1 and all(_HEADER_FIELD.match(f) for f in fields):
            continue  # a header line naming the columns
        source, target, rating_text, time_text = fields
        for name, ident in (("SOURCE", source), ("TARGET", target)):
            if not _ID.match(ident):
                raise bad(f"{name} {ident!r} is not an id (1-64 characters, no spaces)")
        rating, time = _number(rating_text), _number(time_text)
        if rating is None:
            raise bad(f"RATING {rating_text!r} is not a finite number")
        if time is None:
            raise bad(f"TIME {time_text!r} is not a finite number of seconds since 1970")
        if not EARLIEST.timestamp() + 1.0 <= time < LATEST.timestamp():
            # the milestone opens a second earlier, and must fall in the kept window too
            raise bad(f"TIME {time_text} must be from {EARLIEST.year} up to {LATEST.year}")
        rows.append(_Row(lineno, source, target, rating, time))
    return rows


def _number(text: str) -> float | None:
    """A finite decimal number, or None (refusing `nan`, `inf` and `1_000`, which float takes)."""
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None
