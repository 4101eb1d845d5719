"""Point-in-time features: what was known about a candidate just before t.

A query is (candidate, t, milestone tier, amount, skills). Every feature reads
only events dated strictly before t, and rater weights come from a snapshot
taken at the start of t's snapshot period, itself built from events before
that instant. Adding events at or after t therefore never changes a feature.

Evidence a client produced about a candidate (outcomes and ratings) is:
  * weighted by the client's trust and discounted inside rating rings
    (see `scoring.reputation.raters`),
  * capped so one client supplies at most `client_cap` of the candidate's mass,
  * weighted by what was at stake (sqrt of the amount against a reference),
  * decayed with a half-life, so old events fade,
  * shrunk toward a population value with pseudo-counts, so one 5-star rating
    is not a perfect record.
"""

from __future__ import annotations

import msgspec
import numpy as np

from scoring.reputation.edges import (
    DAY,
    DISPUTE,
    GOOD,
    LATE,
    LOW,
    N_OUT,
    N_RAT,
    QUAL,
    STARS,
    UNACC,
    EdgeSweep,
)
from scoring.reputation.history import OUTCOME_CODES, HistoryIndex, good_outcome
from scoring.reputation.raters import RaterPolicy, snapshot
from scoring.reputation.sweeps import Sweep, ranges

NO_DISPUTE_DAYS = 3650.0  # "never disputed" reads as ten years ago


class FeatureConfig(msgspec.Struct, frozen=True, kw_only=True):
    half_life_days: float | None = 180.0
    snapshot_days: float = 7.0  # rater snapshots are refreshed at this period
    client_cap: float = 0.3  # max share of a candidate's evidence from one client
    defences: bool = True  # off only to measure what the defences are worth
    outcome_pseudo: float = 4.0
    rating_pseudo: float = 4.0
    trial_pseudo: float = 2.0
    population_good: float = 0.55
    population_dispute: float = 0.06
    population_late: float = 0.2
    population_unaccepted: float = 0.25
    population_stars: float = 4.4
    population_low: float = 0.12  # share of ratings of 3 stars or less
    population_trial: float = 0.6
    skill_pass: float = 0.5  # a trial at or above this proves a skill
    # Accepted milestones prove a skill once their amounts in it add up to this: a free
    # milestone from a throwaway account proves nothing (defences off: any one proves it).
    skill_proof_amount: float = 100.0
    # A tier's own rate is worth this many milestones against the whole market's, and a
    # candidate's record in the requested skills this many against their overall record.
    tier_pseudo: float = 30.0
    skill_pseudo: float = 3.0
    stake_reference: float = 500.0  # a milestone this large or larger counts fully
    raters: RaterPolicy = RaterPolicy()


class FeatureSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    monotonic: int  # +1: more never lowers the score; -1: more never raises it; 0: free
    description: str


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="trial_best_skill",
        monotonic=1,
        description="mean over the milestone's skills of the best trial score (0 if none)",
    ),
    FeatureSpec(name="trial_mean", monotonic=1, description="decayed, shrunk mean trial score"),
    FeatureSpec(name="trial_best", monotonic=1, description="best trial score in any skill"),
    FeatureSpec(name="trial_count", monotonic=0, description="trials taken"),
    FeatureSpec(
        name="good_share",
        monotonic=1,
        description="weighted share of milestones accepted on time without dispute",
    ),
    FeatureSpec(name="dispute_rate", monotonic=-1, description="weighted share disputed"),
    FeatureSpec(name="late_rate", monotonic=-1, description="weighted share delivered late"),
    FeatureSpec(
        name="unaccepted_rate",
        monotonic=-1,
        description="weighted share sent back for revision or cancelled",
    ),
    FeatureSpec(
        name="outcome_evidence",
        monotonic=0,
        description="effective number of finished milestones after weights and decay",
    ),
    FeatureSpec(name="days_since_dispute", monotonic=1, description="days since the last dispute"),
    FeatureSpec(name="rating_mean", monotonic=1, description="weighted, shrunk mean stars"),
    FeatureSpec(
        name="rating_rel",
        monotonic=1,
        description="weighted mean of stars minus the rater's own average",
    ),
    FeatureSpec(
        name="rating_low_share",
        monotonic=-1,
        description="weighted share of ratings of 3 stars or less",
    ),
    FeatureSpec(name="rating_quality", monotonic=1, description="weighted, shrunk mean quality"),
    FeatureSpec(
        name="rating_evidence",
        monotonic=0,
        description="effective number of ratings after weights and decay",
    ),
    FeatureSpec(
        name="tier_rate",
        monotonic=1,
        description="share of the market's milestones of this tier that went well (shrunk)",
    ),
    FeatureSpec(
        name="skill_match",
        monotonic=1,
        description="share of the milestone's skills the candidate has proven",
    ),
    FeatureSpec(
        name="skill_good_share",
        monotonic=1,
        description="per client, the share of the candidate's milestones in the requested "
        "skills that went well, averaged over clients and shrunk toward their overall share",
    ),
    FeatureSpec(name="log_amount", monotonic=0, description="log(1 + milestone amount)"),
    FeatureSpec(name="tenure_days", monotonic=0, description="days since first seen"),
    # The same three skill features for the skills the candidate declared, and the tier's
    # usual amount: what a score served for a tier (no milestone in hand) is computed for,
    # and what a milestone's own skills and amount are measured against. References promise
    # no direction alone: raising one with the milestone unchanged raises the bar it is
    # measured against (raising both together never lowers the score).
    FeatureSpec(
        name="declared_trial_best_skill",
        monotonic=0,
        description="trial_best_skill for the skills the candidate declared",
    ),
    FeatureSpec(
        name="declared_skill_match",
        monotonic=0,
        description="skill_match for the skills the candidate declared",
    ),
    FeatureSpec(
        name="declared_skill_good_share",
        monotonic=0,
        description="skill_good_share for the skills the candidate declared",
    ),
    FeatureSpec(
        name="market_rate",
        monotonic=0,
        description="share of all the market's milestones that went well (shrunk): what "
        "`tier_rate` is measured against",
    ),
    FeatureSpec(
        name="tier_log_amount",
        monotonic=0,
        description="mean log(1 + amount) of the market's milestones of this tier",
    ),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
MONOTONIC: tuple[int, ...] = tuple(f.monotonic for f in FEATURES)
COL = {name: i for i, name in enumerate(FEATURE_NAMES)}
FEATURE_VERSION = "f2-" + str(len(FEATURES))
# Each feature of the milestone in hand, and the same feature for the milestone a served
# score stands for (the declared skills, the tier's usual amount). A query without skills
# or amount of its own has both equal.
REFERENCE = {
    "trial_best_skill": "declared_trial_best_skill",
    "skill_match": "declared_skill_match",
    "skill_good_share": "declared_skill_good_share",
    "log_amount": "tier_log_amount",
}


