"""A specialist guild: engineering work where what you know decides how it goes, under attack.

The story, over about two years:

- Each candidate belongs to a lane (backend, frontend, mobile, data, ops) and is
  strong in two or three core skills of it, middling in the rest of the lane and
  weak outside it. Candidates arrive over time and a quarter churn out; the work
  each wins is heavy-tailed and leans towards the able.
- Most milestones ask for skills of the candidate's lane; one in four is a
  stretch into another lane. Success rests on the fit between the milestone's
  skills and the candidate's (the mean and the weakest of them), on the tier
  (`basic`, `standard`, `expert`, in rising difficulty) and on the amount: a
  large job sinks a weak fit much more than a strong one.
- Failures mostly come back as revision requests; some end in dispute (more on
  large amounts), some are accepted late. Weak fits get abandoned (cancelled)
  more often. Punctuality is a trait of its own.
- Raters are honest but idiosyncratic: each client has a leniency (some harsh,
  some generous), a sensitivity to quality, a habit of rating at all and of
  giving sub-scores.
- Two attacks. Ratings-only collusion: a few clients hire a few weak candidates
  for real, normally priced work whose outcomes are genuine, and always rate
  it 5 stars. A ring: a few clients stage milestones for a few candidates, at
  normal tiers and amounts, all accepted on time and rated 5 stars, though no
  work was done. Ring and colluding clients also hire honestly, as cover.
- Trials use the milestones' skill names and track the candidate's true
  ability in that skill closely; about 45% of candidates never take one.
- The export is cut at the end of the span: work still running has no outcome yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np

from scoring.grading.verdicts import Verdict
from scoring.markets.truth import Market, MarketTruth, Timeline, at
from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    MilestoneOpened,
    MilestoneOutcome,
    Outcome,
    Rating,
    TrialResult,
)

NAME = "specialist_guild"
START = datetime(2022, 7, 1, tzinfo=UTC).timestamp()
DAY = 86_400.0
SPAN = 700.0 * DAY
END = START + SPAN

LANES = (
    ("python", "django", "go", "sql", "rust"),
    ("react", "typescript", "css", "design"),
    ("ios", "android", "react-native", "design"),
    ("python", "sql", "ml", "spark"),
    ("devops", "terraform", "go", "python"),
)
SKILLS = tuple(sorted({s for lane in LANES for s in lane}))
LANE = np.full((len(LANES), 5), -1)
for _l, _lane in enumerate(LANES):
    LANE[_l, : len(_lane)] = [SKILLS.index(s) for s in _lane]
LANE_SIZE = (LANE >= 0).sum(axis=1)

TIERS = ("basic", "standard", "expert")
TIER_HARDNESS = np.array([-0.5, 0.2, 1.0])
TIER_MEDIAN = np.array([180.0, 1100.0, 5200.0])
TIER_DAYS = np.array([[2.0, 7.0], [7.0, 25.0], [20.0, 70.0]])
ACCEPTED, REVISION, DISPUTED, CANCELLED = 0, 1, 2, 3
OUTCOMES: tuple[Outcome, ...] = ("accepted", "revision_requested", "disputed", "cancelled")
HONEST, INFLATED, FAKE = 0, 1, 2


def _logistic(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _stars(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(np.rint(x), 1, 5).astype(np.int64))


def _pick(rng: np.random.Generator, among: np.ndarray, k: int) -> np.ndarray:
    return np.asarray(rng.choice(among, size=min(k, len(among)), replace=False))


class _Guild:
    """The cast, drawn once: candidates with their skills, clients with their rating habits."""

    def __init__(self, rng: np.random.Generator, scale: float) -> None:
        n, k = max(30, round(2000 * scale)), max(12, round(420 * scale))
        self.cand_ids = [f"sg-c{i:05d}" for i in range(n)]
        self.client_ids = [f"sg-k{j:04d}" for j in range(k)]
        self.join = START + np.floor(
            np.where(
                rng.random(n) < 0.2, rng.uniform(0, 10 * DAY, n), rng.uniform(0, 0.92 * SPAN, n)
            )
        )
        self.leave = np.where(rng.random(n) < 0.25, self.join + rng.exponential(300 * DAY, n), END)
        self.lane = rng.integers(0, len(LANES), n)
        in_lane = np.zeros((n, len(SKILLS)), dtype=bool)
        core = np.zeros((n, len(SKILLS)), dtype=bool)
        keys = np.where(LANE[self.lane] >= 0, rng.random((n, 5)), np.inf)
        ranked = np.take_along_axis(LANE[self.lane], np.argsort(keys, axis=1), axis=1)
        n_core = rng.integers(2, 4, n)
        for i in range(n):
            in_lane[i, LANE[self.lane[i], : LANE_SIZE[self.lane[i]]]] = True
            core[i, ranked[i, : n_core[i]]] = True
        self.core = core
        self.general = rng.normal(0.0, 0.7, n)
        self.theta = self.general[:, None] + np.where(
            core,
            rng.normal(1.0, 0.5, core.shape),
            np.where(in_lane, rng.normal(-0.2, 0.5, core.shape), rng.normal(-1.4, 0.5, core.shape)),
        )
        self.punctual = rng.normal(0.0, 1.0, n)
        self.weight = rng.lognormal(0.0, 1.2, n) * np.exp(0.5 * self.general)

        self.client_join = np.sort(
            START
            + np.floor(
                np.where(
                    rng.random(k) < 0.25, rng.uniform(0, 30 * DAY, k), rng.uniform(0, 0.9 * SPAN, k)
                )
            )
        )
        self.client_join[0] = START
        self.client_weight = rng.lognormal(0.0, 1.0, k)
        self.leniency = rng.normal(0.0, 0.8, k)
        self.sensitivity = rng.uniform(0.5, 1.5, k)
        self.habit = rng.beta(5.0, 2.0, k)
        self.detailed = rng.random(k) < 0.5

        # The attacks: weak, long-standing candidates and early clients.
        weak = np.flatnonzero(
            (self.general < np.quantile(self.general, 0.35)) & (self.join < START + 0.5 * SPAN)
        )
        early = np.flatnonzero(self.client_join < START + 0.4 * SPAN)
        self.colluders = _pick(rng, weak, max(3, round(12 * scale)))
        self.ring = _pick(rng, np.setdiff1d(weak, self.colluders), max(2, round(5 * scale)))
        self.colluding_clients = _pick(rng, early, max(2, round(8 * scale)))
        self.ring_clients = _pick(
            rng, np.setdiff1d(early, self.colluding_clients), max(2, round(6 * scale))
        )
        self.leave[np.concatenate([self.colluders, self.ring])] = END


def build(seed: int, scale: float) -> Market:
    """The guild at `scale` (1.0: ~2,000 candidates, ~420 clients, ~32,500 milestones)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng(seed)
    g = _Guild(rng, scale)
    log = Timeline()
    for i, ident in enumerate(g.cand_ids):
        skills = tuple(SKILLS[s] for s in np.flatnonzero(g.core[i]).tolist())
        log.add(g.join[i], CandidateJoined(id=ident, skills=skills, at=at(g.join[i])))
    for j, ident in enumerate(g.client_ids):
        log.add(g.client_join[j], ClientJoined(id=ident, at=at(g.client_join[j])))
    jobs = _jobs(rng, g, scale)
    asks = _asks(rng, g, jobs)
    ends = _ends(rng, g, jobs, asks)
    rates = _ratings(rng, g, jobs, asks, ends)
    ids = _log_milestones(log, g, jobs=jobs, asks=asks, ends=ends, rates=rates)
    _trials(rng, log, g)

    ability = np.where(g.core, g.theta, 0.0).sum(axis=1) / g.core.sum(axis=1)
    cands = np.union1d(g.colluders, g.ring).tolist()
    clients = np.union1d(g.colluding_clients, g.ring_clients).tolist()
    truth = MarketTruth(
        colluding_candidates=tuple(g.cand_ids[i] for i in cands),
        colluding_clients=tuple(g.client_ids[j] for j in clients),
        fake_milestones=tuple(ids[m] for m in np.flatnonzero(jobs.kind == FAKE).tolist()),
        inflated_milestones=tuple(ids[m] for m in np.flatnonzero(jobs.kind == INFLATED).tolist()),
        ability=dict(zip(g.cand_ids, ability.tolist(), strict=True)),
        notes=__doc__ or "",
    )
    return Market(name=NAME, events=log.events(), truth=truth)


