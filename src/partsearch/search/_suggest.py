"""Suggestions for an article nobody has: close article keys among the catalog's parts."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

_CUTOFF = 70.0  # the least similarity suggested (rapidfuzz's fuzz.ratio, 0-100)


def similar_articles(store: Any, key: str, limit: int = 5) -> list[str]:
    """Articles of offers whose key is within a small edit distance of ``key``: the ``limit``
    most similar (``rapidfuzz.fuzz.ratio`` at least 70; equal scores by key).

    Only offers sharing the key's first two characters are compared (a buyer rarely mistypes
    the start of a part number): each supplier file's parts are indexed by their first two
    bytes (:func:`prefix_index`), so a suggestion reads those parts alone, not every offer,
    and scores them in a compiled pass (:func:`scores`) where the key is ASCII.
    """
    prefix = key[:2]
    if not prefix:
        return []
    pattern = key.encode()
    code = (pattern[0] << 8) | (pattern[1] if len(pattern) > 1 else 0)
    best: dict[str, float] = {}
    for seg in store.segments:
        rows = bucket(seg.prefixes, code)
        if not rows.size:
            continue
        keys = seg.text["article_key"]
        found: list[tuple[str, float]] = []
        if key.isascii() and len(pattern) <= 64:
            hit, score = scores(pattern, keys.offsets, keys.data, rows, _CUTOFF)
            if hit.size:
                found = list(zip(gather_keys(keys.offsets, keys.data, hit).tobytes().decode()
                                 .split("\n"), score.tolist(), strict=True))
        else:
            found = _rapidfuzz_scores(key, prefix, keys, rows)
        for k, s in found:
            best[k] = s
    ranked = sorted(best.items(), key=lambda ks: (-ks[1], ks[0]))
    return [k for k, _ in ranked if k != key][:limit]


def _rapidfuzz_scores(key: str, prefix: str, keys: Any, rows: np.ndarray
                      ) -> list[tuple[str, float]]:
    """:func:`scores` for a key :func:`scores` cannot take (non-ASCII, or over 64 bytes)."""
    from rapidfuzz import fuzz, process

    # two bytes are one Cyrillic letter: the second letter is checked here
    candidates = [k for k in gather_keys(keys.offsets, keys.data, rows).tobytes().decode()
                  .split("\n") if k.startswith(prefix)]
    return [(m[0], m[1]) for m in process.extract(key, candidates, scorer=fuzz.ratio,
                                                  limit=None, score_cutoff=_CUTOFF)]


def prefix_index(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rows`` of a key column (``offsets``, ``data``: its buffers) grouped by prefix code
    (a key's first two UTF-8 bytes): ``codes`` ascending, the rows of ``codes[i]`` are
    ``order[start[i]:start[i + 1]]``, ascending. As large as the rows and the distinct
    prefixes, a few thousand, not the 65,536 codes."""
    codes = _prefix_codes(offsets, data, rows)
    order = np.argsort(codes, kind="stable")  # rows ascending within a code
    codes = codes[order]
    present, start = np.unique(codes, return_index=True)
    return present, np.append(start, codes.size).astype(np.int64), \
        rows[order].astype(np.int32 if rows.size == 0 or rows.max() < 2**31 else np.int64)


def bucket(index: tuple[np.ndarray, np.ndarray, np.ndarray], code: int) -> np.ndarray:
    """The rows of ``prefix_index``'s ``index`` whose prefix code is ``code``."""
    codes, start, order = index
    i = int(np.searchsorted(codes, code))
    if i == codes.size or codes[i] != code:
        return order[:0]
    return order[start[i]:start[i + 1]]


@njit(cache=True, nogil=True)
def _prefix_codes(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    codes = np.empty(rows.size, dtype=np.int32)
    for i in range(rows.size):
        a, b = offsets[rows[i]], offsets[rows[i] + 1]
        c: Any = 0
        if b > a:
            c = np.int32(data[a]) << 8
            if b > a + 1:
                c |= np.int32(data[a + 1])
        codes[i] = c
    return codes


@njit(cache=True, nogil=True)
def scores(pattern: Any, offsets: np.ndarray, data: np.ndarray, rows: np.ndarray,
           cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``rows`` whose key is at least ``cutoff`` similar to ``pattern`` (ASCII bytes, 64
    at most), and their similarity: ``fuzz.ratio``'s, 100 * 2 * LCS / (len + len), the
    longest common subsequence by the bit-parallel algorithm (Hyyrö), one word operation per
    byte of a key. An ASCII byte matches no byte of a multi-byte letter, so the LCS of bytes
    is that of letters; a key's length counts its letters."""
    m = len(pattern)
    match = np.zeros(256, dtype=np.uint64)
    for i in range(m):
        match[pattern[i]] |= np.uint64(1) << np.uint64(i)
    full = np.uint64(0xFFFFFFFFFFFFFFFF) if m == 64 else \
        (np.uint64(1) << np.uint64(m)) - np.uint64(1)
    hit = np.empty(rows.size, dtype=np.int64)
    score = np.empty(rows.size, dtype=np.float64)
    k = 0
    for r in rows:
        v = full
        n = 0
        for j in range(offsets[r], offsets[r + 1]):
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


@njit(cache=True, nogil=True)
def gather_keys(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The keys of ``rows`` as one UTF-8 text, each after the first preceded by a line break
    (which an article key, letters and digits, never holds): one decode and one split in
    Python instead of a call per key."""
    size = 0
    for r in rows:
        size += offsets[r + 1] - offsets[r] + 1
    out = np.empty(max(size - 1, 0), dtype=np.uint8)
    k = 0
    for i in range(rows.size):
        if i:
            out[k] = 10
            k += 1
        a, b = offsets[rows[i]], offsets[rows[i] + 1]
        out[k:k + b - a] = data[a:b]
        k += b - a
    return out
