"""The snapshot directory: flat arrays written once, memory-mapped at open, published atomically.

    crosses/<version>/manifest.json   counts, brands, sources, kinds, and each file's size and
                                      checksum of its ends ("files"), of sampled pages
                                      (``_fingerprint``, checked at open) and of all of it
                                      (``verify``) ("checks")
    crosses/<version>/*.npy           the arrays below (numpy format: memory-mappable, typed)
    crosses/<version>/held_back.csv   crosses kept out of the classes, with the reason

Parts are numbered by the rank of their hash (``part_hash`` sorted), so lookup is a binary
search. A part's article as written is ``article_len`` bytes of ``article_data`` from
``article_start`` (the text lies in the order parts were first seen). Classes are CSR
(``class_off``, ``class_parts``, members ascending). The adjacency of accepted crosses is CSR
(``adj_off``, ``adj_to``, ``adj_edge``, ``adj_sup``) over the edge arrays; the search reads its
class-local copy, laid out along ``class_parts``: per member slot ``class_adj_off`` (into
``class_adj_to``, targets as positions within the class, and ``class_adj_sup``) and the
member's ``class_hash``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

try:  # ISA-L's CRC-32: zlib's values at ~7x its speed (24 against 3.5 GiB/s here): a 200M
    # build checksums the whole 22 GB snapshot it writes, ~6 s of zlib's on its critical path
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # (a platform without its wheels)
    from zlib import crc32 as _crc32

from partsearch._catalog import (
    CROSSES,
    collect_garbage,
    fsync_tree,
    map_file,
    new_version_name,
    write_error,
    write_pointer,
)
from partsearch._stamp import snapshot_stamp
from partsearch.crosses._guard import BRIDGE, PAIR, REASONS
from partsearch.errors import PartsearchError, SnapshotError

if TYPE_CHECKING:  # the build's writer thread only: opening an index must not import it
    from concurrent.futures import Future, ThreadPoolExecutor

    from partsearch.brands import BrandRegistry

FORMAT = 5  # 2: adj_sup, the support of each adjacency slot; 3: article_start/article_len;
# 4: the class-local adjacency and hashes (class_adj_off, class_adj_to, class_adj_sup, class_hash);
# 5: part_class, each part's class stretch and place in it
MANIFEST = "manifest.json"
ARRAYS = ("part_hash", "part_brand", "article_start", "article_len", "article_data", "art_hash",
          "art_order", "class_id", "class_off", "class_parts", "adj_off", "adj_to", "adj_edge",
          "adj_sup", "edge_a", "edge_b", "edge_kind", "edge_support", "edge_state",
          "edge_src_off", "edge_src", "class_adj_off", "class_adj_to", "class_adj_sup",
          "class_hash", "part_class")
# the arrays a search reads at random, a few cache lines per part of a class (the article
# index's two: a search without a brand): mapped in 2 MiB pages (see _map)
SEARCHED = frozenset({"part_hash", "part_brand", "part_class", "class_parts",
                      "class_adj_off", "class_adj_to", "class_adj_sup", "class_hash",
                      "art_hash", "art_order"})
_SAMPLE = 64 << 10
_PAGE, _PAGES = 4 << 10, 5  # the pages of a file's middle its fingerprint reads (_fingerprint)
HELD_BACK = "held_back.csv"
# held_back.csv's reason, by the cross's state (0 accepted is never listed; 2 blacklisted)
_REASONS = ("", REASONS[BRIDGE], "blacklisted", REASONS[PAIR])
_SLICE = 1 << 20  # int64s converted at a time by Writer.save: small enough for malloc to reuse
_HUGE = 2 << 20  # a huge page; Writer.save's writes end on multiples of it


class Writer:
    """A snapshot being written: each array is saved as soon as it exists (so the build never
    holds them all), under a temporary name that :meth:`publish` renames in one step. Leaving
    the ``with`` block by an exception, or a killed process, leaves no published trace.

    ``work`` is a scratch directory inside the temporary one, removed at publish. A write
    that fails (a full disk, a read-only catalog) is a :class:`SnapshotError` naming the file,
    or the temporary folder, and the OS's words, as a failed load's ``CatalogError`` is.

    A build that fails lets go of its files before the ``with`` block is left: what it
    registered with :meth:`on_exit` is closed, and the frames its error carries are cleared
    (their locals hold mapped arrays of the temporary folder, and the readers of the cross
    files), so their descriptors and the deleted folder's disk space are freed at once, not
    whenever the error and a reference cycle through it are collected (a full disk stayed full
    while the caller held the error)."""

    def __init__(self, catalog: Path) -> None:
        self.area = catalog / CROSSES
        self.version = new_version_name()
        self.tmp = self.area / f".{self.version}.tmp"
        self.work = self.tmp / "work"
        try:
            self.area.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir()
            self.work.mkdir()
        except OSError as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise _cannot_write(exc, self.tmp) from exc
        self.files: dict[str, dict[str, int]] = {}
        self._saving: dict[str, Future[None]] = {}
        self._saver: ThreadPoolExecutor | None = None
        self._closers: list[Callable[[], None]] = []

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: Any, exc: Any, _tb: Any) -> None:
        failed = None
        try:
            if kind is None:
                self.flush()
        except BaseException as late:
            exc = late
            raise
        finally:
            if self._saver is not None:
                self._saver.shutdown(wait=True, cancel_futures=True)
            for close in self._closers:
                with contextlib.suppress(OSError):  # (its last write's error is told below)
                    close()
            if isinstance(exc, OSError) and self._ours(exc):
                # the scratch files' and the publish's writes, told here: asked before the
                # folder goes, so a short write sees the disk as full as it was
                failed = _cannot_write(exc, self.tmp if exc.filename is None
                                       else Path(exc.filename))
            if exc is not None:
                # (the frames below the ``with`` block: finished, their locals of no more use)
                traceback.clear_frames(exc.__traceback__)
                shutil.rmtree(self.tmp, ignore_errors=True)
            try:
                if failed is not None:
                    raise failed from exc
            finally:  # (this frame, in the raised error's traceback, would hold it: a cycle)
                failed = exc = None

    def on_exit(self, close: Callable[[], None]) -> None:
        """Call ``close`` (a scratch file's) when the ``with`` block is left, however."""
        self._closers.append(close)

    def _ours(self, exc: OSError) -> bool:
        """Whether ``exc`` is a write of this snapshot's (the reader tells the cross files'
        own errors as CrossFileError; a blacklist that cannot be read is not ours either)."""
        if exc.filename is None:
            return True
        return bool(os.path.abspath(exc.filename).startswith(os.path.abspath(self.area)
                                                             + os.sep))

    def path(self, name: str) -> Path:
        return self.tmp / f"{name}.npy"

    def save(self, name: str, arr: np.ndarray, dtype: Any = None) -> None:
        """Write ``arr`` (as ``dtype`` when given) on the writer thread, so the build goes on
        computing while the page cache takes the bytes (16 GB of snapshot at 200M crosses).
        The array is kept alive, and must not change, until :meth:`flush` (or :meth:`load` of
        the same name, or :meth:`publish`)."""
        self._saving[name] = self._submit(self._write, name, arr, dtype)

    def _submit(self, fn: Any, *args: Any) -> Future[None]:
        if self._saver is None:
            from concurrent.futures import ThreadPoolExecutor

            self._saver = ThreadPoolExecutor(1, thread_name_prefix="partsearch-save")
        return self._saver.submit(fn, *args)

    def flush(self) -> None:
        """Wait for every pending save (and free the arrays they hold); raise the first
        failure."""
        saving, self._saving = self._saving, {}
        for future in saving.values():
            future.result()

    def _write(self, name: str, arr: np.ndarray, dtype: Any) -> None:
        # a converted copy of a whole large array would be fresh memory: in a VM that hands
        # freed memory back to its host, touching it costs more than the conversion
        path = self.path(name)
        try:
            crc = self._append(path, arr, dtype)
        except OSError as exc:
            raise _cannot_write(exc, path) from exc
        self.saved(name, crc)

    def _append(self, path: Path, arr: np.ndarray, dtype: Any) -> int:
        dtype = arr.dtype if dtype is None else np.dtype(dtype)
        flat = np.ascontiguousarray(arr).reshape(-1)
        with AppendFile(path, dtype, arr.shape) as f:
            # slices that end on huge-page boundaries of the file, so the page cache keeps it
            # in whole 2 MiB folios, which a reader maps in huge pages (_map); one write
            # starting right after the header (np.save's) left about half of a file in small
            # folios (10M world: 14 of class_id's 28 MB mapped huge, 26 MB written in slices)
            size = dtype.itemsize
            lo, hi = 0, (_HUGE - f.tell()) // size
            while lo < flat.size:
                f.write(flat[lo:hi].astype(dtype, copy=False))
                lo, hi = hi, hi + _SLICE * 8 // size  # 8 MiB a slice
        return f.crc

    def saved(self, name: str, crc: int | None = None) -> None:
        """Record an array written to :meth:`path` directly, with the checksum of all of it
        (``crc``) when the writer kept one; else it is read back on the writer thread."""
        entry = _fingerprint(self.path(name))
        self.files[f"{name}.npy"] = entry
        if crc is None:
            def whole() -> None:
                entry["all"] = _checksum(self.path(name))

            self._saving[f"{name} (checksum)"] = self._submit(whole)
        else:
            entry["all"] = crc

    def load(self, name: str) -> np.ndarray:
        """An array already saved, mapped back."""
        if name in self._saving:
            self._saving.pop(name).result()
        return _map(self.path(name), huge=False)

    def publish(self, counts: dict[str, Any], registry: BrandRegistry,
                sources: str | None = None) -> Path:
        """Publish the snapshot of ``counts``, its brands keyed with ``registry`` (read from
        files of the digest ``sources``, when the build read the catalog's)."""
        self.flush()
        missing = [name for name in ARRAYS if f"{name}.npy" not in self.files]
        if missing:
            raise SnapshotError(f"snapshot is missing {missing}", path=self.tmp)
        if not (self.tmp / HELD_BACK).is_file():
            raise SnapshotError(f"snapshot is missing {HELD_BACK}", path=self.tmp)
        shutil.rmtree(self.work)
        files = {f"{name}.npy": self.files[f"{name}.npy"] for name in ARRAYS}
        held = self.tmp / HELD_BACK
        files[HELD_BACK] = _fingerprint(held) | {"all": _checksum(held)}
        # "files" keeps the size and ends alone, as partsearch wrote them before the pages and
        # the whole-file checksums (in "checks"): an older partsearch compares each entry
        # whole, and would call every file of this snapshot damaged (a worker not yet
        # upgraded, or a rollback, opening what a newer build published)
        # the rules and brand registry its keys were made by: an open under others says it
        # is stale (_stamp)
        manifest = {"format": FORMAT, "version": self.version, **snapshot_stamp(registry, sources),
                    **counts,
                    "files": {name: {k: entry[k] for k in _ENDS}
                              for name, entry in files.items()},
                    "checks": {name: {k: v for k, v in entry.items() if k not in _ENDS}
                               for name, entry in files.items()}}
        (self.tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        fsync_tree(self.tmp)
        final = self.area / self.version
        self.tmp.rename(final)
        write_pointer(self.area, self.version)
        collect_garbage(self.area)
        return final


def _cannot_write(exc: OSError, path: Path) -> PartsearchError:
    return write_error("cannot write the cross snapshot", exc, path, SnapshotError)


class AppendFile:
    """A new ``.npy`` file of ``shape`` and ``dtype`` with its header written, open for its
    data to be appended by :meth:`write` (a C-order array's bytes, in order), which keeps the
    checksum of the whole file (``crc``: :func:`verify` compares it) as the bytes go by."""

    def __init__(self, path: Path, dtype: Any, shape: tuple[int, ...]) -> None:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": np.lib.format.dtype_to_descr(
            np.dtype(dtype)), "fortran_order": False, "shape": shape})
        self.file: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.file.write(header.getvalue())
        self.crc = _crc32(header.getvalue())

    def tell(self) -> int:
        return self.file.tell()

    def write(self, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr)
        self.crc = _crc32(arr.reshape(-1).view(np.uint8).data, self.crc)
        arr.tofile(self.file)

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> AppendFile:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


