"""numba kernels behind :mod:`partsearch._hashing` (imported lazily: numba is slow to import)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import uint64

from partsearch._jit import njit

_FNV_OFFSET = uint64(0xCBF29CE484222325)
_FNV_PRIME = uint64(0x100000001B3)
_SEP = uint64(0x1F)
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _fnv(h: Any, data: Any, start: Any, end: Any) -> Any:
    for i in range(start, end):
        h = (h ^ uint64(data[i])) * _FNV_PRIME
    return h


@njit(cache=True, inline="always")
def _fin(h: Any) -> Any:
    h = (h ^ (h >> uint64(30))) * _M1
    h = (h ^ (h >> uint64(27))) * _M2
    return h ^ (h >> uint64(31))


@njit(cache=True, nogil=True)
def pair(b_off: Any, b_data: Any, a_off: Any, a_data: Any) -> Any:
    n = len(b_off) - 1
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        h = _fnv(_FNV_OFFSET, b_data, b_off[i], b_off[i + 1])
        h = (h ^ _SEP) * _FNV_PRIME
        out[i] = _fin(_fnv(h, a_data, a_off[i], a_off[i + 1]))
    return out


@njit(cache=True, inline="always")
def one_pair(brand: Any, article: Any) -> Any:
    """The part hash of one brand key and article key given as UTF-8 bytes."""
    h = _fnv(_FNV_OFFSET, brand, 0, len(brand))
    return _fin(_fnv((h ^ _SEP) * _FNV_PRIME, article, 0, len(article)))


@njit(cache=True, inline="always")
def one_single(article: Any) -> Any:
    """The article hash of one article key given as UTF-8 bytes."""
    return _fin(_fnv(_FNV_OFFSET, article, 0, len(article)))


@njit(cache=True, nogil=True)
def single(off: Any, data: Any) -> Any:
    n = len(off) - 1
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = _fin(_fnv(_FNV_OFFSET, data, off[i], off[i + 1]))
    return out


@njit(cache=True, nogil=True)
def spans(data: Any, start: Any, end: Any) -> Any:
    """The article hash of each ``data[start[i]:end[i]]``."""
    out = np.empty(len(start), dtype=np.uint64)
    for i in range(len(start)):
        out[i] = _fin(_fnv(_FNV_OFFSET, data, start[i], end[i]))
    return out
