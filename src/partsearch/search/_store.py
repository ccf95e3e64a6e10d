"""The published offers of a catalog, merged into one part-sorted index for lookups.

Each supplier's current offers file is memory-mapped; the loader wrote it sorted by part hash, so
merging all suppliers is a stable sort of sorted runs (timsort merges runs in O(n log k)). The
columns ranking needs are held as numpy arrays in merged order; text columns stay in the Arrow
files and are read only for the offers a result shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from partsearch._catalog import OFFERS, POINTER, read_pointer


@dataclass(frozen=True)
class Segment:
    """One supplier's current offers file and the supplier-wide values of its rows."""

    supplier: str
    version: str
    table: Any  # pa.Table, memory-mapped
    file_time: datetime | None
    terms: dict[str, Any]  # supplier terms, the same on every row of a file
    text: dict[str, Strings]  # TEXT_COLUMNS (read by the compiled search)

    @cached_property
    def shown(self) -> tuple[Any, ...]:
        """What every shown offer of this file takes alike: Offer's fields from ``supplier``
        to ``restrictions``, the minimum order in kopecks, the Unix second of the file's time
        (None when unknown), its time as text, and its stock accuracy."""
        t = self.terms
        return ((self.supplier, t["pickup_points"], t["min_order_sum"], t["returnable"],
                 t["prepayment"], t["restrictions"]),
                t["min_order_kop"], t["file_second"], t["file_time_iso"], t["stock_accuracy"])


