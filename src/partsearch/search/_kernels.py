"""Compiled helpers of the search hot path (numba, cached on disk)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from partsearch.crosses._kernels import nearest

FENCE = 256  # one fence per 256 hashes: the fences of 20M offers fit in the CPU cache


def fences(sorted_hashes: np.ndarray) -> np.ndarray:
    """Every FENCE-th hash: a small, cache-resident index over the sorted hashes."""
    return np.ascontiguousarray(sorted_hashes[::FENCE])


@njit(cache=True, nogil=True, inline="always")
def _first_at_least(sorted_hashes: Any, fence: Any, h: Any) -> Any:
    # binary search the fences (in cache), then the one 256-entry block (a few cache lines):
    # a handful of memory misses instead of one per level of a search over the whole array
    i = np.searchsorted(fence, h)
    if i == 0:
        return 0
    lo = (i - 1) * FENCE + 1
    hi = min(i * FENCE, sorted_hashes.size)
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_hashes[mid] < h:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def gather(sorted_hashes: np.ndarray, fence: np.ndarray,
           hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``sorted_hashes`` equal to each of ``hashes`` (runs of equal values), and the
    position in ``hashes`` each row answers: all offers of a class in one pass."""
    n = sorted_hashes.size
    lo = np.empty(hashes.size, dtype=np.int64)
    total = 0
    for i in range(hashes.size):
        j = _first_at_least(sorted_hashes, fence, hashes[i])
        lo[i] = j
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


@njit(cache=True, nogil=True)
def class_offers(members: np.ndarray, start: int, off: np.ndarray, to: np.ndarray,
                 eid: np.ndarray, support: np.ndarray, part_hash: np.ndarray,
                 offer_hash: np.ndarray, offer_fence: np.ndarray) -> tuple[np.ndarray, ...]:
    """A search's candidates in one compiled call: the searched part and its class members
    nearest first (ids, hops, support; the searched part first with 0, 0), the offer rows of
    them all, and for each row the index of its part in that list."""
    ids, hops, sup = nearest(members, start, -1, off, to, eid, support)
    n = ids.size + 1
    all_ids = np.empty(n, dtype=np.int64)
    all_hops = np.zeros(n, dtype=np.int32)
    all_sup = np.zeros(n, dtype=np.int32)
    all_ids[0] = start
    all_ids[1:] = ids
    all_hops[1:] = hops
    all_sup[1:] = sup
    hashes = np.empty(n, dtype=np.uint64)
    for i in range(n):
        hashes[i] = part_hash[all_ids[i]]
    rows, which = gather(offer_hash, offer_fence, hashes)
    return all_ids, all_hops, all_sup, hashes, rows, which


@njit(cache=True, nogil=True)
def merge_plan(base_hash: np.ndarray, keep: np.ndarray, new_hash: np.ndarray) -> np.ndarray:
    """How to merge the kept rows of a sorted base with new sorted rows: for each output row,
    its base index (>= 0) or ``-(new index + 1)``. One linear pass; base first on equal hashes."""
    nb, m = base_hash.size, new_hash.size
    n_keep = 0
    for i in range(nb):
        if keep[i]:
            n_keep += 1
    plan = np.empty(n_keep + m, dtype=np.int64)
    i = j = k = 0
    while k < plan.size:
        while i < nb and not keep[i]:
            i += 1
        if j >= m or (i < nb and base_hash[i] <= new_hash[j]):
            plan[k] = i
            i += 1
        else:
            plan[k] = -(j + 1)
            j += 1
        k += 1
    return plan


@njit(cache=True, nogil=True)
def merge_take(plan: np.ndarray, base: np.ndarray, new: np.ndarray) -> np.ndarray:
    """One column merged by ``merge_plan``'s plan."""
    out = np.empty(plan.size, dtype=base.dtype)
    for k in range(plan.size):
        p = plan[k]
        out[k] = base[p] if p >= 0 else new[-p - 1]
    return out
