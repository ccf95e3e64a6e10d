"""The guard's rounds on threads: the answer does not depend on how the walks are shared out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.crosses import _guard
from partsearch.crosses._guard import GuardConfig, Sources, apply_guard
from partsearch.crosses._kernels import CONFIRMED


def _groups_and_bridges(seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Groups of 3-12 parts on a cycle with chords (well connected inside), then single
    crosses between random groups: wrong crosses the guard must find, some competing."""
    rng = np.random.default_rng(seed)
    pairs: list[tuple[int, int]] = []
    starts = []
    n = 0
    for size in rng.integers(3, 13, 300):
        starts.append((n, int(size)))
        pairs += [(n + i, n + (i + 1) % size) for i in range(size)]
        pairs += [(n + int(x), n + int(y)) for x, y in rng.integers(0, size, (size // 3, 2))
                  if x != y]
        n += int(size)
    for g, h in rng.integers(0, len(starts), (120, 2)):
        if g != h:
            (sg, ng), (sh, nh) = starts[g], starts[h]
            pairs.append((sg + int(rng.integers(ng)), sh + int(rng.integers(nh))))
    lo = np.array([min(p) for p in pairs])
    hi = np.array([max(p) for p in pairs])
    keys = np.unique(lo.astype(np.int64) << 32 | hi)
    a, b = (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32)
    support = np.where(rng.random(a.size) < 0.7, 2, 1).astype(np.int32)
    return n, a, b, support


def _guarded(monkeypatch: pytest.MonkeyPatch, threads: int, seed: int,
             config: GuardConfig | None = None) -> tuple[np.ndarray, ...]:
    monkeypatch.setattr(_guard, "_THREADS", threads)
    n, a, b, support = _groups_and_bridges(seed)
    state = np.zeros(a.size, dtype=np.uint8)
    only = np.where(support == 1, np.arange(a.size) % 3, CONFIRMED).astype(np.uint16)
    sources = Sources(only, np.array([50, 5, 20], dtype=np.int64))
    side, (off, to, eid), labels = apply_guard(n, a, b, state, sources,
                                               config or GuardConfig())
    return state, side, off, to, eid, labels


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_answer_does_not_depend_on_the_threads(monkeypatch: pytest.MonkeyPatch,
                                                    seed: int) -> None:
    one = _guarded(monkeypatch, 1, seed)
    assert (one[0] == 1).sum() > 10  # the rounds did hold crosses back
    for threads in (2, 3):
        many = _guarded(monkeypatch, threads, seed)
        for x, y in zip(one, many, strict=True):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pairs_do_not_depend_on_the_threads(monkeypatch: pytest.MonkeyPatch,
                                                seed: int) -> None:
    """With ``pairs``, the classes are shared out between threads for one more walk."""
    one = _guarded(monkeypatch, 1, seed, GuardConfig(pairs=True))
    assert (one[0] == _guard.PAIR).sum() > 5  # pairs of crosses between two groups held
    for threads in (2, 3):
        many = _guarded(monkeypatch, threads, seed, GuardConfig(pairs=True))
        for x, y in zip(one, many, strict=True):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("value", [1, 0, -3, True, 2.5])
def test_guard_config_refuses_a_min_side_below_2(value: object) -> None:
    from partsearch.errors import CrossFileError

    with pytest.raises(CrossFileError, match="min_side must be a whole number, 2 or more"):
        GuardConfig(min_side=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 0, 0.5, float("nan"), float("inf"), "2", True, None])
def test_guard_config_refuses_a_trust_margin_that_is_no_factor(value: object) -> None:
    """-1 and nan were taken: no competing bridge was then ever held back, without a word."""
    from partsearch.errors import CrossFileError

    with pytest.raises(CrossFileError, match="GuardConfig: trust_margin must be a number, 1 or "
                                             "more"):
        GuardConfig(trust_margin=value)  # type: ignore[arg-type]
    assert GuardConfig(trust_margin=1).trust_margin == 1


def test_guard_config_refuses_enabled_that_is_no_bool() -> None:
    from partsearch.errors import CrossFileError

    with pytest.raises(CrossFileError, match="GuardConfig: enabled must be True or False, not "
                                             "'false'"):
        GuardConfig(enabled="false")  # type: ignore[arg-type]


def _pieces(n: int, edges: list[tuple[int, int]], removed: set[int]) -> list[int]:
    """Each part's component (a root id) without the edges ``removed``: a plain union-find."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, (x, y) in enumerate(edges):
        if i not in removed:
            parent[find(x)] = find(y)
    return [find(x) for x in range(n)]


def _pairs_reference(n: int, edges: list[tuple[int, int]], only: list[int], min_side: int
                     ) -> dict[int, int]:
    """The slow, obvious ``PAIR`` rule: in a class of ``2 * min_side`` parts or more, two
    single-source crosses, neither a bridge, whose removal leaves two pieces of ``min_side``
    parts or more are both held back; each with the smaller piece of its most even such cut."""
    from itertools import combinations

    whole = _pieces(n, edges, set())
    held: dict[int, int] = {}
    for c in set(whole):
        members = [v for v in range(n) if whole[v] == c]
        if len(members) < 2 * min_side:
            continue

        def sizes(removed: set[int], members: list[int] = members) -> list[int]:
            p = _pieces(n, edges, removed)
            return [sum(p[v] == r for v in members) for r in {p[v] for v in members}]

        mine = [i for i, (x, _) in enumerate(edges) if whole[x] == c]
        candidates = [i for i in mine if only[i] != CONFIRMED and len(sizes({i})) == 1]
        for e, f in combinations(candidates, 2):
            cut = sizes({e, f})
            if len(cut) == 2 and min(cut) >= min_side:
                for x in (e, f):
                    held[x] = max(held.get(x, 0), min(cut))
    return held


def _pairs_compiled(n: int, a: np.ndarray, b: np.ndarray, only: np.ndarray, min_side: int
                    ) -> dict[int, int]:
    from partsearch.crosses import _kernels as k

    state = np.zeros(a.size, dtype=np.uint8)
    off, to, eid = k.csr(n, a, b, state == 0)
    side = np.zeros(a.size, dtype=np.int32)
    disc = np.full(n, -1, dtype=np.int32)
    low, sub = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
    k.bridges(off, to, eid, state, np.zeros(0, np.int32), side, disc, low, sub, 0)
    disc.fill(-1)
    held = _guard._pairs(off, to, eid, a, state, only, side, k.union_find(n, a, b, state == 0),
                         min_side, disc, sub)
    assert (state[held] == _guard.PAIR).all() and np.count_nonzero(state) == held.size
    return {int(e): int(side[e]) for e in held}


@st.composite
def _records(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """A small multigraph of records, each with one of three sources, made crosses as the
    build makes them: one per pair of parts, single-source or ``CONFIRMED``."""
    n = draw(st.integers(2, 13))
    records = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                      st.integers(0, 2)), max_size=40))
    sources: dict[tuple[int, int], set[int]] = {}
    for x, y, s in records:
        if x != y:
            sources.setdefault((min(x, y), max(x, y)), set()).add(s)
    pairs = sorted(sources)
    a = np.array([p[0] for p in pairs], dtype=np.int32)
    b = np.array([p[1] for p in pairs], dtype=np.int32)
    only = np.array([next(iter(sources[p])) if len(sources[p]) == 1 else CONFIRMED
                     for p in pairs], dtype=np.uint16)
    return n, a, b, only


@settings(max_examples=400, deadline=None)
@given(_records(), st.integers(2, 3))
def test_cut_pairs_agree_with_removing_every_two_crosses(
        graph: tuple[int, np.ndarray, np.ndarray, np.ndarray], min_side: int) -> None:
    n, a, b, only = graph
    edges = list(zip(a.tolist(), b.tolist(), strict=True))
    assert _pairs_compiled(n, a, b, only, min_side) == _pairs_reference(
        n, edges, only.tolist(), min_side)


def test_cut_pairs_on_a_ring_of_groups() -> None:
    """Four groups of four on a ring, each joined to the next by one single-source cross:
    every two of the ring's crosses cut it (the chain of one label the bisection searches),
    the most even cut leaves 8 and 8; a fifth group hung on by a confirmed cross moves the
    halves, and a ring cross doubled by a second source is no longer held."""
    groups = [list(range(4 * g, 4 * g + 4)) for g in range(5)]
    edges = [(g[i], g[j]) for g in groups for i in range(4) for j in range(i + 1, 4)]
    ring = [(groups[g][0], groups[(g + 1) % 4][1]) for g in range(4)]
    hung = (groups[4][0], groups[0][2])
    edges += [*ring, hung]
    a = np.array([min(e) for e in edges], dtype=np.int32)
    b = np.array([max(e) for e in edges], dtype=np.int32)
    only = np.full(a.size, CONFIRMED, dtype=np.uint16)
    first = len(edges) - 5
    only[first:first + 4] = [0, 1, 0, 2]
    held = _pairs_compiled(20, a, b, only, 3)
    assert held == _pairs_reference(20, edges, only.tolist(), 3)
    assert sorted(held) == list(range(first, first + 4))
    assert max(held.values()) == 8  # ... of 20: 8 on one side, 12 on the other at best
    only[first + 1] = CONFIRMED
    held = _pairs_compiled(20, a, b, only, 3)
    assert held == _pairs_reference(20, edges, only.tolist(), 3)
    assert sorted(held) == [first, first + 2, first + 3]


def test_guard_config_refuses_pairs_that_is_no_bool() -> None:
    from partsearch.errors import CrossFileError

    with pytest.raises(CrossFileError, match="GuardConfig: pairs must be True or False"):
        GuardConfig(pairs="yes")  # type: ignore[arg-type]


def test_of_two_competing_bridges_only_the_less_trusted_is_held_back() -> None:
    """Part 6 is crossed by one record to each of two groups (triangles 0-1-2 and 3-4-5, each
    cross of them confirmed): both records are bridges between large sides. Source 0 (no
    confirmed cross) is far less trusted than source 1 (50): only its record is held back, as
    the least trusted at both of its ends; the other is the least trusted at its far end
    alone, and stays (holding one held at either end held both, the part in neither group)."""
    pairs = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (0, 6), (3, 6)]
    a = np.array([p[0] for p in pairs], dtype=np.int32)
    b = np.array([p[1] for p in pairs], dtype=np.int32)
    only = np.array([CONFIRMED] * 6 + [0, 1], dtype=np.uint16)
    state = np.zeros(a.size, dtype=np.uint8)
    side, _adjacency, labels = apply_guard(7, a, b, state, Sources(only, np.array([0, 50])),
                                           GuardConfig())
    assert state.tolist() == [0] * 6 + [1, 0]
    assert labels[6] == labels[3] != labels[0]
    assert side[6:].tolist() == [3, 1]  # (held with a side of 3; now a cross to a leaf)
