"""Statistics that readers and analyzers both take.

Samples count for the time they cover, so their middle is a weighted median: a reader takes
it of one file's cadence or speed, the cadence analyzer of many runs' cadence together. It
lives below both so that analysis does not depend on reading.
"""

from __future__ import annotations

import numpy as np


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at half the total weight (ties in order of ``values``); the plain median
    when no weight is positive."""
    order = stable_order(values)
    v = values[order]
    w = weights[order]
    cum = np.cumsum(w)
    if cum[-1] <= 0:
        return float(np.median(v))
    return float(v[np.searchsorted(cum, cum[-1] / 2.0)])


#: Values that are whole multiples of 1/STEPS in [0, 65536/STEPS) sort as 16-bit integers.
STEPS = 128.0


def stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, the same order.

    Cadences are whole or FIT's 1/128 fractions: scaled by 128 they are 16-bit integers, the
    same order and the same ties (the scaling is exact), and numpy sorts those by radix,
    ~10x faster than a stable sort of floats (a third of an hour's summary took it)."""
    if values.dtype == np.float64 and len(values) > 64:
        scaled = values * STEPS
        with np.errstate(invalid="ignore"):
            whole = bool(((scaled >= 0) & (scaled < 65536) & (scaled == np.floor(scaled))).all())
        if whole:
            return np.argsort(scaled.astype(np.uint16), kind="stable")
    return np.argsort(values, kind="stable")
