"""Suggestions for an article nobody has: close article keys among the catalog's parts."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from partsearch.search._addresses import copy_bytes

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


class PrefixIndex(NamedTuple):
    """A supplier file's article keys (one per part) grouped by prefix code, a key's first
    two UTF-8 bytes: key ``i`` is ``data[off[i]:off[i + 1] - 1]`` (each is followed by a line
    break, which a key, letters and digits, never holds), and the keys of ``codes[j]`` are
    ``start[j]`` to ``start[j + 1]``, in row order. The keys and their offsets are copies
    (about 17 bytes a part): a bucket is then one stretch of memory, where reading the keys
    in the file, one or two cache misses each, cost ~150 ns a key (a 200M world's typo, 69
    ms)."""

    codes: np.ndarray  # the codes present, ascending
    start: np.ndarray  # int64, one more than codes
    off: np.ndarray  # int64, one more than the keys
    data: np.ndarray  # uint8

    @classmethod
    def of(cls, offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> PrefixIndex:
        """The index of the keys of ``rows`` (ascending) of a key column (``offsets``,
        ``data``: its buffers)."""
        codes, start, off, joined = _build(offsets, data, rows)
        return cls(codes, start, off, joined)

    def bucket(self, code: int) -> tuple[int, int]:
        """The keys whose prefix code is ``code``: ``lo`` to ``hi``."""
        j = int(np.searchsorted(self.codes, code))
        if j == self.codes.size or self.codes[j] != code:
            return 0, 0
        return int(self.start[j]), int(self.start[j + 1])

    def keys(self, which: np.ndarray) -> list[str]:
        """Keys ``which``, as text."""
        return [] if not which.size else \
            _join(self.off, self.data, which).tobytes().decode().split("\n")


@njit(cache=True, nogil=True)
def _build(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`PrefixIndex.of` in one compiled pass or two: a counting sort of the rows by
    their code (65,536 counters; stable, so each code's rows stay ascending), then the keys
    copied in that order, each with one memcpy (a slice assignment per key cost ~250 ns)."""
    codes = np.empty(rows.size, dtype=np.int32)
    count = np.zeros(1 << 16, dtype=np.int64)
    size = 0
    for i in range(rows.size):
        a, b = offsets[rows[i]], offsets[rows[i] + 1]
        c: Any = 0
        if b > a:
            c = np.int32(data[a]) << 8
            if b > a + 1:
                c |= np.int32(data[a + 1])
        codes[i] = c
        count[c] += 1
        size += b - a + 1
    present = np.flatnonzero(count).astype(np.int32)
    start = np.empty(present.size + 1, dtype=np.int64)
    fill = np.zeros(1 << 16, dtype=np.int64)  # where each code's next row goes
    k = 0
    for j in range(present.size):
        start[j] = k
        fill[present[j]] = k
        k += count[present[j]]
    start[present.size] = k
    order = np.empty(rows.size, dtype=np.int64)
    for i in range(rows.size):
        order[fill[codes[i]]] = rows[i]
        fill[codes[i]] += 1
    off = np.empty(rows.size + 1, dtype=np.int64)
    out = np.empty(size, dtype=np.uint8)
    at = 0
    for i in range(rows.size):
        off[i] = at
        a, b = offsets[order[i]], offsets[order[i] + 1]
        copy_bytes(out, at, data, a, b - a)
        at += b - a
        out[at] = 10
        at += 1
    off[rows.size] = at
    return present, start, off, out


@njit(cache=True, nogil=True)
def _join(off: np.ndarray, data: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Keys ``which`` of a :class:`PrefixIndex`, one text, line breaks between."""
    size = 0
    for i in which:
        size += off[i + 1] - off[i]
    out = np.empty(size - 1, dtype=np.uint8)
    k = 0
    for i in which:
        n = off[i + 1] - off[i]
        out[k:k + n - 1] = data[off[i]:off[i + 1] - 1]
        if k + n - 1 < out.size:
            out[k + n - 1] = 10
        k += n
    return out


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
