"""Load supplier price files into a catalog: read, parse, publish atomically, lose nothing.

>>> reports = load_suppliers("suppliers.toml", "catalog")  # doctest: +SKIP
>>> [(r.supplier, r.offers.num_rows, r.rejected.num_rows, r.error)  # doctest: +SKIP
...  for r in reports]
[('ALFA', 421, 2, None), ('BETA', 276, 0, None), ('GAMMA', 210, 2, None), ...]
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from partsearch._arrow import write_file
from partsearch._catalog import (
    LOADS,
    OFFERS,
    SUPPLIERS,
    collect_garbage,
    companion,
    fsync_path,
    new_version_name,
    read_pointer,
    write_atomic,
    write_error,
    write_pointer,
)
from partsearch._inputs import shown, user_path
from partsearch._stamp import offers_metadata, offers_stamp
from partsearch.brands import BrandRegistry, catalog_registry
from partsearch.errors import CatalogError, PriceFileError, ProfileError
from partsearch.loading._budget import MemoryBudget, machine_bytes, peak_bytes
from partsearch.loading._schema import OFFERS_SCHEMA, REJECTED_SCHEMA
from partsearch.loading.profiles import SupplierProfile, checked_code, read_profiles

__all__ = [
    "LoadReport", "load_price_file", "load_suppliers", "publish_offers", "read_offers",
    "read_registered_profiles", "record_load", "register_profiles",
]

#: ``progress(supplier_code, done, total)``, called before each supplier and once at the end.
Progress = Callable[[str, int, int], None]

#: Loads ``load_suppliers`` has submitted and not yet reported: two running and two queued, so
#: a thread that finishes starts a file at once, for a few files past a slow one too; hundreds
#: of suppliers are not queued up front, each finished report held until its turn.
_AHEAD = 4

@dataclass(frozen=True)
class LoadReport:
    """What loading one supplier's price file gave. ``rows_read == offers + rejected`` rows.

    ``error`` is set (and the tables are empty) when the file could not be read at all; the
    supplier's previously published offers then stay current. ``load_suppliers`` sets it too,
    and publishes nothing, when a file it read gives no offer: no data rows, or every row
    rejected (those rows are kept in ``rejected``). ``published`` is the offers file
    written into the catalog, when there was one. ``skipped`` lists the members of a zip
    archive not read as price files, each as ``name: why`` (a readme). ``encoding`` is what a
    text file was read as when its profile names none and it is not UTF-8 (``cp1251``,
    ``koi8-r``, ``cp866``, UTF-16: detected), else None.
    """

    supplier: str
    path: str
    rows_read: int
    offers: pa.Table
    rejected: pa.Table
    seconds: float
    error: str | None = None
    published: Path | None = None
    skipped: tuple[str, ...] = ()
    encoding: str | None = None

    def first_rejected(self, limit: int = 3) -> list[str]:
        """The first ``limit`` rejected rows as a summary shows them, ``line 3: bad price
        'bad'``; a row of a zip's member (or a sheet but the first) named as ``--rejects``
        names it, ``p1.csv line 3: ...``: two members' line 3 are not one line."""
        head = self.rejected.slice(0, limit).select(["path", "line", "reason"]).to_pylist()
        inside = self.path + "!"
        return [f"{r['path'].removeprefix(inside) + ' ' if r['path'].startswith(inside) else ''}"
                f"line {r['line']}: {r['reason']}" for r in head]