class _Jobs(NamedTuple):
    cand: np.ndarray
    client: np.ndarray
    opened: np.ndarray
    kind: np.ndarray  # HONEST, INFLATED or FAKE


def _jobs(rng: np.random.Generator, g: _Guild, scale: float) -> _Jobs:
    """Who worked for whom and when, in time order: honest work and both attacks."""
    # Honest work: heavy-tailed counts over each candidate's time on the platform, each job
    # posted by a client already there, chosen by their volume.
    active = np.maximum(np.minimum(g.leave, END) - g.join, DAY)
    demand = g.weight * active
    counts = rng.poisson(demand * max(300, round(32_000 * scale)) / float(demand.sum()))
    cand = np.repeat(np.arange(len(g.cand_ids)), counts)
    opened = [np.floor(g.join[cand] + rng.random(len(cand)) * active[cand])]
    present = np.searchsorted(g.client_join, opened[0], side="right")
    cum = np.cumsum(g.client_weight)
    chosen = np.searchsorted(cum, rng.random(len(cand)) * cum[present - 1], side="right")
    parts = [(cand, np.minimum(chosen, present - 1), HONEST)]

    # Colluding clients hire the colluders for real work; ring clients stage work for the ring.
    inflated = np.repeat(g.colluders, rng.poisson(22, len(g.colluders)) + 5)
    parts.append((inflated, rng.choice(g.colluding_clients, len(inflated)), INFLATED))
    n_fake = max(20, round(220 * scale))
    parts.append((rng.choice(g.ring, n_fake), rng.choice(g.ring_clients, n_fake), FAKE))
    for who, by, kind in parts[1:]:
        since = np.maximum(g.join[who], g.client_join[by])
        until = END - (80 * DAY if kind == FAKE else 0.0)  # a staged job is always closed
        opened.append(np.floor(since + rng.random(len(who)) * (until - since)))
    when = np.concatenate(opened)
    order = np.argsort(when, kind="stable")
    return _Jobs(
        cand=np.concatenate([p[0] for p in parts])[order],
        client=np.concatenate([p[1] for p in parts])[order],
        opened=when[order],
        kind=np.concatenate([np.full(len(p[0]), p[2]) for p in parts])[order],
    )


