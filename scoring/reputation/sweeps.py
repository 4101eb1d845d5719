"""Vectorised running aggregates over grouped, time-sorted event arrays.

Features are point-in-time: a query (group, t) sees only the items of its
group dated strictly before t. Items are sorted once by (group, time); running
sums, decayed sums and running maxima are then computed with numpy scans, and
each query finds "the last item before t" with one binary search. Nothing here
is quadratic in the history.
"""

from __future__ import annotations

import numpy as np

LN2 = float(np.log(2.0))
_TINY = 1e-250  # below this a decay product is treated as zero (avoids denormal slowdowns)


class Sweep:
    """Items of many groups, sorted by (group, time), with a strict "before t" lookup."""

    def __init__(self, group: np.ndarray, time: np.ndarray) -> None:
        self.order = np.lexsort((time, group))
        self.group = group[self.order].astype(np.int64)
        self.time = time[self.order].astype(np.float64)
        # Times are replaced by their rank among the distinct item times, so
        # (group, rank) packs into one int64 key that a single searchsorted can use.
        self._times = np.unique(self.time)
        rank = np.searchsorted(self._times, self.time)
        self._width = np.int64(len(self._times) + 1)
        self._keys = self.group * self._width + rank
        starts = np.ones(len(self.group), dtype=bool)
        starts[1:] = self.group[1:] != self.group[:-1]
        self.starts = starts

    def __len__(self) -> int:
        return len(self.group)

    def last_before(self, group: np.ndarray, time: np.ndarray) -> np.ndarray:
        """Index (in sorted order) of the group's last item strictly before `time`, or -1."""
        if len(self.group) == 0:
            return np.full(len(group), -1, dtype=np.int64)
        rank = np.searchsorted(self._times, time, side="left")
        pos = np.searchsorted(self._keys, group.astype(np.int64) * self._width + rank) - 1
        ok = pos >= 0
        ok[ok] = self.group[pos[ok]] == group[ok]
        return np.where(ok, pos, -1)

    def sorted_values(self, values: np.ndarray) -> np.ndarray:
        return values[self.order]

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Running sum within each group (inclusive), exact for counts."""
        return _scan(self.sorted_values(values).astype(np.float64), np.where(self.starts, 0.0, 1.0))

    def decayed_cumsum(self, values: np.ndarray, half_life: float | None) -> np.ndarray:
        """Running sum within each group where each item's weight halves every `half_life`.

        The value at item i is Σ_{j≤i} x_j·2^(-(t_i - t_j)/half_life); a query at t
        multiplies the last item's value by 2^(-(t - t_i)/half_life). All factors
        are ≤ 1, so there is no overflow however long the history.
        """
        if half_life is None:
            return self.cumsum(values)
        step = np.zeros(len(self.time))
        step[1:] = np.exp(-LN2 * (self.time[1:] - self.time[:-1]) / half_life)
        step[self.starts] = 0.0
        return _scan(self.sorted_values(values).astype(np.float64), step)

    def cummax(self, values: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """Running maximum within each group, for values in [low, high]."""
        span = high - low + 1.0
        shifted = self.group * span + (self.sorted_values(values) - low)
        return np.asarray(np.maximum.accumulate(shifted) - self.group * span + low)

    def at(self, running: np.ndarray, pos: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Read a running aggregate at lookup positions; `fill` where nothing came before."""
        if len(running) == 0:
            return np.full((len(pos), *running.shape[1:]), fill, dtype=np.float64)
        safe = np.maximum(pos, 0)
        out = running[safe]
        mask = pos < 0
        if out.ndim == 1:
            return np.where(mask, fill, out)
        return np.where(mask[:, None], fill, out)

    def decayed_at(
        self, running: np.ndarray, pos: np.ndarray, time: np.ndarray, half_life: float | None
    ) -> np.ndarray:
        """Decayed running sum carried forward from the last item to the query time."""
        out = self.at(running, pos)
        if half_life is None or len(self.time) == 0:
            return out
        gap = time - self.time[np.maximum(pos, 0)]
        factor = np.where(pos < 0, 0.0, np.exp(-LN2 * np.maximum(gap, 0.0) / half_life))
        return out * (factor if out.ndim == 1 else factor[:, None])


def ranges(sizes: np.ndarray) -> np.ndarray:
    """Concatenated aranges: [0..sizes[0]), [0..sizes[1]), ..."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(sizes)
    return np.asarray(np.arange(total) - np.repeat(ends - sizes, sizes))


def _scan(values: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Inclusive scan of y_i = carry_i·y_{i-1} + x_i (Hillis-Steele, log2(n) vector steps).

    `carry` is 0 where a group starts, so sums never cross group boundaries.
    """
    y = values.copy()
    a = carry.astype(np.float64).copy()
    two_d = y.ndim == 2
    n = len(y)
    step = 1
    while step < n and a[step:].any():
        factor = a[step:, None] if two_d else a[step:]
        y[step:] = y[step:] + y[:-step] * factor
        a[step:] = a[step:] * a[:-step]
        a[a < _TINY] = 0.0
        step *= 2
    return y
