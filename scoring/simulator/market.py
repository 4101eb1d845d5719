"""A synthetic freelance market, deterministic by seed: hidden truth -> events.

Hidden truth drives everything observable, with the distortions real
platforms show: candidates have a latent skill per skill and a punctuality;
trials are noisy readings of skill; a milestone succeeds more often when skill
exceeds the tier's difficulty; clients differ in leniency, and ratings are
inflated toward 5 stars so they track quality more weakly than outcomes do.
Optionally a ring of colluding clients five-stars a few weak candidates on
cheap fake milestones (accepted, on time) — the attack the features defend
against. The ring's clients are ordinary accounts with real work as cover.

Longer than the house's ~300 lines: one generative story (who works for
whom, how it goes, how it is rated) reads best in one file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import numpy as np

from scoring.reputation.events import (
    CandidateJoined,
    ClientJoined,
    Event,
    MilestoneOpened,
    MilestoneOutcome,
    Outcome,
    Rating,
    TrialResult,
    TrialVerdict,
)
from scoring.simulator.behaviour import RATED_PROB, draw_outcome, draw_rating, sigmoid

SKILLS = (
    "python",
    "javascript",
    "typescript",
    "go",
    "java",
    "sql",
    "devops",
    "react",
    "rust",
    "data",
)
SKILL_POPULARITY = np.array([0.2, 0.16, 0.1, 0.06, 0.1, 0.1, 0.07, 0.12, 0.03, 0.06])
TIERS = ("basic", "standard", "premium")
TIER_DIFFICULTY = np.array([-0.8, 0.0, 0.8])
TIER_DAYS = np.array([7.0, 14.0, 30.0])
TIER_AMOUNT = np.array([150.0, 600.0, 2500.0])
START = datetime(2023, 1, 2, tzinfo=UTC)
_KIND_ORDER = {
    "candidate": 0,
    "client": 0,
    "trial_result": 1,
    "milestone": 2,
    "milestone_outcome": 3,
    "rating": 4,
}


class MarketSpec(msgspec.Struct, frozen=True, kw_only=True):
    n_candidates: int = 2000
    n_clients: int = 300
    n_milestones: int = 40_000
    ring: bool = True
    seed: int = 0
    span_days: float = 730.0
    ring_candidates: int = 5
    ring_clients: int = 6
    ring_milestones: int = 200


class MarketTruth(msgspec.Struct, frozen=True, kw_only=True):
    ring_candidates: tuple[str, ...]
    ring_clients: tuple[str, ...]
    ring_milestones: tuple[str, ...]
    ability: dict[str, float]  # general ability per candidate


class Market(msgspec.Struct, frozen=True, kw_only=True):
    events: tuple[Event, ...]
    truth: MarketTruth


class _Staged(msgspec.Struct, frozen=True):
    """A milestone decided but not yet written out; `quality` NaN marks a ring fake."""

    t: float
    candidate: int
    client: int
    tier: int
    skills: tuple[int, ...]
    amount: float
    quality: float
    outcome: Outcome
    on_time: bool
    leniency: float


class _Simulation:
    """The hidden truth of one market, and the phases that turn it into events."""

    def __init__(self, spec: MarketSpec) -> None:
        self.spec = spec
        self.rng = rng = np.random.default_rng(spec.seed)
        self.span = spec.span_days * 86400.0
        n_c, n_k, n_s = spec.n_candidates, spec.n_clients, len(SKILLS)
        self.rows: list[tuple[float, int, int, Event]] = []  # (t, kind order, seq, event)
        # Candidates: general ability, a skill level per skill, punctuality, activity.
        self.ability = rng.normal(0.0, 1.0, n_c)
        self.theta = self.ability[:, None] - 1.5 + rng.normal(0.0, 0.3, (n_c, n_s))
        self.declared = [
            rng.choice(n_s, size=rng.integers(1, 4), replace=False, p=SKILL_POPULARITY)
            for _ in range(n_c)
        ]
        for c, skills in enumerate(self.declared):
            self.theta[c, skills] = self.ability[c] + rng.normal(0.0, 0.5, len(skills))
        self.punctual = 0.4 * self.ability + rng.normal(0.0, 0.9, n_c)
        self.activity = rng.lognormal(0.0, 0.8, n_c) * np.exp(0.4 * self.ability)
        self.joined = rng.uniform(0.0, 0.75, n_c) * self.span
        # Clients: leniency as raters, a taste for disputes, activity, tier mix.
        self.leniency = rng.normal(0.0, 0.45, n_k)
        self.litigious = rng.normal(0.0, 0.6, n_k)
        self.client_activity = rng.lognormal(0.0, 1.0, n_k)
        self.client_joined = rng.uniform(0.0, 0.5, n_k) * self.span
        self.tier_pref = rng.dirichlet([3.0, 3.0, 1.5], n_k)
        self.cand_ids = [f"c{c:06d}" for c in range(n_c)]
        self.client_ids = [f"k{k:05d}" for k in range(n_k)]
        self.ring_c: list[int] = []
        self.ring_k: list[int] = []
        self.ring_ms: list[str] = []

    def people(self) -> None:
        for c, cand in enumerate(self.cand_ids):
            skills = tuple(SKILLS[s] for s in self.declared[c])
            at = self.joined[c]
            _add(self.rows, at, CandidateJoined(id=cand, skills=skills, at=_at(at)))
            _trials(
                self.rng,
                self.rows,
                cand=cand,
                skills=self.declared[c],
                theta=self.theta[c],
                joined=at,
                span=self.span,
            )
        for k, client in enumerate(self.client_ids):
            at = self.client_joined[k]
            _add(self.rows, at, ClientJoined(id=client, at=_at(at)))

    def organic(self) -> list[_Staged]:
        rng, n_s = self.rng, len(SKILLS)
        # Per skill, the candidates offering it ordered by joining time, so "who had
        # joined by t" is a prefix and a weighted draw is one binary search.
        pools = []
        for s in range(n_s):
            members = np.array([c for c, d in enumerate(self.declared) if s in d], dtype=np.int64)
            members = members[np.argsort(self.joined[members])]
            pools.append((members, self.joined[members], np.cumsum(self.activity[members])))
        order_k = np.argsort(self.client_joined)
        k_cum = np.cumsum(self.client_activity[order_k])
        staged = []
        for t in np.sort(rng.uniform(0.02, 1.0, self.spec.n_milestones)) * self.span:
            n_joined = int(np.searchsorted(self.client_joined[order_k], t))
            if n_joined == 0:
                continue
            k = int(order_k[np.searchsorted(k_cum, rng.uniform(0, k_cum[n_joined - 1]))])
            tier = int(rng.choice(3, p=self.tier_pref[k]))
            n_skills = 1 + int(rng.uniform() < 0.35)
            skills = rng.choice(n_s, size=n_skills, replace=False, p=SKILL_POPULARITY)
            members, member_joined, cum = pools[int(skills[0])]
            n_ready = int(np.searchsorted(member_joined, t))
            if n_ready == 0:
                continue
            c = int(members[np.searchsorted(cum, rng.uniform(0, cum[n_ready - 1]))])
            skill_level = self.theta[c, skills].mean()
            quality = float(skill_level - TIER_DIFFICULTY[tier] + rng.normal(0.0, 0.8))
            outcome = draw_outcome(rng, quality, self.litigious[k])
            punctual = 1.2 + 0.9 * self.punctual[c] + 0.5 * quality - 0.3 * tier
            on_time = bool(rng.uniform() < sigmoid(punctual))
            amount = float(np.round(TIER_AMOUNT[tier] * rng.lognormal(0.0, 0.4), 2))
            staged.append(
                _Staged(
                    t,
                    c,
                    k,
                    tier,
                    tuple(int(s) for s in skills),
                    amount,
                    quality,
                    outcome,
                    on_time,
                    float(self.leniency[k]),
                )
            )
        return staged

    def ring(self) -> list[_Staged]:
        rng, spec = self.rng, self.spec
        weak = np.flatnonzero(
            (self.ability < np.quantile(self.ability, 0.3)) & (self.joined < 0.4 * self.span)
        )
        size = min(spec.ring_candidates, len(weak))
        self.ring_c = sorted(rng.choice(weak, size=size, replace=False).tolist())
        quiet = np.argsort(self.client_activity)[: max(spec.n_clients // 2, 1)]
        size = min(spec.ring_clients, len(quiet))
        self.ring_k = sorted(rng.choice(quiet, size=size, replace=False).tolist())
        staged = []
        for t in np.sort(rng.uniform(0.5, 1.0, spec.ring_milestones)) * self.span:
            c, k = int(rng.choice(self.ring_c)), int(rng.choice(self.ring_k))
            amount = float(np.round(rng.uniform(20, 60), 2))
            skills = (int(self.declared[c][0]),)
            staged.append(_Staged(t, c, k, 0, skills, amount, np.nan, "accepted", True, np.nan))
        return staged

    def write(self, staged: list[_Staged]) -> None:
        rng = self.rng
        for n, m in enumerate(sorted(staged, key=lambda m: m.t)):
            ms_id = f"m{n:07d}"
            due = m.t + TIER_DAYS[m.tier] * 86400.0 * rng.uniform(0.7, 1.3)
            _add(
                self.rows,
                m.t,
                MilestoneOpened(
                    id=ms_id,
                    candidate=self.cand_ids[m.candidate],
                    client=self.client_ids[m.client],
                    tier=TIERS[m.tier],
                    skills=tuple(SKILLS[s] for s in m.skills),
                    amount=m.amount,
                    due=_at(due),
                    at=_at(m.t),
                ),
            )
            fake = np.isnan(m.quality)
            if fake:
                self.ring_ms.append(ms_id)
                done = m.t + rng.uniform(2, 5) * 86400.0
            elif m.on_time:
                done = m.t + rng.uniform(0.6, 1.0) * (due - m.t)
            else:
                done = due + rng.exponential(5.0) * 86400.0 + 3600.0
            outcome = MilestoneOutcome(
                milestone=ms_id, outcome=m.outcome, on_time=m.on_time, at=_at(done)
            )
            _add(self.rows, done, outcome)
            if fake:
                at = done + 86400.0
                _add(
                    self.rows,
                    at,
                    Rating(
                        milestone=ms_id,
                        stars=5,
                        quality=5,
                        communication=5,
                        timeliness=5,
                        at=_at(at),
                    ),
                )
            elif rng.uniform() < RATED_PROB[m.outcome]:
                at = done + rng.exponential(2.0) * 86400.0
                _add(
                    self.rows,
                    at,
                    draw_rating(
                        rng,
                        ms_id,
                        quality=m.quality,
                        outcome=m.outcome,
                        on_time=m.on_time,
                        leniency=m.leniency,
                        at=_at(at),
                    ),
                )

    def market(self) -> Market:
        self.rows.sort(key=lambda row: (row[0], row[1], row[2]))
        return Market(
            events=tuple(row[3] for row in self.rows),
            truth=MarketTruth(
                ring_candidates=tuple(self.cand_ids[c] for c in self.ring_c),
                ring_clients=tuple(self.client_ids[k] for k in self.ring_k),
                ring_milestones=tuple(self.ring_ms),
                ability={c: float(a) for c, a in zip(self.cand_ids, self.ability, strict=True)},
            ),
        )


def simulate(spec: MarketSpec) -> Market:
    sim = _Simulation(spec)
    sim.people()
    staged = sim.organic()
    if spec.ring:
        staged += sim.ring()
    sim.write(staged)
    return sim.market()


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=float(seconds))


Row = tuple[float, int, int, Event]


def _add(rows: list[Row], t: float, event: Event) -> None:
    rows.append((float(t), _KIND_ORDER[str(event.__struct_config__.tag)], len(rows), event))


def _trials(
    rng: np.random.Generator,
    rows: list[Row],
    *,
    cand: str,
    skills: np.ndarray,
    theta: np.ndarray,
    joined: float,
    span: float,
) -> None:
    t = joined
    for _ in range(1 + rng.poisson(1.5)):
        t += rng.exponential(30.0) * 86400.0
        if t >= span:
            return
        s = int(rng.choice(skills))
        raw = sigmoid(1.3 * theta[s] + 0.6 - rng.normal(0.0, 0.3) + rng.normal(0.0, 0.9))
        score = float(np.round(raw * 20) / 20)
        verdict: TrialVerdict = "accepted" if score >= 1.0 else "partial" if score > 0 else "failed"
        _add(
            rows,
            t,
            TrialResult(
                candidate=cand,
                trial=f"t-{SKILLS[s]}-{rng.integers(1, 6)}",
                skills=(SKILLS[s],),
                score=score,
                verdict=verdict,
                at=_at(t),
            ),
        )
