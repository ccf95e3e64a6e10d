"""Compiled helpers of the search hot path (numba, cached on disk)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def gather(sorted_hashes: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``sorted_hashes`` equal to each of ``hashes`` (runs of equal values), and the
    position in ``hashes`` each row answers: all offers of a class in one pass."""
    n = sorted_hashes.size
    lo = np.searchsorted(sorted_hashes, hashes)
    total = 0
    for i in range(hashes.size):
        j = lo[i]
        while j < n and sorted_hashes[j] == hashes[i]:
            j += 1
        total += j - lo[i]
    rows = np.empty(total, dtype=np.int64)
    which = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(hashes.size):
        j = lo[i]
        while j < n and sorted_hashes[j] == hashes[i]:
            rows[k] = j
            which[k] = i
            k += 1
            j += 1
    return rows, which
