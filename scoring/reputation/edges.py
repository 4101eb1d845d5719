"""Client-to-candidate edges and their evidence, swept once for point-in-time reads.

Every finished milestone and every rating is an *evidence item* on the edge
between the client who gave it and the candidate it is about. Items are sorted
by (edge, time) once; running sums (plain and decayed) then answer "what had
this client said about this candidate before t" with one binary search, and
`evidence_at` gives the per-edge counts the rater snapshot needs.
"""

from __future__ import annotations

import numpy as np

from scoring.reputation.history import OUTCOME_CODES, HistoryIndex, good_outcome
from scoring.reputation.raters import EdgeEvidence, expected_hires
from scoring.reputation.sweeps import Sweep

DAY = 86400.0

# Columns of an evidence item (outcomes and ratings share one layout).
N_OUT, GOOD, DISPUTE, LATE, UNACC, N_RAT, STARS, LOW, QUAL = range(9)


STAKE_FLOOR = 0.1  # even a free milestone says something


def stake_weight(amount: np.ndarray, reference: float) -> np.ndarray:
    """sqrt(amount / reference), between STAKE_FLOOR and 1.

    Job-success scores on real platforms weigh contracts by value for the same
    reason: a fake milestone costs its fee, so cheap ones are how collusion is
    bought. The square root keeps honest small jobs meaningful (a 150 job
    against a 500 reference still counts 0.55).
    """
    return np.asarray(np.clip(np.sqrt(np.maximum(amount, 0.0) / reference), STAKE_FLOOR, 1.0))


class EdgeSweep:
    """Client-candidate edges and their evidence items, swept once."""

    def __init__(
        self,
        index: HistoryIndex,
        half_life: float | None,
        period_days: float,
        stake_reference: float | None = None,
    ) -> None:
        keys = index.ms_client.astype(np.int64) * max(index.n_candidates, 1) + index.ms_candidate
        uniq, edge_of_ms = np.unique(keys, return_inverse=True)
        self.client = (uniq // max(index.n_candidates, 1)).astype(np.int64)
        self.candidate = (uniq % max(index.n_candidates, 1)).astype(np.int64)
        self.by_candidate = np.argsort(self.candidate, kind="stable")
        counts = np.bincount(self.candidate, minlength=index.n_candidates)
        self.cand_start = np.cumsum(counts) - counts
        self.cand_count = counts

        done = index.ms_outcome != -1
        rated = index.ms_stars > 0
        n_out, n_rat = int(done.sum()), int(rated.sum())
        cols = np.zeros((n_out + n_rat, 9))
        outcome = index.ms_outcome[done]
        cols[:n_out, N_OUT] = 1.0
        cols[:n_out, GOOD] = good_outcome(index)[done]
        cols[:n_out, DISPUTE] = outcome == OUTCOME_CODES["disputed"]
        cols[:n_out, LATE] = ~index.ms_on_time[done] & (outcome != OUTCOME_CODES["cancelled"])
        cols[:n_out, UNACC] = (outcome == OUTCOME_CODES["revision_requested"]) | (
            outcome == OUTCOME_CODES["cancelled"]
        )
        cols[n_out:, N_RAT] = 1.0
        cols[n_out:, STARS] = index.ms_stars[rated]
        cols[n_out:, LOW] = index.ms_stars[rated] <= 3
        cols[n_out:, QUAL] = index.ms_quality[rated]
        edge = np.r_[edge_of_ms[done], edge_of_ms[rated]]
        time = np.r_[index.ms_outcome_time[done], index.ms_rating_time[rated]]
        self.sweep = Sweep(edge, time)
        # Counts stay unweighted (they describe the graph); feature sums weigh
        # each item by what was at stake, so cheap milestones move little.
        self.raw = self.sweep.cumsum(cols)
        if stake_reference is not None:
            amount = np.r_[index.ms_amount[done], index.ms_amount[rated]]
            cols = cols * stake_weight(amount, stake_reference)[:, None]
        self.decayed = self.sweep.decayed_cumsum(cols, half_life)
        self._hires(index, done, period_days)

    def _hires(self, index: HistoryIndex, done: np.ndarray, period_days: float) -> None:
        """Finished milestones split over market cells (opening period x skill), by finish time."""
        n_skills = len(index.skill_names) + 1  # the last "skill" is "none given"
        rows = np.flatnonzero(done)
        # Periods count from the Unix epoch, so no later event can shift them.
        period = np.floor(index.ms_time / (period_days * DAY)).astype(np.int64)
        n_given = np.bincount(index.ms_skill_row, minlength=len(index.ms_time))
        bare = rows[n_given[rows] == 0]
        listed = done[index.ms_skill_row]
        ms = np.r_[index.ms_skill_row[listed], bare]
        skill = np.r_[index.ms_skill[listed], np.full(len(bare), n_skills - 1)]
        weight = 1.0 / np.maximum(n_given[ms], 1)
        order = np.argsort(index.ms_outcome_time[ms], kind="stable")
        ms, skill, weight = ms[order], skill[order], weight[order]
        self.hire_time = index.ms_outcome_time[ms]
        self.hire_client, self.hire_candidate = index.ms_client[ms], index.ms_candidate[ms]
        self.hire_cell = period[ms] * n_skills + skill
        self.hire_weight = weight
        self.n_cells = int(self.hire_cell.max()) + 1 if len(ms) else 1
        self.n_clients, self.n_candidates = index.n_clients, index.n_candidates

    def evidence_at(self, at: float) -> EdgeEvidence:
        edges = np.arange(len(self.client))
        raw = self.sweep.at(self.raw, self.sweep.last_before(edges, np.full(len(edges), at)))
        seen = int(np.searchsorted(self.hire_time, at, side="left"))
        expected = expected_hires(
            edge_client=self.client,
            edge_candidate=self.candidate,
            hire_client=self.hire_client[:seen],
            hire_candidate=self.hire_candidate[:seen],
            hire_cell=self.hire_cell[:seen],
            hire_weight=self.hire_weight[:seen],
            n_clients=self.n_clients,
            n_candidates=self.n_candidates,
            n_cells=self.n_cells,
            only=raw[:, N_OUT] >= 2,  # a surplus needs at least one repeat
        )
        return EdgeEvidence(
            items=raw[:, N_OUT] + raw[:, N_RAT],
            outcomes=raw[:, N_OUT],
            disputes=raw[:, DISPUTE],
            ratings=raw[:, N_RAT],
            stars=raw[:, STARS],
            expected=expected,
        )
