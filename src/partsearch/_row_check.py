"""The check of an index of offer rows read back from disk: an offers file's article index
(``loading._companions``) and a merged store (``search._merged``). The compiled search reads
the offers files at those rows without bounds checks and finds keys by binary search, so an
index is trusted only whole. It lives here, in neither layer, because both read such an
index; both import it lazily (numba is slow to import).
"""

from __future__ import annotations

import numpy as np

from partsearch._jit import njit


def rows_fit(first: np.ndarray, seg: np.ndarray | None, row: np.ndarray, sizes: np.ndarray
             ) -> bool:
    """Whether ``first`` (uint64, ascending), ``seg`` (int32) and ``row`` (int64) are one
    index, each ``(seg, row)`` a row of its file (``sizes``: each file's rows). ``seg`` None:
    every row is of one file, ``sizes[0]`` rows long."""
    if first.dtype != np.uint64 or row.dtype != np.int64 or first.size != row.size:
        return False
    if seg is not None and (seg.dtype != np.int32 or seg.size != row.size):
        return False
    return bool(_rows_in_files(first, seg, row, sizes))


@njit(cache=True, nogil=True)
def _rows_in_files(first: np.ndarray, seg: np.ndarray | None, row: np.ndarray,
                   sizes: np.ndarray) -> bool:
    """The pass of :func:`rows_fit`: one over the rows, stopping at the first that fails."""
    for i in range(row.size):
        s = 0 if seg is None else seg[i]  # (settled when compiled: None is a type to numba)
        if s < 0 or s >= sizes.size or row[i] < 0 or row[i] >= sizes[s]:
            return False
        if i and first[i] < first[i - 1]:
            return False
    return True
