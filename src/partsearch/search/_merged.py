"""The merged offer store kept on disk, so that the next engine to open maps it instead of
merging every supplier's file again.

Merging 20M offers takes an engine ~3 s and 1.4 GiB of its own memory at every open; every
web worker paid both. An engine that merges every current file (a fresh open that finds no
merge of them, or a reload that compacts) writes the merge to ``offers/.merged/<key>/``
(``offers.arrow``: the store's per-offer columns; ``articles.arrow``: its article index;
``segments.json``: the files it merges, with their rows), where the key names the files'
versions; the next engines map it, and the processes of one machine share its pages. A set of
files changes only by publishing a new version, so a key never names stale content.

A merge of an older set of files serves too (:func:`merges` lists them): an engine opening or
reloading after a publish maps the one that leaves the least to do (``_store._onto``: the
fewest rows of files it does not hold, plus its rows of files replaced since) and merges only
the rest into its delta (``_store._merge``). So one engine's compaction is every engine's at
its next reload, and their memory is shared again. One writer at a time writes a given merge
(a lock file beside it); the others go on without writing.

A merge that cannot be written (a read-only catalog) is not an error; one that is damaged (its
rows outside their files, its hashes out of order: the compiled search reads the files at the
rows named here without checks) is not used, and is written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from partsearch._arrow import write_file

MERGED = ".merged"  # under offers/: a name no supplier code takes, and without a pointer
SEGMENTS = "segments.json"  # a merge's files, in order: supplier, version, rows
_KEEP = 2  # merges kept besides the one just written (engines may still map them)
_GRACE_S = 600.0


# what a merge's columns mean (the store's arrays, as ``_store._COLUMNS`` reads them from a
# file): a change to it must change this, or engines would map merges an older code wrote
FORMAT = 1


def key(segments: Any) -> str:
    """The name of the merge of ``segments`` (their suppliers' current versions, in order)."""
    text = "\n".join([f"format {FORMAT}", *(f"{s.supplier}\t{s.version}" for s in segments)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class Merge(NamedTuple):
    """A merge on disk (:func:`merges`): its directory, and its files' (supplier, version)
    and rows, in the order its ``seg`` numbers them."""

    path: Path
    files: tuple[tuple[str, str], ...]
    sizes: np.ndarray  # int64


def merges(area: Path) -> list[Merge]:
    """The merges under ``area`` (the catalog's offers directory) that say which files they
    hold, of this code's format."""
    out = []
    try:
        found = [p for p in (area / MERGED).iterdir() if not p.name.startswith(".")]
    except OSError:
        return []
    for path in found:
        try:
            manifest = json.loads((path / SEGMENTS).read_text("utf-8"))
            if manifest["format"] != FORMAT:
                continue
            files = tuple((str(f["supplier"]), str(f["version"])) for f in manifest["files"])
            sizes = np.array([int(f["rows"]) for f in manifest["files"]], dtype=np.int64)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        out.append(Merge(path, files, sizes))
    return out


def read_merged(where: Path, sizes: np.ndarray, columns: dict[str, tuple[str, ...]]
                ) -> dict[str, dict[str, np.ndarray]] | None:
    """The merge in ``where`` (``area / MERGED / key(segments)``, or one of :func:`merges`) of
    files of ``sizes`` rows: of each file of ``columns`` (its name: the columns it must have,
    the first sorted, with ``seg`` and ``row``; the first file's rows are the offers), its
    columns mapped in 2 MiB pages (the search reads them at random). None when there is none
    or it is damaged."""
    import pyarrow as pa

    from partsearch._catalog import map_file

    out: dict[str, dict[str, np.ndarray]] = {}
    try:
        for name, names in columns.items():
            table = pa.ipc.open_file(pa.py_buffer(map_file(where / name, huge=True))).read_all()
            out[name] = {c: _numpy(table, c) for c in names}
    except (OSError, ValueError, KeyError, pa.ArrowInvalid):
        return None
    sizes = sizes if sizes.size else np.zeros(1, dtype=np.int64)
    offers = out[next(iter(columns))]
    if offers["seg"].size != sizes.sum() or not all(
            _whole(out[name], names[0], sizes) for name, names in columns.items()):
        return None
    return out


def _numpy(table: Any, name: str) -> np.ndarray:
    """A column as a view of the mapped file (a bool column was written as its bytes)."""
    from partsearch._arrow import one_chunk

    values = np.asarray(one_chunk(table.column(name)).to_numpy())
    meta = table.schema.field(name).metadata or {}
    return values.view(np.bool_) if meta.get(b"numpy") == b"bool" else values


def _whole(columns: dict[str, np.ndarray], first_name: str, sizes: np.ndarray) -> bool:
    """Every row within its file, and the first column ascending."""
    from partsearch._row_check import rows_fit

    return rows_fit(columns[first_name], columns["seg"], columns["row"], sizes)


def write_merged_later(area: Path, segments: Any, files: dict[str, dict[str, np.ndarray]]
                       ) -> None:
    """:func:`write_merged` on a thread of its own, so that the engine opening now does not
    wait for the disk (at 200M, 1.4 GB written and flushed: ~7 s); the process waits for it
    before it exits (the thread is not a daemon), and :func:`wait` waits for it at once."""
    thread = threading.Thread(target=write_merged, args=(area, segments, files),
                              name="partsearch-merged-writer")
    _writers.append(thread)
    thread.start()


def wait() -> None:
    """Wait until every merge this process started writing is written (or given up)."""
    while _writers:
        _writers.pop().join()


_writers: list[threading.Thread] = []


def write_merged(area: Path, segments: Any, files: dict[str, dict[str, np.ndarray]]) -> None:
    """Write the merge of ``segments`` for the next engines (``files``: each file's columns,
    as :func:`read_merged` reads them), durably, then drop old merges; quietly nothing where
    the catalog cannot be written, or while another engine writes it."""
    import pyarrow as pa

    from partsearch._catalog import fsync_path

    root = area / MERGED
    final = root / key(segments)
    lock = root / f".{final.name}.writing"
    tmp = root / f".{final.name}.{secrets.token_hex(4)}.tmp"
    try:
        root.mkdir(exist_ok=True)
        if not _take(lock):
            return
    except OSError:
        return
    try:
        if final.exists():
            sizes = np.array([s.table.num_rows for s in segments], dtype=np.int64)
            if read_merged(final, sizes, {n: tuple(c) for n, c in files.items()}) is not None:
                return  # another engine wrote it meanwhile
            # damaged, as read_merged found it: set aside (engines may map it)
            os.rename(final, root / f".{final.name}.{secrets.token_hex(4)}.damaged")
        tmp.mkdir()
        for name, columns in files.items():
            # (Arrow packs booleans in bits, which no view can read: their bytes instead)
            table = pa.Table.from_arrays(
                [pa.array(a.view(np.uint8) if a.dtype == np.bool_ else a)
                 for a in columns.values()],
                schema=pa.schema([pa.field(c, pa.uint8() if a.dtype == np.bool_ else
                                           pa.from_numpy_dtype(a.dtype),
                                           metadata={"numpy": "bool"} if a.dtype == np.bool_
                                           else None) for c, a in columns.items()]))
            write_file(tmp / name, table, huge=True)  # (searches read it at random)
            fsync_path(tmp / name)
        manifest = {"format": FORMAT, "files": [
            {"supplier": s.supplier, "version": s.version, "rows": s.table.num_rows}
            for s in segments]}
        (tmp / SEGMENTS).write_text(json.dumps(manifest), "utf-8")
        fsync_path(tmp / SEGMENTS)
        fsync_path(tmp)
        os.rename(tmp, final)
        fsync_path(root)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    finally:
        lock.unlink(missing_ok=True)
    _drop_old(root, final.name)


def _take(lock: Path) -> bool:
    """Whether this engine may write the merge: it made the lock file, or the one there was
    left by a writer that stopped (older than the grace period)."""
    for _ in range(2):
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime < _GRACE_S:
                    return False
                lock.unlink()
            except FileNotFoundError:
                continue
    return False


def _drop_old(root: Path, current: str) -> None:
    """Remove merges and leftovers older than the grace period, but the newest few."""
    now = time.time()
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    others = [p for p in entries if not p.name.startswith(".") and p.name != current]
    old = others[_KEEP:] + [p for p in entries if p.name.startswith(".")]
    for path in old:
        try:
            if now - path.stat().st_mtime >= _GRACE_S:
                shutil.rmtree(path)
        except OSError:
            continue
