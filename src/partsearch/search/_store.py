"""The published offers of a catalog, merged into part-sorted levels for lookups.

Each supplier's current offers file is memory-mapped, with its article index beside it; the
loader wrote the file sorted by part hash and the index by article hash, so merging all
suppliers is a k-way merge of sorted runs (``_kernels.merge_order``), never a sort. The columns
ranking needs are held as numpy arrays in merged order; text columns stay in the mapped files
and are read only for the offers a result shows. A store is the merge it opened with and the
merge of the files published since (:class:`OfferStore`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from partsearch._catalog import OFFERS, POINTER, companion, map_file, read_pointer
from partsearch._inputs import trimmed
from partsearch._money import kopecks_of
from partsearch.crosses._kernels import find_article


@dataclass(frozen=True)
class Segment:
    """One supplier's current offers file and the supplier-wide values of its rows."""

    supplier: str
    version: str
    table: Any  # pa.Table, memory-mapped
    file_time: datetime | None
    terms: dict[str, Any]  # supplier terms, the same on every row of a file
    text: dict[str, Strings]  # TEXT_COLUMNS (read by the compiled search)
    # (article hash, row) of each part, by article hash, when the file has its companion
    article_index: tuple[np.ndarray, np.ndarray] | None = None
    prefix_file: Path | None = None  # where its prefix index would be (``prefixes``)

    @cached_property
    def shown(self) -> tuple[Any, ...]:
        """What every shown offer of this file takes alike: Offer's fields from ``supplier``
        to ``restrictions``, the minimum order in kopecks, the Unix second of the file's time
        (None when unknown), its time as text, and its stock accuracy."""
        t = self.terms
        return ((self.supplier, t["pickup_points"], t["min_order_sum"], t["returnable"],
                 t["prepayment"], t["restrictions"]),
                t["min_order_kop"], t["file_second"], t["file_time_iso"], t["stock_accuracy"])

    @cached_property
    def part_hash(self) -> np.ndarray:
        """The file's part hashes (uint64, a view of the mapped column), ascending."""
        return _numpy(self.table.column("part_hash")).astype(np.uint64, copy=False)

    @cached_property
    def guarantee(self) -> np.ndarray | None:
        """The file's guaranteed delivery hours (int32, -1 for none; a view of the mapped
        column when every row has one), or None when no row has one (older files have no
        such column)."""
        if "delivery_hours_max" not in self.table.column_names:
            return None
        column = self.table.column("delivery_hours_max")
        if column.null_count == len(column):
            return None
        if column.null_count:
            column = column.fill_null(-1)
        return _numpy(column).astype(np.int32, copy=False)

    @cached_property
    def brand(self) -> Strings:
        """The file's canonical brands, read for the few rows a brand choice names."""
        return Strings(self.table.column("brand"))

    def parts(self) -> np.ndarray:
        """The first row of each part of the file (its rows are sorted by part hash)."""
        from partsearch.loading._companions import part_starts

        return part_starts(self.part_hash)

    def articles(self) -> tuple[np.ndarray, np.ndarray]:
        """(article hash, row) of each part of the file (:meth:`parts`), by article hash: the
        file's article index, mapped from its companion file, or made now for a file published
        without one. The store's index (:attr:`OfferStore.article_hash`) is these of every
        file, merged."""
        if self.article_index is not None:
            return self.article_index
        from partsearch.loading._companions import article_index

        key = self.text["article_key"]
        return article_index(self.parts(), key.offsets, key.data)

    @cached_property
    def prefixes(self) -> Any:
        """The file's parts' article keys by their first two bytes (``PrefixIndex``): an
        unknown article's suggestions read the keys that start like it. Mapped from its
        companion file on the first such search (made then for a file without one), then kept
        with the file."""
        from partsearch.loading._companions import PrefixIndex, read_prefix_index

        index = read_prefix_index(self.prefix_file) if self.prefix_file is not None else None
        if index is not None:
            return index
        key = self.text["article_key"]
        return PrefixIndex.of(key.offsets, key.data, self.parts())