class _Asks(NamedTuple):
    skills: np.ndarray  # (n, 3) skill indices, the first ones `asked`
    asked: np.ndarray
    fit: np.ndarray  # the candidate's ability in what was asked
    tier: np.ndarray
    amount: np.ndarray
    length: np.ndarray  # seconds from opening to due
    due: np.ndarray


def _asks(rng: np.random.Generator, g: _Guild, jobs: _Jobs) -> _Asks:
    n, cand = len(jobs.cand), jobs.cand
    # Skills: mostly the candidate's lane, sometimes a stretch into another (never when staged).
    stay = (rng.random(n) < 0.75) | (jobs.kind == FAKE)
    lane = np.where(stay, g.lane[cand], rng.integers(0, len(LANES), n))
    keys = np.where(LANE[lane] >= 0, rng.random((n, 5)), np.inf)
    skills = np.take_along_axis(LANE[lane], np.argsort(keys, axis=1), axis=1)[:, :3]
    asked = np.arange(3) < (1 + rng.binomial(2, 0.35, n))[:, None]
    theta = g.theta[cand[:, None], skills]
    mean = np.where(asked, theta, 0.0).sum(axis=1) / asked.sum(axis=1)
    fit = 0.6 * mean + 0.4 * np.where(asked, theta, np.inf).min(axis=1)  # the weakest skill drags

    # Tier and amount: the able take harder work a little more often; a ring stages jobs at
    # the market's usual tiers, so its amounts look like everyone's.
    general = np.where(jobs.kind == FAKE, 0.0, g.general[cand])
    lean = np.exp(0.5 * general[:, None] * np.array([-1.0, 0.0, 1.0]))
    shares = np.array([0.32, 0.48, 0.20]) * lean
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    tier = np.minimum((rng.random((n, 1)) > cum).sum(axis=1), 2)
    amount = np.maximum(10.0, np.round(TIER_MEDIAN[tier] * rng.lognormal(0.0, 0.6, n), -1))
    length = rng.uniform(TIER_DAYS[tier, 0], TIER_DAYS[tier, 1]) * DAY
    due = np.floor(jobs.opened + length)
    return _Asks(skills, asked, fit, tier, amount, length, due)


