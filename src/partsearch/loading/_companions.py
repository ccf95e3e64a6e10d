"""An offers file's companions: the indexes a search reads, written beside it when published.

- ``<version>.articles``, the article index: for each part of the file (its first row; the
  file is sorted by part hash), the hash of its article key and that row, ordered by the hash.
  A search without a brand looks an article up in the merged index of every file
  (``search._store.OfferStore.article_hash``), so the engine only merges these sorted runs
  when it opens: making them there (hashing every key of every file, then a sort) took 20M
  offers about 5 s of each open.
- ``<version>.prefixes``, the prefix index (:class:`PrefixIndex`): the parts' article keys
  grouped by their first two bytes, which an unknown article's suggestions read. Mapped on
  the first such search; made there, it cost 20M offers 3.7 s.

An offers file without them (published before they existed) gets them made when the search
needs them, by the same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from partsearch._arrow import write_file
from partsearch._jit import njit

ARTICLES, PREFIXES = "articles", "prefixes"  # the companions' kinds (``_catalog.companion``)

_NAMES = ("article_hash", "row")


def part_starts(part_hash: np.ndarray) -> np.ndarray:
    """The first row of each part of rows sorted by part hash."""
    if not part_hash.size:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate(([True], part_hash[1:] != part_hash[:-1])))


def article_index(first: np.ndarray, key_offsets: np.ndarray, key_data: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(article hash, row) of each part of a file sorted by part hash (``first``: each part's
    first row, :func:`part_starts`), by article hash (rows in order on equal hashes);
    ``key_*`` are its ``article_key`` column's buffers (``_arrow.string_buffers``)."""
    import polars as pl

    from partsearch._hash_kernels import single

    art = single(key_offsets, key_data)[first]  # (hashing every row beats a take of the keys)
    # polars' stable sort on both cores: 1M parts in 0.06 s, numpy's stable argsort 0.14 s
    pairs = pl.DataFrame({"art": art, "row": first}).sort("art", maintain_order=True)
    return pairs["art"].to_numpy(), pairs["row"].to_numpy()


def write_companions(offers: Any, articles: Path, prefixes: Path) -> None:
    """Write the article index and the prefix index of ``offers`` (a table sorted by part
    hash) to ``articles`` and ``prefixes`` (Arrow IPC files; the prefix index one row, each
    of its arrays a list), its keys and parts read once for both; the caller makes them
    durable and names them."""
    import pyarrow as pa

    from partsearch._arrow import one_chunk, string_buffers

    offsets, data = string_buffers(one_chunk(offers.column("article_key")))
    first = part_starts(offers.column("part_hash").to_numpy())
    art, row = article_index(first, offsets, data)
    write_file(articles, pa.table(dict(zip(_NAMES, (pa.array(art, pa.uint64()),
                                                pa.array(row, pa.int64())), strict=True))))
    index = PrefixIndex.of(offsets, data, first)
    write_file(prefixes, pa.table({name: pa.LargeListArray.from_arrays(
        pa.array([0, getattr(index, name).size], pa.int64()), pa.array(getattr(index, name)))
        for name in PrefixIndex._fields}))


