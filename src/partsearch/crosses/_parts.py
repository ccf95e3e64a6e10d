"""The part dictionary, built while the cross files stream by.

Each distinct part (a part hash) gets a number in order of first appearance from a compiled
open-addressing table, so a cross becomes two int32 numbers as soon as its batch is read: no
second pass over the hashes, no sort of every cross's hash. What the snapshot needs of a part
(its brand, the hash of its article key, and the article as first written) is taken from the
batch only for parts seen for the first time; the article text and hashes go to scratch files
in the build's work directory, so memory holds about 10 bytes per part plus the table. That
recording runs on a thread of its own, one batch behind the numbering: at 200M crosses it is
~30 s of the read stage, which the main thread (numbering, its critical path) no longer waits
for.

At the end, parts are renumbered by the rank of their hash (lookup searches the sorted hashes):
:meth:`PartTable.finish` returns that order and the ranks.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from partsearch.crosses._read import Batch, Vocabulary

_MAX_LOAD = 0.7  # linear probing stays short below this load


class PartTable:
    """Parts numbered as they are first seen; see the module docstring."""

    def __init__(self, work: Path, brands: Vocabulary, rows_hint: int = 0) -> None:
        self._slots = np.zeros(1 << 20, dtype=np.uint64)
        # room for the most parts ``rows_hint`` crosses can name: pages never written cost
        # nothing, and growing by copies would cost ~2 s per 50M crosses
        room = max(1 << 20, 2 * rows_hint)
        self._keys = np.empty(room, dtype=np.uint64)
        self._brand = np.empty(room, dtype=np.uint16)
        self.n = 0
        self.brands = brands
        self.work = work
        self._text = open(work / "article.data", "wb")  # noqa: SIM115 - closed in finish()
        _npy_header(self._text, 0)  # room for the header: the file becomes the snapshot's
        self._length = open(work / "article.len", "wb")  # noqa: SIM115
        self._art_hash = open(work / "article.hash", "wb")  # noqa: SIM115
        # one batch recorded at a time, in order (the scratch files are appended to)
        self._recorder = ThreadPoolExecutor(1, thread_name_prefix="partsearch-record")
        self._recording: Future[None] | None = None

    def add(self, batch: Batch, keep: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """Part numbers of both sides of every row of ``batch`` (of the rows ``keep`` marks,
        when given); new parts are recorded with the brand and article of their first mention
        (side a before side b, rows in order)."""
        from partsearch.crosses import _kernels as k

        rows = None if keep is None else np.flatnonzero(keep)
        hash_a = batch.hash_a if rows is None else batch.hash_a[rows]
        hash_b = batch.hash_b if rows is None else batch.hash_b[rows]
        hashes = np.empty(2 * hash_a.size, dtype=np.uint64)
        hashes[0::2], hashes[1::2] = hash_a, hash_b
        self._reserve(self.n + hashes.size)
        ids, first, self.n = k.intern(self._slots, self._keys, self.n, hashes)
        if first.size:
            self._recorded()  # (the one before: at most one batch held for recording)
            self._recording = self._recorder.submit(self._record, batch, first,
                                                    self.n - first.size, self.n, rows)
        return ids[0::2], ids[1::2]

    def _recorded(self) -> None:
        """Wait for the batch being recorded; its error, if it failed, is raised here."""
        recording, self._recording = self._recording, None
        if recording is not None:
            recording.result()

    def _record(self, batch: Batch, first: np.ndarray, start: int, end: int,
                rows: np.ndarray | None) -> None:
        """Record the parts numbered ``start`` to ``end`` (on the recorder's thread: ``n``
        may have moved on), first seen at the mentions ``first`` of ``batch``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from partsearch._arrow import string_buffers
        from partsearch._hashing import article_hashes

        # ``first`` counts mentions two per row (side a, side b): in the two columns laid end
        # to end, a mention is one index (2.6x faster than a take of each column and a select)
        m = batch.hash_a.size
        row = first >> 1 if rows is None else rows[first >> 1]  # (``first`` of the kept rows)
        where = pa.array(row + (first & 1) * m)

        def pick(col_a: Any, col_b: Any) -> Any:
            if col_b.type != col_a.type:  # a Parquet file may store its two sides differently
                col_b = col_b.cast(col_a.type)
            return pa.concat_arrays([col_a, col_b]).take(where)

        self._brand[start:end] = self.brands.encode(pick(batch.brand_a, batch.brand_b))
        article_hashes(pick(batch.key_a, batch.key_b)).tofile(self._art_hash)
        text = pc.utf8_trim_whitespace(pick(batch.article_a, batch.article_b).cast(
            pa.large_string()))
        off, data = string_buffers(text)
        np.diff(off).astype(np.uint32).tofile(self._length)
        data[off[0]:off[-1]].tofile(self._text)

    def _reserve(self, need: int) -> None:
        from partsearch.crosses import _kernels as k

        if need > self._keys.size:
            self._recorded()  # (it writes into ``_brand``, which this replaces)
            size = max(need, int(self._keys.size * 1.5))
            self._keys = _resized(self._keys, size)
            self._brand = _resized(self._brand, size)
        if need > _MAX_LOAD * self._slots.size:
            cap = self._slots.size
            while need > _MAX_LOAD * cap:
                cap *= 2
            self._slots = np.zeros(0, dtype=np.uint64)  # the old table goes before the new one
            self._slots = np.zeros(cap, dtype=np.uint64)
            k.rehash(self._slots, self._keys, self.n)

    def close(self) -> None:
        """Close the scratch files (again is nothing): :meth:`finish` does, and a failed
        build's writer (``_snapshot.Writer.on_exit``), which removes them. Each is closed
        though one before it fails (its buffer's flush on a full disk: the first error is
        raised)."""
        with ExitStack() as files:
            for fh in (self._art_hash, self._length, self._text):  # (closed in reverse)
                files.callback(fh.close)
            # first: the batch being recorded writes to the files. Its error is raised by
            # finish() or the next batch; not here, where a failure elsewhere (the first
            # error raised, the one to report) may be closing the build
            self._recorder.shutdown(wait=True)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Free the table and renumber the parts by hash. Returns the parts in hash order (as
        numbers of first appearance), each number's rank, the sorted part hashes, and the
        article-key index: the article hashes sorted, and the rank of the part of each.
        The two sorts run at once, on two threads."""
        from partsearch.crosses import _kernels as k

        self._slots = np.zeros(0, dtype=np.uint64)
        self._recorded()  # (the last batch's: its error is the build's)
        self.close()
        keys = self._keys[: self.n]
        self._keys = np.zeros(0, dtype=np.uint64)

        def by_article() -> tuple[np.ndarray, np.ndarray]:
            art_hash = np.fromfile(self.work / "article.hash", dtype=np.uint64)
            pids = np.empty(self.n, dtype=np.int32)
            art_sorted = np.empty_like(art_hash)
            k.sort_order(art_hash, pids, art_sorted)
            return art_sorted, pids

        with ThreadPoolExecutor(1, thread_name_prefix="partsearch-sort") as pool:
            articles = pool.submit(by_article)
            order = np.empty(self.n, dtype=np.int32)
            part_hash = np.empty_like(keys)
            k.sort_order(keys, order, part_hash)
            del keys
            rank = np.empty(self.n, dtype=np.int32)
            rank[order] = np.arange(self.n, dtype=np.int32)
            art_sorted, pids = articles.result()
        # one article under several brands: its parts in order of first appearance
        return order, rank, part_hash, art_sorted, rank[pids]

    def brand_ids(self, order: np.ndarray) -> np.ndarray:
        from partsearch.crosses import _kernels as k

        out: np.ndarray = k.take(self._brand[: self.n], order)
        self._brand = np.zeros(0, dtype=np.uint16)
        return out

    def write_articles(self, order: np.ndarray, start_path: Path, len_path: Path,
                       data_path: Path) -> None:
        """The articles as three ``.npy`` files: the text as it was written to the scratch
        file (utf-8, parts in order of first appearance), and per part in ``order`` its start
        (int64) and length (uint32) in it. Pointing into the text where it lies, instead of
        gathering it into hash order, saves a random access per part (~30 s at 150M parts)."""
        from partsearch.crosses import _kernels as k

        length = np.fromfile(self.work / "article.len", dtype=np.uint32)
        start = np.zeros(self.n, dtype=np.int64)
        start[1:] = length[:-1]
        np.cumsum(start, out=start)  # in int64 throughout: a cast inside cumsum is 10x slower
        total = int(start[-1] + length[-1]) if self.n else 0
        np.save(start_path, k.take(start, order))
        del start
        np.save(len_path, k.take(length, order))
        del length
        # the text is already where the snapshot wants it, behind room for an .npy header:
        # the header written, the file is renamed into place (copying it took 1.6 GB of new
        # page cache at 200M crosses)
        text = self.work / "article.data"
        with open(text, "r+b") as fh:
            _npy_header(fh, total)
        os.replace(text, data_path)


def _npy_header(fh: Any, size: int) -> None:
    """Write, at the start of ``fh``, the .npy header of ``size`` bytes (uint8). Its length is
    the same for every size (numpy pads the header to 128 bytes here), so the room written
    before the data is known is where the final header goes."""
    fh.seek(0)
    np.lib.format.write_array_header_1_0(
        fh, {"descr": "|u1", "fortran_order": False, "shape": (size,)})
    if fh.tell() != _HEADER:
        raise AssertionError(f"an .npy header of {fh.tell()} bytes, not {_HEADER}")


_HEADER = 128


def _resized(arr: np.ndarray, size: int) -> np.ndarray:
    out = np.empty(size, dtype=arr.dtype)
    out[: arr.size] = arr
    return out