@dataclass(frozen=True)
class Level:
    """Offers of some supplier files merged into one run by part hash, with their article
    index; a store is two of them (:class:`OfferStore`)."""

    hash: np.ndarray  # uint64, sorted
    seg: np.ndarray  # int32: the file of each row, numbered as when the level was merged
    row: np.ndarray  # int64: row inside the file
    price: np.ndarray  # int64 kopecks
    delivery: np.ndarray  # int32 hours
    quantity: np.ndarray  # int64, -1 when unknown
    exact: np.ndarray  # bool
    on_order: np.ndarray  # bool
    multiplicity: np.ndarray  # int32
    min_quantity: np.ndarray  # int32
    # the article index: per part of each file, its article hash (ascending), file and row
    # there; which brands have an article is a search of it (``OfferStore.article_offers``)
    article_hash: np.ndarray  # uint64
    article_seg: np.ndarray  # int32
    article_row: np.ndarray  # int64
    # the store's segment of each number ``seg`` holds, -1 for a file replaced or removed
    # since; empty when the numbers are the store's
    segmap: np.ndarray  # int32
    sizes: np.ndarray  # int64: the rows of each numbered file
    fence: np.ndarray  # every 256th hash (see search._kernels.fences)
    present: np.ndarray  # bitmap of hash prefixes (see search._kernels.presence)
    on_disk: bool = False  # its arrays are a merge kept on disk, mapped (shared by engines)

    @property
    def size(self) -> int:
        return int(self.hash.size)

    def offers(self) -> dict[str, np.ndarray]:
        """The per-offer arrays (:data:`_OFFER_ARRAYS`), by name."""
        return {n: getattr(self, n) for n in _OFFER_ARRAYS}

    def articles(self) -> dict[str, np.ndarray]:
        """The article index (:data:`_ARTICLE_ARRAYS`), by name."""
        return dict(zip(_ARTICLE_ARRAYS, (self.article_hash, self.article_seg,
                                          self.article_row), strict=True))

    def store_seg(self, seg: np.ndarray) -> np.ndarray:
        """The store's segment numbers of level numbers ``seg`` (-1: replaced or removed)."""
        return self.segmap[seg] if self.segmap.size else seg


class Hits(NamedTuple):
    """The offers of some part hashes (``OfferStore.hits``): ``rows`` index the columns after
    ``which`` (the position in the hashes each answers, ascending); ``seg`` is the store's."""

    rows: np.ndarray
    which: np.ndarray
    seg: np.ndarray
    row: np.ndarray
    price: np.ndarray
    delivery: np.ndarray
    quantity: np.ndarray
    exact: np.ndarray
    on_order: np.ndarray
    multiplicity: np.ndarray
    min_quantity: np.ndarray
    hash: np.ndarray


class Prior(NamedTuple):
    """What a store is merged onto (``_merge``): levels, and the (supplier, version) of each
    file their numbers name (the ``seg`` the base's segment map gives)."""

    files: tuple[tuple[str, str], ...]
    base: Level
    delta: Level


