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
data, as the share of its crosses that something else confirms (another source, or a cycle),
counted over the crosses that could be confirmed: a bridge to a leaf part (a smaller side below
``min_side``, a part or a few) is neither evidence for nor against its source (a TecDoc-like star
is all such bridges; counted as unconfirmed, they made its source look less trusted than a source
of one cross). Trusts within ``trust_margin`` of each
other are a close call and every one of them is held back: with no evidence either way (a star's
source against a one-record source), the three crosses of the chain leaf-wrong-leaf all go, and the
two groups stay apart. Neither the sources' volumes nor the middle of such a chain break the tie:
on the generated worlds, the larger source winning moved a part into another group, and holding
only middles let wrong crosses through. Rounds repeat the test after each removal, so the other
record, no longer a bridge to a large side, stays.

Not caught by bridges: two records between the same two groups make a cycle, neither is a
bridge. With ``GuardConfig(pairs=True)`` such a pair is held back too when both are
single-source and both groups have ``min_side`` parts (a 2-edge cut: random XOR labels on a DFS
tree, Pritchard's, see ``_kernels.cut_pairs``), after the bridge rounds and before one more. A
source's class-expanded mistake (one part crossed to every member of another group) is a cut
of three or more of its crosses; holding those back held 337,000 good crosses and no wrong one
on the generated 10M world (a TecDoc-like star is the same shape), so it is not done.

A class-size cap would do the opposite: refuse every cross of a large genuine class, and let
through a bad cross between two medium ones. The rule runs in O(parts + crosses) (Tarjan's
bridges with subtree sizes, compiled).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from partsearch._inputs import flag, shown
from partsearch.errors import CrossFileError

# a cross's state (``edge_state``, stored in the snapshot): accepted, blacklisted (``build``),
# or held back by the guard, by the rule that held it
ACCEPTED, BRIDGE, BLACKLISTED, PAIR = 0, 1, 2, 3
REASONS = {BRIDGE: "single-source bridge between groups",
           PAIR: "single-source pair between groups"}


def held_back(state: np.ndarray) -> np.ndarray:
    """Whether the guard held each cross back (by either of its rules)."""
    held: np.ndarray = (state == BRIDGE) | (state == PAIR)
    return held


@dataclass(frozen=True)
class GuardConfig:
    """``min_side``: the smaller side a single-source bridge must have to be held back;
    ``enabled=False`` accepts every cross not on the blacklist; ``trust_margin`` see below;
    ``pairs``: hold back two single-source crosses that are the only link between two groups
    of ``min_side`` parts or more (a 2-edge cut), after the bridges (off by default: it
    walks the classes once more: the guard took 65-85 % longer on the 10M world)."""

    min_side: int = 3
    enabled: bool = True
    pairs: bool = False
    # two competing bridges whose trusts are within this factor are both held back: the data
    # cannot tell which is wrong, and a merge of two groups costs more than one missing cross
    trust_margin: float = 2.0

    def __post_init__(self) -> None:
        # every bridge's smaller side has a part at least: below 2, a bridge to one new part,
        # how a real class grows, was held back, and every single-source analog with it
        if isinstance(self.min_side, bool) or not isinstance(self.min_side, int) \
                or self.min_side < 2:
            raise CrossFileError(f"min_side must be a whole number, 2 or more (the smaller "
                                 f"side of a bridge held back), got {shown(self.min_side)}")
        flag(self.enabled, "GuardConfig: enabled", CrossFileError)
        flag(self.pairs, "GuardConfig: pairs", CrossFileError)
        # a factor between trusts: below 1 (or nan) no competing bridge was ever held back,
        # which -1 and nan did without a word
        margin = self.trust_margin
        if isinstance(margin, bool) or not isinstance(margin, int | float) \
                or not 1.0 <= margin < math.inf:
            raise CrossFileError(f"GuardConfig: trust_margin must be a number, 1 or more (the "
                                 f"factor within which two bridges' trusts are a close call), "
                                 f"got {shown(margin)}")


@dataclass(frozen=True)
class Sources:
    """What the guard needs of the crosses' sources (see ``_kernels.source_summary``): each
    cross's source when it has only one (``_kernels.CONFIRMED`` when several assert it), and
    per source its count of crosses confirmed by another source."""

    only: np.ndarray  # uint16 per cross
    multi: np.ndarray  # int64 per source


def apply_guard(n: int, a: np.ndarray, b: np.ndarray, state: np.ndarray, sources: Sources,
                config: GuardConfig, rounds: int = 4,
                on_step: Callable[[int, int], None] | None = None
                ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Mark held-back crosses in ``state`` (in place: ``BRIDGE``, or ``PAIR``). Return each
    edge's smaller side when it is a bridge of the final accepted graph (for a held edge: when
    it was held, for a ``PAIR`` the smaller group it cut off; 0 when not a bridge), the CSR
    adjacency of the accepted edges (offsets, targets, edge ids), and each part's class
    (component label of the accepted graph: ``union_find``'s, with the pieces of split
    components numbered after them, see ``split_classes``).

    The adjacency is built once, while a union-find labels the components. The first walk
    runs on every core, each thread taking its share of the components; each later round
    re-walks only the components that lost an edge, on every core too; the
    classes are the union-find's labels with those components split.

    ``on_step(done, total)`` is told as each of its steps ends: the adjacency, the first
    walk, each round (up to ``rounds``), the pairs (``config.pairs``), the classes."""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.crosses import _kernels as k

    # side by side (both compiled without the GIL): 25.9 -> 13.4 s at 200M crosses; their 8
    # bytes per part (parent, labels) stay below the walk's scratch (16 per part, 4 per cross)
    accepted = state == ACCEPTED
    with ThreadPoolExecutor(1, thread_name_prefix="partsearch-guard") as pool:
        labelling = pool.submit(k.union_find, n, a, b, accepted)
        off, to, eid = k.csr(n, a, b, accepted)
        labels = labelling.result()
    del accepted
    steps = 3 + (rounds if config.enabled else 0) + (config.enabled and config.pairs)

    def step(done: int) -> None:
        if on_step:
            on_step(done, steps)

    step(1)
    side = np.zeros(a.size, dtype=np.int32)
    disc = np.full(n, -1, dtype=np.int32)
    low, sub = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
    t = _walk_all(off, to, eid, side, disc, low, sub, labels)
    step(2)
    rate: np.ndarray | None = None
    for walked in range(rounds if config.enabled else 0):
        held, rate = _bridge_round(a, b, state, sources, side, config, rate)
        if held.size == 0:
            break
        t = _rewalk_held(off, to, eid, a, b, state, held, side, disc, low, sub, labels, t)
        step(3 + walked)
    if config.enabled and config.pairs:
        disc.fill(-1)  # (``cut_pairs`` numbers each component's visits from 0)
        held = _pairs(off, to, eid, a, state, sources.only, side, labels, config.min_side,
                      disc, sub)
        disc.fill(-1)
        if held.size:
            t = _rewalk_held(off, to, eid, a, b, state, held, side, disc, low, sub, labels, 0)
            # the rest of a cut's chain may be bridges between groups now
            held, rate = _bridge_round(a, b, state, sources, side, config, rate)
            if held.size:
                _rewalk_held(off, to, eid, a, b, state, held, side, disc, low, sub, labels, t)
        step(3 + rounds)
    del disc, low, sub
    held = np.flatnonzero(held_back(state))
    m = k.compact(off, to, eid, a, b, held)
    if held.size:
        labels = k.split_classes(off, to[:m], labels, np.concatenate([a[held], b[held]]))
    step(steps)
    return side, (off, to[:m], eid[:m]), labels


_THREADS = max(1, min(4, os.cpu_count() or 1))  # the walks' threads


def _bridge_round(a: np.ndarray, b: np.ndarray, state: np.ndarray, sources: Sources,
                  side: np.ndarray, config: GuardConfig, rate: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """One round: hold back the suspicious bridges (see the module docstring) as ``BRIDGE``;
    returns them and the sources' trust (``rate``, measured on the first round's graph,
    before anything is held back)."""
    from partsearch.crosses import _kernels as k

    suspicious = k.suspicious(state, sources.only, side, config.min_side)
    if suspicious.size == 0:
        return suspicious, rate
    if rate is None:
        rate = k.source_rates(sources.only, sources.multi, state, side, config.min_side)
    trust = rate[sources.only[suspicious]]  # suspicious crosses have one source
    # per part, the least trust among its suspicious crosses; hold those near the minimum
    ends, inverse = np.unique(np.concatenate([a[suspicious], b[suspicious]]),
                              return_inverse=True)
    lowest = np.full(ends.size, np.inf)
    np.minimum.at(lowest, inverse, np.concatenate([trust, trust]))
    bound = lowest[inverse] * config.trust_margin
    s = suspicious.size
    held = suspicious[(trust <= bound[:s]) & (trust <= bound[s:])]
    state[held] = BRIDGE
    return held, rate


def _rewalk_held(off: np.ndarray, to: np.ndarray, eid: np.ndarray, a: np.ndarray,
                 b: np.ndarray, state: np.ndarray, held: np.ndarray, side: np.ndarray,
                 disc: np.ndarray, low: np.ndarray, sub: np.ndarray, labels: np.ndarray,
                 t: int) -> int:
    """The components that lost the crosses ``held`` walked again (``_rewalk``); returns the
    next free visit stamp."""
    if t + disc.size >= 2**31 - 1:  # the visit stamps would overflow: start them afresh
        disc.fill(-1)
        t = 0
    roots = np.unique(np.concatenate([a[held], b[held]])).astype(np.int32)
    return _rewalk(off, to, eid, state, roots, side, disc, low, sub, labels, t)


_SEED = 0x5EED  # of the crosses' random labels in ``cut_pairs``: a build decides alike each time


def _pairs(off: np.ndarray, to: np.ndarray, eid: np.ndarray, a: np.ndarray,
           state: np.ndarray, only: np.ndarray, side: np.ndarray, labels: np.ndarray,
           min_side: int, disc: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Hold back the single-source pairs that cut a class in two groups
    (``_kernels.cut_pairs``), marked ``PAIR`` in ``state``, with ``side`` the smaller group;
    returns them. The classes are shared out between threads by union-find label, as the
    rounds' walks are."""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.crosses import _kernels as k

    walk = k.cut_classes(state, only, side, a, labels, min_side)
    with ThreadPoolExecutor(_THREADS, thread_name_prefix="partsearch-guard") as pool:
        done = [pool.submit(k.cut_pairs, off, to, eid, state, only, side, a, labels, walk,
                            part, _THREADS, min_side, _SEED, disc, sub, k.LANES)
                for part in range(_THREADS)]
        found = [w.result() for w in done]
    held = np.concatenate([e for e, _ in found])
    state[held] = PAIR
    side[held] = np.concatenate([s for _, s in found])
    return held


