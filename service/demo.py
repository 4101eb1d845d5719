"""A working demo on an empty database: trials, a market's history, a model, and people to be.

The history comes from the market simulator, moved in time so that it ends
yesterday (a reputation weighs recent events most). Three demo people join it:
a new candidate with no history yet, who takes trials in the browser; a client
with one accepted, unrated milestone, delivered by an experienced candidate
of the simulated market; and an operator. Each gets an API key, from which
one-time sign-in links are made (afresh on every run: a link works once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import msgspec

from scoring.reputation.events import Event, MilestoneOpened, MilestoneOutcome
from scoring.simulator.simulate import simulate, spec_for_events
from service.auth import create_key
from service.auth_types import Role
from service.db.connection import Connection
from service.grading.sandboxes import SandboxProvider
from service.people.service import register
from service.repo.actors import ActorRow, list_actors
from service.repo.organizations import default_organization_id
from service.reputation.importer import import_history
from service.reputation.scorers import Scorers
from service.reputation.training import train_and_promote
from service.trials.importer import import_package
from trials.package import load_package

CANDIDATE_REF = "demo-candidate"
CLIENT_REF = "demo-client"
MILESTONE_REF = "demo-milestone"
# Enough labelled milestones for the model to beat the prior as served, which promotion
# requires. Measured on this simulator: 12,000 events (4,248 milestones) gave a Brier gain
# of +0.006 [+0.001, +0.011], too near the edge; 20,000 (6,967) give +0.0105
# [+0.0065, +0.0150].
DEMO_EVENTS = 20_000


class DemoPerson(msgspec.Struct, frozen=True, kw_only=True):
    role: str
    name: str
    key: str
    key_id: UUID  # sign-in links are made for this key


class SavedDemo(msgspec.Struct, frozen=True, kw_only=True):
    """What later runs need to hand out sign-in links again (kept in the data folder, 0600)."""

    people: list[DemoPerson]
    rated_candidate: str


class DemoReport(msgspec.Struct, frozen=True, kw_only=True):
    trials: list[str]
    events: int
    model: str
    people: list[DemoPerson]
    rated_candidate: str  # the experienced candidate the demo client can rate


async def already_loaded(conn: Connection) -> bool:
    return bool(
        await list_actors(
            conn, kind="candidate", external_ref=CANDIDATE_REF, after=None, limit=1, scope=None
        )
    )


def _shifted(events: Sequence[Event], end: datetime) -> list[Event]:
    """The same history, every date moved so that the last event falls on `end`."""
    delta = end - max(e.at for e in events)
    moved: list[Event] = []
    for event in events:
        if isinstance(event, MilestoneOpened):
            moved.append(msgspec.structs.replace(event, at=event.at + delta, due=event.due + delta))
        else:
            moved.append(msgspec.structs.replace(event, at=event.at + delta))
    return moved


def _most_experienced(events: Sequence[Event]) -> str:
    counts = Counter(e.candidate for e in events if isinstance(e, MilestoneOpened))
    return counts.most_common(1)[0][0]


def _demo_milestone(experienced: str, now: datetime) -> list[Event]:
    """An accepted milestone the demo client has not rated yet."""
    opened = now - timedelta(days=12)
    return [
        MilestoneOpened(
            id=MILESTONE_REF,
            candidate=experienced,
            client=CLIENT_REF,
            tier="standard",
            skills=("python",),
            amount=800.0,
            due=now - timedelta(days=3),
            at=opened,
        ),
        MilestoneOutcome(
            milestone=MILESTONE_REF, outcome="accepted", on_time=True, at=now - timedelta(days=4)
        ),
    ]


async def load_demo(
    conn: Connection,
    provider: SandboxProvider,
    *,
    trial_folders: Sequence[Path],
    seed: int = 0,
    now: datetime | None = None,
) -> DemoReport:
    """Load everything in the caller's transaction; keys are returned once, never stored."""
    now = now or datetime.now(UTC)
    trials = []
    for folder in trial_folders:
        imported = await import_package(conn, provider, load_package(folder))
        trials.append(imported.trial_id)

    organization_id = await default_organization_id(conn)
    candidate = await register(
        conn,
        kind="candidate",
        external_ref=CANDIDATE_REF,
        display_name="Ada (demo candidate)",
        skills=["python"],
        created_by=None,
        organization_id=organization_id,
    )
    client = await register(
        conn,
        kind="client",
        external_ref=CLIENT_REF,
        display_name="Acme (demo client)",
        skills=[],
        created_by=None,
        organization_id=organization_id,
    )
    market = simulate(spec_for_events(DEMO_EVENTS, seed=seed, ring=True))
    history = _shifted(market.events, now - timedelta(days=1))
    experienced = _most_experienced(history)
    events = [*history, *_demo_milestone(experienced, now)]
    encoder = msgspec.json.Encoder()
    data = b"".join(encoder.encode(e) + b"\n" for e in events)
    scorers = Scorers()
    await import_history(conn, scorers, data, organization_id=organization_id, now=now)
    training = await train_and_promote(conn, scorers, seed=seed, now=now)

    people = []
    demo_people: tuple[tuple[Role, ActorRow | None], ...] = (
        ("candidate", candidate),
        ("client", client),
        ("admin", None),
    )
    for role, actor in demo_people:
        name = actor.display_name if actor else "Demo operator"
        key, key_id = await create_key(
            conn,
            role=role,
            actor_id=actor.id if actor else None,
            name=name,
        )
        people.append(
            DemoPerson(
                role=role,
                name=name,
                key=key,
                key_id=key_id,
            )
        )
    return DemoReport(
        trials=trials,
        events=len(events),
        model=training.serving,
        people=people,
        rated_candidate=experienced,
    )