@dataclass(frozen=True)
class OfferStore:
    """Every supplier's current offers, by part hash, in two levels. ``base`` is the merge the
    store opened with (at 200M crosses, 20M offers mapped from the merge kept on disk, shared
    by the engines of a machine); ``delta`` holds the files published since. A reload merges
    a published file into the delta and only renumbers the base, so that publishing one
    supplier costs O(the delta), not a copy of every offer: at 200M, that copy is 1.3 GB of
    memory touched anew, 0.5-2 s. When the delta and the base's replaced rows pass an eighth
    of the base, the reload merges both into a new base (a compaction)."""

    segments: tuple[Segment, ...]
    base: Level
    delta: Level  # numbered as the store is (its segment map empty)
    codes: np.ndarray  # object array: supplier code of each segment

    @property
    def size(self) -> int:
        """How many offers the store holds."""
        dead = int(self.base.sizes[self.base.segmap < 0].sum()) if self.base.segmap.size else 0
        return self.base.size - dead + self.delta.size

    @property
    def shared(self) -> bool:
        """Whether the store is the merge of its files on disk alone, mapped (and shared)."""
        return self.base.on_disk and not self.delta.size and not self.base.segmap.size

    @property
    def prior(self) -> Prior:
        """The store as what a reload merges onto."""
        return Prior(tuple((s.supplier, s.version) for s in self.segments), self.base,
                     self.delta)

    @cached_property
    def level_arrays(self) -> tuple[np.ndarray, ...]:
        """Both levels' arrays in the order of ``_kernels.LEVEL_DTYPES``, the base's first."""
        return tuple(a for lv in (self.base, self.delta) for a in (
            lv.hash, lv.fence, lv.present, lv.segmap, lv.seg, lv.row, lv.price, lv.delivery,
            lv.quantity, lv.exact, lv.on_order, lv.multiplicity, lv.min_quantity))

    @cached_property
    def _tables(self) -> Any:
        from partsearch.search._addresses import Addresses
        from partsearch.search._kernels import LEVEL_DTYPES

        return Addresses(self.level_arrays, LEVEL_DTYPES * 2)

    @cached_property
    def text_addresses(self) -> np.ndarray:
        """Per segment, the ``Strings.addresses`` of each of :data:`TEXT_COLUMNS` in turn,
        then the address of its ``guarantee`` (0 for none) and three zeros: the compiled
        search reads the shown offers' text (``_kernels.shown_text``) and guaranteed delivery
        and sorts by text (``_kernels.text_ranks``) through them. The segments hold the
        buffers, and the store holds the segments."""
        rows = [(*(a for name in TEXT_COLUMNS for a in s.text[name].addresses),
                 0 if s.guarantee is None else s.guarantee.ctypes.data, 0, 0, 0)
                for s in self.segments]
        return np.array(rows or [(0,) * (4 * len(TEXT_COLUMNS) + 4)], dtype=np.int64)

    def hits(self, hashes: np.ndarray) -> Hits:
        """All offers of ``hashes`` (``_kernels.offer_hits``)."""
        from partsearch.search._kernels import offer_hits

        return Hits(*offer_hits(np.asarray(hashes, dtype=np.uint64), self._tables.table, 0))

    def article_offers(self, keys: Iterable[str]) -> dict[str, int]:
        """How many offers each brand has of the article whose keys are ``keys`` (its folded
        key, and the one a Cyrillic-keeping brand writes): a search of the article index, so
        its cost grows with the brands that have the article, not with the catalog's brands.

        >>> store = load_store(Path("catalog"))                       # doctest: +SKIP
        >>> store.article_offers(["OC90"])                            # doctest: +SKIP
        {'MAHLE': 2, 'KNECHT': 2}
        """
        counts: dict[str, int] = {}
        for h, brand in self.article_parts(keys).items():
            counts[brand] = counts.get(brand, 0) + self.count(h)
        return counts

    def article_parts(self, keys: Iterable[str]) -> dict[int, str]:
        """The offered parts of the article whose keys are ``keys``, as part hash -> brand
        (:meth:`article_offers`' search)."""
        parts: dict[int, str] = {}  # (a part offered by several suppliers is one)
        for key in keys:
            for level in (self.base, self.delta):
                lo, hi = find_article(key.encode(), level.article_hash)
                segs = level.store_seg(level.article_seg[lo:hi]).tolist()
                for seg, row in zip(segs, level.article_row[lo:hi].tolist(), strict=True):
                    if seg < 0:
                        continue  # its file was replaced or removed
                    s = self.segments[seg]
                    if s.text["article_key"].get(row) == key:  # not another key of that hash
                        parts.setdefault(int(s.part_hash[row]), s.brand.get(row) or "")
        return parts

    def count(self, h: int) -> int:
        """How many offers part hash ``h`` has."""
        return int(self.hits(np.array([h], dtype=np.uint64)).rows.size)


