"""How well the guard did, against a list of crosses known to be wrong (the generator's truth).

>>> q = guard_quality("catalog", "truth/wrong_crosses.parquet")         # doctest: +SKIP
>>> round(q.precision, 3), round(q.recall, 3)                           # doctest: +SKIP
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from partsearch.brands import BrandRegistry
from partsearch.crosses._guard import held_back
from partsearch.crosses._read import Layout, Vocabulary, read_batches
from partsearch.crosses.build import edge_positions
from partsearch.crosses.index import CrossIndex


@dataclass(frozen=True)
class GuardQuality:
    """``precision``: share of held-back crosses that are really wrong; ``recall``: share of the
    wrong crosses present in the index that were held back."""

    held_back: int
    wrong: int
    caught: int

    @property
    def precision(self) -> float:
        return self.caught / self.held_back if self.held_back else 1.0

    @property
    def recall(self) -> float:
        return self.caught / self.wrong if self.wrong else 1.0


def guard_quality(catalog: str | Path, wrong_crosses: str | Path) -> GuardQuality:
    """Compare the snapshot's guard decisions with a file of known-wrong crosses
    (``brand_a, article_a, brand_b, article_b``; CSV or Parquet)."""
    idx = CrossIndex.open(catalog)
    return quality(idx, read_wrong(Path(wrong_crosses), idx._reg()))


def read_wrong(path: Path, registry: BrandRegistry) -> tuple[np.ndarray, np.ndarray]:
    """The part hashes of side a and side b of each cross a file of known-wrong crosses
    names, the whole file read: ``partsearch crosses build --truth`` reads it before the build,
    so a file it cannot read fails the command with the index as it was, not after it is
    published (a header check alone let a list-typed column through)."""
    hash_a: list[np.ndarray] = []
    hash_b: list[np.ndarray] = []
    for batch in read_batches(path, Layout(), registry, Vocabulary(), Vocabulary()):
        hash_a.append(batch.hash_a)
        hash_b.append(batch.hash_b)
    empty = np.zeros(0, np.uint64)
    return (np.concatenate(hash_a) if hash_a else empty,
            np.concatenate(hash_b) if hash_b else empty)


def quality(idx: CrossIndex, wrong_crosses: tuple[np.ndarray, np.ndarray]) -> GuardQuality:
    """The guard's decisions in ``idx`` against the crosses :func:`read_wrong` read."""
    arrays = idx._a
    state = np.asarray(arrays["edge_state"])
    ia, ib = idx.lookup_hashes(wrong_crosses[0]), idx.lookup_hashes(wrong_crosses[1])
    known = (ia >= 0) & (ib >= 0)
    pos = edge_positions(np.asarray(arrays["edge_a"]), np.asarray(arrays["edge_b"]),
                         ia[known], ib[known])
    wrong = np.unique(pos[pos >= 0])
    wrong = wrong[state[wrong] != 2]  # a blacklisted cross was caught by a manager, not the guard
    held = int(held_back(state).sum())
    caught = int(held_back(state[wrong]).sum())
    return GuardQuality(held_back=held, wrong=int(wrong.size), caught=caught)