@dataclass(frozen=True)
class OfferStore:
    segments: tuple[Segment, ...]
    hash: np.ndarray  # uint64, sorted
    seg: np.ndarray  # int32: segment of each merged row
    row: np.ndarray  # int64: row inside the segment
    price: np.ndarray  # int64 kopecks
    delivery: np.ndarray  # int32 hours
    quantity: np.ndarray  # int64, -1 when unknown
    exact: np.ndarray  # bool
    on_order: np.ndarray  # bool
    multiplicity: np.ndarray  # int32
    min_quantity: np.ndarray  # int32
    brands: tuple[str, ...]  # distinct brands with offers (brand choice)
    codes: np.ndarray  # object array: supplier code of each segment
    fence: np.ndarray  # every 256th hash (see search._kernels.fences)
    present: np.ndarray  # bitmap of hash prefixes (see search._kernels.presence)

    @property
    def size(self) -> int:
        return int(self.hash.size)

    @cached_property
    def text_addresses(self) -> np.ndarray:
        """Per segment, the ``Strings.addresses`` of each of :data:`TEXT_COLUMNS` in turn: the
        compiled search reads the shown offers' text (``_kernels.shown_text``) and sorts by
        text (``_kernels.text_ranks``) through them. The segments hold the buffers, and the
        store holds the segments."""
        rows = [tuple(a for name in TEXT_COLUMNS for a in s.text[name].addresses)
                for s in self.segments]
        return np.array(rows or [(0,) * (4 * len(TEXT_COLUMNS))], dtype=np.int64)

    def rows_for(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Merged rows of all offers for ``hashes``, and the position in ``hashes`` of each."""
        from partsearch.search._kernels import gather

        rows, which = gather(self.hash, self.fence, self.present,
                             np.asarray(hashes, dtype=np.uint64))
        return rows, which

    def count(self, h: int) -> int:
        key = np.uint64(h)
        return int(np.searchsorted(self.hash, key, "right") - np.searchsorted(self.hash, key))


def load_store(catalog: Path, previous: OfferStore | None = None) -> OfferStore:
    """Open every supplier's current offers; segments whose version did not change are reused."""
    area = catalog / OFFERS
    known = {(s.supplier, s.version): s for s in (previous.segments if previous else ())}
    segments: list[Segment] = []
    if area.is_dir():
        for sub in sorted(p for p in area.iterdir() if p.is_dir()):
            if not (sub / POINTER).exists():
                continue
            version = read_pointer(sub)
            if version is None:
                continue
            seg = known.get((sub.name, version)) or _open_segment(sub, version)
            segments.append(seg)
    if previous is not None and tuple(segments) == previous.segments:
        return previous  # nothing was published since
    return _merge(tuple(segments), previous)


def _open_segment(area: Path, version: str) -> Segment:
    import pyarrow as pa

    from partsearch.errors import CatalogError

    path = area / version
    try:
        table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except (OSError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot open offers file: {exc}", path=path) from exc
    times = table.column("price_file_time")
    file_time = times[0].as_py() if table.num_rows and times[0].is_valid else None
    terms: dict[str, Any] = {}
    if table.num_rows:
        first = table.slice(0, 1).select(list(_TERMS)).to_pylist()[0]
        terms = {k: first[k] for k in _TERMS}
    text = {name: Strings(table.column(name)) for name in TEXT_COLUMNS}
    min_sum = terms.get("min_order_sum")
    terms["min_order_kop"] = int(min_sum * 100) if min_sum is not None else 0
    terms["min_order_sum"] = money(terms["min_order_kop"])
    terms["pickup_points"] = tuple(terms.get("pickup_points") or ())
    terms["file_time_iso"] = file_time.isoformat() if file_time else None
    terms["file_second"] = _second(file_time)
    # final Python values, so building an offer is plain lookups
    terms["returnable"] = bool(terms.get("returnable", True))
    terms["prepayment"] = bool(terms.get("prepayment", False))
    terms["restrictions"] = terms.get("restrictions")
    terms["stock_accuracy"] = float(terms.get("stock_accuracy", 1.0))
    return Segment(area.name, version, table, file_time, terms, text)


def money(kop: int) -> str:
    """Kopecks as a decimal string of roubles: 123456 -> '1234.56'."""
    # %-formatting of divmod: a third faster than an f-string here, and a search calls this
    # once or twice per shown offer
    if kop >= 0:
        return "%d.%02d" % divmod(kop, 100)  # noqa: UP031
    return "-%d.%02d" % divmod(-kop, 100)  # noqa: UP031


# the text columns of a supplier file the search reads: the two an offer shows, then the two
# more a column sort may order by ("code" is the article key, "note" the restrictions)
TEXT_COLUMNS = ("article", "description", "article_key", "restrictions")

_TERMS = ("pickup_points", "min_order_sum", "returnable", "prepayment", "restrictions",
          "stock_accuracy")


class Strings:
    """An Arrow string column (string or large_string) of a supplier file, for the search:
    ``addresses`` tells the compiled search where its buffers are (``_kernels.shown_text``
    reads the shown offers' values there), and ``get`` reads one value from Python, the
    reference the compiled reader is tested against."""

    def __init__(self, column: Any):
        import pyarrow as pa

        from partsearch._arrow import string_buffers

        arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        self._off, self._data = string_buffers(arr)
        self._valid = None if arr.null_count == 0 else \
            np.ascontiguousarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        #: where the compiled reader (``_kernels.shown_text``) finds the column: offsets and
        #: their width in bytes, the UTF-8 data, one validity byte per row (0: no nulls)
        self.addresses = (self._off.ctypes.data, self._off.itemsize, self._data.ctypes.data,
                          0 if self._valid is None else self._valid.ctypes.data)

    def get(self, i: int) -> str | None:
        if self._valid is not None and not self._valid[i]:
            return None
        off = self._off
        return self._data[off.item(i):off.item(i + 1)].tobytes().decode()

    __getitem__ = get


# the per-offer arrays of the store, with their dtypes, and how to read each from a segment
_COLUMNS: dict[str, tuple[Any, Any]] = {
    "price": (np.int64, lambda c: _kopecks(c.column("price"))),
    "delivery": (np.int32, lambda c: _numpy(c.column("delivery_hours"))),
    "quantity": (np.int64, lambda c: _numpy(c.column("quantity").fill_null(-1))),
    "exact": (np.bool_, lambda c: _numpy(c.column("quantity_exact"))),
    "on_order": (np.bool_, lambda c: _numpy(c.column("on_order"))),
    "multiplicity": (np.int32, lambda c: _numpy(c.column("multiplicity"))),
    "min_quantity": (np.int32, lambda c: _numpy(c.column("min_quantity"))),
}


def _numpy(column: Any) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False))


