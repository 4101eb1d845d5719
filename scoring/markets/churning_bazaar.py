"""A churning bazaar: a general-purpose gig market where skill labels mean little.

The story, over two years:

- Candidates arrive over time (a quarter in the opening fortnight); about a third
  churn out after some months. How much work each wins is heavy-tailed
  (log-normal, nudged up for the able): a few run small agencies, many do a
  handful of jobs, some are never hired.
- Success depends on *general* ability and on the tier, never on skill fit: a
  milestone's skill tags are decoration. Ability drifts: a quarter of the
  candidates improve steadily, a fifth decay (burn-out, moonlighting), the rest
  stay put; punctuality drifts with ability (`truth.ability` is as at the end).
  The whole market gets harder over the span (clients expect more as it
  matures), so the base success rate falls.
- Tiers are the platform's own: `micro` (easy, a few days), `standard`,
  `sprint` (tight deadlines, often late) and `high_value` (large, hard, disputes
  more); three of the four names are outside the basic/standard/expert vocabulary.
- Clients: some long-lived regulars with heavy-tailed volume, and many
  throwaway accounts that post one or two small jobs, cancel more and rate
  less often.
- Raters are lenient: most ratings are 5 stars whatever happened; only
  disputes draw a real share of low stars. About a third of ratings carry
  sub-scores.
- Trials come from a catalogue tagged in its own vocabulary (`py-backend`,
  `js-frontend`), not the milestone skill names, and are only weakly predictive
  (noisy, and ability moves after the trial). Two in five candidates never take one.
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

NAME = "churning_bazaar"
START = datetime(2023, 1, 1, tzinfo=UTC).timestamp()
DAY = 86_400.0
YEAR = 365.0 * DAY
SPAN = 730.0 * DAY

SKILLS = (
    "python",
    "javascript",
    "react",
    "sql",
    "devops",
    "design",
    "wordpress",
    "mobile",
    "data-analysis",
)
# The trial catalogue's own tags: they cover the same work under other names.
TRIAL_TAG = {
    "python": "py-backend",
    "javascript": "js-frontend",
    "react": "js-frontend",
    "sql": "data-sql",
    "devops": "ops-linux",
    "design": "ui-figma",
    "wordpress": "cms-php",
    "mobile": "app-mobile",
    "data-analysis": "data-pandas",
}
CRASHES: tuple[Verdict, ...] = ("runtime_error", "compile_error", "time_limit_exceeded")

TIERS = ("micro", "standard", "sprint", "high_value")
TIER_SHARE = np.array([0.36, 0.40, 0.12, 0.12])
THROWAWAY_TIER_SHARE = np.array([0.62, 0.33, 0.05, 0.0])
TIER_HARDNESS = np.array([-0.9, 0.0, 0.3, 1.0])  # subtracted from the success logit
TIER_DAYS = np.array([[1.0, 4.0], [7.0, 21.0], [3.0, 7.0], [21.0, 60.0]])
TIER_AMOUNT = np.array([60.0, 600.0, 900.0, 5000.0])  # median, log-normal around it
TIER_RUSH = np.array([0.0, 0.0, 1.0, 0.3])  # subtracted from the on-time logit
TIER_DISPUTES = np.array([0.22, 0.25, 0.25, 0.38])  # share of failures that end in dispute

# Stars drawn by what happened, 1..5: lenient whatever the outcome but a dispute.
STARS_IF = np.array(
    [
        [0.00, 0.00, 0.01, 0.06, 0.93],  # accepted on time
        [0.00, 0.01, 0.04, 0.15, 0.80],  # accepted late
        [0.02, 0.03, 0.08, 0.17, 0.70],  # revision requested
        [0.30, 0.15, 0.15, 0.10, 0.30],  # disputed
        [0.10, 0.05, 0.10, 0.15, 0.60],  # cancelled
    ]
)
ACCEPTED, REVISION, DISPUTED, CANCELLED = 0, 1, 2, 3
OUTCOMES: tuple[Outcome, ...] = ("accepted", "revision_requested", "disputed", "cancelled")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of `probs`: the index of the category, 0..k-1."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random((len(cum), 1))
    return np.asarray(np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1))


class _Candidates(NamedTuple):
    ids: list[str]
    join: np.ndarray
    active: np.ndarray  # seconds between joining and churning out (or the end)
    ability: np.ndarray  # general ability on joining, logit units
    slope: np.ndarray  # its drift per year on the platform
    punctual: np.ndarray
    counts: np.ndarray  # milestones each will win
    declared: np.ndarray  # (n, 3) skill indices; the first `n_declared` are declared
    n_declared: np.ndarray

    def ability_at(self, who: np.ndarray, when: np.ndarray) -> np.ndarray:
        return np.asarray(self.ability[who] + self.slope[who] * (when - self.join[who]) / YEAR)


def build(seed: int, scale: float) -> Market:
    """The bazaar at `scale` (1.0: ~2,000 candidates, ~500 clients, ~35,000 milestones)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng(seed)
    end = START + SPAN
    log = Timeline()
    cands = _candidates(rng, max(30, round(2000 * scale)), max(300, round(35_000 * scale)))
    for i, ident in enumerate(cands.ids):
        skills = tuple(SKILLS[s] for s in cands.declared[i, : cands.n_declared[i]].tolist())
        log.add(cands.join[i], CandidateJoined(id=ident, skills=skills, at=at(cands.join[i])))

    # Milestones: each candidate's count spread over their active window, in time order.
    who = np.repeat(np.arange(len(cands.ids)), cands.counts)
    opened = np.floor(cands.join[who] + rng.random(len(who)) * cands.active[who])
    order = np.argsort(opened, kind="stable")
    who, opened = who[order], opened[order]
    clients, throwaway = _clients(
        rng, log, opened, max(8, round(160 * scale)), max(10, round(340 * scale))
    )
    _milestones(
        rng, log, cands=cands, who=who, opened=opened, clients=clients, throwaway=throwaway, end=end
    )
    _trials(rng, log, cands, end)
    final = cands.ability + cands.slope * (end - cands.join) / YEAR
    return Market(
        name=NAME,
        events=log.events(),
        truth=MarketTruth(
            ability=dict(zip(cands.ids, final.tolist(), strict=True)), notes=__doc__ or ""
        ),
    )


