"""Cross files → a published snapshot: key dictionary, guarded union-find classes, adjacency.

>>> report = build_index(["crosses.csv"], "catalog")           # doctest: +SKIP
>>> report.parts, report.classes, report.held_back               # doctest: +SKIP
(2083, 366, 4)

Steps (each vectorized or compiled; no Python loop per cross):

1. read and normalize the files in batches on two threads (``_read``); each part is numbered as it
   is first seen (``_parts``), so a cross is two int32 numbers from then on, kept in scratch files;
2. the key dictionary: parts renumbered by the rank of their hash (lookup searches it);
3. crosses deduplicated as unordered pairs; duplicates from different sources add support;
4. the blacklist and the guard (``_guard``) hold back crosses that look wrong;
5. the classes: the guard's union-find labels, split where it held a cross back;
6. every array is saved as soon as it is final, under a temporary name, and the snapshot is
   published atomically (``_snapshot``). Memory peaks at about 50 bytes per cross.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from partsearch._inputs import flag, is_column, shown, user_path
from partsearch._memory import release_freed_memory
from partsearch.brands import BrandRegistry, catalog_registry, registry_sources
from partsearch.crosses._guard import (
    ACCEPTED,
    BLACKLISTED,
    BRIDGE,
    REASONS,
    GuardConfig,
    Sources,
    apply_guard,
    held_back,
)
from partsearch.crosses._read import (
    MAX_REJECTS_KEPT,
    Layout,
    Vocabulary,
    check_columns,
    read_batches,
    read_files,
    rows_hint,
)
from partsearch.errors import CatalogError, CrossFileError

if TYPE_CHECKING:
    from partsearch.crosses._snapshot import Writer


@dataclass(frozen=True)
class BuildReport:
    """What a build read, built and held back."""

    snapshot: Path
    crosses_read: int
    rows_rejected: int
    self_crosses: int
    unique_crosses: int
    parts: int
    classes: int
    largest_class: int
    held_back: int
    blacklisted: int
    seconds: float
    rejects: tuple[str, ...] = ()
    guard_reasons: tuple[tuple[str, int], ...] = ()
    stages: tuple[tuple[str, float], ...] = ()  # seconds per build stage, in order
    # the blacklist's rows (crosses, with a split), those that match no cross of the build and
    # those that could not be read (no brand or article, a wrong field count), with the first
    # of each told by file line (``path:line: ...``): a manager's typo leaves a cross live
    blacklist_rows: int = 0
    blacklist_unmatched: int = 0
    blacklist_unreadable: int = 0
    blacklist_notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["snapshot"] = str(self.snapshot)
        out["rejects"] = list(self.rejects)
        out["blacklist_notes"] = list(self.blacklist_notes)
        out["guard_reasons"] = dict(self.guard_reasons)
        out["stages"] = dict(self.stages)
        return out


Progress = Callable[[str, int, int], None]


def build_index(files: Iterable[str | Path], catalog_dir: str | Path, *,
                blacklist: str | Path | None = None,
                columns: Mapping[str, str | Sequence[str]] | None = None,
                brand_a: str | None = None, brand_b: str | None = None,
                makers: Mapping[str, str] | None = None, split: str | None = None,
                cell_brands: bool = False, registry: BrandRegistry | None = None,
                guard: GuardConfig | None = None, progress: Progress | None = None,
                allow_empty: bool = False) -> BuildReport:
    """Build a cross snapshot from ``files`` into ``catalog_dir/crosses`` and publish it.

    A file is CSV, Parquet, or a spreadsheet (XLSX, XLS, ODS: its first sheet). ``columns``
    maps our names (``brand_a``, ``article_a``, ``brand_b``, ``article_b``, ``source``,
    ``kind``) to the files' own headers; a sequence of headers for one name lets files with
    different headers build together, each reading the first of them it has
    (``{"brand_a": ["aftermarket_brand", "shop_manufacturer"]}``). A name mapped, ``source``
    and ``kind`` too, must be in every file (:class:`CrossFileError` naming the file, the name
    and the headers tried). ``blacklist`` is a CSV of crosses a manager marked
    wrong (the same four columns, read with ``split``).

    Tables as shops have them: ``brand_a``/``brand_b`` give a side one brand for every row,
    where the files have no brand column for it (a maker's own table of its numbers against
    OE numbers). ``makers`` reads a wide table, one column per maker (``{"gates": "GATES"}``):
    each row's side a crosses each maker's number in it, and a maker without one for the row
    is no cross. ``split`` (``";"``, say) reads a cell holding several numbers, ``"T199;
    T199RB"``, as that many parts: a row crosses each number of its side a with each of its
    side b. With ``cell_brands``, a number may carry its maker in parentheses, as catalogue
    exports list OE numbers (``583 0674 (TEREX)``): that maker wins over the side's brand, and
    a side without a brand column takes its brands from these alone.

    Files that give no cross (a header and no row below it, as an export cut short leaves
    one, or every row rejected) are a :class:`CrossFileError` naming them, which keeps the
    previous snapshot: a build replaces the whole index, and an empty one would drop every
    analog; ``allow_empty`` publishes an empty index on purpose.

    A failure leaves the previously published snapshot as it was. ``progress(stage, done,
    total)`` is called as each stage starts (``done`` 0) and ends (``done == total``), and
    between: for ``read`` as each batch is read (bytes of the files: a CSV batch's end, or
    a Parquet batch's rows as a share of its file), for ``guard`` as each of its walks ends.

    Example: ``build_index(["mahle.xlsx"], "catalog", brand_a="MAHLE", split=";",
    columns={"article_a": "ArticleNo", "brand_b": "Maker", "article_b": "OE_Numbers"})``.
    """
    from partsearch.crosses import _kernels as k
    from partsearch.crosses import _snapshot

    started = time.perf_counter()
    # (a flag of text read as true: allow_empty="false" published an empty index)
    cell_brands = flag(cell_brands, "build_index: cell_brands", CrossFileError)
    allow_empty = flag(allow_empty, "build_index: allow_empty", CrossFileError)
    _check_options(columns=columns, brand_a=brand_a, brand_b=brand_b, makers=makers,
                   split=split, registry=registry, guard=guard, progress=progress)
    catalog = user_path(catalog_dir, CatalogError, "build_index: catalog_dir",
                        "a directory's path")
    # (a text is one path, not a path per character; None raised TypeError)
    if not is_column(files):
        raise CrossFileError(f"build_index: files must be a list of cross files' paths, not "
                             f"{shown(files)}")
    paths = [user_path(f, CrossFileError, "build_index: a cross file") for f in files]
    # (the registry's files' digest taken before they are read: one edited in between gives
    # a digest of the older bytes, which an open finds differ, and so compares the keys)
    registry_digest = registry_sources(catalog) if registry is None else None
    reg = registry or catalog_registry(catalog)
    if not paths:
        raise CrossFileError("no cross files given")
    if split == "":
        raise CrossFileError("split wants a separator, such as ';'")
    fixed = {side: brand for side, brand in (("brand_a", brand_a), ("brand_b", brand_b))
             if brand is not None}
    if any(not brand.strip() for brand in fixed.values()):
        raise CrossFileError("a fixed brand must not be empty")
    if makers and any(not brand.strip() for brand in makers.values()):
        raise CrossFileError("a maker column's brand must not be empty")
    layout = Layout(dict(columns or {}), fixed, split, dict(makers or {}), cell_brands)
    for path in paths:
        check_columns(path, layout)
    if blacklist is not None:  # (read after the files: a mistake in it found before them)
        blacklist = user_path(blacklist, CrossFileError, "build_index: blacklist")
        if not blacklist.exists():  # (not "cross file not found": it is the blacklist)
            raise CrossFileError("blacklist file not found", path=blacklist)
        check_columns(blacklist, Layout(split=split))

    stages: list[tuple[str, float]] = []
    mark = [started]

    def stage(name: str, then: str | None = None) -> None:
        """``name`` ended, ``then`` starts."""
        release_freed_memory()
        now = time.perf_counter()
        stages.append((name, round(now - mark[0], 3)))
        mark[0] = now
        if progress:
            progress(name, 1, 1)
            if then:
                progress(then, 0, 1)

    with _snapshot.Writer(catalog) as out:
        read = _read(paths, layout, reg, out, progress)
        if read.rows - read.rejected_count - read.self_crosses <= 0 and not allow_empty:
            raise CrossFileError(_nothing_read(paths, read))
        stage("read", "dictionary")
        n, rank = _write_parts(out, read.parts)
        out.flush()  # saves still pending would hold their arrays into the next stage's peak
        stage("dictionary", "dedupe")

        keys = k.pair_keys(*_renumbered([out.work / "a.i32", out.work / "b.i32"], rank))
        del rank
        order = np.empty(keys.size, dtype=np.int32 if keys.size < 2**31 else np.int64)
        sorted_keys = np.empty_like(keys)
        k.sort_order(keys, order, sorted_keys)
        del keys
        edges, per_edge = _dedupe(sorted_keys, order,
                                  np.fromfile(out.work / "src.u16", np.uint16),
                                  np.fromfile(out.work / "kind.u16", np.uint16))
        del sorted_keys, order
        state = np.zeros(edges.a.size, dtype=np.uint8)
        black_read = _BlacklistRead()
        if blacklist is not None:
            black_read = _blacklisted(Path(blacklist), out.load("part_hash"), edges, reg,
                                      Layout(split=split))
            state[black_read.ids] = BLACKLISTED
        sources = Sources(*k.source_summary(per_edge["src_off"], per_edge["src"], state,
                                            max(1, len(read.sources.names))))
        # what the guard does not need goes to disk now (support: 4 bytes a cross off its peak)
        for name in ("kind", "src_off", "src", "support"):
            out.save(f"edge_{name}", per_edge.pop(name))
        out.flush()
        stage("dedupe", "guard")
        side, (adj_off, adj_to, adj_edge), class_id = apply_guard(
            n, edges.a, edges.b, state, sources, guard or GuardConfig(),
            on_step=(lambda done, total: progress("guard", done, total)) if progress else None)
        del sources
        stage("guard", "write")
        out.save("adj_off", adj_off, np.int64)
        out.save("adj_to", adj_to)
        del adj_off, adj_to
        # support beside each adjacency slot (a search's walk reads it in order), gathered
        # while the classes are grouped: two compiled passes without the GIL, ~4 s each at
        # 200M crosses
        from concurrent.futures import ThreadPoolExecutor  # (not at import: see ``Writer``)

        with ThreadPoolExecutor(1, thread_name_prefix="partsearch-support") as pool:
            support = pool.submit(k.clipped_take, out.load("edge_support"), adj_edge, 32_767)
            sizes = _write_classes(out, class_id)
            out.save("adj_sup", support.result())
        out.save("adj_edge", adj_edge)
        del adj_edge, class_id, support
        _write_class_adjacency(out)
        for name in ("a", "b"):
            out.save(f"edge_{name}", getattr(edges, name))
        out.save("edge_state", state)
        _snapshot.write_held_back(out.tmp, {
            "edge_a": edges.a, "edge_b": edges.b, "edge_state": state,
            "edge_src_off": out.load("edge_src_off"), "edge_src": out.load("edge_src"),
            "part_brand": out.load("part_brand"),
            "article_start": out.load("article_start"), "article_len": out.load("article_len"),
            "article_data": out.load("article_data"),
        }, side, read.parts.brands.names, read.sources.names)
        held, black = int(held_back(state).sum()), int((state == BLACKLISTED).sum())
        reasons = tuple((REASONS[s], int((state == s).sum())) for s in REASONS
                        if s == BRIDGE or (state == s).any())
        snapshot = out.publish({
            "parts": n, "classes": int(sizes.size),
            "largest_class": int(sizes.max()) if sizes.size else 0,
            "crosses": int(edges.a.size), "accepted": int((state == ACCEPTED).sum()),
            "brands": read.parts.brands.names, "sources": read.sources.names,
            "kinds": read.kinds.names,
        }, reg, registry_digest)
    stage("write")
    return BuildReport(
        snapshot=snapshot, crosses_read=read.rows, rows_rejected=read.rejected_count,
        self_crosses=read.self_crosses, unique_crosses=int(edges.a.size), parts=int(n),
        classes=int(sizes.size), largest_class=int(sizes.max()) if sizes.size else 0,
        held_back=held, blacklisted=black, seconds=time.perf_counter() - started,
        rejects=tuple(read.rejects),
        guard_reasons=reasons, stages=tuple(stages),
        blacklist_rows=black_read.rows, blacklist_unmatched=black_read.unmatched,
        blacklist_unreadable=black_read.unreadable, blacklist_notes=tuple(black_read.notes),
    )


def _check_options(*, columns: object, brand_a: object, brand_b: object, makers: object,
                   split: object, registry: object, guard: object, progress: object) -> None:
    """:class:`CrossFileError` naming the first of ``build_index``'s options that is of no
    type it takes, and the value (cut): a text as ``columns`` raised ValueError, a number as
    ``brand_a`` AttributeError, ``split=5`` TypeError, a dict as ``guard`` AttributeError."""
    def fail(name: str, wants: str, value: object) -> CrossFileError:
        return CrossFileError(f"build_index: {name} must be {wants}, not {shown(value)}")

    def texts(value: object) -> bool:  # (a header name, or several in order)
        return isinstance(value, str) or (
            isinstance(value, list | tuple) and all(isinstance(v, str) for v in value))

    if columns is not None and not (isinstance(columns, Mapping) and all(
            isinstance(k, str) and texts(v) for k, v in columns.items())):
        raise fail("columns", "a mapping of our names (brand_a, article_a, ...) to the files' "
                   "headers, each a text or a list of texts", columns)
    for name, value in (("brand_a", brand_a), ("brand_b", brand_b), ("split", split)):
        if value is not None and not isinstance(value, str):
            raise fail(name, "a text or None", value)
    if makers is not None and not (isinstance(makers, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in makers.items())):
        raise fail("makers", "a mapping of the files' maker columns to their brands "
                   "({'gates': 'GATES'})", makers)
    if registry is not None and not isinstance(registry, BrandRegistry):
        raise fail("registry", "a BrandRegistry or None", registry)
    if guard is not None and not isinstance(guard, GuardConfig):
        raise fail("guard", "a GuardConfig or None (GuardConfig(min_side=3))", guard)
    if progress is not None and not callable(progress):
        raise fail("progress", "a callable, progress(stage, done, total), or None", progress)


@dataclass
class _ReadResult:
    parts: Any  # _parts.PartTable, which also holds the brands' vocabulary
    sources: Vocabulary
    kinds: Vocabulary
    rows: int
    rejected_count: int
    self_crosses: int
    rejects: list[str]


def _read(paths: list[Path], layout: Layout, reg: BrandRegistry, out: Writer,
          progress: Progress | None) -> _ReadResult:
    """Stream the files: parts numbered as they appear, each cross's two numbers and its
    source and kind appended to scratch files in ``out.work``."""
    from partsearch.crosses._parts import PartTable

    work = out.work
    parts = PartTable(work, Vocabulary(), rows_hint(paths))
    out.on_exit(parts.close)  # (its files stay open past the read, until the dictionary)
    res = _ReadResult(parts, Vocabulary(fold=True), Vocabulary(fold=True), 0, 0, 0, [])
    sizes = [p.stat().st_size for p in paths]
    total_bytes = sum(sizes)
    done = [0, 0]  # files read, their bytes
    if progress:
        progress("read", 0, total_bytes)

    def file_done(_path: Path) -> None:
        done[1] += sizes[done[0]]  # (files end in order)
        done[0] += 1
        if progress:
            progress("read", done[1], total_bytes)

    names = ("a.i32", "b.i32", "src.u16", "kind.u16")
    sinks = [open(work / name, "wb") for name in names]  # noqa: SIM115 - closed below
    try:
        for batch in read_files(paths, layout, reg, res.sources, res.kinds, on_file=file_done):
            res.rows += batch.rows
            res.rejected_count += batch.n_rejected
            res.rejects.extend(batch.rejected[: max(0, 20 - len(res.rejects))])
            if progress and done[0] < len(sizes):
                progress("read", done[1] + int(batch.read_share * sizes[done[0]]), total_bytes)
            if not batch.hash_a.size:
                continue
            # a part crossed to itself says nothing, nor makes a part: one that only such a
            # row names was a part of the index, a brand to choose with no offer and no analog
            cross = batch.hash_a != batch.hash_b
            selfs = int(cross.size - np.count_nonzero(cross))
            res.self_crosses += selfs
            keep = cross if selfs else None
            a, b = res.parts.add(batch, keep)
            source, kind = (batch.source, batch.kind) if keep is None else \
                (batch.source[keep], batch.kind[keep])
            for sink, arr in zip(sinks, (a, b, source, kind), strict=True):
                arr.tofile(sink)
    finally:
        for sink in sinks:
            sink.close()
    return res


def _nothing_read(paths: list[Path], read: _ReadResult) -> str:
    """Why a build that read no cross is refused, naming its files and the first reject."""
    names = ", ".join(map(str, paths[:5])) + (f" and {len(paths) - 5} more"
                                              if len(paths) > 5 else "")
    if not read.rows:
        why = "no data rows below the header"
    elif read.rejected_count:
        why = f"every row rejected ({read.rejected_count:,}; the first: {read.rejects[0]})"
    else:
        why = f"every cross a part crossed to itself ({read.self_crosses:,})"
    return (f"no cross read from {names}: {why}; the previous cross index stays current "
            "(allow_empty, --allow-empty, publishes an empty one)")


def _write_parts(out: Writer, parts: Any) -> tuple[int, np.ndarray]:
    """The key dictionary in hash order: part hashes, brands, article text and the article-key
    index; returns the number of parts and each part's rank by number of first appearance."""
    order, rank, part_hash, art_hash, art_order = parts.finish()
    n = int(part_hash.size)
    out.save("part_hash", part_hash)
    out.save("art_hash", art_hash)
    out.save("art_order", art_order)
    del part_hash, art_hash, art_order
    out.save("part_brand", parts.brand_ids(order))
    parts.write_articles(order, out.path("article_start"), out.path("article_len"),
                         out.path("article_data"))
    for name in ("article_start", "article_len", "article_data"):
        out.saved(name)
    return n, rank


def _write_classes(out: Writer, class_id: np.ndarray) -> np.ndarray:
    """Each part's class, each class's members (CSR, members ascending) and each part's place
    among them (``class_places``); returns the class sizes."""
    from partsearch.crosses import _kernels as k

    out.save("class_id", class_id)
    class_off, class_parts = k.group_members(class_id, int(class_id.max()) + 1 if class_id.size
                                             else 0)
    out.save("class_off", class_off)
    out.save("class_parts", class_parts)
    out.save("part_class", k.class_places(class_off, class_parts))
    return np.diff(class_off)


def _write_class_adjacency(out: Writer, slots: int = 1 << 22) -> None:
    """``class_adj_off``/``class_adj_to``/``class_adj_sup``/``class_hash``
    (``_kernels.class_adjacency``) from the saved classes, adjacency and part hashes, a run of
    classes (about ``slots`` members) at a time, so none of them is ever whole in memory: two
    runs computed at once (the kernel releases the GIL; its loads at random places are most
    of the write stage), written in order."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    from partsearch.crosses import _kernels as k
    from partsearch.crosses import _snapshot

    out.flush()
    class_off, class_parts = out.load("class_off"), out.load("class_parts")
    off, to, sup = out.load("adj_off"), out.load("adj_to"), out.load("adj_sup")
    part_hash = out.load("part_hash")
    files = {name: _snapshot.AppendFile(out.path(name), dtype, (size,))
             for name, dtype, size in (("class_adj_off", np.int64, class_parts.size + 1),
                                       ("class_adj_to", np.int32, to.size),
                                       ("class_adj_sup", np.int16, to.size),
                                       ("class_hash", np.uint64, class_parts.size))}
    start = 0

    def write(chunk: tuple[np.ndarray, ...]) -> None:
        nonlocal start
        slot_off = chunk[0]
        slot_off += start  # computed from 0: a run is computed before the ones ahead end
        for f, arr in zip(files.values(), chunk, strict=True):  # the kernel's order
            f.write(arr)
        start += chunk[1].size

    try:
        pending: deque[Future[tuple[np.ndarray, ...]]] = deque()
        with ThreadPoolExecutor(2, thread_name_prefix="partsearch-class-adj") as pool:
            c0, n_classes = 0, class_off.size - 1
            while c0 < n_classes:
                c1 = min(int(np.searchsorted(class_off, class_off[c0] + slots, "right")),
                         n_classes)
                c1 = max(c1, c0 + 1)
                pending.append(pool.submit(k.class_adjacency, class_off, class_parts, off, to,
                                           sup, part_hash, c0, c1))
                if len(pending) > 2:  # both threads busy while the oldest run is written
                    write(pending.popleft().result())
                c0 = c1
            while pending:
                write(pending.popleft().result())
        files["class_adj_off"].write(np.array([start], dtype=np.int64))
    finally:
        for f in files.values():
            f.close()
    for name, f in files.items():
        out.saved(name, f.crc)


def _renumbered(paths: list[Path], rank: np.ndarray) -> list[np.ndarray]:
    """Part numbers of first appearance read back from ``paths`` as hash ranks (in place,
    one file per thread: each is a random gather over ``rank``)."""
    from concurrent.futures import ThreadPoolExecutor

    from partsearch.crosses import _kernels as k

    with ThreadPoolExecutor(2, thread_name_prefix="partsearch-renumber") as pool:
        return list(pool.map(lambda path: k.renumber(np.fromfile(path, dtype=np.int32), rank),
                             paths))


@dataclass(frozen=True)
class Edges:
    """Distinct crosses as unordered pairs ``a < b``, sorted."""

    a: np.ndarray  # int32
    b: np.ndarray  # int32


def _dedupe(sorted_keys: np.ndarray, order: np.ndarray, src: np.ndarray, kind: np.ndarray
            ) -> tuple[Edges, dict[str, np.ndarray]]:
    """Distinct crosses from sorted pair keys (see ``_kernels.pair_keys``; ``order`` is the
    stable sort that sorted them), and per cross its ``kind`` (its first record's: the stable
    sort keeps file order among one cross's records), its distinct sources (CSR ``src_off``,
    ``src``) and their number (``support``)."""
    from partsearch.crosses import _kernels as k

    a, b, first_kind, src_off, srcs = k.dedupe_sorted(sorted_keys, order, src, kind)
    return Edges(a=a, b=b), {"kind": first_kind, "src_off": src_off, "src": srcs,
                             "support": np.diff(src_off).astype(np.int32)}


def edge_positions(edges_a: np.ndarray, edges_b: np.ndarray, a: np.ndarray,
                   b: np.ndarray) -> np.ndarray:
    """Index of each cross (a[i], b[i]) among sorted edges, -1 where absent."""
    ea = edges_a.astype(np.uint64) << np.uint64(32) | edges_b.astype(np.uint64)
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    want = lo << np.uint64(32) | hi
    pos = np.searchsorted(ea, want)
    pos = np.minimum(pos, max(ea.size - 1, 0))
    found = (ea.size > 0) & (ea[pos] == want) if ea.size else np.zeros(want.size, bool)
    return np.where(found, pos, -1)


@dataclass
class _BlacklistRead:
    """The crosses a blacklist names (``ids``), and what of it did nothing (BuildReport)."""

    ids: Any = None
    rows: int = 0
    unmatched: int = 0
    unreadable: int = 0
    notes: list[str] = field(default_factory=list)


def _blacklisted(path: Path, part_hash: np.ndarray, edges: Edges,
                 registry: BrandRegistry, layout: Layout) -> _BlacklistRead:
    from partsearch.crosses.index import positions

    out = _BlacklistRead()
    ids: list[np.ndarray] = []
    unmatched: list[str] = []
    for batch in read_batches(path, layout, registry, Vocabulary(), Vocabulary()):
        out.rows += batch.rows
        out.unreadable += batch.n_rejected
        out.notes += batch.rejected[:MAX_REJECTS_KEPT - len(out.notes)]
        ia, ib = positions(part_hash, batch.hash_a), positions(part_hash, batch.hash_b)
        pos = np.full(ia.size, -1, np.int64)
        known = (ia >= 0) & (ib >= 0)
        pos[known] = edge_positions(edges.a, edges.b, ia[known], ib[known])
        ids.append(pos[pos >= 0])
        missed = np.flatnonzero(pos < 0)
        out.unmatched += int(missed.size)
        if missed.size and len(unmatched) < MAX_REJECTS_KEPT:
            missed = missed[:MAX_REJECTS_KEPT - len(unmatched)]
            lines = batch.lines()[missed]
            for i, line in zip(missed.tolist(), lines.tolist(), strict=True):
                unmatched.append(
                    f"{path}:{line}: matches no cross: {batch.brand_a[i].as_py()} "
                    f"{batch.article_a[i].as_py()} = {batch.brand_b[i].as_py()} "
                    f"{batch.article_b[i].as_py()}")
    out.notes = sorted(out.notes + unmatched, key=_line_of)  # (in the file's order)
    out.ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    return out


def _line_of(note: str) -> int:
    """A note's file line (``path:line: ...``), 0 where it tells none."""
    import re

    found = re.search(r":(\d+): ", note)
    return int(found.group(1)) if found else 0
