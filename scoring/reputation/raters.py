"""How much a client's word counts: rater trust and rating-ring detection.

A snapshot is computed from the client-candidate graph as it stood at one
instant (all evidence strictly before it) and then used for queries after
that instant, so it never sees the future. It answers three questions:

* how much to trust a client as a rater: the weight grows with the number of
  distinct candidates the client has worked with (one-off accounts are cheap to
  create) and shrinks when the client's milestones end in dispute far more
  often than usual;
* what the client's own average rating is, so a 5 from a client who gives
  everyone 5 is read as "as usual", not "excellent";
* whether a client-candidate edge sits inside a closed rating ring.

Ring score of edge (k, c). First, per edge, the *surplus hires*: repeat
milestones beyond what the client's and the candidate's overall activity would
produce by chance (`excess_hires`). Fake milestones pile up there; ordinary
markets put almost nothing there, because a busy client meeting a popular
freelancer often is expected. Then: the share of c's finished milestones that
are surplus hires by *other* clients k' whose surplus, leaving c out, goes to
the same candidates as k's (cosine similarity). Members of a ring all pile
surplus onto the same few candidates, so for them this approaches the ring's
share of c's work; a client loyal to one freelancer scores 0 (that is one
rater, which the per-client share cap limits), and so does a legitimate client
who once hired a ring member.
"""

from __future__ import annotations

import msgspec
import numpy as np
from scipy import sparse

from scoring.reputation.sweeps import ranges

MIN_RING_SURPLUS = 3.0  # surplus hires a candidate needs before a ring can own most of them


class RaterPolicy(msgspec.Struct, frozen=True, kw_only=True):
    # A client with d distinct candidates weighs (d+1)/(d+1+half_candidates).
    half_candidates: float = 2.0
    # Client dispute rate is shrunk toward `usual_dispute_rate` with this many pseudo-milestones.
    dispute_pseudo: float = 5.0
    usual_dispute_rate: float = 0.08
    # Each point of dispute rate above twice the usual costs this much weight, floored at 0.25.
    dispute_penalty: float = 2.0
    # Client mean rating is shrunk toward the population's with this many pseudo-ratings.
    mean_stars_pseudo: float = 3.0
    population_stars: float = 4.4
    # Ring score below `ring_start` is ignored; at `ring_full` the edge keeps only `ring_floor` (0: a
    # fully flagged edge carries no weight; in between the weight falls linearly).
    ring_start: float = 0.05
    ring_full: float = 0.2
    ring_floor: float = 0.0
    # Market cells for "hires expected by chance": opening period length (x skill).
    market_period_days: float = 91.0