def _map(path: Path, huge: bool) -> np.ndarray:
    """A saved array as a read-only view of its mapped file (``_catalog.map_file``; a small
    one read whole: an empty file cannot be mapped). The searched arrays take ``huge``: 200M
    world, the files read back by each code in turn, p50 64-71 -> 62-65 us, p99 2.9 -> 2.3 ms
    (session 14 in benchmarks/HISTORY.md)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        offset = f.tell()
        if fortran or dtype.hasobject:
            raise ValueError("not a flat array of numbers")
        if path.stat().st_size <= _SAMPLE:  # small, maybe empty (an empty file cannot map)
            small = np.fromfile(f, dtype=dtype).reshape(shape)
            small.flags.writeable = False
            return small
    count = int(np.prod(shape, dtype=np.int64))
    return np.frombuffer(map_file(path, huge=huge), dtype=dtype, count=count,
                         offset=offset).reshape(shape)


def article_text(arrays: dict[str, np.ndarray], pid: int) -> str:
    """Part ``pid``'s article as first written (see the module docstring)."""
    at = int(arrays["article_start"][pid])
    return bytes(arrays["article_data"][at:at + int(arrays["article_len"][pid])]).decode("utf-8")


def write_held_back(tmp: Path, arrays: dict[str, np.ndarray], side: np.ndarray,
                    brands: list[str], sources: list[str]) -> None:
    """``held_back.csv``: every cross kept out of the classes, named, with its reason (built
    column by column: a Python step per held cross took 3 s at 200M crosses)."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    held = np.flatnonzero(arrays["edge_state"] != 0)
    a, b = arrays["edge_a"][held], arrays["edge_b"][held]
    brand_names = pa.array(brands, pa.string())

    def articles(ids: np.ndarray) -> pa.Array:
        return _strings(arrays["article_data"], arrays["article_start"][ids],
                        arrays["article_len"][ids])

    src_off = arrays["edge_src_off"]
    offsets, where = _spans(src_off[held], src_off[held + 1] - src_off[held])
    names = pa.array(sources, pa.string()).take(pa.array(arrays["edge_src"][where]))
    table = pa.table({
        "brand_a": brand_names.take(pa.array(arrays["part_brand"][a])),
        "article_a": articles(a),
        "brand_b": brand_names.take(pa.array(arrays["part_brand"][b])),
        "article_b": articles(b),
        "sources": pc.binary_join(pa.LargeListArray.from_arrays(offsets, names), ","),
        "reason": pa.array(np.array(_REASONS)[arrays["edge_state"][held]], pa.string()),
        "smaller_side": side[held].astype(np.int64),
    })
    try:
        pl.DataFrame(table).write_csv(tmp / HELD_BACK)
    except OSError as exc:  # (polars names no file)
        raise _cannot_write(exc, tmp / HELD_BACK) from exc


def _spans(first: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indexes ``first[i]`` to ``first[i] + count[i]`` (exclusive) of every ``i``, in
    order, as one array; and where each ``i``'s begin in it (Arrow's offsets: ``i + 1``
    entries)."""
    count = count.astype(np.int64)
    offsets = np.zeros(count.size + 1, dtype=np.int64)
    np.cumsum(count, out=offsets[1:])
    where = np.arange(offsets[-1], dtype=np.int64)
    where += np.repeat(first.astype(np.int64) - offsets[:-1], count)
    return offsets, where


