"""The guard's rounds on threads: the answer does not depend on how the walks are shared out."""

from __future__ import annotations

import numpy as np
import pytest

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


def _guarded(monkeypatch: pytest.MonkeyPatch, threads: int, seed: int
             ) -> tuple[np.ndarray, ...]:
    monkeypatch.setattr(_guard, "_THREADS", threads)
    n, a, b, support = _groups_and_bridges(seed)
    state = np.zeros(a.size, dtype=np.uint8)
    only = np.where(support == 1, np.arange(a.size) % 3, CONFIRMED).astype(np.uint16)
    sources = Sources(only, np.array([50, 5, 20], dtype=np.int64))
    side, (off, to, eid), labels = apply_guard(n, a, b, state, sources, GuardConfig())
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