def read_article_index(path: Path, rows: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The index at ``path``, mapped (None when there is none); ``rows`` is its offers file's
    row count, which every indexed row must fall below."""
    import pyarrow as pa

    from partsearch._arrow import one_chunk
    from partsearch._catalog import map_file
    from partsearch._row_check import rows_fit
    from partsearch.errors import CatalogError

    if not path.exists():
        return None
    try:  # (searched at random, like the merged index it becomes: in 2 MiB pages)
        table = pa.ipc.open_file(pa.py_buffer(map_file(path, huge=True))).read_all()
        art, row = (np.asarray(one_chunk(table.column(n)).to_numpy()) for n in _NAMES)
    except (OSError, ValueError, KeyError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot read the article index: {exc}", path=path) from exc
    # one compiled pass over the arrays (~16 ms for 20M parts), so that a damaged file is
    # named here rather than giving wrong brand choices
    if not rows_fit(art, None, row, np.array([rows], dtype=np.int64)):
        raise CatalogError("the article index does not fit its offers file", path=path)
    return art, row


def read_prefix_index(path: Path) -> PrefixIndex | None:
    """The prefix index at ``path``, mapped (None when there is none), checked to be whole:
    the compiled scoring reads its keys without bounds checks."""
    import pyarrow as pa

    from partsearch._catalog import map_file
    from partsearch.errors import CatalogError

    if not path.exists():
        return None
    try:  # (read a bucket at a time, in order: 2 MiB pages measured the same as 4 KiB here)
        table = pa.ipc.open_file(pa.py_buffer(map_file(path, huge=False))).read_all()
        arrays = [np.asarray(table.column(n).chunk(0).values.to_numpy())
                  for n in PrefixIndex._fields if n in table.column_names or n in _BASE]
    except (OSError, ValueError, KeyError, IndexError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot read the prefix index: {exc}", path=path) from exc
    if len(arrays) == len(_BASE) and _whole_base(*arrays):
        arrays += _tails(arrays[2], arrays[3])  # a file written before the tails were kept
    index = PrefixIndex(*arrays) if len(arrays) == len(PrefixIndex._fields) else None
    if index is None or not _whole(index):
        raise CatalogError("the prefix index is damaged", path=path)
    return index


# what every prefix index file holds (its first fields): the tails came later
_BASE = ("codes", "start", "off", "data")


def _whole(index: PrefixIndex) -> bool:
    tail_hash, tail_key = index.tail_hash, index.tail_key
    n = index.off.size - 1
    return bool(
        _whole_base(*index[:4]) and tail_hash.dtype == np.uint64
        and tail_key.dtype == np.int32 and tail_hash.size == tail_key.size == n
        and np.all(tail_hash[1:] >= tail_hash[:-1])
        and (not n or (tail_key.min() >= 0 and tail_key.max() < n)))


def _whole_base(codes: np.ndarray, start: np.ndarray, off: np.ndarray, data: np.ndarray
                ) -> bool:
    return bool(
        [a.dtype for a in (codes, start, off, data)]
        == [np.dtype(t) for t in ("int32", "int64", "int64", "uint8")]
        and start.size == codes.size + 1 and off.size >= 1 and start[0] == 0
        and start[-1] == off.size - 1 and off[0] == 0 and off[-1] == data.size
        and np.all(codes[1:] > codes[:-1]) and np.all(start[1:] >= start[:-1])
        and np.all(off[1:] > off[:-1]))


class PrefixIndex(NamedTuple):
    """A supplier file's article keys (one per part) grouped by prefix code, a key's first
    two UTF-8 bytes: key ``i`` is ``data[off[i]:off[i + 1] - 1]`` (each is followed by a line
    break, which a key, letters and digits, never holds), and the keys of ``codes[j]`` are
    ``start[j]`` to ``start[j + 1]``, in row order. The keys and their offsets are copies
    (about 17 bytes a part): a bucket is then one stretch of memory, where reading the keys
    in the file, one or two cache misses each, cost ~150 ns a key (a 200M world's typo, 69
    ms).

    And the keys by their tail, their bytes from the fourth on (:data:`TAIL`): key
    ``tail_key[i]``'s tail hashes to ``tail_hash[i]`` (ascending; 12 bytes a part), so the
    keys that differ from a typed one only in their first three characters are a lookup,
    where a scan of the buckets one typo away took a tenth to a fifth of the keys."""

    codes: np.ndarray  # the codes present, ascending
    start: np.ndarray  # int64, one more than codes
    off: np.ndarray  # int64, one more than the keys
    data: np.ndarray  # uint8
    tail_hash: np.ndarray  # uint64, one per key, ascending
    tail_key: np.ndarray  # int32: the key of each tail hash

    @classmethod
    def of(cls, offsets: np.ndarray, data: np.ndarray, rows: np.ndarray) -> PrefixIndex:
        """The index of the keys of ``rows`` (ascending) of a key column (``offsets``,
        ``data``: its buffers)."""
        codes, start, off, joined = _build(offsets, data, rows)
        return cls(codes, start, off, joined, *_tails(off, joined))

    def bucket(self, code: int) -> tuple[int, int]:
        """The keys whose prefix code is ``code``: ``lo`` to ``hi``."""
        j = int(np.searchsorted(self.codes, code))
        if j == self.codes.size or self.codes[j] != code:
            return 0, 0
        return int(self.start[j]), int(self.start[j + 1])

    def keys(self, which: np.ndarray) -> list[str]:
        """Keys ``which``, as text."""
        return [] if not which.size else \
            _join(self.off, self.data, which).tobytes().decode().split("\n")


TAIL = 3  # a key's tail starts at its fourth byte (:class:`PrefixIndex`)


def _tails(off: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tail hash, key) of a :class:`PrefixIndex`'s keys (``off``, ``data``), by tail hash
    (keys in order on equal hashes)."""
    import polars as pl

    from partsearch._hash_kernels import spans

    end = off[1:] - 1
    hashes = spans(data, np.minimum(off[:-1] + TAIL, end), end)
    # polars' stable sort on both cores: 20M keys in 1.0 s, numpy's stable argsort 3.3 s
    pairs = pl.DataFrame({"tail": hashes, "key": np.arange(hashes.size, dtype=np.int32)}
                         ).sort("tail", maintain_order=True)
    return pairs["tail"].to_numpy(), pairs["key"].to_numpy()


@njit(cache=True, nogil=True)
def _build(offsets: np.ndarray, data: np.ndarray, rows: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`PrefixIndex.of` in one compiled pass or two: a counting sort of the rows by
    their code (65,536 counters; stable, so each code's rows stay ascending), then the keys
    copied in that order (a slice assignment per key cost ~250 ns, its views' making)."""
    codes = np.empty(rows.size, dtype=np.int32)
    count = np.zeros(1 << 16, dtype=np.int64)
    size = 0
    for i in range(rows.size):
        a, b = offsets[rows[i]], offsets[rows[i] + 1]
        c: Any = 0
        if b > a:
            c = np.int32(data[a]) << 8
            if b > a + 1:
                c |= np.int32(data[a + 1])
        codes[i] = c
        count[c] += 1
        size += b - a + 1
    present = np.flatnonzero(count).astype(np.int32)
    start = np.empty(present.size + 1, dtype=np.int64)
    fill = np.zeros(1 << 16, dtype=np.int64)  # where each code's next row goes
    k = 0
    for j in range(present.size):
        start[j] = k
        fill[present[j]] = k
        k += count[present[j]]
    start[present.size] = k
    order = np.empty(rows.size, dtype=np.int64)
    for i in range(rows.size):
        order[fill[codes[i]]] = rows[i]
        fill[codes[i]] += 1
    off = np.empty(rows.size + 1, dtype=np.int64)
    out = np.empty(size, dtype=np.uint8)
    at = 0
    for i in range(rows.size):
        off[i] = at
        a, b = offsets[order[i]], offsets[order[i] + 1]
        for j in range(a, b):  # (keys are short: a loop, not a slice's two views)
            out[at] = data[j]
            at += 1
        out[at] = 10
        at += 1
    off[rows.size] = at
    return present, start, off, out


@njit(cache=True, nogil=True)
def _join(off: np.ndarray, data: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Keys ``which`` of a :class:`PrefixIndex`, one text, line breaks between."""
    size = 0
    for i in which:
        size += off[i + 1] - off[i]
    out = np.empty(size - 1, dtype=np.uint8)
    k = 0
    for i in which:
        n = off[i + 1] - off[i]
        out[k:k + n - 1] = data[off[i]:off[i + 1] - 1]
        if k + n - 1 < out.size:
            out[k + n - 1] = 10
        k += n
    return out
