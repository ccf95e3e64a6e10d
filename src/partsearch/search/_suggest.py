"""Suggestions for an article nobody has: close article keys among the catalog's parts."""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._jit import njit
from partsearch.loading._companions import PrefixIndex

_CUTOFF = 70.0  # the least similarity suggested (rapidfuzz's fuzz.ratio, 0-100)


def similar_articles(store: Any, *keys: str, limit: int = 5) -> list[str]:
    """Articles of offers whose key is within a small edit distance of one of ``keys`` (an
    article's folded key and the one a Cyrillic-keeping maker writes, when the brand is not
    known): the ``limit`` most similar (``rapidfuzz.fuzz.ratio`` at least 70; equal scores by
    key).

    Only offers sharing a key's first two characters are compared (a buyer rarely mistypes
    the start of a part number): each supplier file keeps its parts' keys grouped by their
    first two bytes (:class:`PrefixIndex`), so a suggestion reads those keys alone, one
    stretch of memory per file, and scores them in a compiled pass (:func:`scores`) where the
    key is ASCII.
    """
    best: dict[str, float] = {}
    for key in dict.fromkeys(keys):
        for k, score in _similar(store, key):
            best[k] = max(score, best.get(k, 0.0))
    ranked = sorted(best.items(), key=lambda ks: (-ks[1], ks[0]))
    return [k for k, _ in ranked if k not in keys][:limit]


def _similar(store: Any, key: str) -> list[tuple[str, float]]:
    """Every offered key at least 70 similar to ``key`` among those with its prefix, scored."""
    prefix = key[:2]
    if not prefix:
        return []
    pattern = key.encode()
    code = (pattern[0] << 8) | (pattern[1] if len(pattern) > 1 else 0)
    found: list[tuple[str, float]] = []
    for seg in store.segments:
        index: PrefixIndex = seg.prefixes
        lo, hi = index.bucket(code)
        if lo == hi:
            continue
        if key.isascii() and len(pattern) <= 64:
            hit, score = scores(pattern, index.off, index.data, lo, hi, _CUTOFF)
            if hit.size:
                found += zip(index.keys(hit), score.tolist(), strict=True)
        else:
            found += _rapidfuzz_scores(key, prefix, index.data[index.off[lo]:index.off[hi] - 1])
    return found


def _rapidfuzz_scores(key: str, prefix: str, joined: np.ndarray) -> list[tuple[str, float]]:
    """:func:`scores` for a key it cannot take (non-ASCII, or over 64 bytes), over the keys
    ``joined`` by line breaks."""
    from rapidfuzz import fuzz, process

    # two bytes are one Cyrillic letter: the second letter is checked here
    candidates = [k for k in joined.tobytes().decode().split("\n") if k.startswith(prefix)]
    return [(m[0], m[1]) for m in process.extract(key, candidates, scorer=fuzz.ratio,
                                                  limit=None, score_cutoff=_CUTOFF)]


@njit(cache=True, nogil=True)
def scores(pattern: Any, off: np.ndarray, data: np.ndarray, lo: int, hi: int,
           cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """The keys ``lo`` to ``hi`` of a :class:`PrefixIndex` (``off``, ``data``) at least
    ``cutoff`` similar to ``pattern`` (ASCII bytes, 64 at most), and their similarity:
    ``fuzz.ratio``'s, 100 * 2 * LCS / (len + len), the longest common subsequence by the
    bit-parallel algorithm (Hyyrö), one word operation per byte of a key. An ASCII byte
    matches no byte of a multi-byte letter, so the LCS of bytes is that of letters; a key's
    length counts its letters."""
    m = len(pattern)
    match = np.zeros(256, dtype=np.uint64)
    for i in range(m):
        match[pattern[i]] |= np.uint64(1) << np.uint64(i)
    full = np.uint64(0xFFFFFFFFFFFFFFFF) if m == 64 else \
        (np.uint64(1) << np.uint64(m)) - np.uint64(1)
    hit = np.empty(hi - lo, dtype=np.int64)
    score = np.empty(hi - lo, dtype=np.float64)
    k = 0
    for r in range(lo, hi):
        v = full
        n = 0
        for j in range(off[r], off[r + 1] - 1):
            c = data[j]
            n += (c & 0xC0) != 0x80  # continuation bytes are not letters
            u = v & match[c]
            v = ((v + u) | (v - u)) & full
        lcs = m - _popcount(v)
        s = 200.0 * lcs / (m + n)
        if s >= cutoff:
            hit[k] = r
            score[k] = s
            k += 1
    return hit[:k], score[:k]


@njit(cache=True, nogil=True, inline="always")
def _popcount(v: Any) -> int:
    n = 0
    while v:
        v &= v - np.uint64(1)
        n += 1
    return n