def load_price_file(profile: SupplierProfile, *, registry: BrandRegistry | None = None,
                    now: datetime | None = None) -> LoadReport:
    """Read ``profile.file`` into offers and rejected rows (nothing is written anywhere).

    ``now``, when given, is recorded as ``price_file_time`` instead of the file's mtime.

    >>> report = load_price_file(read_profiles("suppliers.toml")[0])  # doctest: +SKIP
    >>> report.rows_read == report.offers.num_rows + report.rejected.num_rows  # doctest: +SKIP
    True
    """
    from partsearch.loading._offers import build_offers
    from partsearch.loading._readers import RawRows, price_bytes, read_rows

    started = time.perf_counter()
    if not isinstance(profile, SupplierProfile):  # (a path's AttributeError, 'file')
        raise ProfileError(f"load_price_file: profile must be a SupplierProfile (read_profiles "
                           f"gives them), not {shown(profile)}")
    if profile.file is None:
        raise ProfileError(f"supplier {profile.code} has no price file (online supplier)")
    path = profile.file
    peak, machine = peak_bytes(path), machine_bytes()
    if peak > 2 * machine:  # (a zip bomb, or a file no load of it here would survive)
        raise PriceFileError(
            f"too large to load here: its load would hold ~{peak / (1 << 30):.0f} GiB at its "
            f"peak, the machine has {machine / (1 << 30):.0f} GiB; split the file", path=path)
    data, mtime = price_bytes(path)
    file_time = now or datetime.fromtimestamp(int(mtime), tz=UTC)
    reg = registry or BrandRegistry.default()
    skipped: list[str] = []
    encodings: list[str] = []  # (each file's, of a zip's several)

    def offers_of(rows: RawRows) -> tuple[pa.Table, pa.Table]:
        if rows.encoding is not None:
            encodings.append(rows.encoding)
        return build_offers(profile, rows, reg, file_time)

    parts = [offers_of(rows) for rows in read_rows(data, profile, str(path), skipped)]
    offers = pa.concat_tables([o for o, _ in parts]) if parts else OFFERS_SCHEMA.empty_table()
    # the registry its brands were keyed with goes with the table, for a publish to stamp
    offers = offers.replace_schema_metadata(offers_metadata(reg))
    rejected = pa.concat_tables([r for _, r in parts]) if parts else \
        REJECTED_SCHEMA.empty_table()
    return LoadReport(
        supplier=profile.code, path=str(path), rows_read=offers.num_rows + rejected.num_rows,
        offers=offers, rejected=rejected, seconds=time.perf_counter() - started,
        skipped=tuple(skipped), encoding=", ".join(dict.fromkeys(encodings)) or None)


def _nothing_to_offer(report: LoadReport) -> PriceFileError | None:
    """Why ``report``'s file, read, is no price list to publish: it has no data rows (a
    header and nothing below it, as an export cut short leaves), or every row of it was
    rejected (the first three named by line); None when it has an offer. Publishing it would
    withdraw every offer of the supplier, which a bad file must never do."""
    if report.offers.num_rows:
        return None
    if not report.rows_read:
        return PriceFileError("no data rows (an export cut short?); nothing published",
                              path=report.path)
    first = "; ".join(report.first_rejected())
    n = report.rows_read
    rows = "its only row was" if n == 1 else f"all {n} rows were"
    return PriceFileError(f"no offer: {rows} rejected ({first}{'; ...' if n > 3 else ''}); "
                          "nothing published", path=report.path)


