"""Bulk history import: a JSONL file of events (format: `scoring.reputation.events`), all or nothing.

Idempotent on ids: a line already stored with the same content is counted as
unchanged; the same id with other content is a bad line (`conflict`). A line
may refer to candidates, clients and milestones defined earlier in the file or
already stored (by the platform's id, or by our uuid for actors registered over
the API). A trial_result may name a trial that is not a package here. Events
dated in the future are refused: nothing can be known about them yet.

Every bad line is reported with its number and reason; a file with bad lines
changes nothing unless `skip_bad` is set, in which case the good lines are
imported (re-checked until no kept line depends on a dropped one).

Longer than the house's ~300 lines: parsing, resolving references and
re-checking dependencies work on one file's shared state in one pass; they
would have to share it across modules if split.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg
import msgspec

from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    KnownIds,
    LineProblem,
    MilestoneOpened,
    MilestoneOutcome,
    Rating,
    TrialResult,
    read_history,
    validate_history,
)
from service.db.connection import Connection
from service.eligibility.answers import as_uuid
from service.errors import ConflictError, ImportRejected, LineError
from service.repo import eligibility as eligibility_repo
from service.repo import history as repo
from service.repo.history import StoredActor, StoredMilestone, StoredTrial
from service.reputation.refresh import refresh
from service.reputation.scorers import Scorers

CLOCK_SKEW = timedelta(minutes=5)
Op = Literal["new", "attach"]
Verdict = Op | Literal["same"] | LineProblem


class ImportCounts(msgspec.Struct, kw_only=True):
    candidates: int = 0
    clients: int = 0
    trial_results: int = 0
    milestones: int = 0
    outcomes: int = 0
    ratings: int = 0

    @property
    def total(self) -> int:
        return sum(msgspec.structs.astuple(self))


class TierSeen(msgspec.Struct, frozen=True, kw_only=True):
    """A milestone tier named in the file. Its effect on scores is learned from its own
    milestones whatever it is called; `policy` says whether eligibility knows it yet."""

    tier: str
    milestones: int
    policy: bool


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    lines: int  # lines holding an event (blank lines are ignored)
    imported: ImportCounts
    tiers: list[TierSeen]  # every tier the file's milestones name, most used first
    # tiers with milestones but no eligibility policy: no reputation is kept for them
    # until a policy names them (reported, never folded into another tier)
    unmapped_tiers: list[str]
    unchanged: int  # already stored with the same content
    skipped: list[LineError]  # bad lines left out (only with skip_bad)
    refreshed: int  # candidates whose reputation was recomputed
    took_ms: int


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _line_error(problem: LineProblem) -> LineError:
    return LineError(
        line=problem.lineno, code=problem.code, reason=problem.reason, field=problem.field
    )


class _Plan:
    """What each line means against the store: new, attaching to an API actor, or unchanged."""

    def __init__(
        self,
        events: Sequence[Event],
        linenos: Sequence[int],
        now: datetime,
        organization_id: UUID,
    ) -> None:
        self.organization_id = organization_id  # the platform ids below are this one's
        self.events = events
        self.linenos = linenos
        self.now = now
        self.candidates: dict[str, StoredActor] = {}
        self.clients: dict[str, StoredActor] = {}
        self.milestones: dict[str, StoredMilestone] = {}
        self.trials: dict[str, StoredTrial] = {}
        self.new_ids: dict[tuple[str, str], UUID] = {}  # (kind, platform id) -> new uuid
        self.ops: list[tuple[int, Event, Op]] = []
        self.unchanged = 0
        self.problems: list[LineProblem] = []
        self.attach_lines: set[int] = set()
        self._attached: set[tuple[str, str]] = set()
        self._seen_trials: dict[str, TrialResult] = {}

    # -- look-ups -------------------------------------------------------------------

    async def look_up(self, conn: Connection) -> None:
        cand_refs, client_refs, ms_refs = set(), set(), set()
        for event in self.events:
            match event:
                case CandidateJoined(id=ident):
                    cand_refs.add(ident)
                case ClientJoined(id=ident):
                    client_refs.add(ident)
                case TrialResult(candidate=cand):
                    cand_refs.add(cand)
                case MilestoneOpened(id=ident, candidate=cand, client=client):
                    ms_refs.add(ident)
                    cand_refs.add(cand)
                    client_refs.add(client)
                case MilestoneOutcome(milestone=ident) | Rating(milestone=ident):
                    ms_refs.add(ident)
        for kind, refs, found in (
            ("candidate", cand_refs, self.candidates),
            ("client", client_refs, self.clients),
        ):
            for actor in await repo.find_actors(
                conn,
                kind=kind,
                refs=sorted(refs),
                ids=_ids(refs),
                organization_id=self.organization_id,
            ):
                found[str(actor.id)] = actor
                if actor.external_ref is not None:
                    found[actor.external_ref] = actor
        for ms in await repo.find_milestones(
            conn, refs=sorted(ms_refs), ids=_ids(ms_refs), organization_id=self.organization_id
        ):
            self.milestones[str(ms.id)] = ms
            self.milestones[ms.external_ref] = ms
        for event in self.events:
            if isinstance(event, CandidateJoined) and event.id not in self.candidates:
                self.new_ids.setdefault(("candidate", event.id), uuid4())
            elif isinstance(event, ClientJoined) and event.id not in self.clients:
                self.new_ids.setdefault(("client", event.id), uuid4())
            elif isinstance(event, MilestoneOpened) and event.id not in self.milestones:
                self.new_ids.setdefault(("milestone", event.id), uuid4())
        keys = [
            key
            for event in self.events
            if isinstance(event, TrialResult)
            and event.candidate in self.candidates
            and (key := self.trial_key(event)) is not None
        ]
        self.trials = {t.key: t for t in await repo.find_trials(conn, keys=keys)}

    def actor_id(self, kind: str, ref: str) -> UUID | None:
        stored = (self.candidates if kind == "candidate" else self.clients).get(ref)
        return stored.id if stored else self.new_ids.get((kind, ref))

    def milestone_id(self, ref: str) -> UUID | None:
        stored = self.milestones.get(ref)
        return stored.id if stored else self.new_ids.get(("milestone", ref))

    def trial_key(self, event: TrialResult) -> str | None:
        cand = self.actor_id("candidate", event.candidate)
        return None if cand is None else f"{cand}|{event.trial}|{_utc(event.at).isoformat()}"

    # -- classification -------------------------------------------------------------------

    def classify(self) -> None:
        for lineno, event in zip(self.linenos, self.events, strict=True):
            if event.at > self.now + CLOCK_SKEW:
                verdict: Verdict = _problem(
                    lineno, "future_event", "the event is dated in the future", "at"
                )
            else:
                match event:
                    case CandidateJoined() | ClientJoined():
                        verdict = self._judge_actor(lineno, event)
                    case TrialResult():
                        verdict = self._judge_trial(lineno, event)
                    case MilestoneOpened():
                        verdict = self._judge_milestone(lineno, event)
                    case MilestoneOutcome() | Rating():
                        verdict = self._judge_follow_up(lineno, event)
            if isinstance(verdict, LineProblem):
                self.problems.append(verdict)
            elif verdict == "same":
                self.unchanged += 1
            else:
                self.ops.append((lineno, event, verdict))

    def _judge_actor(self, lineno: int, event: CandidateJoined | ClientJoined) -> Verdict:
        kind = "candidate" if isinstance(event, CandidateJoined) else "client"
        stored = (self.candidates if kind == "candidate" else self.clients).get(event.id)
        if stored is None:
            return "new"
        if stored.joined_at is None:
            if (kind, event.id) in self._attached:
                return "new"  # a second definition: validation reports it
            # registered over the API; its history arrives now
            self._attached.add((kind, event.id))
            self.attach_lines.add(lineno)
            return "attach"
        if _same_actor(stored, event):
            return "same"
        return _problem(
            lineno,
            "conflict",
            f"{kind} `{event.id}` is already stored with another join date or skills",
            "id",
        )

    def _judge_trial(self, lineno: int, event: TrialResult) -> Verdict:
        key = self.trial_key(event)
        if key is None:
            return "new"  # an unknown candidate: validation reports it
        earlier = self.trials.get(key) or self._seen_trials.get(key)
        if earlier is None:
            self._seen_trials[key] = event
            return "new"
        if _same_trial(earlier, event):
            return "same"
        return _problem(
            lineno,
            "conflict",
            f"trial `{event.trial}` of `{event.candidate}` at {event.at.isoformat()} is already "
            "stored with another result",
            "score",
        )

    def _judge_milestone(self, lineno: int, event: MilestoneOpened) -> Verdict:
        stored = self.milestones.get(event.id)
        if stored is None:
            return "new"
        if self._same_milestone(stored, event):
            return "same"
        return _problem(
            lineno, "conflict", f"milestone `{event.id}` is already stored with other details", "id"
        )

    def _judge_follow_up(self, lineno: int, event: MilestoneOutcome | Rating) -> Verdict:
        stored = self.milestones.get(event.milestone)
        if stored is None:
            return "new"  # defined in this file, or unknown: validation decides
        kind = "outcome" if isinstance(event, MilestoneOutcome) else "rating"
        same = (
            _same_outcome(stored, event)
            if isinstance(event, MilestoneOutcome)
            else _same_rating(stored, event)
        )
        if same is None:
            if event.at < stored.opened_at:
                return _problem(
                    lineno, "time_order", f"{kind} is dated before its milestone opened", "at"
                )
            return "new"
        if same:
            return "same"
        return _problem(
            lineno,
            "conflict",
            f"milestone `{event.milestone}` already has another {kind}",
            "milestone",
        )

    def _same_milestone(self, stored: StoredMilestone, event: MilestoneOpened) -> bool:
        return (
            stored.candidate_id == self.actor_id("candidate", event.candidate)
            and stored.client_id == self.actor_id("client", event.client)
            and stored.tier == event.tier
            and sorted(stored.skills) == sorted(event.skills)
            and stored.amount == event.amount
            and stored.due_at == event.due
            and stored.opened_at == event.at
        )

    # -- validation ---------------------------------------------------------------------

    def known(self) -> KnownIds:
        return KnownIds(
            candidates=frozenset(self.candidates),
            clients=frozenset(self.clients),
            milestones=frozenset(self.milestones),
        )

    def validate(self, ops: Sequence[tuple[int, Event, Op]]) -> list[LineProblem]:
        found = validate_history(
            [event for _, event, _ in ops],
            known=self.known(),
            linenos=[lineno for lineno, _, _ in ops],
        )
        # An actor registered over the API is "known" yet defined by its first history line.
        return [
            p for p in found if not (p.code == "duplicate_id" and p.lineno in self.attach_lines)
        ]

    def settle(self, *, skip_bad: bool) -> list[LineProblem]:
        """All problems; with `skip_bad`, also drop bad lines until the rest is consistent."""
        problems = self.problems + self.validate(self.ops)
        if not skip_bad or not problems:
            return sorted(problems, key=lambda p: p.lineno)
        bad = {p.lineno for p in problems}
        while True:
            self.ops = [op for op in self.ops if op[0] not in bad]
            fresh = [p for p in self.validate(self.ops) if p.lineno not in bad]
            if not fresh:
                return sorted(problems, key=lambda p: p.lineno)
            problems += fresh
            bad |= {p.lineno for p in fresh}

    # -- writing ---------------------------------------------------------------------------

    async def write(self, conn: Connection) -> ImportCounts:
        counts = ImportCounts()
        actors: list[tuple[Any, ...]] = []
        attaches: list[tuple[Any, ...]] = []
        trials: list[tuple[Any, ...]] = []
        milestones: list[tuple[Any, ...]] = []
        outcomes: list[tuple[Any, ...]] = []
        ratings: list[tuple[Any, ...]] = []
        for _, event, op in self.ops:
            match event:
                case CandidateJoined() | ClientJoined():
                    kind = "candidate" if isinstance(event, CandidateJoined) else "client"
                    skills = list(getattr(event, "skills", ()))
                    ident = self.actor_id(kind, event.id)
                    if op == "attach":
                        attaches.append((ident, event.at, skills))
                    else:
                        actors.append(
                            (ident, kind, event.id, skills, event.at, self.organization_id)
                        )
                    if kind == "candidate":
                        counts.candidates += 1
                    else:
                        counts.clients += 1
                case TrialResult():
                    trials.append(
                        (
                            self.trial_key(event),
                            self.actor_id("candidate", event.candidate),
                            event.trial,
                            list(event.skills),
                            event.score,
                            event.verdict,
                            event.at,
                        )
                    )
                case MilestoneOpened():
                    milestones.append(
                        (
                            self.milestone_id(event.id),
                            event.id,
                            self.actor_id("candidate", event.candidate),
                            self.actor_id("client", event.client),
                            event.tier,
                            list(event.skills),
                            event.amount,
                            event.due,
                            event.at,
                            "import",
                            self.organization_id,
                        )
                    )
                case MilestoneOutcome():
                    outcomes.append(
                        (self.milestone_id(event.milestone), event.outcome, event.on_time, event.at)
                    )
                case Rating():
                    ratings.append(
                        (
                            self.milestone_id(event.milestone),
                            event.stars,
                            event.quality,
                            event.communication,
                            event.timeliness,
                            event.at,
                        )
                    )
        try:
            if actors:
                await repo.copy_actors(conn, actors)
            if attaches:
                await repo.attach_actors(conn, attaches)
            if trials:
                await repo.copy_trial_results(conn, trials)
            if milestones:
                await repo.copy_milestones(conn, milestones)
            if outcomes:
                await repo.copy_outcomes(conn, outcomes)
            if ratings:
                await repo.copy_ratings(conn, ratings)
        except asyncpg.UniqueViolationError as exc:
            raise ConflictError(
                "Another write stored one of these ids while the import ran; run the import "
                "again (it is idempotent).",
                field="body",
            ) from exc
        counts.trial_results = len(trials)
        counts.milestones = len(milestones)
        counts.outcomes = len(outcomes)
        counts.ratings = len(ratings)
        return counts


def _problem(lineno: int, code: str, reason: str, field: str) -> LineProblem:
    return LineProblem(lineno=lineno, code=code, reason=reason, field=field)


def _ids(refs: set[str]) -> list[UUID]:
    return [u for ref in refs if (u := as_uuid(ref)) is not None]


def _same_actor(stored: StoredActor, event: CandidateJoined | ClientJoined) -> bool:
    skills = set(getattr(event, "skills", ()))
    return stored.joined_at == event.at and skills <= set(stored.skills)


def _same_trial(earlier: StoredTrial | TrialResult, event: TrialResult) -> bool:
    return (
        earlier.score == event.score
        and earlier.verdict == event.verdict
        and sorted(earlier.skills) == sorted(event.skills)
    )


def _same_outcome(stored: StoredMilestone, event: MilestoneOutcome) -> bool | None:
    """None: no outcome stored yet."""
    if stored.outcome is None:
        return None
    return (stored.outcome, stored.on_time, stored.outcome_at) == (
        event.outcome,
        event.on_time,
        event.at,
    )


def _same_rating(stored: StoredMilestone, event: Rating) -> bool | None:
    if stored.stars is None:
        return None
    return (
        stored.stars,
        stored.quality,
        stored.communication,
        stored.timeliness,
        stored.rated_at,
    ) == (event.stars, event.quality, event.communication, event.timeliness, event.at)


async def _tiers_seen(conn: Connection, events: Sequence[Event]) -> list[TierSeen]:
    used = Counter(e.tier for e in events if isinstance(e, MilestoneOpened))
    with_policy = {p.tier for p in await eligibility_repo.current_policies(conn)}
    return [
        TierSeen(tier=tier, milestones=n, policy=tier in with_policy)
        for tier, n in sorted(used.items(), key=lambda item: (-item[1], item[0]))
    ]


async def import_history(
    conn: Connection,
    scorers: Scorers,
    data: bytes,
    *,
    organization_id: UUID,
    skip_bad: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Import one organization's history in the caller's transaction (its platform ids are
    looked up in that organization only), then refresh every reputation; or raise
    ImportRejected."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    parsed = await asyncio.to_thread(read_history, data)
    await repo.lock_imports(conn, organization_id)
    plan = _Plan(parsed.events, parsed.linenos, now, organization_id)
    await plan.look_up(conn)
    plan.classify()
    problems = sorted([*parsed.problems, *plan.settle(skip_bad=skip_bad)], key=lambda p: p.lineno)
    lines = len(parsed.events) + len(parsed.problems)
    if problems and not skip_bad:
        raise ImportRejected([_line_error(p) for p in problems], lines=lines)
    counts = await plan.write(conn)
    tiers = await _tiers_seen(conn, parsed.events)
    refreshed = 0
    if counts.total:
        report = await refresh(
            conn, scorers, organization_id=organization_id, now=now, backfill=True
        )
        refreshed = report.candidates
    return ImportReport(
        lines=lines,
        imported=counts,
        tiers=tiers,
        unmapped_tiers=[t.tier for t in tiers if not t.policy],
        unchanged=plan.unchanged,
        skipped=[_line_error(p) for p in problems],
        refreshed=refreshed,
        took_ms=int((time.monotonic() - started) * 1000),
    )