class Queries(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    candidate: np.ndarray  # int index into HistoryIndex.candidate_ids
    time: np.ndarray  # epoch seconds; features see events strictly before it
    tier: np.ndarray  # index into HistoryIndex.tier_names; NO_TIER when the history has none
    amount: np.ndarray  # NaN: the tier's usual amount (a score served for a tier)
    skill_row: np.ndarray  # (query, skill) pairs
    skill: np.ndarray


class FeatureBlock(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    values: np.ndarray  # (n_queries, n_features)
    evidence: np.ndarray  # raw count of trials, finished milestones and ratings
    effective_evidence: np.ndarray  # weighted evidence, used for intervals
    tier_evidence: np.ndarray  # the market's finished milestones of the query's tier
    skill_trials: np.ndarray  # the candidate's trials in the query's skills
    skill_finished: np.ndarray  # ... finished milestones in the query's skills
    skill_good: np.ndarray  # ... of which went well (accepted on time)
    skill_clients: np.ndarray  # ... the distinct clients behind them
    skill_client_share: np.ndarray  # ... Σ over those clients of their share that went well


def featurize(index: HistoryIndex, queries: Queries, config: FeatureConfig) -> FeatureBlock:
    """Features for every query, each from events strictly before its own time."""
    n = len(queries.time)
    half_life = None if config.half_life_days is None else config.half_life_days * DAY
    out = np.zeros((n, len(FEATURES)))
    if n == 0:
        empty = np.zeros(0)
        return FeatureBlock(
            values=out,
            evidence=empty,
            effective_evidence=empty,
            tier_evidence=empty,
            skill_trials=empty,
            skill_finished=empty,
            skill_good=empty,
            skill_clients=empty,
            skill_client_share=empty,
        )
    trial_count = _trial_features(index, queries, config, half_life, out)
    client_raw = _client_features(index, queries, config, half_life, out)
    asked = _skill_context(
        index, queries, skill_row=queries.skill_row, skill=queries.skill, config=config, out=out
    )
    declared_row, declared_skill = _declared_skills(index, queries.candidate)
    declared = _skill_context(
        index, queries, skill_row=declared_row, skill=declared_skill, config=config, out=out
    )
    # A query naming no skill is measured as a served score is: by the declared skills.
    names_skills = np.bincount(queries.skill_row, minlength=n) > 0
    for name in ("trial_best_skill", "skill_match", "skill_good_share"):
        out[:, COL["declared_" + name]] = getattr(declared, name)
        out[:, COL[name]] = np.where(names_skills, getattr(asked, name), getattr(declared, name))
    skill_trials, skill_finished, skill_good = asked.trials, asked.finished, asked.good
    skill_clients, skill_client_share = asked.clients, asked.client_share
    tier_evidence = _context_features(index, queries, config, out)
    evidence = trial_count + client_raw[:, 0] + client_raw[:, 1]
    effective = (
        out[:, COL["outcome_evidence"]] + 0.5 * out[:, COL["rating_evidence"]] + 0.5 * trial_count
    )
    return FeatureBlock(
        values=out,
        evidence=evidence,
        effective_evidence=effective,
        tier_evidence=tier_evidence,
        skill_trials=skill_trials,
        skill_finished=skill_finished,
        skill_good=skill_good,
        skill_clients=skill_clients,
        skill_client_share=skill_client_share,
    )


def _trial_features(
    index: HistoryIndex,
    q: Queries,
    config: FeatureConfig,
    half_life: float | None,
    out: np.ndarray,
) -> np.ndarray:
    """Trial features; returns the number of trials per query."""
    sweep = Sweep(index.trial_candidate, index.trial_time)
    pos = sweep.last_before(q.candidate, q.time)
    ones = np.ones(len(index.trial_time))
    count = sweep.at(sweep.cumsum(ones), pos)
    dec = np.stack([ones, index.trial_score], axis=1)
    dsum = sweep.decayed_at(sweep.decayed_cumsum(dec, half_life), pos, q.time, half_life)
    k = config.trial_pseudo
    out[:, COL["trial_mean"]] = (dsum[:, 1] + k * config.population_trial) / (dsum[:, 0] + k)
    out[:, COL["trial_best"]] = sweep.at(sweep.cummax(index.trial_score), pos)
    out[:, COL["trial_count"]] = count

    return count


class _SkillContext(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Per query, for one set of skills: the skill features and the record behind them."""

    trial_best_skill: np.ndarray
    skill_match: np.ndarray
    skill_good_share: np.ndarray
    trials: np.ndarray  # trials in the skills
    finished: np.ndarray  # milestones in the skills with an outcome
    good: np.ndarray  # ... of which went well
    clients: np.ndarray  # the distinct clients behind them
    client_share: np.ndarray  # Σ over those clients of their share that went well


def _declared_skills(index: HistoryIndex, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(query, skill) pairs of each query's candidate's declared skills."""
    sizes = np.array([len(s) for s in index.candidate_skills], dtype=np.int64)
    flat = np.array([k for s in index.candidate_skills for k in s], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    per_query = sizes[candidates] if len(sizes) else np.zeros(len(candidates), dtype=np.int64)
    rows = np.repeat(np.arange(len(candidates)), per_query)
    skills = flat[np.repeat(starts[candidates], per_query) + ranges(per_query)]
    return rows, skills


def _skill_context(
    index: HistoryIndex,
    q: Queries,
    *,
    skill_row: np.ndarray,
    skill: np.ndarray,
    config: FeatureConfig,
    out: np.ndarray,
) -> _SkillContext:
    """The skill features of each query for the (query, skill) pairs given; `out` must
    already hold `trial_best` and `good_share`."""
    n_skills = max(len(index.skill_names), 1)
    n_q = len(q.time)
    # Skill -1 (never seen anywhere) gets group -1, which matches no item.
    q_group = np.where(skill >= 0, q.candidate[skill_row] * n_skills + skill, -1)
    q_time = q.time[skill_row]
    per_query = np.bincount(skill_row, minlength=n_q).astype(np.float64)

    # Best trial score per (candidate, skill).
    rows = index.trial_skill_row
    trials = Sweep(
        index.trial_candidate[rows] * n_skills + index.trial_skill, index.trial_time[rows]
    )
    pos = trials.last_before(q_group, q_time)
    best = trials.at(trials.cummax(index.trial_score[rows]), pos)
    n_trials = trials.at(trials.cumsum(np.ones(len(rows))), pos)
    total = np.bincount(skill_row, weights=best, minlength=n_q)
    best_skill = np.where(
        per_query > 0, total / np.maximum(per_query, 1), out[:, COL["trial_best"]]
    )

    # A skill is proven by a passed trial or an accepted milestone in it.
    ms_rows = index.ms_skill_row
    accepted = index.ms_outcome[ms_rows] == OUTCOME_CODES["accepted"]
    acc_rows = ms_rows[accepted]
    delivered_sweep = Sweep(
        index.ms_candidate[acc_rows] * n_skills + index.ms_skill[accepted],
        index.ms_outcome_time[acc_rows],
    )
    delivered_pos = delivered_sweep.last_before(q_group, q_time)
    if config.defences:
        paid = delivered_sweep.cumsum(np.maximum(index.ms_amount[acc_rows], 0.0))
        delivered = delivered_sweep.at(paid, delivered_pos) >= config.skill_proof_amount
    else:
        delivered = delivered_pos >= 0
    proven = (best >= config.skill_pass) | delivered
    matched = np.bincount(skill_row, weights=proven.astype(np.float64), minlength=n_q)
    match = np.where(per_query > 0, matched / np.maximum(per_query, 1), 1.0)

    done, good, clients, share = _skill_outcomes(
        index, q_group, q_time, skill_row, n_q, config=config
    )
    k = config.skill_pseudo
    good_share = (share + k * out[:, COL["good_share"]]) / (clients + k)
    return _SkillContext(
        trial_best_skill=best_skill,
        skill_match=match,
        skill_good_share=good_share,
        trials=np.bincount(skill_row, weights=n_trials, minlength=n_q),
        finished=done,
        good=good,
        clients=clients,
        client_share=share,
    )


def _skill_outcomes(
    index: HistoryIndex,
    q_group: np.ndarray,
    q_time: np.ndarray,
    skill_row: np.ndarray,
    n_q: int,
    *,
    config: FeatureConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The candidate's record in the query's skills, per query: finished milestones, how
    many went well, the clients' worth behind them, and the sum over those clients of the
    share that went well, each client weighted by its worth.

    `skill_good_share` counts clients, not milestones: each client adds its own share of
    good outcomes, once. Two hundred cheap milestones from a handful of friendly accounts
    are a handful of clients, so a ring cannot buy a skill record; the result is shrunk
    toward the candidate's overall `good_share`, which carries the rater weights, caps and
    decay.

    A client is worth what it put at stake in the skill with the candidate, against the
    stake reference, up to one client: min(1, Σ amount / reference). Accounts cost nothing
    to open, so counting each as a whole client let thirty throwaway accounts with one free
    milestone each buy a perfect record; linear in the amount, splitting the money over
    more accounts buys nothing (defences off: every client counts one).
    """
    n_skills = max(len(index.skill_names), 1)
    rows = index.ms_skill_row
    finished = index.ms_outcome[rows] != -1
    f_rows, f_skill = rows[finished], index.ms_skill[finished]
    when = index.ms_outcome_time[f_rows]
    x = good_outcome(index)[f_rows].astype(np.float64)
    cand_skill = index.ms_candidate[f_rows] * n_skills + f_skill
    ones = np.ones(len(f_rows))

    # Each item's change to (clients' worth, Σ per-client worth x share) of its
    # (candidate, skill).
    by_client = Sweep(cand_skill * max(index.n_clients, 1) + index.ms_client[f_rows], when)
    n_incl = by_client.cumsum(ones)
    g_incl = by_client.cumsum(x)
    x_sorted = by_client.sorted_values(x)
    n_prev, g_prev = n_incl - 1.0, g_incl - x_sorted
    if config.defences:
        amount = np.maximum(index.ms_amount[f_rows], 0.0)
        a_incl = by_client.cumsum(amount)
        a_prev = np.maximum(a_incl - by_client.sorted_values(amount), 0.0)
        w_incl = np.minimum(a_incl / config.stake_reference, 1.0)
        w_prev = np.where(n_prev > 0, np.minimum(a_prev / config.stake_reference, 1.0), 0.0)
    else:
        w_incl, w_prev = np.ones(len(f_rows)), (n_prev > 0).astype(np.float64)
    delta_share = w_incl * g_incl / n_incl - w_prev * g_prev / np.maximum(n_prev, 1.0)
    delta_clients = w_incl - w_prev
    unsorted_share, unsorted_clients = np.empty(len(f_rows)), np.empty(len(f_rows))
    unsorted_share[by_client.order] = delta_share
    unsorted_clients[by_client.order] = delta_clients

    sweep = Sweep(cand_skill, when)
    pos = sweep.last_before(q_group, q_time)

    def per_query(values: np.ndarray) -> np.ndarray:
        return np.bincount(skill_row, weights=sweep.at(sweep.cumsum(values), pos), minlength=n_q)

    done, good = per_query(ones), per_query(x)
    return done, good, per_query(unsorted_clients), per_query(unsorted_share)


def _client_features(
    index: HistoryIndex,
    q: Queries,
    config: FeatureConfig,
    half_life: float | None,
    out: np.ndarray,
) -> np.ndarray:
    """Outcome and rating features; returns raw (outcomes, ratings) counts per query."""
    n = len(q.time)
    stake = config.stake_reference if config.defences else None
    edges = EdgeSweep(index, half_life, config.raters.market_period_days, stake)
    sums = np.zeros((n, 9))
    raw_counts = np.zeros((n, 2))
    period = config.snapshot_days * DAY
    epoch = np.floor(q.time / period)
    for e in np.unique(epoch):
        qs = np.flatnonzero(epoch == e)
        counts = edges.cand_count[q.candidate[qs]]
        pair_q = np.repeat(qs, counts)
        pair_edge = edges.by_candidate[
            np.repeat(edges.cand_start[q.candidate[qs]], counts) + ranges(counts)
        ]
        pos = edges.sweep.last_before(pair_edge, q.time[pair_q])
        keep = pos >= 0
        pair_q, pair_edge, pos = pair_q[keep], pair_edge[keep], pos[keep]
        if len(pair_q) == 0:
            continue
        ring_for = np.zeros(len(edges.client), dtype=bool)
        ring_for[pair_edge] = True
        snap = snapshot(
            at=float(e * period),
            edge_client=edges.client,
            edge_candidate=edges.candidate,
            evidence=edges.evidence_at(float(e * period)),
            n_clients=index.n_clients,
            n_candidates=index.n_candidates,
            policy=config.raters,
            defences=config.defences,
            ring_for=ring_for,
        )
        dec = edges.sweep.decayed_at(edges.decayed, pos, q.time[pair_q], half_life)
        raw = edges.sweep.at(edges.raw, pos)
        # Relative stars: each rating minus its rater's usual rating.
        rel = dec[:, STARS] - dec[:, N_RAT] * snap.client_mean_stars[edges.client[pair_edge]]
        weight = snap.edge_weight[pair_edge]
        cap = config.client_cap if config.defences else 1.0
        local = np.searchsorted(qs, pair_q)
        f_out = _capped(weight * dec[:, N_OUT], local, len(qs), cap)
        f_rat = _capped(weight * dec[:, N_RAT], local, len(qs), cap)
        scale = np.where(np.arange(9) < N_RAT, f_out[:, None], f_rat[:, None]) * weight[:, None]
        for j in range(9):
            sums[qs, j] = np.bincount(local, weights=scale[:, j] * dec[:, j], minlength=len(qs))
        rel_sum = np.bincount(local, weights=f_rat * weight * rel, minlength=len(qs))
        out[qs, COL["rating_rel"]] = rel_sum  # divided below, once evidence is known
        raw_counts[qs, 0] = np.bincount(local, weights=raw[:, N_OUT], minlength=len(qs))
        raw_counts[qs, 1] = np.bincount(local, weights=raw[:, N_RAT], minlength=len(qs))

    _shrunk_ratios(sums, config, out)

    # Days since the last dispute, from any client: a dispute is never good news.
    disputed = np.flatnonzero(index.ms_outcome == OUTCOME_CODES["disputed"])
    sweep = Sweep(index.ms_candidate[disputed], index.ms_outcome_time[disputed])
    pos = sweep.last_before(q.candidate, q.time)
    last = sweep.at(sweep.time, pos, fill=-np.inf)
    out[:, COL["days_since_dispute"]] = np.minimum((q.time - last) / DAY, NO_DISPUTE_DAYS)
    return raw_counts


def _shrunk_ratios(sums: np.ndarray, c: FeatureConfig, out: np.ndarray) -> None:
    """Turn weighted sums into rates shrunk toward population values with pseudo-counts."""
    ko, kr = c.outcome_pseudo, c.rating_pseudo
    e_out, e_rat = sums[:, N_OUT], sums[:, N_RAT]
    out[:, COL["good_share"]] = (sums[:, GOOD] + ko * c.population_good) / (e_out + ko)
    out[:, COL["dispute_rate"]] = (sums[:, DISPUTE] + ko * c.population_dispute) / (e_out + ko)
    out[:, COL["late_rate"]] = (sums[:, LATE] + ko * c.population_late) / (e_out + ko)
    out[:, COL["unaccepted_rate"]] = (sums[:, UNACC] + ko * c.population_unaccepted) / (e_out + ko)
    out[:, COL["outcome_evidence"]] = e_out
    out[:, COL["rating_mean"]] = (sums[:, STARS] + kr * c.population_stars) / (e_rat + kr)
    out[:, COL["rating_rel"]] = out[:, COL["rating_rel"]] / (e_rat + kr)
    out[:, COL["rating_low_share"]] = (sums[:, LOW] + kr * c.population_low) / (e_rat + kr)
    out[:, COL["rating_quality"]] = (sums[:, QUAL] + kr * c.population_stars) / (e_rat + kr)
    out[:, COL["rating_evidence"]] = e_rat


def _capped(mass: np.ndarray, group: np.ndarray, n_groups: int, cap: float) -> np.ndarray:
    """Factor per edge so no edge exceeds `cap` x its candidate's total mass (one pass)."""
    if cap >= 1.0:
        return np.ones(len(mass))
    total = np.bincount(group, weights=mass, minlength=n_groups)[group]
    allowed = cap * total
    return np.where(mass > allowed, allowed / np.maximum(mass, 1e-300), 1.0)


def tier_rates(
    index: HistoryIndex, tiers: np.ndarray, times: np.ndarray, config: FeatureConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per query: the share of the market's milestones of its tier that went well, finished
    before its time, shrunk toward the whole market's share; how many there were; and the
    whole market's share.

    A tier with no finished milestone yet (NO_TIER included) gets the market's share:
    no evidence of its own, so no effect of its own.
    """
    finished = np.flatnonzero(index.ms_outcome != -1)
    good = good_outcome(index)[finished].astype(np.float64)
    when = index.ms_outcome_time[finished]
    ones = np.ones(len(finished))
    market = Sweep(np.zeros(len(finished), dtype=np.int64), when)
    pos = market.last_before(np.zeros(len(times), dtype=np.int64), times)
    n_all, good_all = market.at(market.cumsum(ones), pos), market.at(market.cumsum(good), pos)
    anchor = 20.0  # the configured rate is worth 20 milestones against the market's own
    overall = (good_all + anchor * config.population_good) / (n_all + anchor)
    by_tier = Sweep(index.ms_tier[finished], when)
    pos = by_tier.last_before(np.asarray(tiers, dtype=np.int64), times)  # NO_TIER: none
    n_tier = by_tier.at(by_tier.cumsum(ones), pos)
    good_tier = by_tier.at(by_tier.cumsum(good), pos)
    k = config.tier_pseudo
    return (good_tier + k * overall) / (n_tier + k), n_tier, overall


USUAL_AMOUNT = 500.0  # before any milestone at all: a milestone's amount is taken as this


def tier_log_amounts(index: HistoryIndex, tiers: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per query: the mean log(1 + amount) of the market's milestones of its tier opened
    before its time; the whole market's when the tier has none, USUAL_AMOUNT's before any."""
    logs = np.log1p(np.maximum(index.ms_amount, 0.0))
    ones = np.ones(len(logs))
    market = Sweep(np.zeros(len(logs), dtype=np.int64), index.ms_time)
    pos = market.last_before(np.zeros(len(times), dtype=np.int64), times)
    n_all, sum_all = market.at(market.cumsum(ones), pos), market.at(market.cumsum(logs), pos)
    overall = np.where(n_all > 0, sum_all / np.maximum(n_all, 1.0), np.log1p(USUAL_AMOUNT))
    by_tier = Sweep(index.ms_tier, index.ms_time)
    pos = by_tier.last_before(np.asarray(tiers, dtype=np.int64), times)
    n_tier, sum_tier = by_tier.at(by_tier.cumsum(ones), pos), by_tier.at(by_tier.cumsum(logs), pos)
    return np.asarray(np.where(n_tier > 0, sum_tier / np.maximum(n_tier, 1.0), overall))


def market_context(
    index: HistoryIndex,
    *,
    tiers: np.ndarray,
    times: np.ndarray,
    amounts: np.ndarray,
    config: FeatureConfig,
    out: np.ndarray,
) -> np.ndarray:
    """The features the market sets, not the candidate: the tier's and the whole market's
    share of good outcomes, the tier's usual amount, and the milestone's amount (NaN: the
    tier's usual one, as a score served for a tier has). Returns the market's finished
    milestones of each query's tier."""
    out[:, COL["tier_rate"]], n_tier, out[:, COL["market_rate"]] = tier_rates(
        index, tiers, times, config
    )
    usual = tier_log_amounts(index, tiers, times)
    out[:, COL["tier_log_amount"]] = usual
    out[:, COL["log_amount"]] = np.where(
        np.isnan(amounts), usual, np.log1p(np.maximum(np.nan_to_num(amounts), 0.0))
    )
    return n_tier


def _context_features(
    index: HistoryIndex, q: Queries, config: FeatureConfig, out: np.ndarray
) -> np.ndarray:
    """The market's features and tenure; returns the market's finished milestones of each
    query's tier."""
    n_tier = market_context(
        index, tiers=q.tier, times=q.time, amounts=q.amount, config=config, out=out
    )
    first = index.candidate_first_seen[q.candidate]
    out[:, COL["tenure_days"]] = np.where(first < q.time, (q.time - first) / DAY, 0.0)
    return n_tier
