"""For an article nobody has: the brand typed beside it (:func:`brand_in_query`), and close
article keys among the catalog's parts (:func:`similar_articles`)."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from partsearch._jit import njit
from partsearch.loading._companions import TAIL, PrefixIndex
from partsearch.search._kernels import compare_bytes

_CUTOFF = 70.0  # the least similarity suggested (rapidfuzz's fuzz.ratio, 0-100)


def brand_in_query(state: Any, query: str, *, most_words: int = 3) -> tuple[str, str] | None:
    """``(article, brand)`` of a query that names its brand beside the article, as a buyer
    pastes it: ``MANN W 920/21``, ``0 986 424 815 Bosch``, ``Mann & Hummel W 712/1``. The
    brand is the query's first or last one to ``most_words`` words, fewest first, the first
    before the last; it counts only when that brand has the rest as an article in the catalog
    (its cross index or offers). None when no split does. Meant for a query not found whole.
    """
    from partsearch.errors import PartsearchError
    from partsearch.search._blocks import brand_choices

    words = query.split()
    for k in range(1, min(most_words, len(words) - 1) + 1):
        for brand, article in ((" ".join(words[:k]), " ".join(words[k:])),
                               (" ".join(words[-k:]), " ".join(words[:-k]))):
            try:
                wanted = state.registry.canonical(brand)
                if any(c.brand == wanted for c in brand_choices(state, article)):
                    return article, brand
            except PartsearchError:  # (a side that is punctuation only)
                continue
    return None


def unknown_brand_in_query(state: Any, query: str) -> tuple[str, str] | None:
    """``(article, brand)`` of a query whose first or else last word is a brand the catalog
    may not know (misspelled, in Cyrillic: ``Bosh 0 986 452 041``, ``Манн W 920/21``) beside
    an article it has; searched as that brand's article, the query gets what ``--brand Bosh``
    gets: the brands that have the article, to choose from. None when neither split does.
    Meant for a query not found whole, nor by :func:`brand_in_query`, that nothing is like."""
    from partsearch.errors import PartsearchError
    from partsearch.search._blocks import brand_choices

    words = query.split()
    if len(words) < 2:
        return None
    for brand, article in ((words[0], " ".join(words[1:])), (words[-1], " ".join(words[:-1]))):
        try:
            state.registry.canonical(brand)
            if brand_choices(state, article):
                return article, brand
        except PartsearchError:  # (a side that is punctuation only)
            continue
    return None


# the Latin keys of the Russian keyboard's letters (ЙЦУКЕН): a part number typed with the
# layout left on Russian reads "ЩС90" for "OC90", "Ц920.21" for "W920/21"
_LAYOUT = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбюё" "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ",
    "QWERTYUIOP[]ASDFGHJKL;'ZXCVBNM,.`" "QWERTYUIOP[]ASDFGHJKL;'ZXCVBNM,.`")


def latin_layout(query: str) -> str:
    """``query`` as typed on the same keys with the Latin layout: its Cyrillic letters
    replaced by the Latin letters (or marks) of their keys, the rest kept.

    >>> latin_layout("ЩС 90"), latin_layout("Ц920.21")
    ('OC 90', 'W920.21')
    """
    return query.translate(_LAYOUT)


def similar_articles(store: Any, *keys: str, limit: int = 5) -> list[str]:
    """Articles of offers whose key is within a small edit distance of one of ``keys`` (an
    article's folded key and the one a Cyrillic-keeping maker writes, when the brand is not
    known): the ``limit`` most similar (``rapidfuzz.fuzz.ratio`` at least 70; equal scores by
    key).

    Offers sharing a key's first two characters are compared first (a buyer mistypes the
    start of a part number less often than the rest, and a zero and a letter O are taken as
    the same there): each supplier file keeps its parts' keys grouped by their first two
    bytes (:class:`PrefixIndex`), so a suggestion reads those keys alone, one stretch of
    memory per file, and scores them in a compiled pass (:func:`best_keys`) where the key is
    ASCII. When none of those is close enough, an ASCII key of three or more characters is
    compared with the keys that differ from it only in their first three characters
    (:func:`_similar_near`: ``Q 920/21`` or ``W 290/21`` for W 920/21, ``3083/1`` for C
    3083/1), a lookup of their tails in each file's index.
    """
    typed = list(dict.fromkeys(keys))
    # a key in the answer is among the best `limit + len(typed)` of each file it is in, for
    # the key it scores best against: any key before it there is before it here too, and at
    # most len(typed) of those are left out (the keys typed)
    best: dict[str, float] = {}
    for key in typed:
        for k, score in _similar(store, key, limit + len(typed)):
            best[k] = max(score, best.get(k, 0.0))
    if all(k in typed for k in best):
        for key in typed:
            for k, score in _similar_near(store, key, limit + len(typed)):
                best[k] = max(score, best.get(k, 0.0))
    ranked = sorted(best.items(), key=lambda ks: (-ks[1], ks[0]))
    return [k for k, _ in ranked if k not in typed][:limit]


def _similar_near(store: Any, key: str, k: int) -> list[tuple[str, float]]:
    """:func:`_similar` over the keys that differ from ``key`` (ASCII, 3 to 64 characters;
    none for another) only in their first three characters, one more or one fewer among
    them: a key's tail (:data:`TAIL`, its text from the fourth character on) is the typed
    key's from its third, fourth or fifth, looked up in each file's tail index."""
    from partsearch._hashing import article_hash

    pattern = key.encode()
    if not key.isascii() or not 3 <= len(pattern) <= 64:
        return []
    tails = np.unique(np.array([article_hash(key[j:]) for j in (TAIL - 1, TAIL, TAIL + 1)],
                               dtype=np.uint64))
    found: list[tuple[str, float]] = []
    for seg in store.segments:
        index: PrefixIndex = seg.prefixes
        lo = np.searchsorted(index.tail_hash, tails, side="left")
        hi = np.searchsorted(index.tail_hash, tails, side="right")
        if (hi > lo).any():
            rows = np.concatenate([index.tail_key[a:b] for a, b in zip(lo, hi, strict=True)])
            hit, score = best_keys_at(pattern, index.off, index.data, rows, _CUTOFF, k)
            if hit.size:
                found += zip(index.keys(hit), score.tolist(), strict=True)
    return found


def _similar(store: Any, key: str, k: int) -> list[tuple[str, float]]:
    """Per supplier file and bucket of :func:`_buckets`, its ``k`` keys most similar to
    ``key`` (at least 70) among those with one of the bucket's prefixes, scored."""
    pattern = key.encode()
    compiled = key.isascii() and len(pattern) <= 64
    found: list[tuple[str, float]] = []
    for code, starts in _buckets(key).items():
        for seg in store.segments:
            index: PrefixIndex = seg.prefixes
            lo, hi = index.bucket(code)
            if lo == hi:
                continue
            if compiled:  # (an ASCII key's prefixes are its buckets' two bytes)
                hit, score = best_keys(pattern, index.off, index.data, lo, hi, _CUTOFF, k)
                if hit.size:
                    found += zip(index.keys(hit), score.tolist(), strict=True)
            else:
                found += _rapidfuzz_best(key, starts,
                                         index.data[index.off[lo]:index.off[hi] - 1], k)
    return found