def _strings(data: np.ndarray, start: np.ndarray, length: np.ndarray) -> Any:
    """The UTF-8 texts ``data[start[i]:start[i] + length[i]]`` as an Arrow string array."""
    import pyarrow as pa

    offsets, where = _spans(start, length)
    out = pa.LargeStringArray.from_buffers(length.size, pa.py_buffer(offsets),
                                           pa.py_buffer(np.ascontiguousarray(data[where])))
    out.validate(full=True)  # the build wrote them as UTF-8; a damaged scratch file says so
    return out


def _checksum(path: Path) -> int:
    """The checksum of all of a file (its fingerprint's ``all``), read 16 MiB at a time."""
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            crc = _crc32(chunk, crc)
    return crc


def verify(snapshot: Path) -> tuple[int, int, list[str]]:
    """Read every byte of every file of a snapshot (opened: its manifest checked, see
    :func:`open_arrays`) and compare each file's checksum with the one the build recorded.
    Returns the files and bytes read and the files without a recorded checksum (a snapshot
    built before there was one: not read, there is nothing to compare them with); raises
    :class:`SnapshotError` at a file that differs."""
    files = _entries(json.loads((snapshot / MANIFEST).read_text(encoding="utf-8")))
    read, unchecked = 0, []
    for name, want in files.items():
        path = snapshot / name
        if "all" not in want:  # (22 GB read for nothing, at 200M crosses)
            unchecked.append(name)
            continue
        try:
            crc = _checksum(path)
        except FileNotFoundError as exc:
            raise SnapshotError("snapshot file is missing", path=path) from exc
        read += path.stat().st_size
        if crc != want["all"]:
            raise SnapshotError(f"snapshot file is damaged (checksum {crc}, recorded "
                                f"{want['all']})", path=path)
    return len(files), read, unchecked


