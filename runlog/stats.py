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
    order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[order]
    cum = np.cumsum(w)
    if cum[-1] <= 0:
        return float(np.median(v))
    return float(v[np.searchsorted(cum, cum[-1] / 2.0)])