def _rewalk(off: np.ndarray, to: np.ndarray, eid: np.ndarray, state: np.ndarray,
            roots: np.ndarray, side: np.ndarray, disc: np.ndarray, low: np.ndarray,
            sub: np.ndarray, labels: np.ndarray, t: int) -> int:
    """The components of ``roots`` walked again (``bridges``), shared out between threads by
    union-find label as in the first walk: holding an edge back only splits a component, so no
    two threads meet, and visit stamps are only compared within a component. Returns the next
    free stamp. (One thread took 11 s at 200M crosses, two 6 s.)"""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.crosses import _kernels as k

    share = labels[roots] % _THREADS
    walks = [roots[share == i] for i in range(_THREADS)]
    walks = [part for part in walks if part.size]  # no roots would mean every node
    if not walks:
        return t
    with ThreadPoolExecutor(len(walks), thread_name_prefix="partsearch-guard") as pool:
        done = [pool.submit(k.bridges, off, to, eid, state, part, side, disc, low, sub, t)
                for part in walks]
        return max(w.result() for w in done)


def _walk_all(off: np.ndarray, to: np.ndarray, eid: np.ndarray, side: np.ndarray,
              disc: np.ndarray, low: np.ndarray, sub: np.ndarray, labels: np.ndarray) -> int:
    """Every component's bridges, components shared out between threads by label (see
    ``first_bridges``: nothing is held back yet, ``side`` is zero and ``disc`` is -1)."""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.crosses import _kernels as k

    parts = _THREADS
    with ThreadPoolExecutor(parts, thread_name_prefix="partsearch-guard") as pool:
        walks = [pool.submit(k.first_bridges, off, to, eid, side, disc, low, sub, labels, part,
                             parts, k.LANES) for part in range(parts)]
        return max(w.result() for w in walks)
