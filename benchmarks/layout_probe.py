"""The class-local layout, measured before it is built: a probe on a world `make bench-scale` built.

    python -m benchmarks.layout_probe /tmp/partsearch-scale-200000000

The search walks a part's class through the snapshot's global adjacency: each member's range,
targets and support, and its part hash, are loads at random places of gigabytes of arrays (at
200M crosses the compiled call's median spends about half its time waiting on them). This probe
derives, in memory, the layout that would replace them: along ``class_parts``, per member slot
its adjacency range, its targets as positions within the class, their support, and the member's
hash, so the walk reads one class as one sequential stretch and needs no hash table from part
ids to local indices. It then times, per query as a compiled call from Python, the stage from
the lookup through the walk and the offer gather in both layouts, over the scale benchmark's
query mix (new queries in turn) and with each query repeated, after checking that both find the
same offer rows for every query. It measures a design; the search does not use this layout.
It needs memory for the derived arrays (~4.5 GB at 200M crosses) and takes minutes to derive
them there.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from benchmarks._scale_util import machine_gauge
from benchmarks.scale import _queries
from partsearch._hash_kernels import one_pair
from partsearch.crosses._kernels import find_sorted
from partsearch.search._kernels import class_offers, gather


@njit(nogil=True)
def _derive(class_off: Any, class_parts: Any, off: Any, to: Any, sup: Any, part_hash: Any
            ) -> tuple[Any, Any, Any, Any]:
    """(slot offsets, targets as positions in the class, support, member hash) per member slot;
    a target outside the class (none, for a snapshot the guard split) becomes -1."""
    n = class_parts.size
    local_off = np.empty(n + 1, np.int64)
    total = 0
    for j in range(n):
        m = class_parts[j]
        local_off[j] = total
        total += off[m + 1] - off[m]
    local_off[n] = total
    local_to = np.empty(total, np.int32)
    local_sup = np.empty(total, np.int16)
    local_hash = np.empty(n, np.uint64)
    for c in range(class_off.size - 1):
        lo, hi = class_off[c], class_off[c + 1]
        stretch = class_parts[lo:hi]
        for j in range(lo, hi):
            m = class_parts[j]
            local_hash[j] = part_hash[m]
            base = local_off[j] - off[m]
            for a in range(off[m], off[m + 1]):
                p = np.searchsorted(stretch, to[a])
                local_to[base + a] = p if p < stretch.size and stretch[p] == to[a] else -1
                local_sup[base + a] = sup[a]
    return local_off, local_to, local_sup, local_hash


@njit(nogil=True)
def _nearest_first(hops: Any, sup: Any) -> Any:
    """Local indices with hops > 0 by hops, then support descending, then index (the search's
    order, ``crosses._kernels.by_distance``)."""
    key = np.empty(int((hops > 0).sum()), np.int64)
    k = 0
    for i in range(hops.size):
        if hops[i] > 0:
            s = min(sup[i], (1 << 20) - 1)
            key[k] = (np.int64(hops[i]) << 52) | (np.int64((1 << 20) - 1 - s) << 32) | i
            k += 1
    key.sort()
    return key & 0xFFFFFFFF


@njit(nogil=True)
def _local_stage(brand: Any, key: Any, part_hash: Any, class_id: Any, class_off: Any,
                 class_parts: Any, local_off: Any, local_to: Any, local_sup: Any,
                 local_hash: Any, offer_hash: Any, fence: Any, present: Any) -> Any:
    pid = find_sorted(part_hash, one_pair(brand, key))
    if pid < 0:
        return np.zeros(0, np.int64)
    c = class_id[pid]
    lo, hi = class_off[c], class_off[c + 1]
    k = hi - lo
    s0 = np.searchsorted(class_parts[lo:hi], pid)
    hops = np.full(k, -1, np.int32)
    sup = np.zeros(k, np.int32)
    queue = np.empty(k, np.int64)
    hops[s0], queue[0] = 0, s0
    head, tail = 0, 1
    while head < tail:
        u = queue[head]
        head += 1
        for a in range(local_off[lo + u], local_off[lo + u + 1]):
            w = local_to[a]
            if w < 0:
                continue
            if hops[w] < 0:
                hops[w], sup[w] = hops[u] + 1, local_sup[a]
                queue[tail] = w
                tail += 1
            elif hops[w] == hops[u] + 1:
                sup[w] += local_sup[a]
    order = _nearest_first(hops, sup)
    hashes = np.empty(order.size + 1, np.uint64)
    hashes[0] = local_hash[lo + s0]
    for p in range(order.size):
        hashes[p + 1] = local_hash[lo + order[p]]
    rows, _which = gather(offer_hash, fence, present, hashes)
    return rows


@njit(nogil=True)
def _global_stage(brand: Any, key: Any, part_hash: Any, class_id: Any, class_off: Any,
                  class_parts: Any, off: Any, to: Any, sup: Any, offer_hash: Any, fence: Any,
                  present: Any) -> Any:
    pid = find_sorted(part_hash, one_pair(brand, key))
    if pid < 0:
        return np.zeros(0, np.int64)
    c = class_id[pid]
    members = class_parts[class_off[c]:class_off[c + 1]].astype(np.int64)
    return class_offers(members, pid, off, to, sup, part_hash, offer_hash, fence, present)[4]


def _p50_p99(fn: Callable[[int], Any], order: list[int]) -> tuple[float, float]:
    samples = np.empty(len(order), np.int64)
    clock = time.perf_counter_ns
    for j, i in enumerate(order):
        t = clock()
        fn(i)
        samples[j] = clock() - t
    return float(np.median(samples)) / 1e3, float(np.percentile(samples, 99)) / 1e3


def main(argv: list[str] | None = None) -> int:
    import partsearch

    parser = argparse.ArgumentParser(prog="python -m benchmarks.layout_probe",
                                     description=__doc__)
    parser.add_argument("workdir", type=Path, help="a `make bench-scale` work directory")
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    brands, articles, _ = _queries(args.workdir / "world", args.queries, 11)
    engine = partsearch.Engine.open(args.workdir / "catalog")
    index, store = engine.index, engine._state.store
    if index is None:
        parser.error("the catalog has no cross index")
    part_hash, class_id, class_off, class_parts, off, to, sup, _brand = index.search_arrays
    t = time.perf_counter()
    local = _derive(class_off, class_parts, off, to, sup, part_hash)
    print(f"derived the class-local arrays in {time.perf_counter() - t:.1f} s "
          f"({sum(a.nbytes for a in local) / 2**30:.2f} GiB)", flush=True)
    registry = engine._state.registry
    keys = []
    for brand, article in zip(brands, articles, strict=True):
        canonical, keeps_cyrillic, _oem = registry.facts(brand)
        keys.append((canonical.encode(), partsearch.article_key(
            article, keep_cyrillic=keeps_cyrillic).encode()))
    offers = (store.hash, store.fence, store.present)
    stages: dict[str, Callable[[int], Any]] = {
        "global": lambda i: _global_stage(*keys[i], part_hash, class_id, class_off,
                                          class_parts, off, to, sup, *offers),
        "class-local": lambda i: _local_stage(*keys[i], part_hash, class_id, class_off,
                                              class_parts, *local, *offers),
    }
    for i in range(len(keys)):
        a, b = stages["global"](i), stages["class-local"](i)
        if sorted(a.tolist()) != sorted(b.tolist()):
            raise SystemExit(f"query {i}: the layouts found different offers")
    print(f"both layouts find the same offer rows for all {len(keys)} queries; "
          f"machine {machine_gauge()}", flush=True)
    repeated = [i for i in range(min(5_000, len(keys))) for _ in range(3)]
    for round_ in range(args.rounds):
        for name, fn in stages.items():
            mix = _p50_p99(fn, list(range(len(keys))))
            again = _p50_p99(fn, repeated)
            print(f"round {round_ + 1} {name:12s} lookup to gather, new queries: p50 "
                  f"{mix[0]:.2f} us, p99 {mix[1]:.0f} us; each repeated: p50 {again[0]:.2f} us",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
