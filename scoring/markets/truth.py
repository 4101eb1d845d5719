"""What every market is: its events in time order, and what is known to be true about it.

A generated market knows its attack (who colludes, which milestones are fake); a
loaded one knows nothing beyond its events, so its truth is empty but for notes
saying how the file was read. `Timeline` puts events from any generator into the
one order the import format requires.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec
import numpy as np

from scoring.errors import ScoringError
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
)


class MarketTruth(msgspec.Struct, frozen=True, kw_only=True):
    """What a benchmark may check a model against; empty where the market has no attack."""

    colluding_candidates: tuple[str, ...] = ()
    colluding_clients: tuple[str, ...] = ()
    fake_milestones: tuple[str, ...] = ()  # no work was done: staged by a ring
    # Real work with a genuine outcome whose rating came from a colluding client.
    inflated_milestones: tuple[str, ...] = ()
    # Latent ability per candidate, as the market defines it (its notes say how); may be empty.
    ability: dict[str, float] = msgspec.field(default_factory=dict)
    notes: str = ""  # the generative assumptions, or how a file was read


class Market(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    events: tuple[Event, ...]
    truth: MarketTruth


class MarketFileInvalid(ScoringError):  # noqa: N818 - named like `EventLineInvalid`, its sibling
    """A market file could not be read; names the file and, where there is one, the line."""

    def __init__(self, path: Path, reason: str, lineno: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.lineno = lineno
        where = f"{path}, line {lineno}" if lineno is not None else str(path)
        super().__init__(f"{where}: {reason}")


# Ties in time go in the order an importer needs: who exists, what they showed, what they
# were hired for, how it ended, how it was rated.
_RANK: dict[type, int] = {
    CandidateJoined: 0,
    ClientJoined: 0,
    TrialResult: 1,
    MilestoneOpened: 2,
    MilestoneOutcome: 3,
    Rating: 4,
}


def at(seconds: float) -> datetime:
    """An epoch-seconds time as a UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)


class Timeline:
    """Events gathered in any order with their times; handed out in time order."""

    def __init__(self) -> None:
        self._times: list[float] = []
        self._ranks: list[int] = []
        self._events: list[Event] = []

    def add(self, seconds: float, event: Event) -> None:
        self._times.append(seconds)
        self._ranks.append(_RANK[type(event)])
        self._events.append(event)

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> tuple[Event, ...]:
        """By time, then by kind; the order of adding breaks what is left of a tie."""
        order = np.lexsort(
            (np.arange(len(self._events)), np.array(self._ranks), np.array(self._times))
        )
        return tuple(self._events[i] for i in order.tolist())