def _buckets(key: str) -> dict[int, tuple[str, ...]]:
    """The :class:`PrefixIndex` buckets (a key's first two bytes) of the keys compared with
    ``key``, each with the first two characters they must have: ``key``'s own, and the same
    with a letter O read as a zero or a zero as an O (buyers type one for the other, most
    often at the start: "0C 90" for OC 90). A Cyrillic letter is two bytes: its bucket holds
    keys of any second letter."""
    prefixes = [""]
    for c in key[:2]:
        prefixes = [p + v for p in prefixes for v in _O_ZERO.get(c, c)]
    out: dict[int, tuple[str, ...]] = {}
    for prefix in prefixes if key else ():
        head = prefix.encode()
        code = (head[0] << 8) | (head[1] if len(head) > 1 else 0)
        out[code] = (*out.get(code, ()), prefix)
    return out


_O_ZERO = {"O": "O0", "0": "0O"}


def _rapidfuzz_best(key: str, starts: tuple[str, ...], joined: np.ndarray, k: int
                    ) -> list[tuple[str, float]]:
    """:func:`best_keys` for a key it cannot take (non-ASCII, or over 64 bytes), over the
    keys ``joined`` by line breaks."""
    from rapidfuzz import fuzz, process

    # two bytes are one Cyrillic letter: the second letter is checked here
    candidates = {c for c in joined.tobytes().decode().split("\n") if c.startswith(starts)}
    scored = process.extract(key, candidates, scorer=fuzz.ratio, limit=None,
                             score_cutoff=_CUTOFF)
    return heapq.nsmallest(k, ((m[0], m[1]) for m in scored), key=lambda ks: (-ks[1], ks[0]))


