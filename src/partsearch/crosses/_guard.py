"""The wrong-cross guard: keep one bad record from merging unrelated groups.

A wrong cross (an "also buy" mix-up, a typo in an article) typically is a *single* record that is
the *only* link between two groups which are each well connected inside. In graph terms it is a
bridge with a large part on both sides and one source. Good crosses of a real group look
different: the group's parts are crossed to several others (an OEM number and its analogs, from
TecDoc and from suppliers), so its edges lie on cycles, or the bridge cuts off a single leaf part.

So a cross is held back when all of these hold:

- exactly one source asserts it (independent confirmation makes it trustworthy);
- removing it splits its would-be class in two;
- the smaller side has at least ``min_side`` parts (a bridge to one new part is how a real class
  grows, and is never held back).

Two bridges can compete: a part crossed by one record to group A and by another to group B makes
both records bridges. The less trusted one is held back: a source's trust is measured from the
data, as the share of its crosses that something else confirms (another source, or a cycle). Rounds
repeat the test after each removal, so the other record, no longer a bridge to a large side, stays.

A class-size cap would do the opposite: refuse every cross of a large genuine class, and let
through a bad cross between two medium ones. The rule runs in O(parts + crosses) (Tarjan's
bridges with subtree sizes, compiled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GuardConfig:
    """``min_side``: the smaller side a single-source bridge must have to be held back;
    ``enabled=False`` accepts every cross not on the blacklist; ``trust_margin`` see below."""

    min_side: int = 3
    enabled: bool = True
    # two competing bridges whose trusts are within this factor are both held back: the data
    # cannot tell which is wrong, and a merge of two groups costs more than one missing cross
    trust_margin: float = 2.0


def apply_guard(n: int, a: np.ndarray, b: np.ndarray, support: np.ndarray, state: np.ndarray,
                src_off: np.ndarray, src: np.ndarray, config: GuardConfig,
                rounds: int = 4) -> np.ndarray:
    """Mark held-back crosses in ``state`` (in place, value 1); return each edge's smaller side
    when it is a bridge of the final accepted graph (0 otherwise)."""
    from partsearch.crosses import _kernels as k

    side = np.zeros(a.size, dtype=np.int64)
    trust: np.ndarray | None = None
    for _ in range(rounds if config.enabled else 1):
        keep = state == 0
        off, to, eid = k.csr(n, a, b, keep)
        side = k.bridge_sides(n, a.size, off, to, eid)
        if not config.enabled:
            break
        if trust is None:
            trust = _edge_trust(support, side, keep, src_off, src)
        suspicious = np.flatnonzero(keep & (support == 1) & (side >= config.min_side))
        if suspicious.size == 0:
            break
        # per part, the least trust among its suspicious crosses; hold those at the minimum
        lowest = np.full(n, np.inf)
        t = trust[suspicious]
        np.minimum.at(lowest, a[suspicious], t)
        np.minimum.at(lowest, b[suspicious], t)
        margin = config.trust_margin
        held = suspicious[(t <= lowest[a[suspicious]] * margin)
                          & (t <= lowest[b[suspicious]] * margin)]
        state[held] = 1
    return side


def _edge_trust(support: np.ndarray, side: np.ndarray, keep: np.ndarray, src_off: np.ndarray,
                src: np.ndarray) -> np.ndarray:
    """Each cross's trust: the best confirmation rate among its sources (Laplace-smoothed)."""
    confirmed = (support >= 2) | (side == 0)
    per_row_edge = np.repeat(np.arange(support.size, dtype=np.int32), np.diff(src_off))
    kept_rows = keep[per_row_edge]
    n_src = int(src.max()) + 1 if src.size else 1
    total = np.bincount(src[kept_rows], minlength=n_src).astype(np.float64)
    good = np.bincount(src[kept_rows], weights=confirmed[per_row_edge[kept_rows]],
                       minlength=n_src)
    rate = (good + 1.0) / (total + 2.0)
    trust = np.zeros(support.size)
    np.maximum.at(trust, per_row_edge, rate[src])
    return trust