class _Ends(NamedTuple):
    success: np.ndarray
    outcome: np.ndarray
    on_time: np.ndarray
    closed: np.ndarray


def _ends(rng: np.random.Generator, g: _Guild, jobs: _Jobs, asks: _Asks) -> _Ends:
    """How each job ended and when: fit, tier, and size against a weak fit; staged ones succeed."""
    n, fit, fake = len(jobs.cand), asks.fit, jobs.kind == FAKE
    size_risk = 0.45 * np.log1p(asks.amount / 400.0) * 2.0 * _logistic(-2.0 * fit)
    p = _logistic(1.35 + 1.5 * fit - TIER_HARDNESS[asks.tier] - size_risk)
    success = rng.random(n) < p
    u = rng.random(n)
    disputes = 0.12 + 0.15 * (asks.amount > 3000)
    failed = np.where(u < 0.6, REVISION, np.where(u < 0.6 + disputes, DISPUTED, ACCEPTED))
    outcome = np.where(success, ACCEPTED, failed)
    outcome = np.where(rng.random(n) < 0.03 + 0.08 * (1.0 - p), CANCELLED, outcome)
    punctual = g.punctual[jobs.cand]
    on_time = np.select(
        [success & (outcome == ACCEPTED), outcome == REVISION, outcome == DISPUTED],
        [
            rng.random(n) < _logistic(1.8 + 0.8 * punctual - 0.4 * (asks.tier == 2)),
            rng.random(n) < _logistic(0.3 + 0.8 * punctual),
            rng.random(n) < 0.25,
        ],
        False,  # accepted after a failed delivery, or cancelled: nothing came in time
    )
    outcome, on_time, success = np.where(fake, ACCEPTED, outcome), on_time | fake, success | fake

    opened, due, length = jobs.opened, asks.due, asks.length
    late = due + length * rng.gamma(1.5, 0.15, n) + 0.5 * DAY
    delivered = np.where(on_time, opened + length * rng.beta(5.0, 2.0, n), late)
    closed = delivered + rng.gamma(2.0, 0.8 * DAY, n)  # the client's review; may pass the due
    closed = np.where(outcome == DISPUTED, due + rng.uniform(3, 25, n) * DAY, closed)
    closed = np.where(outcome == CANCELLED, opened + length * rng.uniform(0.05, 1.2, n), closed)
    closed = np.where(fake, opened + length * rng.uniform(0.5, 0.95, n), closed)
    return _Ends(success, outcome, on_time, np.maximum(np.floor(closed), opened + 60))


class _Ratings(NamedTuple):
    rated: np.ndarray
    at: np.ndarray
    stars: np.ndarray
    quality: np.ndarray
    communication: np.ndarray
    timeliness: np.ndarray
    detailed: np.ndarray


def _ratings(
    rng: np.random.Generator, g: _Guild, jobs: _Jobs, asks: _Asks, ends: _Ends
) -> _Ratings:
    """Each client's own leniency and sensitivity; colluders and the ring give 5s."""
    n, client, on_time = len(jobs.cand), jobs.client, ends.on_time
    fake, inflated = jobs.kind == FAKE, jobs.kind == INFLATED
    good, bad = rng.normal(0.9, 0.5, n) + 0.3 * asks.fit, rng.normal(-0.9, 0.6, n) + 0.2 * asks.fit
    q = np.where(
        ends.outcome == CANCELLED, rng.normal(-0.5, 0.8, n), np.where(ends.success, good, bad)
    )
    lenient, sens = g.leniency[client], g.sensitivity[client]
    noise = rng.normal(0.0, 1.0, (4, n))
    subs = [
        _stars(3.8 + sens * q + lenient + 0.5 * (on_time - 0.5) + 0.45 * noise[0]),
        _stars(3.8 + sens * q + lenient + 0.4 * noise[1]),
        _stars(4.0 + 0.5 * q + lenient + 0.6 * noise[2]),
        _stars(np.where(on_time, 4.6, 2.2) + 0.6 * lenient + 0.5 * noise[3]),
    ]
    boosted = inflated | fake
    stars, quality, communication, timeliness = (np.where(boosted, 5, s) for s in subs)
    damp = np.select([ends.outcome == DISPUTED, ends.outcome == CANCELLED], [0.6, 0.15], 1.0)
    rated = np.where(inflated, rng.random(n) < 0.95, rng.random(n) < g.habit[client] * damp)
    lag = np.where(fake, rng.uniform(0.1, 1.0, n) * DAY, rng.gamma(1.5, 1.5 * DAY, n))
    return _Ratings(
        rated=rated | fake,
        at=np.floor(ends.closed + lag),
        stars=stars,
        quality=quality,
        communication=communication,
        timeliness=timeliness,
        detailed=g.detailed[client] | boosted,
    )


