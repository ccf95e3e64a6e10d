"""An opened cross snapshot: lookups, brand choice, classes, neighbours and ``explain``.

>>> idx = CrossIndex.open("catalog")                              # doctest: +SKIP
>>> pid = idx.lookup("MANN", "W 920/21")                          # doctest: +SKIP
>>> [idx.brand(i) for i in idx.neighbors(pid, max_hops=1).ids]    # doctest: +SKIP
['FILTRON', 'VAG']
>>> idx.explain(pid, idx.lookup("KNECHT", "OC 90"))               # doctest: +SKIP
[CrossStep(brand_a='MANN-FILTER', article_a='W 920/21', brand_b='VAG', ...), ...]

Opening maps the arrays and parses only the small manifest, so it takes milliseconds whatever the
size; the snapshot is read-only and the operating system shares its pages between processes.
``held_back.csv`` is opened, not read (21 MB at 200M crosses): :meth:`CrossIndex.held_back` and
``Engine.sql`` read it through that handle, so an index whose snapshot was garbage-collected (two
builds later and 10 minutes on) still reads it, as it reads its mapped arrays.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from partsearch._catalog import CROSSES, read_pointer
from partsearch._hashing import part_hash
from partsearch._inputs import shown, user_path
from partsearch.brands import BrandRegistry, catalog_registry
from partsearch.crosses._guard import ACCEPTED, BLACKLISTED, REASONS, held_back
from partsearch.errors import NormalizationError, PartsearchError, SearchError, SnapshotError
from partsearch.normalize import article_key, article_key_forms

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class CrossStep:
    """One cross of a chain: ``brand_a article_a`` = ``brand_b article_b``, who said so
    (``sources``) and what kind of cross it is.

    >>> steps = engine.explain("MANN", "W 920/21", "KNECHT", "OC 90")      # doctest: +SKIP
    >>> [(s.brand_b, s.article_b, s.sources, s.kind) for s in steps]    # doctest: +SKIP
    [('VAG', '06A 115 561 B', ('tecdoc',), 'oem'), ('KNECHT', 'OC 90', ('tecdoc',), 'oem')]
    """

    brand_a: str
    article_a: str
    brand_b: str
    article_b: str
    sources: tuple[str, ...]
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {"brand_a": self.brand_a, "article_a": self.article_a, "brand_b": self.brand_b,
                "article_b": self.article_b, "sources": list(self.sources), "kind": self.kind}


@dataclass(frozen=True)
class Neighbors:
    """Members of a part's class other than itself, nearest first: ``hops`` is the number of
    crosses on the shortest chain, ``support`` the number of independent crosses (distinct
    sources) reaching it from the hop before."""

    ids: np.ndarray
    hops: np.ndarray
    support: np.ndarray


class CrossIndex:
    """A read-only cross snapshot; see the module docstring."""

    def __init__(self, path: Path, manifest: dict[str, Any], arrays: dict[str, np.ndarray],
                 registry: BrandRegistry | None = None, held: int | None = None):
        self.path = path
        self._held = held  # held_back.csv's descriptor, open (:meth:`held_back_source`)
        if held is not None:
            weakref.finalize(self, os.close, held)
        self.manifest = manifest
        self._a = arrays  # read-only ndarrays over the mapped files (``_snapshot._map``)
        self._brands: list[str] = manifest["brands"]
        self._sources: list[str] = manifest["sources"]
        self._kinds: list[str] = manifest["kinds"]
        self._registry = registry
        self._catalog: Path | None = None  # where :meth:`_reg` finds brands.toml
        self._hash = arrays["part_hash"]
        self._adjacency = (arrays["adj_off"], arrays["adj_to"], arrays["adj_edge"],
                           arrays["adj_sup"])
        self._brand_names = np.array(self._brands, dtype=object)
        self._part_brand = arrays["part_brand"]
        self._class_id = arrays["class_id"]
        self._class_off = arrays["class_off"]
        self._class_parts = arrays["class_parts"]
        self._part_class = arrays["part_class"]  # (from, to, place) per part: class_place
        self._held_lock = threading.Lock()
        self._held_ends: tuple[frozenset[int], np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def open(cls, path: str | Path, *, registry: BrandRegistry | None = None) -> CrossIndex:
        """Open a catalog's current snapshot (``DIR/crosses/CURRENT``) or a snapshot directory.

        Brands are read with ``registry``, or else, as the build read them, with the catalog's
        (``catalog_registry``: its ``brands.toml`` over the shipped one) when the snapshot is
        in a catalog, the shipped registry when it is not. A snapshot built by a partsearch
        with other key rules (an older release), or with another brand registry than this
        one (a ``brands.toml`` edited since), opens with a ``StaleKeysWarning``: rebuild
        it."""
        from partsearch._stamp import snapshot_unchanged, stale_keys
        from partsearch.brands import registry_sources

        path = user_path(path, SnapshotError, "CrossIndex.open: path",
                         "a catalog's or a snapshot's path")
        index = cls._open(path, registry)
        # (the registry's files as the build read them: current, with no registry parsed,
        # ~14 ms of an open's ~25 for the shipped one, which a first lookup parses anyway)
        with contextlib.suppress(OSError):
            if registry is None and snapshot_unchanged(index.manifest,
                                                       registry_sources(index._catalog)):
                return index
        try:
            reading: BrandRegistry | None = index._reg()
        except PartsearchError:  # (a brands.toml that cannot be read: told when it is used,
            reading = None       # not at an open for what needs none, as a verify)
        stale = stale_keys(index.manifest, (), reading)
        if stale is not None:
            stale.warn(path, stacklevel=2)
        return index

    @classmethod
    def _open(cls, path: str | Path, registry: BrandRegistry | None) -> CrossIndex:
        """:meth:`open` without its warning (``Engine.open`` gives the catalog's own)."""
        from partsearch.crosses._snapshot import HELD_BACK, MANIFEST, open_arrays

        root = Path(path)
        snapshot = root
        if not root.is_dir():  # (a mistyped path was "no cross snapshot published here")
            raise SnapshotError("not a directory" if root.exists() else "directory not found",
                                path=root)
        if not (root / MANIFEST).exists():
            area = root / CROSSES if (root / CROSSES).is_dir() else root
            name = read_pointer(area)
            if name is None:
                raise SnapshotError("no cross snapshot published here", path=root)
            snapshot = area / name
        manifest, arrays = open_arrays(snapshot)
        try:
            held = os.open(snapshot / HELD_BACK, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise SnapshotError("snapshot file is missing", path=snapshot / HELD_BACK) from exc
        except OSError as exc:  # (its permissions, say: one error naming it, not the OS's own)
            raise SnapshotError(f"snapshot file is unreadable: {exc.strerror or exc}",
                                path=snapshot / HELD_BACK) from exc
        index = cls(snapshot, manifest, arrays, registry, held)
        if registry is None and snapshot.parent.name == CROSSES:
            index._catalog = snapshot.parent.parent  # (its registry read at first use)
        return index

    # -- sizes -------------------------------------------------------------------------------
    @property
    def n_parts(self) -> int:
        return int(self._hash.size)

    @property
    def n_classes(self) -> int:
        return int(self._class_off.size - 1)

    # -- lookups -----------------------------------------------------------------------------
    def lookup(self, brand: str, article: str) -> int | None:
        """The part id of (brand, article), both normalized; None when the index lacks it, as
        it lacks a brand or article that normalizes to nothing (``""``, ``"--"``)."""
        try:
            canonical, keeps_cyrillic, _oem = self._reg().facts(brand)
            key = article_key(article, keep_cyrillic=keeps_cyrillic)
        except NormalizationError:
            return None
        pos = _find_part()(canonical.encode(), key.encode(), self._hash)
        return None if pos < 0 else int(pos)

    def lookup_hash(self, h: int) -> int | None:
        """The part id of one part hash, None when unknown (the scalar fast path)."""
        pos = _find_sorted()(self._hash, np.uint64(h))
        return None if pos < 0 else int(pos)

    def lookup_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Part ids of part hashes (int64), -1 where unknown."""
        return positions(self._hash, hashes)

    def hashes(self, ids: np.ndarray) -> np.ndarray:
        """The part hash of each id (the join key with offers)."""
        return np.asarray(self._hash[np.asarray(ids, dtype=np.int64)])

    def class_ids(self, ids: np.ndarray) -> np.ndarray:
        """The class of each part id."""
        return np.asarray(self._class_id[np.asarray(ids, dtype=np.int64)], dtype=np.int64)

    def brand(self, pid: int) -> str:
        return self._brands[int(self._part_brand[pid])]

    def brands_of(self, ids: np.ndarray) -> np.ndarray:
        """The canonical brand of each part id (object array)."""
        return self._brand_names[np.asarray(self._part_brand[np.asarray(ids, dtype=np.int64)],
                                            dtype=np.int64)]

    def brand_flags(self, ids: np.ndarray, flag: Callable[[str], object]) -> np.ndarray:
        """``flag(brand)`` of each part id, computed once per distinct brand of the index."""
        return np.asarray(self.brand_table(flag)[np.asarray(
            self._part_brand[np.asarray(ids, dtype=np.int64)], dtype=np.int64)])

    def brand_table(self, flag: Callable[[str], object]) -> np.ndarray:
        """``flag(brand)`` of each brand number (``part_brand``'s values), computed once."""
        cache = self.__dict__.setdefault("_flag_cache", {})
        table: np.ndarray | None = cache.get(flag)
        if table is None:
            table = np.array([bool(flag(b)) for b in self._brands] or [False], dtype=bool)
            cache[flag] = table
        return table

    @property
    def brand_names(self) -> list[str]:
        """The brand of each brand number (``part_brand``'s values)."""
        return self._brands

    def article(self, pid: int) -> str:
        from partsearch.crosses._snapshot import article_text

        return article_text(self._a, pid)

    def article_key(self, pid: int) -> str:
        brand = self.brand(pid)
        return article_key(self.article(pid), keep_cyrillic=self._reg().keeps_cyrillic(brand))

    def brands_for_article(self, article: str) -> list[tuple[str, int]]:
        """(brand, part id) of every part whose article key is ``article``'s, by brand; none
        for an article without letters or digits (as :meth:`lookup` finds no part for it)."""
        try:
            keys = article_key_forms(article)
        except NormalizationError:
            return []
        return self.brands_for_keys(keys)

    def brands_for_keys(self, keys: Iterable[str]) -> list[tuple[str, int]]:
        """:meth:`brands_for_article` of an article's keys (``article_key_forms``)."""
        find_article = _find_article()
        out: set[tuple[str, int]] = set()
        for key in keys:
            lo, hi = find_article(key.encode(), self._a["art_hash"])
            for pid in self._a["art_order"][lo:hi].tolist():
                brand = self.brand(pid)
                # the part's own hash names its article key: another key of the same article
                # hash, or the folded key of a part written in Cyrillic, fails here
                if part_hash(brand, key) == int(self._hash[pid]):
                    out.add((brand, int(pid)))
        return sorted(out)

    # -- classes -----------------------------------------------------------------------------
    def _part_id(self, pid: object, what: str) -> int:
        """``pid`` as a part id of this index, else :class:`SearchError` naming ``what`` and
        the value: one past the last raised numpy's IndexError, and a negative one answered
        for the part counted from the end, another part's class."""
        if isinstance(pid, bool) or not isinstance(pid, int | np.integer) or \
                not 0 <= pid < self.n_parts:
            raise SearchError(f"{what} must be a part id of the index, 0 to {self.n_parts - 1} "
                              f"(lookup gives them), not {shown(pid)}")
        return int(pid)

    def class_members(self, pid: int) -> np.ndarray:
        """Every part of ``pid``'s class, ``pid`` included, ascending."""
        lo, hi = self.class_range(self._part_id(pid, "CrossIndex.class_members: pid"))
        return self._class_parts[lo:hi].astype(np.int64)

    def class_range(self, pid: int) -> tuple[int, int]:
        """Where ``pid``'s class lies in ``class_parts`` (and, slot for slot, in the class-local
        arrays of :attr:`search_arrays`)."""
        lo, hi, _ = self.class_place(pid)
        return lo, hi

    def class_place(self, pid: int) -> tuple[int, int, int]:
        """:meth:`class_range` and ``pid``'s place in it."""
        lo, hi, place = self._part_class[pid].tolist()
        return lo, hi, place

    @property
    def adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(offsets, targets, edge ids, support per slot) of the accepted crosses, for compiled
        callers (the search hot path walks the class itself)."""
        return self._adjacency

    @property
    def search_arrays(self) -> tuple[np.ndarray, ...]:
        """(part hash, each part's :meth:`class_place` as int32 triples laid end to end, class
        parts, then along the class parts: the class-local adjacency's offsets, targets
        (positions within the class) and support, and each member's hash; brand number per
        part), for the compiled search (``partsearch.search._kernels.usual_search``)."""
        a = self._a
        return (self._hash, self._part_class.reshape(-1), self._class_parts,
                a["class_adj_off"], a["class_adj_to"], a["class_adj_sup"], a["class_hash"],
                self._part_brand)

    @property
    def article_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(article hash, part) of every part, by article hash: the index that
        :meth:`brands_for_keys` searches, for compiled callers."""
        return self._a["art_hash"], self._a["art_order"]

    @property
    def part_brand_array(self) -> np.ndarray:
        """The brand number of every part id (an index into :attr:`brand_names`)."""
        return self._part_brand

    @property
    def part_hash_array(self) -> np.ndarray:
        """The part hash of every part id (sorted ascending; the id is the rank)."""
        return self._hash

    def neighbors(self, pid: int, max_hops: int | None = None) -> Neighbors:
        """Class members within ``max_hops`` crosses of ``pid`` (all when None), nearest first:
        by hops, then support descending, then id."""
        pid = self._part_id(pid, "CrossIndex.neighbors: pid")
        # (a text reached the compiled walk: numba's TypingError)
        if max_hops is not None and (isinstance(max_hops, bool) or not isinstance(
                max_hops, int | np.integer) or not 0 <= max_hops < 2**31):
            raise SearchError(f"CrossIndex.neighbors: max_hops must be a whole number, 0 or "
                              f"more, or None (all), not {shown(max_hops)}")
        members = self.class_members(pid)
        if members.size <= 1:
            empty = np.zeros(0, np.int64)
            return Neighbors(empty, np.zeros(0, np.int32), np.zeros(0, np.int32))
        from partsearch.crosses._kernels import nearest

        ids, h, s = nearest(members, pid, -1 if max_hops is None else max_hops,
                            *self.adjacency)
        return Neighbors(ids, h, s)

    def explain(self, a: int, b: int) -> list[CrossStep] | None:
        """The shortest chain of accepted crosses from part ``a`` to part ``b``; ``[]`` when
        ``a == b``; None when they are not in one class."""
        a = self._part_id(a, "CrossIndex.explain: a")
        b = self._part_id(b, "CrossIndex.explain: b")
        if a == b:
            return []
        if self._class_id[a] != self._class_id[b]:
            return None
        members = self.class_members(a)
        _hops, _sup, parents = self._bfs(members, a, None)
        steps: list[CrossStep] = []
        node = b
        while node != a:
            e = int(parents[np.searchsorted(members, node)])
            x, y = int(self._a["edge_a"][e]), int(self._a["edge_b"][e])
            prev = x if y == node else y
            steps.append(self._step(prev, node, e))
            node = prev
        return steps[::-1]

    def held_between(self, a: int, b: int) -> list[tuple[CrossStep, str]]:
        """Crosses directly between ``a`` and ``b`` that the build kept out of the classes,
        with the reason (``guard`` or ``blacklist``): why two parts a source calls
        interchangeable are not."""
        from partsearch.crosses.build import edge_positions

        pos = int(edge_positions(np.asarray(self._a["edge_a"]), np.asarray(self._a["edge_b"]),
                                 np.array([a]), np.array([b]))[0])
        if pos < 0:
            return []
        state = int(self._a["edge_state"][pos])
        if state == ACCEPTED:
            return []
        reason = "blacklist" if state == BLACKLISTED else f"guard: {REASONS[state]}"
        return [(self._step(a, b, pos), reason)]

    def held_parts(self) -> frozenset[int]:
        """The parts the guard left alone in their class, every cross of theirs held back (not
        a blacklisted one): a search of one also shows the parts at their other ends
        (:meth:`held_partners`). Found on first need, once
        per index (a pass over every cross's state: ~0.1-0.3 s at 200M crosses, which
        ``Engine.open``'s warm-up thread pays ahead of the first search)."""
        return self._held_table()[0]

    def held_partners(self, pid: int) -> tuple[np.ndarray, np.ndarray]:
        """(part ids, sources of the cross) of the parts ``pid`` is crossed to by a cross the
        guard held back, by id; none for a part without one."""
        _parts, ends, partners, sources = self._held_table()
        lo, hi = np.searchsorted(ends, [pid, pid + 1]).tolist()
        return partners[lo:hi], sources[lo:hi]

    @property
    def held_ready(self) -> bool:
        """Whether :meth:`held_parts` is found (it answers without reading the crosses)."""
        return self._held_ends is not None

    def keep_held(self, other: CrossIndex) -> None:
        """Take :meth:`held_parts` from ``other`` when it is this snapshot's, opened before
        (a reload reopens the index it had) and has them."""
        if other.path == self.path and other._held_ends is not None:
            self._held_ends = other._held_ends

    def _held_table(self) -> tuple[frozenset[int], np.ndarray, np.ndarray, np.ndarray]:
        """Both ends of every guard-held cross, sorted by end: (the ends as a set, the ends,
        the part at the other end, the cross's source count)."""
        held = self._held_ends
        if held is None:
            with self._held_lock:  # (once: a second caller waits for the first's answer)
                held = self._held_ends
                if held is None:
                    edges = np.flatnonzero(held_back(np.asarray(self._a["edge_state"])))
                    a = np.asarray(self._a["edge_a"][edges], dtype=np.int64)
                    b = np.asarray(self._a["edge_b"][edges], dtype=np.int64)
                    off = np.asarray(self._a["edge_src_off"])
                    count = (off[edges + 1] - off[edges]).astype(np.int32)
                    ends, partners = np.concatenate([a, b]), np.concatenate([b, a])
                    count = np.tile(count, 2)
                    # only a part the guard left alone in its class (every cross of it held
                    # back: an OE number its maker lists for two filters of two groups): a part
                    # in a group keeps to it, or a wrong record's far end would reach buyers
                    spans = np.asarray(self._part_class[ends], dtype=np.int64)
                    alone = spans[:, 1] - spans[:, 0] == 1
                    ends, partners, count = ends[alone], partners[alone], count[alone]
                    by_end = np.lexsort((partners, ends))
                    ends = ends[by_end]
                    held = self._held_ends = (frozenset(ends.tolist()), ends,
                                              partners[by_end], count[by_end])
        return held

    def _step(self, x: int, y: int, e: int) -> CrossStep:
        off, src = self._a["edge_src_off"], self._a["edge_src"]
        sources = tuple(self._sources[int(s)] for s in src[off[e]:off[e + 1]])
        return CrossStep(self.brand(x), self.article(x), self.brand(y), self.article(y), sources,
                         self._kinds[int(self._a["edge_kind"][e])])

    def _bfs(self, members: np.ndarray, pid: int,
             max_hops: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from partsearch.crosses._kernels import bfs_local

        result: tuple[np.ndarray, np.ndarray, np.ndarray] = bfs_local(
            members, pid, -1 if max_hops is None else max_hops, self._a["adj_off"],
            self._a["adj_to"], self._a["adj_edge"], self._a["adj_sup"])
        return result

    def held_back(self) -> pl.DataFrame:
        """The crosses kept out of the classes (guard or blacklist), as a polars frame."""
        import polars as pl

        source = self.held_back_source()
        try:
            return pl.read_csv(source, infer_schema=False)
        except FileNotFoundError as exc:
            raise self._replaced(source) from exc

    def held_back_source(self) -> str:
        """Where to read this index's ``held_back.csv`` while the index lives: the handle it
        opened (``/proc/self/fd/N``: a file of its own, at its start, even once the snapshot
        was garbage-collected), or, without ``/proc``, the file's path."""
        from partsearch.crosses._snapshot import HELD_BACK

        if self._held is not None and os.path.isdir(_FDS):
            return f"{_FDS}/{self._held}"
        return str(self.path / HELD_BACK)

    def _replaced(self, source: str) -> SnapshotError:
        return SnapshotError("this engine's cross snapshot was replaced and garbage-collected "
                             "since it was opened; reload (or open the index again)",
                             path=source)

    def _reg(self) -> BrandRegistry:
        if self._registry is None:
            self._registry = BrandRegistry.default() if self._catalog is None else \
                catalog_registry(self._catalog)
        return self._registry


#: an open file's own name on Linux: it opens the file, even unlinked, at a place of its own
_FDS = "/proc/self/fd"


def positions(sorted_hashes: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Where each of ``hashes`` is in ``sorted_hashes`` (int64), -1 where absent."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    if sorted_hashes.size == 0:
        return np.full(hashes.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_hashes, hashes), sorted_hashes.size - 1)
    return np.where(sorted_hashes[pos] == hashes, pos, -1).astype(np.int64)


@lru_cache(maxsize=1)
def _find_part() -> Any:
    """:func:`_find_sorted`'s counterpart for a brand and article key (``find_part``)."""
    from partsearch.crosses._kernels import find_part

    return find_part


@lru_cache(maxsize=1)
def _find_article() -> Any:
    """:func:`_find_sorted`'s counterpart for an article key (``find_article``)."""
    from partsearch.crosses._kernels import find_article

    return find_article


@lru_cache(maxsize=1)
def _find_sorted() -> Any:
    """The compiled search, imported on first use (numba is slow to import) and then kept: an
    import statement on every lookup costs about a microsecond."""
    from partsearch.crosses._kernels import find_sorted

    return find_sorted