def _fingerprint(path: Path, pages: bool = True) -> dict[str, int]:
    """A file's size, the checksum of its first and last 64 KiB (``crc``: the header, and
    what a truncated or partly written file lacks), and of ``_PAGES`` pages spread evenly
    between them (``pages``: a damage in the middle of a large file, where a page is hit).
    Reading all of it would take seconds at 200M crosses; see :func:`verify`."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE)
        fh.seek(max(0, size - _SAMPLE))
        tail = fh.read(_SAMPLE)
        out = {"bytes": size, "crc": _crc32(head + tail)}
        if pages:
            crc, inner, fd = 0, size - 2 * _SAMPLE, fh.fileno()  # (a small file: no middle)
            for i in range(1, _PAGES + 1) if inner > _PAGE else ():
                crc = _crc32(os.pread(fd, _PAGE, _SAMPLE + (inner - _PAGE) * i
                                          // (_PAGES + 1)), crc)
            out["pages"] = crc
    return out


def read_counts(snapshot: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((snapshot / MANIFEST).read_text())
    return data


_COUNTS = ("parts", "classes", "largest_class", "crosses", "accepted")
_ENDS = ("bytes", "crc")  # a manifest's "files" entry; "checks" has the rest (Writer.publish)


def _entries(manifest: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Each file's fingerprint and checksum as the build recorded them: its "files" entry with
    its "checks" entry (none in a snapshot published before there were any)."""
    checks = manifest.get("checks", {})
    return {name: want | checks.get(name, {}) for name, want in manifest["files"].items()}