class RaterSnapshot(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Per-client and per-edge weights as of `at` (epoch seconds)."""

    at: float
    client_trust: np.ndarray  # (n_clients,)
    client_mean_stars: np.ndarray  # (n_clients,)
    edge_ring: np.ndarray  # (n_edges,) ring score, 0 where not computed
    edge_weight: np.ndarray  # (n_edges,) trust x ring discount


class EdgeEvidence(msgspec.Struct, frozen=True, kw_only=True, eq=False):
    """Counts per client-candidate edge, strictly before the snapshot instant."""

    items: np.ndarray  # outcomes + ratings: the edge's evidence mass
    outcomes: np.ndarray
    disputes: np.ndarray
    ratings: np.ndarray
    stars: np.ndarray  # sum of stars
    # Hires expected by chance on each edge (see `expected_hires`); None: global rate.
    expected: np.ndarray | None = None


def snapshot(
    *,
    at: float,
    edge_client: np.ndarray,
    edge_candidate: np.ndarray,
    evidence: EdgeEvidence,
    n_clients: int,
    n_candidates: int,
    policy: RaterPolicy,
    defences: bool = True,
    ring_for: np.ndarray | None = None,
) -> RaterSnapshot:
    """Compute rater weights; `ring_for` (bool per edge) limits the ring work to edges in use."""
    per_client = _client_sums(edge_client, evidence, n_clients)
    distinct, outcomes, disputes, ratings, stars = per_client
    mean_stars = (stars + policy.population_stars * policy.mean_stars_pseudo) / (
        ratings + policy.mean_stars_pseudo
    )
    n_edges = len(edge_client)
    if not defences:
        ones = np.ones(n_clients)
        return RaterSnapshot(
            at=at,
            client_trust=ones,
            client_mean_stars=mean_stars,
            edge_ring=np.zeros(n_edges),
            edge_weight=np.ones(n_edges),
        )
    breadth = (distinct + 1.0) / (distinct + 1.0 + policy.half_candidates)
    dispute_rate = (disputes + policy.usual_dispute_rate * policy.dispute_pseudo) / (
        outcomes + policy.dispute_pseudo
    )
    excess = np.maximum(dispute_rate - 2.0 * policy.usual_dispute_rate, 0.0)
    trust = breadth * np.clip(1.0 - policy.dispute_penalty * excess, 0.25, 1.0)

    ring = ring_scores(
        edge_client,
        edge_candidate,
        evidence.outcomes,
        n_clients=n_clients,
        n_candidates=n_candidates,
        ring_for=ring_for,
        expected=evidence.expected,
    )
    span = policy.ring_full - policy.ring_start
    discount = np.clip((ring - policy.ring_start) / span, 0.0, 1.0)
    weight = trust[edge_client] * (1.0 - (1.0 - policy.ring_floor) * discount)
    return RaterSnapshot(
        at=at, client_trust=trust, client_mean_stars=mean_stars, edge_ring=ring, edge_weight=weight
    )


def _client_sums(
    edge_client: np.ndarray, ev: EdgeEvidence, n_clients: int
) -> tuple[np.ndarray, ...]:
    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(edge_client, weights=values, minlength=n_clients)

    distinct = total((ev.items > 0).astype(np.float64))
    return distinct, total(ev.outcomes), total(ev.disputes), total(ev.ratings), total(ev.stars)


def expected_hires(
    *,
    edge_client: np.ndarray,
    edge_candidate: np.ndarray,
    hire_client: np.ndarray,
    hire_candidate: np.ndarray,
    hire_cell: np.ndarray,
    hire_weight: np.ndarray,
    n_clients: int,
    n_candidates: int,
    n_cells: int,
    only: np.ndarray,
) -> np.ndarray:
    """Hires each edge would get by chance if clients picked freelancers at random
    within each market cell (a period x skill), in proportion to activity there.

    A busy Python client and a popular Python freelancer active in the same
    quarter meet often in any honest market; the global rate would call that a
    surplus. Only edges flagged in `only` are computed (others get 0).
    """
    out = np.zeros(len(edge_client))
    if not only.any() or len(hire_cell) == 0:
        return out
    by_client = sparse.csr_array(
        (hire_weight, (hire_client, hire_cell)), shape=(n_clients, n_cells)
    )
    by_cand = sparse.csr_array(
        (hire_weight, (hire_candidate, hire_cell)), shape=(n_candidates, n_cells)
    )
    cell_total = np.bincount(hire_cell, weights=hire_weight, minlength=n_cells)
    inv = np.where(cell_total > 0, 1.0 / np.maximum(cell_total, 1e-12), 0.0)
    rows = np.flatnonzero(only)
    left = by_client[edge_client[rows]]
    right = by_cand[edge_candidate[rows]] @ sparse.diags_array(inv)
    out[rows] = np.asarray(left.multiply(right).sum(axis=1)).ravel()
    return out


def excess_hires(
    edge_client: np.ndarray,
    edge_candidate: np.ndarray,
    hires: np.ndarray,
    *,
    n_clients: int,
    n_candidates: int,
    expected: np.ndarray | None = None,
) -> np.ndarray:
    """Repeat hires on each edge beyond what chance matching explains.

    With λ the expected hires (per market cell when given, else from the two
    sides' overall activity, λ = M_k·N_c/M), the first hire is free (everyone
    hires someone once) and so is anything within λ + 2√λ. Several *surplus*
    repeats are what fake milestones leave behind.
    """
    total = hires.sum()
    if total <= 0:
        return np.zeros(len(hires))
    if expected is None:
        client_total = np.bincount(edge_client, weights=hires, minlength=n_clients)
        cand_total = np.bincount(edge_candidate, weights=hires, minlength=n_candidates)
        expected = client_total[edge_client] * cand_total[edge_candidate] / total
    return np.asarray(np.maximum(hires - 1.0 - expected - 2.0 * np.sqrt(expected), 0.0))


def ring_scores(
    edge_client: np.ndarray,
    edge_candidate: np.ndarray,
    hires: np.ndarray,
    *,
    n_clients: int,
    n_candidates: int,
    ring_for: np.ndarray | None = None,
    expected: np.ndarray | None = None,
) -> np.ndarray:
    """Ring score per edge (see the module docstring); 0 where there is nothing to see."""
    n_edges = len(edge_client)
    ring = np.zeros(n_edges)
    surplus = excess_hires(
        edge_client,
        edge_candidate,
        hires,
        n_clients=n_clients,
        n_candidates=n_candidates,
        expected=expected,
    )
    live = surplus > 0
    if not live.any():
        return ring
    cand_surplus = np.bincount(edge_candidate, weights=surplus, minlength=n_candidates)
    norm2 = np.bincount(edge_client, weights=surplus**2, minlength=n_clients)
    xm = sparse.csr_array(
        (surplus[live], (edge_client[live], edge_candidate[live])), shape=(n_clients, n_candidates)
    )
    gram = xm @ xm.T  # client x client overlap of surplus hires

    # Edge e = (k, c) to score, paired with every surplus edge e' = (k', c), k' ≠ k.
    wanted = np.ones(n_edges, dtype=bool) if ring_for is None else ring_for
    wanted = wanted & (hires > 0)
    by_cand = np.flatnonzero(live)
    by_cand = by_cand[np.argsort(edge_candidate[by_cand], kind="stable")]
    counts = np.bincount(edge_candidate[by_cand], minlength=n_candidates)
    starts = np.cumsum(counts) - counts
    e = np.flatnonzero(wanted)
    per = counts[edge_candidate[e]]
    e_rep = np.repeat(e, per)
    f = by_cand[np.repeat(starts[edge_candidate[e]], per) + ranges(per)]
    keep = edge_client[f] != edge_client[e_rep]
    e_rep, f = e_rep[keep], f[keep]
    if len(f) == 0:
        return ring
    k, kk = edge_client[e_rep], edge_client[f]
    # Similarity of the two clients' surplus hires, leaving this candidate out.
    dot = _pair_values(gram, k, kk) - surplus[e_rep] * surplus[f]
    denom = np.sqrt(
        np.maximum(norm2[k] - surplus[e_rep] ** 2, 0.0)
        * np.maximum(norm2[kk] - surplus[f] ** 2, 0.0)
    )
    cos = np.where(denom > 1e-12, np.clip(dot, 0.0, None) / np.maximum(denom, 1e-12), 0.0)
    # Share of c's surplus, with a floor: a sliver of surplus is chance, not a ring.
    share = surplus[f] / np.maximum(cand_surplus[edge_candidate[f]], MIN_RING_SURPLUS)
    ring += np.bincount(e_rep, weights=share * np.minimum(cos, 1.0), minlength=n_edges)
    return np.minimum(ring, 1.0)


def _pair_values(matrix: sparse.csr_array, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(0)
    if matrix.shape[0] <= 2500:  # a dense KxK of at most ~50 MB
        return np.asarray(matrix.toarray()[rows, cols])
    csr = sparse.csr_array(matrix)
    csr.sort_indices()
    out = np.zeros(len(rows))
    # Binary search each row's sorted column indices; vectorised via a global key.
    row_of_nz = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    keys = row_of_nz.astype(np.int64) * csr.shape[1] + csr.indices
    want = rows.astype(np.int64) * csr.shape[1] + cols
    pos = np.searchsorted(keys, want)
    hit = pos < len(keys)
    hit[hit] = keys[pos[hit]] == want[hit]
    out[hit] = csr.data[pos[hit]]
    return out