def _candidates(rng: np.random.Generator, n: int, target: int) -> _Candidates:
    founding = rng.random(n) < 0.25
    join = START + np.floor(
        np.where(founding, rng.uniform(0, 14 * DAY, n), rng.uniform(0, 0.9 * SPAN, n))
    )
    leave = np.where(rng.random(n) < 0.35, join + rng.exponential(240 * DAY, n), START + SPAN)
    active = np.maximum(np.minimum(leave, START + SPAN) - join, DAY)
    ability = rng.normal(0.0, 1.0, n)
    kind = rng.random(n)
    improving, decaying = kind < 0.25, (kind >= 0.25) & (kind < 0.45)
    slope = np.where(improving, 1.0, np.where(decaying, -1.0, 0.0)) * rng.uniform(0.5, 1.3, n)
    punctual = 0.5 * ability + rng.normal(0.0, 0.85, n)
    weight = rng.lognormal(0.0, 1.1, n) * np.exp(0.35 * ability)
    counts = rng.poisson(weight * active * target / float(np.sum(weight * active)))
    declared = np.argsort(rng.random((n, len(SKILLS))), axis=1)[:, :3]
    return _Candidates(
        ids=[f"bz-c{i:05d}" for i in range(n)],
        join=join,
        active=active,
        ability=ability,
        slope=slope,
        punctual=punctual,
        counts=counts,
        declared=declared,
        n_declared=rng.integers(1, 4, n),
    )