_NAMES = ("brands", "sources", "kinds")


def _check_manifest(manifest: Any, path: Path) -> None:
    """Refuse a manifest that is not what a build writes, saying what is wrong (a damaged or
    hand-edited one would fail later, at the first use of what it lacks)."""
    if not isinstance(manifest, dict):
        raise SnapshotError(f"manifest is not a JSON object but {type(manifest).__name__}",
                            path=path)
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"snapshot format {manifest.get('format')!r}, expected {FORMAT}: "
                            "rebuild it with `partsearch crosses build`", path=path.parent)
    wrong = [f"{key!r} is not a count" for key in _COUNTS
             if type(manifest.get(key)) is not int or manifest[key] < 0]
    wrong += [f"{key!r} is not a list of names" for key in _NAMES
              if not isinstance(manifest.get(key), list)
              or not all(isinstance(name, str) for name in manifest[key])]
    files = manifest.get("files")
    known = {f"{name}.npy" for name in ARRAYS} | {HELD_BACK}
    if not isinstance(files, dict):
        wrong.append("'files' is not an object")
    else:
        wrong += [f"'files' lacks {name}.npy" for name in ARRAYS if f"{name}.npy" not in files]
        wrong += [f"'files' has a bad entry for {name!r}" for name, want in files.items()
                  if not isinstance(want, dict) or not {"bytes", "crc"} <= set(want)
                  or not all(type(v) is int for v in want.values())
                  or name not in known]
        checks = manifest.get("checks", {})
        if not isinstance(checks, dict):
            wrong.append("'checks' is not an object")
        else:
            wrong += [f"'checks' has a bad entry for {name!r}" for name, have in checks.items()
                      if not isinstance(have, dict) or name not in files
                      or not set(have) <= {"pages", "all"}
                      or not all(type(v) is int for v in have.values())]
    if wrong:
        raise SnapshotError(f"damaged manifest: {'; '.join(wrong)}", path=path)


def open_arrays(snapshot: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The manifest and the memory-mapped arrays; refuses a missing or damaged file."""
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError("snapshot has no manifest (incomplete build?)",
                            path=snapshot) from exc
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"unreadable manifest: {exc}", path=snapshot / MANIFEST) from exc
    _check_manifest(manifest, snapshot / MANIFEST)
    arrays: dict[str, np.ndarray] = {}
    files = _entries(manifest)
    # a snapshot published before held_back.csv was fingerprinted: that it is there, at least
    for name in [*files, *([] if HELD_BACK in files else [HELD_BACK])]:
        path = snapshot / name
        want = files.get(name)
        try:
            got = _fingerprint(path, pages=want is not None and "pages" in want)
        except FileNotFoundError as exc:
            raise SnapshotError("snapshot file is missing", path=path) from exc
        except OSError as exc:  # (its permissions, say)
            raise SnapshotError(f"snapshot file is unreadable: {exc.strerror or exc}",
                                path=path) from exc
        if want is not None and got != {k: v for k, v in want.items() if k != "all"}:
            raise SnapshotError(f"snapshot file is damaged (expected {want}, found {got})",
                                path=path)
        if name.endswith(".npy"):
            try:
                arrays[name[:-4]] = _map(path, huge=name[:-4] in SEARCHED)
            except (OSError, ValueError) as exc:
                raise SnapshotError(f"snapshot file is unreadable: {exc}", path=path) from exc
    return manifest, arrays
