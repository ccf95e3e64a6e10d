"""How well the guard did, against a list of crosses known to be wrong (the generator's truth).

>>> q = guard_quality("catalog", "truth/wrong_crosses.parquet")         # doctest: +SKIP
>>> round(q.precision, 3), round(q.recall, 3)                           # doctest: +SKIP
(1.0, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
    arrays = idx._a
    state = np.asarray(arrays["edge_state"])
    wrong_edges: list[np.ndarray] = []
    for batch in read_batches(Path(wrong_crosses), Layout(), idx._reg(), Vocabulary(),
                              Vocabulary()):
        ia, ib = idx.lookup_hashes(batch.hash_a), idx.lookup_hashes(batch.hash_b)
        known = (ia >= 0) & (ib >= 0)
        pos = edge_positions(np.asarray(arrays["edge_a"]), np.asarray(arrays["edge_b"]),
                             ia[known], ib[known])
        wrong_edges.append(pos[pos >= 0])
    wrong = np.unique(np.concatenate(wrong_edges)) if wrong_edges else np.zeros(0, np.int64)
    wrong = wrong[state[wrong] != 2]  # a blacklisted cross was caught by a manager, not the guard
    held = int((state == 1).sum())
    caught = int((state[wrong] == 1).sum())
    return GuardQuality(held_back=held, wrong=int(wrong.size), caught=caught)