def publish_offers(catalog_dir: str | Path, supplier: str, offers: pa.Table) -> Path:
    """Write ``offers/<supplier>/<version>.arrow`` (Arrow IPC file, uncompressed) and its
    companions ``<version>.articles`` and ``.prefixes`` (``_companions``), fsync them, then point
    ``CURRENT`` at the version and drop old versions. Returns the written offers file.

    >>> report = load_price_file(read_profiles("suppliers.toml")[0])  # doctest: +SKIP
    >>> publish_offers("catalog", "ALFA", report.offers)  # doctest: +SKIP
    PosixPath('catalog/offers/ALFA/v...arrow')

    The file is stamped with the key rules and the brand registry its keys were made by: the
    ones the table says (``load_price_file``'s report, or offers read back from a file), else
    this partsearch's and the catalog's registry (a table built otherwise is taken as keyed
    as the catalog keys). A catalog opened with others warns (``_stamp``).
    """
    # (before the disk is touched: the code names the folder written, and ".." wrote CURRENT
    # into the catalog's root, whose clean-up then deleted offers/, crosses/ and loads/)
    supplier = checked_code(supplier, "publish_offers")
    catalog_dir = user_path(catalog_dir, CatalogError, "publish_offers: catalog_dir",
                            "a directory's path")
    if not isinstance(offers, pa.Table):
        raise CatalogError(f"publish_offers: offers must be a pyarrow Table (OFFERS_SCHEMA's "
                           f"columns; an empty one withdraws the supplier's offers), not "
                           f"{shown(offers)}")
    # (a table of no rows, a supplier's offers withdrawn, has no keys: it needs no registry,
    # so a brands.toml that cannot be read does not stop it)
    stamp = offers_stamp(offers.schema.metadata) or (
        {} if offers.num_rows == 0 else offers_metadata(catalog_registry(catalog_dir)))
    if not offers.schema.equals(OFFERS_SCHEMA):
        try:
            offers = with_later_columns(offers).select(OFFERS_SCHEMA.names).cast(OFFERS_SCHEMA)
        except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise CatalogError(f"offers of {supplier} do not match the offers schema: {exc}") \
                from exc
    from partsearch.loading._order import sorted_by_part

    try:
        # sorted by part: the search layer merges suppliers' files as sorted runs, without a
        # sort; every column validated in full on the way (~3 % of a publish): the search's
        # compiled code reads the text columns' offsets and bytes where they lie, trusting
        # them in bounds and UTF-8, and a table built from raw buffers could hold anything
        offers = sorted_by_part(offers)
    except pa.ArrowInvalid as exc:
        raise CatalogError(f"offers of {supplier} are not valid: {exc}") from exc
    from partsearch.loading import _companions as c

    area = Path(catalog_dir) / OFFERS / supplier
    name = new_version_name(".arrow")
    # the companions first: a version is whole once its offers file has its name
    files = (companion(name, c.ARTICLES), companion(name, c.PREFIXES), name)
    tmp = {f: area / f".{f}.tmp" for f in files}
    try:
        area.mkdir(parents=True, exist_ok=True)
        # the companions are computed and flushed while the offers file is written and
        # flushed (Arrow's writer, the companions' kernels and fsync release the GIL)
        with ThreadPoolExecutor(1) as pool:
            companions = pool.submit(_write_companions, offers, tmp[files[0]], tmp[files[1]])
            # stamped with the rules its keys were made by (_stamp)
            write_file(tmp[name], offers, OFFERS_SCHEMA.with_metadata(stamp))
            fsync_path(tmp[name])
            companions.result()
        for f in files:
            os.replace(tmp[f], area / f)
        fsync_path(area)
    except OSError as exc:
        for path in tmp.values():
            with contextlib.suppress(OSError):  # (an area that is no directory: nothing there)
                path.unlink(missing_ok=True)
        raise write_error("cannot write offers", exc, area / name) from exc
    write_pointer(area, name)
    collect_garbage(area)
    return area / name


def record_load(catalog_dir: str | Path, report: LoadReport) -> None:
    """Keep ``report``'s summary as the supplier's last load, ``loads/<CODE>.json`` (what
    ``partsearch info`` shows): its counts, its reasons of rejection by kind with their rows,
    the first rejected rows (line, reason, text), and its error when the file could not be
    read (its offers published before then stay current)."""
    import json

    import pyarrow.compute as pc

    checked_code(report.supplier, "record_load")
    reasons = report.rejected.column("reason")
    # a reason's kind is its text before the value it quotes: "bad quantity 'x'"
    kinds = pc.value_counts(pc.replace_substring_regex(reasons, r" '.*$", "")).to_pylist() \
        if len(reasons) else []
    head = report.rejected.slice(0, _FIRST_REJECTED).select(["line", "reason", "raw"]).to_pylist()
    record = {
        "supplier": report.supplier, "path": report.path,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(report.seconds, 3), "rows_read": report.rows_read,
        "offers": report.offers.num_rows, "rejected": report.rejected.num_rows,
        "reasons": sorted(([k["values"], k["counts"]] for k in kinds),
                          key=lambda kc: (-kc[1], kc[0])),
        "first_rejected": [[r["line"], r["reason"], (r["raw"] or "")[:_RAW_CHARS]]
                           for r in head],
        "error": report.error,
        "skipped": list(report.skipped),
        "encoding": report.encoding,
        "version": report.published.name if report.published is not None else None,
    }
    area = Path(catalog_dir) / LOADS
    try:
        area.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot create: {exc}", path=area) from exc
    write_atomic(area / f"{report.supplier}.json",
                 json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))