def _clients(
    rng: np.random.Generator, log: Timeline, opened: np.ndarray, n_regular: int, n_throwaway: int
) -> tuple[list[str], np.ndarray]:
    """Who posted each milestone, and whether that account was a throwaway."""
    n = len(opened)
    # Throwaway accounts: one or two jobs each, next to each other in time.
    sizes = 1 + (rng.random(n_throwaway) < 0.35)
    slots = np.sort(rng.choice(n, size=min(int(sizes.sum()), n // 3), replace=False))
    owner = np.repeat(np.arange(n_throwaway), sizes)[: len(slots)]
    throwaway = np.zeros(n, dtype=bool)
    throwaway[slots] = True
    names = [""] * n
    used, first = np.unique(owner, return_index=True)
    for k, s in zip(used.tolist(), slots[first].tolist(), strict=True):
        joined = max(START, opened[s] - rng.uniform(60.0, 2 * DAY))
        log.add(joined, ClientJoined(id=f"bz-x{k:05d}", at=at(joined)))
    for s, k in zip(slots.tolist(), owner.tolist(), strict=True):
        names[s] = f"bz-x{k:05d}"

    # Regulars: arrive over time; each job goes to one already there, by heavy-tailed volume.
    early = rng.random(n_regular) < 0.3
    joined = np.sort(
        START
        + np.floor(
            np.where(
                early, rng.uniform(0, 30 * DAY, n_regular), rng.uniform(0, 0.85 * SPAN, n_regular)
            )
        )
    )
    joined[0] = START  # someone is hiring from the first day
    for k in range(n_regular):
        log.add(joined[k], ClientJoined(id=f"bz-k{k:04d}", at=at(joined[k])))
    cum = np.cumsum(rng.lognormal(0.0, 1.3, n_regular))
    rest = np.flatnonzero(~throwaway)
    present = np.searchsorted(joined, opened[rest], side="right")
    pick = np.searchsorted(cum, rng.random(len(rest)) * cum[present - 1], side="right")
    for s, k in zip(rest.tolist(), np.minimum(pick, present - 1).tolist(), strict=True):
        names[s] = f"bz-k{k:04d}"
    return names, throwaway


def _milestones(
    rng: np.random.Generator,
    log: Timeline,
    *,
    cands: _Candidates,
    who: np.ndarray,
    opened: np.ndarray,
    clients: list[str],
    throwaway: np.ndarray,
    end: float,
) -> None:
    n = len(who)
    # What each milestone is: tier, size, deadline and skill tags that decide nothing.
    tier = np.where(
        throwaway,
        _categorical(rng, np.tile(THROWAWAY_TIER_SHARE, (n, 1))),
        _categorical(rng, np.tile(TIER_SHARE, (n, 1))),
    )
    due = np.floor(opened + rng.uniform(TIER_DAYS[tier, 0], TIER_DAYS[tier, 1]) * DAY)
    amount = np.maximum(5.0, np.round(TIER_AMOUNT[tier] * rng.lognormal(0.0, 0.45, n) / 5.0) * 5.0)
    own = cands.declared[who, np.floor(rng.random(n) * cands.n_declared[who]).astype(int)]
    primary = np.where(rng.random(n) < 0.7, own, rng.integers(0, len(SKILLS), n))
    second = np.where(rng.random(n) < 0.3, rng.integers(0, len(SKILLS), n), primary)

    # How it went: general ability at the time, the tier and the market's mood; no skill fit.
    now_ability = cands.ability_at(who, opened)
    now_punctual = cands.punctual[who] + 0.5 * (now_ability - cands.ability[who])
    mood = 1.0 - 0.9 * (opened - START) / SPAN
    success = rng.random(n) < _sigmoid(mood + 1.3 * now_ability - TIER_HARDNESS[tier])
    failure = rng.random(n)
    disputes = TIER_DISPUTES[tier]
    outcome = np.where(
        success,
        ACCEPTED,
        np.where(
            failure < disputes, DISPUTED, np.where(failure < disputes + 0.5, REVISION, ACCEPTED)
        ),
    )
    outcome = np.where(rng.random(n) < np.where(throwaway, 0.12, 0.04), CANCELLED, outcome)
    on_time = np.select(
        [success, outcome == REVISION, outcome == DISPUTED],
        [
            rng.random(n) < _sigmoid(1.8 + 0.9 * now_punctual - TIER_RUSH[tier]),
            rng.random(n) < _sigmoid(0.4 + 0.6 * now_punctual),
            rng.random(n) < 0.3,
        ],
        False,  # accepted after a failed delivery: it came late
    ) & (outcome != CANCELLED)

    # When: delivery before or after the due date, then the client's review.
    length = due - opened
    late_by = length * rng.exponential(0.25, n) + rng.uniform(0.1, 1.0, n) * DAY
    delivered = np.where(on_time, opened + length * rng.uniform(0.45, 1.0, n), due + late_by)
    closed = delivered + rng.exponential(1.0 * DAY, n)
    closed = np.where(outcome == DISPUTED, due + rng.uniform(2, 20, n) * DAY, closed)
    closed = np.floor(
        np.where(outcome == CANCELLED, opened + length * rng.uniform(0.1, 0.9, n), closed)
    )

    # Ratings: lenient; rarer from throwaway accounts and after cancellations.
    case = np.where(outcome == ACCEPTED, np.where(on_time, 0, 1), outcome + 1)
    rated = rng.random(n) < np.where(throwaway, 0.45, 0.75) * np.where(
        outcome == CANCELLED, 0.15, 1.0
    )
    stars = 1 + _categorical(rng, STARS_IF[case])
    detailed = rng.random(n) < 0.35
    quality = np.clip(stars - (rng.random(n) < 0.1), 1, 5)
    communication = np.clip(stars + (rng.random(n) < 0.2), 1, 5)
    timeliness = np.where(on_time, 5, np.clip(stars - 1, 1, 5))
    rated_at = np.floor(closed + rng.exponential(2.0 * DAY, n))

    columns = (
        who,
        opened,
        due,
        tier,
        amount,
        primary,
        second,
        outcome,
        on_time,
        closed,
        rated,
        rated_at,
        stars,
        detailed,
        quality,
        communication,
        timeliness,
    )
    for m, row in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
        (
            c,
            t,
            due_m,
            tr,
            amt,
            s1,
            s2,
            out,
            punctual,
            done,
            is_rated,
            rated_t,
            st,
            full,
            q,
            com,
            tim,
        ) = row
        ident = f"bz-m{m:06d}"
        skills = (SKILLS[s1],) if s1 == s2 else (SKILLS[s1], SKILLS[s2])
        log.add(
            t,
            MilestoneOpened(
                id=ident,
                candidate=cands.ids[c],
                client=clients[m],
                tier=TIERS[tr],
                skills=skills,
                amount=amt,
                due=at(due_m),
                at=at(t),
            ),
        )
        if done > end:
            continue  # still running when the export was taken
        log.add(
            done,
            MilestoneOutcome(milestone=ident, outcome=OUTCOMES[out], on_time=punctual, at=at(done)),
        )
        if is_rated and rated_t <= end:
            log.add(
                rated_t,
                Rating(
                    milestone=ident,
                    stars=st,
                    quality=q if full else None,
                    communication=com if full else None,
                    timeliness=tim if full else None,
                    at=at(rated_t),
                ),
            )


def _trials(rng: np.random.Generator, log: Timeline, cands: _Candidates, end: float) -> None:
    """Catalogue trials soon after joining: in the catalogue's tags, and only loosely telling."""
    n = len(cands.ids)
    taken = np.where(rng.random(n) < 0.6, np.minimum(1 + rng.poisson(0.7, n), 5), 0)
    who = np.repeat(np.arange(n), taken)
    k = len(who)
    when = np.floor(cands.join[who] + rng.exponential(20 * DAY, k) + rng.uniform(0, 3 * DAY, k))
    own = cands.declared[who, np.floor(rng.random(k) * cands.n_declared[who]).astype(int)]
    skill = np.where(rng.random(k) < 0.75, own, rng.integers(0, len(SKILLS), k))
    variant = rng.integers(1, 4, k)
    score = _sigmoid(0.2 + 0.45 * cands.ability_at(who, when) + rng.normal(0.0, 1.3, k))
    crashed = rng.random(k) < 0.06
    crash = rng.integers(0, len(CRASHES), k)
    rows = zip(
        *(c.tolist() for c in (who, when, skill, variant, score, crashed, crash)), strict=True
    )
    for c, t, s, v, sc, bad, why in rows:
        if t > end:
            continue
        tag = TRIAL_TAG[SKILLS[s]]
        verdict: Verdict = (
            CRASHES[why]
            if bad
            else "accepted"
            if sc >= 0.85
            else "partial"
            if sc >= 0.3
            else "failed"
        )
        log.add(
            t,
            TrialResult(
                candidate=cands.ids[c],
                trial=f"{tag}-{v}",
                skills=(tag,),
                score=0.0 if bad else round(sc, 3),
                verdict=verdict,
                at=at(t),
            ),
        )