def flatten(store: OfferStore) -> Level:
    """The store's offers and article index as one level numbered as the store is: the
    merge of a fresh open, by a slow route (the reference the levels are tested against)."""
    parts = []
    for lv in (store.base, store.delta):
        seg = lv.store_seg(lv.seg)
        art_seg = lv.store_seg(lv.article_seg)
        keep, art_keep = seg >= 0, art_seg >= 0
        parts.append(({**{n: a[keep] for n, a in lv.offers().items()}, "seg": seg[keep]},
                      {"art": lv.article_hash[art_keep], "seg": art_seg[art_keep],
                       "row": lv.article_row[art_keep]}))
    offers, articles = ({n: np.concatenate([p[i][n] for p in parts]) for n in parts[0][i]}
                        for i in (0, 1))
    by_hash = np.lexsort((offers["row"], offers["seg"], offers["hash"]))
    by_art = np.lexsort((articles["row"], articles["seg"], articles["art"]))
    return _level({n: a[by_hash] for n, a in offers.items()},
                  {n: a[by_art] for n, a in articles.items()}, _sizes(store.segments))


def load_store(catalog: Path, previous: OfferStore | None = None) -> OfferStore:
    """Open every supplier's current offers; segments whose version did not change are reused.

    The store is the merge of these very files on disk, mapped, when there is one (a reload
    with nothing published since also takes it, when another engine has written it). Else it is
    merged onto ``previous`` or an older merge on disk, whichever leaves the least to merge
    (:func:`_onto`), the rest going into the delta; where that would pass the compaction rule,
    every file is merged afresh and written to disk for the next engines (see ``_merged``)."""
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
    same = previous if previous is not None and tuple(segments) == previous.segments else None
    if same is not None and (same.shared or not segments):
        return same  # nothing was published since, and it maps their merge
    if not segments:
        return _merge((), previous.prior if previous else None)
    from partsearch.search._merged import MERGED, key, read_merged, write_merged_later

    sizes = _sizes(segments)
    merged = read_merged(area / MERGED / key(segments), sizes, _FILES)
    if merged is not None:
        return _store_of(tuple(segments), _mapped(merged, sizes))
    if same is not None:
        return same  # (the merge of its files is not on disk yet: another engine may write it)
    current = {(s.supplier, s.version): s.table.num_rows for s in segments}
    prior = _onto(area, current, previous.prior if previous else None)
    store = _merge(tuple(segments), prior)
    if prior is None or store.base.hash is not prior.base.hash:  # every file merged afresh
        write_merged_later(area, segments, {"offers.arrow": store.base.offers(),
                                            "articles.arrow": store.base.articles()})
    return store


def _mapped(merged: dict[str, dict[str, np.ndarray]], sizes: np.ndarray) -> Level:
    return replace(_level(merged["offers.arrow"], merged["articles.arrow"], sizes), on_disk=True)


def _onto(area: Path, current: dict[tuple[str, str], int], prior: Prior | None) -> Prior | None:
    """What to merge the current files (``current``: their rows) onto: of ``prior`` and the
    merges on disk (``_merged.merges``) not past the compaction rule, the one that leaves the
    least to merge (:func:`_leftover`); a merge on disk wins a tie against a base of the
    engine's own, and ``prior`` one against another merge on disk."""
    from partsearch.search._merged import merges, read_merged

    options = []
    for m in merges(area):
        left = _leftover(m.files, m.sizes, current)
        if left is not None and left * _COMPACT <= int(m.sizes.sum()):
            options.append((left, m))
    if prior is not None:
        numbers = prior.base.store_seg(np.arange(prior.base.sizes.size, dtype=np.int32))
        own = _leftover(tuple(prior.files[k] if k >= 0 else ("", "") for k in numbers.tolist()),
                        prior.base.sizes, current)
        if own is not None:
            options = [(left, m) for left, m in options
                       if left < own or (left == own and not prior.base.on_disk)]
    for _, m in sorted(options, key=lambda o: o[0]):
        merged = read_merged(m.path, m.sizes, _FILES)
        if merged is not None:
            return Prior(m.files, _mapped(merged, m.sizes), _empty_level())
    return prior