_FIRST_REJECTED = 5  # rejected rows a load's record keeps as examples
_RAW_CHARS = 200  # of each one's text as the file has it


def _write_companions(offers: pa.Table, articles: Path, prefixes: Path) -> None:
    from partsearch.loading._companions import write_companions

    write_companions(offers, articles, prefixes)
    fsync_path(articles)
    fsync_path(prefixes)


def read_offers(catalog_dir: str | Path, supplier: str | None = None) -> pa.Table:
    """The current offers of one supplier, or of all, memory-mapped (no copy into RAM).

    >>> read_offers("catalog", "ALFA").num_rows  # doctest: +SKIP
    421
    """
    root = Path(catalog_dir) / OFFERS
    if supplier is not None:
        areas = [root / supplier]
    else:
        areas = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    tables = []
    for area in areas:
        version = read_pointer(area) if area.is_dir() else None
        if version is None:
            continue
        tables.append(_mapped(area / version))
    if not tables:
        return OFFERS_SCHEMA.empty_table()
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)

def _mapped(path: Path) -> pa.Table:
    """An offers file, memory-mapped: its pages are the page cache's, not this process's; one
    published before a column of today's schema existed gets that column, all null."""
    try:
        table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except (OSError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot read offers: {exc}", path=path) from exc
    return with_later_columns(table) if table.schema.names != OFFERS_SCHEMA.names else table


def with_later_columns(table: pa.Table) -> pa.Table:
    """``table`` in today's column order, with each column the schema gained after its
    release (:data:`LATER_COLUMNS`) all null where it lacks one."""
    missing = [name for name in LATER_COLUMNS if name not in table.column_names]
    for name in missing:
        table = table.append_column(OFFERS_SCHEMA.field(name),
                                    pa.nulls(table.num_rows, OFFERS_SCHEMA.field(name).type))
    return table.select(OFFERS_SCHEMA.names) if missing else table


#: offers columns added after the first release, optional in a table given to publish and
#: in a file published before them
LATER_COLUMNS = ("delivery_hours_max",)


def register_profiles(catalog_dir: str | Path, profiles: Iterable[SupplierProfile]) -> None:
    """Write each profile to ``suppliers/<CODE>.json`` in the catalog, atomically."""
    profiles = list(profiles)
    for profile in profiles:  # (all checked before one is written)
        if not isinstance(profile, SupplierProfile):
            raise ProfileError(f"register_profiles: profiles must be SupplierProfile's, not "
                               f"{shown(profile)}")
        checked_code(profile.code, "register_profiles")
    area = Path(catalog_dir) / SUPPLIERS
    try:
        area.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot create: {exc}", path=area) from exc
    for profile in profiles:
        write_atomic(area / f"{profile.code}.json", profile.to_json().encode("utf-8"))

def _published(catalog: Path, code: str) -> bool:
    """Whether supplier ``code`` has offers published in ``catalog``."""
    area = catalog / OFFERS / code
    try:
        return area.is_dir() and read_pointer(area) is not None
    except CatalogError:  # (a damaged pointer, an emptied one: the load publishes it anew)
        return False


def read_registered_profiles(catalog_dir: str | Path) -> dict[str, SupplierProfile]:
    """Registered profiles of a catalog by supplier code (empty when none)."""
    area = Path(catalog_dir) / SUPPLIERS
    out: dict[str, SupplierProfile] = {}
    for path in sorted(area.glob("*.json")) if area.is_dir() else []:
        try:
            profile = SupplierProfile.from_json(path.read_bytes())
        except ProfileError as exc:
            raise ProfileError(exc.message, path=path) from exc
        except OSError as exc:
            raise CatalogError(f"cannot read: {exc}", path=path) from exc
        out[profile.code] = profile
    return out

def load_suppliers(toml_path: str | Path, catalog_dir: str | Path, *, supplier: str | None = None,
                   progress: Progress | None = None) -> list[LoadReport]:
    """Load and publish each file supplier of ``toml_path`` (or only ``supplier``), and
    register every profile. A file that cannot be read, or that gives no offer (no data rows,
    or every row rejected), gives a report with ``error`` set and leaves that supplier's
    published offers as they were; the others still load. A published
    report's ``offers`` is the file it published, memory-mapped (rows in part order), so the
    reports of hundreds of suppliers hold none of their offers in memory.

    A file supplier's profile is registered right after its offers are published: its terms
    (pickup points, delivery, minimum sum) are the published offers' own, never a new profile's
    over the old offers while a file loads or after it failed. One with no offers published
    yet, and every online supplier, is registered at once (there is nothing to mix with).

    >>> [r.error for r in load_suppliers("suppliers.toml", "catalog")]  # doctest: +SKIP
    [None, None, None, None]
    """
    toml_path = user_path(toml_path, ProfileError, "load_suppliers: toml_path",
                          "a suppliers.toml's path")
    catalog = user_path(catalog_dir, CatalogError, "load_suppliers: catalog_dir",
                        "a directory's path")
    # (before anything is published: progress=5 raised at its first call, after the first
    # suppliers' offers were published)
    if supplier is not None and not isinstance(supplier, str):
        raise ProfileError(f"load_suppliers: supplier must be a supplier code (text) or None, "
                           f"not {shown(supplier)}")
    if progress is not None and not callable(progress):
        raise ProfileError(f"load_suppliers: progress must be a callable, progress(supplier, "
                           f"done, total), or None, not {shown(progress)}")
    profiles = read_profiles(toml_path)
    if supplier is not None and supplier not in {p.code for p in profiles}:
        raise ProfileError(f"no supplier {shown(supplier)}", path=toml_path)
    register_profiles(catalog, [p for p in profiles if not _published(catalog, p.code)
                                or p.is_online])
    registry = catalog_registry(catalog)
    todo = [p for p in profiles if not p.is_online and supplier in (None, p.code)]
    budget = MemoryBudget(machine_bytes() // 2)

    def load(profile: SupplierProfile) -> LoadReport:
        with budget.hold(peak_bytes(profile.file)):
            try:
                report = load_price_file(profile, registry=registry)
            except PriceFileError as exc:
                report = LoadReport(
                    supplier=profile.code, path=str(profile.file), rows_read=0,
                    offers=OFFERS_SCHEMA.empty_table(), rejected=REJECTED_SCHEMA.empty_table(),
                    seconds=0.0, error=str(exc))
            else:
                empty = _nothing_to_offer(report)
                if empty is not None:  # (a truncated export would withdraw every offer)
                    report = replace(report, error=str(empty))
                    record_load(catalog, report)
                    return report
                published = publish_offers(catalog, profile.code, report.offers)
                register_profiles(catalog, [profile])  # (with its offers, not before)
                # the report keeps the published file, mapped, not the table built in memory:
                # a catalog of hundreds of suppliers would otherwise hold every one of them
                # until the last is loaded
                report = replace(report, offers=_mapped(published), published=published)
            record_load(catalog, report)
            return report

    # two files at a time: much of a load runs on one core (a spreadsheet's parse, polars'
    # parsers, a publish's fsyncs); the 50M world's four files took 17.6-21.0 s one by one,
    # 12.2-12.6 s two at a time
    reports: list[LoadReport] = []
    with ThreadPoolExecutor(2) as pool:
        loads: deque[Future[LoadReport]] = deque()  # submitted, in the profiles' order
        try:
            for i, profile in enumerate(todo):
                while len(loads) < _AHEAD and i + len(loads) < len(todo):
                    loads.append(pool.submit(load, todo[i + len(loads)]))
                if progress is not None:
                    progress(profile.code, i, len(todo))
                reports.append(loads.popleft().result())
        except BaseException:
            pool.shutdown(cancel_futures=True)  # (a catalog that cannot be written: stop)
            raise
    if progress is not None:
        progress("", len(todo), len(todo))
    return reports