def _log_milestones(
    log: Timeline, g: _Guild, *, jobs: _Jobs, asks: _Asks, ends: _Ends, rates: _Ratings
) -> list[str]:
    """Log each milestone, its outcome and rating (those dated by the export); return ids."""
    ids = [f"sg-m{m:06d}" for m in range(len(jobs.cand))]
    columns = (*jobs[:3], asks.due, asks.tier, asks.amount, *ends[1:], *rates)
    for m, row in enumerate(zip(*(col.tolist() for col in columns), strict=True)):
        c, k, t, due, tier, amount, outcome, on_time, closed, rated, rated_at, *subs = row
        names = tuple(SKILLS[s] for s in asks.skills[m, asks.asked[m]].tolist())
        log.add(
            t,
            MilestoneOpened(
                id=ids[m],
                candidate=g.cand_ids[c],
                client=g.client_ids[k],
                tier=TIERS[tier],
                skills=names,
                amount=amount,
                due=at(due),
                at=at(t),
            ),
        )
        if closed > END:
            continue  # still running when the export was taken
        log.add(
            closed,
            MilestoneOutcome(
                milestone=ids[m], outcome=OUTCOMES[outcome], on_time=on_time, at=at(closed)
            ),
        )
        if rated and rated_at <= END:
            stars, quality, communication, timeliness, detailed = subs
            log.add(
                rated_at,
                Rating(
                    milestone=ids[m],
                    stars=stars,
                    quality=quality if detailed else None,
                    communication=communication if detailed else None,
                    timeliness=timeliness if detailed else None,
                    at=at(rated_at),
                ),
            )
    return ids


def _trials(rng: np.random.Generator, log: Timeline, g: _Guild) -> None:
    """Skill trials soon after joining, mostly in core skills, and telling about that skill."""
    n = len(g.cand_ids)
    taken = np.where(rng.random(n) < 0.55, 1 + rng.binomial(2, 0.3, n), 0)
    who = np.repeat(np.arange(n), taken)
    k = len(who)
    core_pick = np.argmax(np.where(g.core[who], rng.random((k, len(SKILLS))), -1.0), axis=1)
    lane_keys = np.where(LANE[g.lane[who]] >= 0, rng.random((k, 5)), np.inf)
    lane_pick = LANE[g.lane[who], np.argmin(lane_keys, axis=1)]
    skill = np.where(rng.random(k) < 0.8, core_pick, lane_pick)
    when = np.floor(g.join[who] + rng.exponential(10 * DAY, k) + rng.uniform(0, DAY, k))
    score = _logistic(1.3 * g.theta[who, skill] - 0.3 + rng.normal(0.0, 0.5, k))
    crashed = rng.random(k) < 0.04
    variant = rng.integers(1, 4, k)
    for c, t, s, sc, bad, v in zip(
        *(a.tolist() for a in (who, when, skill, score, crashed, variant)), strict=True
    ):
        if t > END:
            continue
        verdict: Verdict = (
            "runtime_error"
            if bad
            else "accepted"
            if sc >= 0.8
            else "partial"
            if sc >= 0.35
            else "failed"
        )
        log.add(
            t,
            TrialResult(
                candidate=g.cand_ids[c],
                trial=f"{SKILLS[s]}-kata-{v}",
                skills=(SKILLS[s],),
                score=0.0 if bad else round(sc, 3),
                verdict=verdict,
                at=at(t),
            ),
        )
