"""What a catalog holds, for whoever runs it: each supplier's offers, their age and brands,
its last load (rows rejected and why, or why the file could not be read), and the cross index.

>>> info = catalog_info("catalog", now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # doctest: +SKIP
>>> [(s.code, s.offers, s.age_hours, s.stale) for s in info.suppliers]  # doctest: +SKIP
[('ALFA', 421, 6.0, False), ('BETA', 276, 6.0, False), ..., ('ONLINE1', 0, None, False)]
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from partsearch._catalog import (
    CROSSES,
    GRACE_S,
    LOADS,
    OFFERS,
    POINTER,
    check_catalog,
    missing_pointer,
    old_entries,
    read_pointer,
    unpublished,
    version_stem,
)
from partsearch._inputs import shown, user_path
from partsearch._stamp import StaleKeys, stale_keys
from partsearch.errors import CatalogError

if TYPE_CHECKING:
    import pyarrow as pa

    from partsearch.brands import BrandRegistry

__all__ = ["CatalogInfo", "CrossesInfo", "LoadRecord", "MergeInfo", "OldVersionInfo",
           "StaleKeys", "SupplierInfo", "catalog_info"]


@dataclass(frozen=True, slots=True)
class LoadRecord:
    """A supplier's last load (``partsearch load``): when, from which file, its counts, its
    reasons of rejection by kind (most rows first) and the first rejected rows (line, reason,
    the row's text as the file has it, cut at 200 characters);
    ``error`` when the file could not be read, its offers published before then current."""

    finished: str
    path: str
    seconds: float
    rows_read: int
    offers: int
    rejected: int
    reasons: tuple[tuple[str, int], ...]
    first_rejected: tuple[tuple[int, str, str], ...]
    error: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class SupplierInfo:
    """One registered supplier: ``kind`` ``file`` or ``online`` (``api`` its kind and URL,
    never its credentials); the current offers, the price file's time and age (``stale``
    past the catalog's ``stale_after_hours``) and the brands with most offers. ``error`` when
    its offers cannot be served: its pointer (``offers/<CODE>/CURRENT``) missing although
    versions are there, or damaged (search shows none of its offers, or refuses); ``damaged``
    when its last load's record (``loads/<CODE>.json``) cannot be read (``last_load`` None;
    the next load writes it anew)."""

    code: str
    name: str
    kind: str
    offers: int
    price_file_time: str | None
    age_hours: float | None
    stale: bool
    brands: tuple[tuple[str, int], ...]
    last_load: LoadRecord | None
    api: tuple[str, str] | None
    error: str | None = None
    damaged: str | None = None


@dataclass(frozen=True, slots=True)
class CrossesInfo:
    """The current cross snapshot: parts, classes, the largest class, the distinct crosses
    read and those the guard held back (``partsearch crosses build``); ``error`` when it
    cannot be used: damaged as :meth:`CrossIndex.open` finds it (a missing or truncated file,
    a bad manifest or pointer; its counts then its manifest's, None when that is unreadable),
    or none published although snapshots are there (``crosses/CURRENT`` missing: ``version``
    None). Search, ``crosses explain`` and ``verify`` refuse what it calls damaged."""

    version: str | None
    parts: int | None
    classes: int | None
    largest_class: int | None
    crosses: int | None
    held_back: int | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class MergeInfo:
    """A merge of offers files kept on disk for the engines to map (``offers/.merged``):
    its files, rows and bytes, and whether its files are the current ones."""

    name: str
    files: int
    rows: int
    bytes: int
    current: bool


@dataclass(frozen=True, slots=True)
class OldVersionInfo:
    """A version on disk beside the current one of its ``area`` (``offers/<CODE>`` or
    ``crosses``): a superseded offers file with its companions, or snapshot, or (``temporary``)
    what a load or build that failed or was killed left; its files, bytes and age (its newest
    file's), and whether the next load or build of its area removes it (``removable``: older
    than 10 minutes, and a temporary or not one of the two newest versions)."""

    area: str
    name: str
    temporary: bool
    files: int
    bytes: int
    age_minutes: float
    removable: bool


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """:func:`catalog_info`'s answer; ``to_dict()`` is JSON-ready."""

    path: str
    suppliers: tuple[SupplierInfo, ...]
    crosses: CrossesInfo | None
    stale_after_hours: float
    merges: tuple[MergeInfo, ...] = ()
    old_versions: tuple[OldVersionInfo, ...] = ()
    # what was keyed by other rules than this partsearch's (an older release) or with another
    # brand registry than the catalog's now, as ``Engine.open`` warns of it; None when nothing
    stale_keys: StaleKeys | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")


def catalog_info(catalog: str | Path, *, brands: int = 5, now: datetime | None = None
                 ) -> CatalogInfo:
    """What ``catalog`` holds (see the module's docstring), ages as of ``now`` (a datetime;
    UTC unless it says otherwise, as a search's); the top ``brands`` brands of each supplier
    by offers (a pass over its brand column).

    >>> catalog_info("catalog").crosses.parts                          # doctest: +SKIP
    2083
    """
    from partsearch.loading import OFFERS_SCHEMA
    from partsearch.loading.load import read_offers, read_registered_profiles
    from partsearch.search._config import CatalogConfig

    root = user_path(catalog, CatalogError, "catalog_info: catalog", "a directory's path")
    if isinstance(brands, bool) or not isinstance(brands, int) or brands < 0:
        # (-1 was read as a slice: every brand but the last one)
        raise CatalogError(f"brands must be a count of 0 or more, not {shown(brands)}")
    if now is not None and not isinstance(now, datetime):
        # (a text, a number or a date raised TypeError from the first age taken)
        raise CatalogError(f"now must be a datetime, not {shown(now)}")
    # (as Engine.open tells a catalog: "/tmp" was an empty catalog, "crosses: none built")
    check_catalog(root)
    config = CatalogConfig.load(root)  # (its brand registry too: a stale key's, below)
    stale_after = config.stale_after_hours
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:  # (as a search reads it: UTC, where it raised TypeError)
        moment = moment.replace(tzinfo=UTC)
    profiles = read_registered_profiles(root)
    # (each mapped once: its counts and brands, and its stamp for the stale keys)
    offers, errors = {}, {}
    for code in profiles:
        try:
            offers[code] = read_offers(root, code)
        except CatalogError as exc:  # (a damaged pointer: told, and the others shown)
            offers[code], errors[code] = OFFERS_SCHEMA.empty_table(), str(exc)
        if not profiles[code].is_online and (lost := unpublished(root / OFFERS / code)):
            errors[code] = missing_pointer(
                root / OFFERS / code, lost, "no offers are",
                f"search shows none of {code}'s; `partsearch load --supplier {code}` "
                "publishes them anew")
    suppliers = tuple(replace(_supplier(root, profile, offers[code], brands, moment,
                                        stale_after), error=errors.get(code))
                      for code, profile in profiles.items())
    crosses, manifest = _crosses(root)
    return CatalogInfo(str(root), suppliers, crosses, stale_after, _merges(root),
                       _old_versions(root), _stale_keys(root, manifest, offers, config.registry))


def _stale_keys(root: Path, manifest: dict[str, Any] | None, offers: dict[str, pa.Table],
                registry: BrandRegistry) -> StaleKeys | None:
    """What of the catalog's current snapshot (its ``manifest``, None without one) and offers
    files (``offers``, the registered suppliers', and those of any other supplier, which an
    engine searches too) was keyed by other rules or another brand registry than ``registry``
    (the catalog's), as an engine opening it finds (an offers file that cannot be read is left
    to the engine to tell)."""
    from partsearch.loading.load import read_offers

    tables = dict(offers)
    area = root / OFFERS
    for sub in sorted(area.iterdir()) if area.is_dir() else ():
        if sub.name not in tables and sub.is_dir() and not sub.name.startswith("."):
            with contextlib.suppress(CatalogError):
                tables[sub.name] = read_offers(root, sub.name)
    return stale_keys(manifest, ((code, t.num_rows, t.schema.metadata)
                                 for code, t in tables.items()), registry)


def _old_versions(root: Path) -> tuple[OldVersionInfo, ...]:
    """What :func:`partsearch._catalog.collect_garbage` has not removed yet, each supplier's
    and the snapshots', from stat calls alone (no file is read)."""
    offers = root / OFFERS
    areas = sorted(p for p in offers.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if offers.is_dir() else []
    if (root / CROSSES).is_dir():
        areas.append(root / CROSSES)
    now = time.time()
    out = []
    for area in areas:
        try:
            entries = old_entries(area)
        except (CatalogError, OSError):  # (a bad pointer: the supplier's or crosses' own error)
            continue
        groups: dict[tuple[str, bool], list[tuple[int, int, float, bool]]] = {}
        for path, removable in entries:
            groups.setdefault((version_stem(path.name), path.name.startswith(".")), []).append(
                (*_usage(path), removable))
        for (name, temporary), parts in groups.items():
            newest = max(t for _n, _b, t, _r in parts)
            age = (now - newest) / 60
            out.append(OldVersionInfo(
                area.relative_to(root).as_posix(), name, temporary,
                sum(n for n, _b, _t, _r in parts), sum(b for _n, b, _t, _r in parts),
                round(age, 1), age * 60 >= GRACE_S and all(r for *_x, r in parts)))
    return tuple(out)


def _usage(path: Path) -> tuple[int, int, float]:
    """The files below ``path`` (itself, if a file), their bytes, and its own change time (the
    age the garbage collection goes by)."""
    try:
        st = path.stat()
    except FileNotFoundError:  # (removed since the listing)
        return 0, 0, 0.0
    if not path.is_dir():
        return 1, st.st_size, st.st_mtime
    files, size = 0, 0
    for entry in os.scandir(path):
        n, b, _t = _usage(Path(entry.path))
        files, size = files + n, size + b
    return files, size, st.st_mtime


def _merges(root: Path) -> tuple[MergeInfo, ...]:
    from partsearch.search._merged import merges

    area = root / OFFERS
    areas = [p for p in area.iterdir() if p.is_dir() and not p.name.startswith(".")] \
        if area.is_dir() else []
    current = {(p.name, v) for p in areas if (v := _pointer(p)) is not None}
    out = []
    for m in sorted(merges(area), key=lambda m: m.path.name):
        size = sum(f.stat().st_size for f in m.path.iterdir() if f.is_file())
        out.append(MergeInfo(m.path.name, len(m.files), int(m.sizes.sum()), size,
                             set(m.files) == current))
    return tuple(out)


def _pointer(area: Path) -> str | None:
    """:func:`read_pointer`, a bad pointer as none (its supplier's error tells it)."""
    try:
        return read_pointer(area)
    except CatalogError:
        return None


def _supplier(root: Path, profile: Any, table: pa.Table, top: int, now: datetime,
              stale_after: float) -> SupplierInfo:
    """``profile``'s supplier, of its offers ``table`` (empty before the first publish)."""
    import pyarrow.compute as pc

    offers, file_time = table.num_rows, None
    brands: tuple[tuple[str, int], ...] = ()
    if offers:
        file_time = table.column("price_file_time")[0].as_py()
        counts = pc.value_counts(table.column("brand")).to_pylist()
        brands = tuple((c["values"], c["counts"]) for c in sorted(
            counts, key=lambda c: (-c["counts"], c["values"]))[:top])
    age = None if file_time is None else round((now - file_time).total_seconds() / 3600, 1)
    api = None if profile.api is None else (str(profile.api.get("kind")),
                                            str(profile.api.get("url", "")))
    try:
        last, damaged = _last_load(root, profile.code), None
    except CatalogError as exc:  # (one damaged record: told, the rest of the catalog shown)
        last, damaged = None, str(exc)
    return SupplierInfo(
        profile.code, profile.name, "online" if profile.is_online else "file", offers,
        None if file_time is None else file_time.isoformat(), age,
        age is not None and age > stale_after, brands, last, api, damaged=damaged)


def _last_load(root: Path, code: str) -> LoadRecord | None:
    path = root / LOADS / f"{code}.json"
    try:
        raw = json.loads(path.read_bytes())
        return LoadRecord(
            raw["finished"], raw["path"], raw["seconds"], raw["rows_read"], raw["offers"],
            raw["rejected"], tuple((k, n) for k, n in raw["reasons"]),
            tuple((line, why, text) for line, why, text in raw["first_rejected"]),
            raw["error"],
            raw["version"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        said = f"{exc.strerror or exc}" if isinstance(exc, OSError) else \
            f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise CatalogError(f"the record of the last load is damaged ({said}); the next load "
                           "writes it anew", path=path) from exc


def _crosses(root: Path) -> tuple[CrossesInfo | None, dict[str, Any] | None]:
    """The current snapshot, opened as :meth:`CrossIndex.open` opens it (its manifest, each
    file's size and sampled checksums: a millisecond at 200M crosses), where ``info`` had
    shown a snapshot that search refuses as healthy; and its manifest, when it reads (for
    the stale keys)."""
    from partsearch.crosses._snapshot import MANIFEST, open_arrays
    from partsearch.errors import SnapshotError

    area = root / CROSSES
    if not area.is_dir():
        return None, None
    try:
        version = read_pointer(area)
    except CatalogError as exc:
        return CrossesInfo(None, None, None, None, None, None, str(exc)), None
    if version is None:
        present = sorted(p.name for p in area.iterdir() if p.is_dir()
                         and not p.name.startswith(".") and (p / MANIFEST).exists())
        return None if not present else CrossesInfo(
            None, None, None, None, None, None,
            f"{area / POINTER}: missing, so no snapshot is published (search runs without "
            f"analogs) although {', '.join(present)} {'is' if len(present) == 1 else 'are'} "
            "there: build the crosses again"), None
    try:
        m, error = open_arrays(area / version)[0], None
    except SnapshotError as exc:
        error = str(exc)
        try:  # (its counts, when its manifest still reads)
            m = json.loads((area / version / MANIFEST).read_bytes())
            counts = [m[k] for k in ("parts", "classes", "largest_class", "crosses",
                                     "accepted")]
            if not all(type(c) is int for c in counts):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError):
            return CrossesInfo(version, None, None, None, None, None, error), None
    return CrossesInfo(version, m["parts"], m["classes"], m["largest_class"], m["crosses"],
                       m["crosses"] - m["accepted"], error), m