def _leftover(files: tuple[tuple[str, str], ...], sizes: np.ndarray,
              current: dict[tuple[str, str], int]) -> int | None:
    """What merging the current files (``current``: their rows) onto a base of ``files`` (of
    ``sizes`` rows) leaves besides it: the rows it lacks, which go to the delta, and its rows
    of files replaced or removed since (``_merge`` compacts when these pass an eighth of the
    base). None when a file it holds has other rows than the current one."""
    live = 0
    for name, rows in zip(files, sizes.tolist(), strict=True):
        if name in current:
            if current[name] != rows:
                return None
            live += rows
    return sum(current.values()) - live + int(sizes.sum()) - live


def _open_segment(area: Path, version: str) -> Segment:
    import pyarrow as pa

    from partsearch.errors import CatalogError
    from partsearch.loading._companions import ARTICLES, PREFIXES, read_article_index

    path = area / version
    try:
        # mapped, never copied: the search reads the text columns where they lie, in 2 MiB
        # pages (a copy, as ``combine_chunks`` makes even of one chunk, cost 20M offers ~4 s
        # and their text's size in memory at every open)
        table = pa.ipc.open_file(pa.py_buffer(map_file(path, huge=True))).read_all()
    except (OSError, ValueError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot open offers file: {exc}", path=path) from exc
    times = table.column("price_file_time")
    file_time = times[0].as_py() if table.num_rows and times[0].is_valid else None
    terms: dict[str, Any] = {}
    if table.num_rows:
        first = table.slice(0, 1).select(list(_TERMS)).to_pylist()[0]
        terms = {k: first[k] for k in _TERMS}
    text = {name: Strings(table.column(name)) for name in TEXT_COLUMNS}
    min_sum = terms.get("min_order_sum")
    terms["min_order_kop"] = kopecks_of(min_sum) if min_sum is not None else 0
    terms["min_order_sum"] = money(terms["min_order_kop"])
    # (trimmed, as the profiles' and a filter's: an offers file loaded before kept " Г ")
    terms["pickup_points"] = tuple(trimmed(p) if isinstance(p, str) else p
                                   for p in terms.get("pickup_points") or ())
    terms["file_time_iso"] = file_time.isoformat() if file_time else None
    terms["file_second"] = _second(file_time)
    # final Python values, so building an offer is plain lookups
    terms["returnable"] = bool(terms.get("returnable", True))
    terms["prepayment"] = bool(terms.get("prepayment", False))
    terms["restrictions"] = terms.get("restrictions")
    terms["stock_accuracy"] = float(terms.get("stock_accuracy", 1.0))
    articles = read_article_index(area / companion(version, ARTICLES), table.num_rows)
    return Segment(area.name, version, table, file_time, terms, text, articles,
                   area / companion(version, PREFIXES))


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

        from partsearch._arrow import one_chunk, string_buffers

        arr = one_chunk(column) if isinstance(column, pa.ChunkedArray) else column
        #: the column's buffers (``_arrow.string_buffers``)
        self.offsets, self.data = string_buffers(arr)
        self._valid = None if arr.null_count == 0 else \
            np.ascontiguousarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        #: where the compiled reader (``_kernels.shown_text``) finds the column: offsets and
        #: their width in bytes, the UTF-8 data, one validity byte per row (0: no nulls)
        self.addresses = (self.offsets.ctypes.data, self.offsets.itemsize, self.data.ctypes.data,
                          0 if self._valid is None else self._valid.ctypes.data)

    def get(self, i: int) -> str | None:
        if self._valid is not None and not self._valid[i]:
            return None
        off = self.offsets
        return self.data[off.item(i):off.item(i + 1)].tobytes().decode()

    __getitem__ = get


# the per-offer arrays of the store, with their dtypes, and how to read each from a segment
# (a change to them is a change of the merges kept on disk: ``_merged.FORMAT``)
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
    out = {"hash": s.part_hash,
           "seg": np.full(n, index, dtype=np.int32), "row": np.arange(n, dtype=np.int64)}
    for name, (dtype, read) in _COLUMNS.items():
        out[name] = read(s.table).astype(dtype, copy=False)
    return out


def _merge(segments: tuple[Segment, ...], prior: Prior | None = None) -> OfferStore:
    """The store of ``segments``. With ``prior`` (a store's levels, or a merge on disk), the
    rows of unchanged segments are kept as they are: new segments are merged into the delta,
    and the base is renumbered, or, when the delta and the base's replaced rows pass an eighth
    of the base, merged with the delta into a new base (:class:`OfferStore`). Either way
    O(the new rows) plus one pass of copying the delta or the base, never a re-sort of every
    supplier."""
    old_index = {name: i for i, name in enumerate(prior.files if prior else ())}
    remap = np.full(max(len(old_index), 1), -1, dtype=np.int32)
    fresh: list[int] = []
    for i, s in enumerate(segments):
        j = old_index.get((s.supplier, s.version))
        if j is None:
            fresh.append(i)
        else:
            remap[j] = i
    added = _sorted_runs([_segment_arrays(segments[i], i) for i in fresh], _OFFER_ARRAYS)
    articles = _articles([segments[i] for i in fresh], fresh)
    if prior is None or not (remap >= 0).any():
        return _store_of(segments, _level(added, articles, _sizes(segments)))
    # remap: the prior files' new numbers, -1 for replaced or removed ones
    base, delta = prior.base, prior.delta
    if delta.size:
        added = _merge_runs(delta.offers(), remap, added)
        articles = _merge_runs(delta.articles(), remap, articles)
    before = base.store_seg(np.arange(base.sizes.size, dtype=np.int32))
    segmap = np.where(before >= 0, remap[np.maximum(before, 0)], -1).astype(np.int32)
    dead = int(base.sizes[segmap < 0].sum())
    if (added["hash"].size + dead) * _COMPACT > base.size:
        from concurrent.futures import ThreadPoolExecutor

        # (each plan is one pass on one core: the article index merges beside the offers)
        with ThreadPoolExecutor(1) as pool:
            index = pool.submit(_merge_runs, base.articles(), segmap, articles)
            offers = _merge_runs(base.offers(), segmap, added)
            return _store_of(segments, _level(offers, index.result(), _sizes(segments)))
    same = bool(np.array_equal(segmap, np.arange(segmap.size)))
    return _store_of(segments, replace(base, segmap=_NO_MAP if same else segmap),
                     _level(added, articles, _NO_SIZES))


_COMPACT = 8  # a reload compacts when the delta and the base's replaced rows pass 1/8 of it
_OFFER_ARRAYS = ("hash", "seg", "row", *_COLUMNS)  # a level's per-offer arrays
_ARTICLE_ARRAYS = ("art", "seg", "row")  # its article index's (article_hash, _seg, _row)
_FILES = {"offers.arrow": _OFFER_ARRAYS, "articles.arrow": _ARTICLE_ARRAYS}  # a merge on disk
_NO_MAP = np.zeros(0, dtype=np.int32)
_NO_SIZES = np.zeros(0, dtype=np.int64)


def _sizes(segments: Iterable[Segment]) -> np.ndarray:
    return np.array([s.table.num_rows for s in segments], dtype=np.int64)


def _level(offers: dict[str, np.ndarray], articles: dict[str, np.ndarray], sizes: np.ndarray
           ) -> Level:
    """The level of merged columns ``offers`` (:data:`_OFFER_ARRAYS`) and article index
    ``articles`` (art, seg, row), numbered as its store is."""
    from partsearch.search._kernels import fences, presence

    return Level(
        hash=offers["hash"], seg=offers["seg"], row=offers["row"], price=offers["price"],
        delivery=offers["delivery"], quantity=offers["quantity"], exact=offers["exact"],
        on_order=offers["on_order"], multiplicity=offers["multiplicity"],
        min_quantity=offers["min_quantity"], article_hash=articles["art"],
        article_seg=articles["seg"], article_row=articles["row"], segmap=_NO_MAP,
        sizes=sizes, fence=fences(offers["hash"]), present=presence(offers["hash"]))


def _store_of(segments: tuple[Segment, ...], base: Level, delta: Level | None = None
              ) -> OfferStore:
    return OfferStore(segments, base, delta if delta is not None else _empty_level(),
                      np.array([s.supplier for s in segments] or [""], dtype=object))


@cache
def _empty_level() -> Level:
    empty = _sorted_runs([], _OFFER_ARRAYS)
    return _level(empty, _sorted_runs([], _ARTICLE_ARRAYS), _NO_SIZES)


def _articles(segments: list[Segment], numbers: list[int]) -> dict[str, np.ndarray]:
    """The article index of ``segments`` (numbered ``numbers`` in the store): their files'
    indexes, each sorted by article hash, merged."""
    pieces = [s.articles() for s in segments]
    runs = [{"art": art, "seg": np.full(art.size, i, dtype=np.int32), "row": row}
            for (art, row), i in zip(pieces, numbers, strict=True)]
    return _sorted_runs(runs, _ARTICLE_ARRAYS)


def _merge_runs(old: dict[str, np.ndarray], remap: np.ndarray, added: dict[str, np.ndarray]
                ) -> dict[str, np.ndarray]:
    """The rows of ``old`` whose segment (its ``seg`` column) ``remap`` keeps, renumbered by it,
    and the rows of ``added``, both sorted by their first column, merged in that order (old
    first on equal keys), one compiled pass per column, two columns at a time (the kernels
    release the GIL). No array as long as the output is made besides the output itself: at
    200M crosses that is 1.3 GB of memory touched anew, the most of a reload's time."""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.search._kernels import merge_plan, merge_take

    key = next(iter(old))
    start, length = merge_plan(old[key], old["seg"], remap, added[key])
    size = int(length.sum())
    out = {n: np.empty(size, dtype=old[n].dtype) for n in old}

    def column(n: str) -> None:
        new = added[n].astype(old[n].dtype, copy=False)
        merge_take(start, length, old[n], remap if n == "seg" else None, new, out[n])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(column, old))
    return out


def _sorted_runs(runs: list[dict[str, np.ndarray]], names: tuple[str, ...]
                 ) -> dict[str, np.ndarray]:
    """Runs each sorted by their first column (``names[0]``), merged: a k-way merge of them
    (``_kernels.merge_order``), then each column gathered, two at a time (the kernel releases
    the GIL)."""
    if not runs:
        return {n: np.zeros(0, _EMPTY_DTYPES.get(n, np.int64)) for n in names}
    if len(runs) == 1:  # (publishing one supplier: its run is the answer, no gather of it)
        return {n: runs[0][n] for n in names}
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.search._kernels import merge_order, take_into

    key = np.concatenate([r[names[0]] for r in runs])
    starts = np.cumsum([0] + [r[names[0]].size for r in runs], dtype=np.int64)
    order = merge_order(key, starts)
    out = {n: np.empty(order.size, dtype=runs[0][n].dtype) for n in names}

    def gather(n: str) -> None:
        take_into(order, key if n == names[0] else np.concatenate([r[n] for r in runs]), out[n])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(gather, names))
    return out


_EMPTY_DTYPES = {"hash": np.uint64, "art": np.uint64, "seg": np.int32,
                 **{n: dtype for n, (dtype, _) in _COLUMNS.items()}}


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