@njit(cache=True, nogil=True, inline="always")
def _pattern_bits(pattern: Any) -> tuple[np.ndarray, Any]:
    """Per byte value, the bit mask of its places in ``pattern``; and the mask of them all."""
    m = len(pattern)
    match = np.zeros(256, dtype=np.uint64)
    for i in range(m):
        match[pattern[i]] |= np.uint64(1) << np.uint64(i)
    full = np.uint64(0xFFFFFFFFFFFFFFFF) if m == 64 else \
        (np.uint64(1) << np.uint64(m)) - np.uint64(1)
    return match, full


@njit(cache=True, nogil=True)
def best_keys(pattern: Any, off: np.ndarray, data: np.ndarray, lo: int, hi: int,
              cutoff: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` keys, distinct, of ``lo`` to ``hi`` of a :class:`PrefixIndex` (``off``,
    ``data``) most similar to ``pattern`` (ASCII bytes, 64 at most) and at least ``cutoff``
    similar, best first (equal scores by key, as text sorts), and their similarity:
    ``fuzz.ratio``'s, 100 * 2 * LCS / (len + len), the longest common subsequence by the
    bit-parallel algorithm (Hyyrö), one word operation per byte of a key. An ASCII byte
    matches no byte of a multi-byte letter, so the LCS of bytes is that of letters; a key's
    length counts its letters.

    Kept as it goes rather than sorted after: a typo of a ten-digit number is 70 similar to
    tens of thousands of keys of its prefix, whose sort took ~50 ms in Python."""
    match, full = _pattern_bits(pattern)
    top = np.empty(k, dtype=np.int64)
    top_score = np.empty(k, dtype=np.float64)
    n = 0
    for r in range(lo, hi):
        n = _keep(_similarity(len(pattern), match, full, off, data, r), r, off, data, cutoff,
                  k, top, top_score, n)
    return top[:n], top_score[:n]


@njit(cache=True, nogil=True)
def best_keys_at(pattern: Any, off: np.ndarray, data: np.ndarray, rows: np.ndarray,
                 cutoff: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`best_keys` over the keys ``rows`` of the index (in bounds, which the caller
    makes sure of), the same key kept once whichever rows hold it."""
    match, full = _pattern_bits(pattern)
    top = np.empty(k, dtype=np.int64)
    top_score = np.empty(k, dtype=np.float64)
    n = 0
    for r in rows:
        n = _keep(_similarity(len(pattern), match, full, off, data, r), r, off, data, cutoff,
                  k, top, top_score, n)
    return top[:n], top_score[:n]


@njit(cache=True, nogil=True, inline="always")
def _similarity(m: int, match: np.ndarray, full: Any, off: np.ndarray, data: np.ndarray,
                r: int) -> float:
    """Key ``r``'s similarity to the pattern of ``match`` and ``full`` (``m`` bytes)."""
    v = full
    letters = 0
    for j in range(off[r], off[r + 1] - 1):
        c = data[j]
        letters += (c & 0xC0) != 0x80  # continuation bytes are not letters
        u = v & match[c]
        v = ((v + u) | (v - u)) & full
    return 200.0 * (m - _popcount(v)) / (m + letters)


@njit(cache=True, nogil=True, inline="always")
def _keep(s: float, r: int, off: np.ndarray, data: np.ndarray, cutoff: float, k: int,
          top: np.ndarray, top_score: np.ndarray, n: int) -> int:
    """Key ``r``, of similarity ``s``, kept in ``top`` and ``top_score`` (``n`` of them so
    far, best first) if it is among the ``k`` best; how many are kept after."""
    if s < cutoff or (n == k and s < top_score[n - 1]):
        return n
    # its place among the kept: after every better key, and equal ones that sort first
    at = n
    for i in range(n):
        if s > top_score[i]:
            at = i
            break
        if s == top_score[i]:
            order = compare_bytes(data[off[r]:off[r + 1] - 1],
                                  data[off[top[i]]:off[top[i] + 1] - 1])
            if order == 0:  # the same key again (another brand's part): kept once
                at = k
                break
            if order < 0:
                at = i
                break
    if at >= k:
        return n
    n = min(n + 1, k)
    for i in range(n - 1, at, -1):
        top[i] = top[i - 1]
        top_score[i] = top_score[i - 1]
    top[at] = r
    top_score[at] = s
    return n


@njit(cache=True, nogil=True, inline="always")
def _popcount(v: Any) -> int:
    n = 0
    while v:
        v &= v - np.uint64(1)
        n += 1
    return n