def _segment_arrays(s: Segment, index: int) -> dict[str, np.ndarray]:
    """One segment's arrays (its file is sorted by part hash already)."""
    n = s.table.num_rows
    out = {"hash": _numpy(s.table.column("part_hash")).astype(np.uint64, copy=False),
           "seg": np.full(n, index, dtype=np.int32), "row": np.arange(n, dtype=np.int64)}
    for name, (dtype, read) in _COLUMNS.items():
        out[name] = read(s.table).astype(dtype, copy=False)
    return out


def _merge(segments: tuple[Segment, ...], previous: OfferStore | None = None) -> OfferStore:
    """The merged store. With ``previous``, rows of unchanged segments are kept as they are
    and only new segments are merged in: publishing one supplier costs O(its rows) plus one
    pass of copying, not a re-sort of every supplier."""
    import pyarrow.compute as pc

    from partsearch.search._kernels import fences, presence

    old_index = {(s.supplier, s.version): i for i, s in
                 enumerate(previous.segments if previous else ())}
    remap = np.full(max(len(old_index), 1), -1, dtype=np.int32)
    fresh: list[int] = []
    for i, s in enumerate(segments):
        j = old_index.get((s.supplier, s.version))
        if j is None:
            fresh.append(i)
        else:
            remap[j] = i
    names = ("hash", "seg", "row", *_COLUMNS)
    if previous is not None and old_index and (remap >= 0).any():
        from concurrent.futures import ThreadPoolExecutor

        from partsearch.search._kernels import merge_plan, merge_take

        seg = remap[previous.seg]  # new segment numbers; -1 for replaced or removed ones
        added = _sorted_runs([_segment_arrays(segments[i], i) for i in fresh], names)
        plan = merge_plan(previous.hash, seg >= 0, added["hash"])
        old = {n: (seg if n == "seg" else getattr(previous, n)) for n in names}
        base = {n: np.empty(plan.size, dtype=old[n].dtype) for n in names}
        # one compiled pass per column, two columns at a time (the kernel releases the GIL)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda n: merge_take(plan, old[n], added[n], base[n]), names))
    else:
        fresh = list(range(len(segments)))
        base = _sorted_runs([_segment_arrays(s, i) for i, s in enumerate(segments)], names)
    # brands with offers: a removed supplier's brands may linger, harmless (brand choice counts
    # offers), while recounting every supplier's brands would cost a pass over all offers
    incremental = previous is not None and len(fresh) < len(segments)
    brands: set[str] = set(previous.brands) if incremental and previous is not None else set()
    for i in fresh:
        brands.update(pc.unique(segments[i].table.column("brand")).to_pylist())
    return OfferStore(
        segments=segments, hash=base["hash"], seg=base["seg"], row=base["row"],
        price=base["price"], delivery=base["delivery"], quantity=base["quantity"],
        exact=base["exact"], on_order=base["on_order"], multiplicity=base["multiplicity"],
        min_quantity=base["min_quantity"], brands=tuple(sorted(b for b in brands if b)),
        codes=np.array([s.supplier for s in segments] or [""], dtype=object),
        fence=fences(base["hash"]), present=presence(base["hash"]),
    )


def _sorted_runs(runs: list[dict[str, np.ndarray]], names: tuple[str, ...]
                 ) -> dict[str, np.ndarray]:
    """Runs each sorted by hash, merged: a stable sort of their concatenation (timsort finds
    the runs, so this is a merge, not a full sort)."""
    if not runs:
        return {n: np.zeros(0, np.uint64 if n == "hash" else np.int64) for n in names}
    order = np.argsort(np.concatenate([r["hash"] for r in runs]), kind="stable")
    return {n: np.concatenate([r[n] for r in runs])[order] for n in names}


def _kopecks(column: Any) -> np.ndarray:
    """A decimal128(14, 2) column as integer kopecks, read straight from its buffer: the
    unscaled value of a decimal *is* the amount in kopecks (low 64 bits, little-endian)."""
    parts = []
    for chunk in column.chunks:
        if chunk.type.scale != 2:
            from partsearch.errors import CatalogError

            raise CatalogError(f"offers price column has scale {chunk.type.scale}, expected 2")
        raw = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        parts.append(raw[2 * chunk.offset: 2 * (chunk.offset + len(chunk)): 2])
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _second(moment: datetime | None) -> int | None:
    """The Unix second ``moment`` falls in (UTC when naive)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp())
