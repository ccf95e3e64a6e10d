"""An offers file's article index: the companion file ``<version>.articles`` beside it.

For each part of the file (its first row; the file is sorted by part hash), the hash of its
article key and that row, ordered by the hash. A search without a brand looks an article up in
the merged index of every file (``search._store.OfferStore.article_hash``), so the engine only
merges these sorted runs when it opens: making them there (hashing every key of every file,
then a sort) took 20M offers about 5 s of each open.

The publisher writes the file; an offers file without one (published before it existed) gets
its index made when opened, by :func:`article_index` itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

KIND = "articles"  # the companion's kind (``_catalog.companion``)

_NAMES = ("article_hash", "row")


def part_starts(part_hash: np.ndarray) -> np.ndarray:
    """The first row of each part of rows sorted by part hash."""
    if not part_hash.size:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate(([True], part_hash[1:] != part_hash[:-1])))


def article_index(part_hash: np.ndarray, key_offsets: np.ndarray, key_data: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(article hash, row) of each part of a file sorted by part hash, by article hash (rows
    in order on equal hashes); ``key_*`` are its ``article_key`` column's buffers
    (``_arrow.string_buffers``)."""
    import polars as pl

    from partsearch._hash_kernels import single

    first = part_starts(part_hash)
    art = single(key_offsets, key_data)[first]  # (hashing every row beats a take of the keys)
    # polars' stable sort on both cores: 1M parts in 0.06 s, numpy's stable argsort 0.14 s
    pairs = pl.DataFrame({"art": art, "row": first}).sort("art", maintain_order=True)
    return pairs["art"].to_numpy(), pairs["row"].to_numpy()


def write_article_index(path: Path, offers: Any) -> None:
    """Write the index of ``offers`` (a table sorted by part hash) to ``path`` (an Arrow IPC
    file); the caller makes it durable and names it."""
    import pyarrow as pa

    from partsearch._arrow import one_chunk, string_buffers

    offsets, data = string_buffers(one_chunk(offers.column("article_key")))
    art, row = article_index(offers.column("part_hash").to_numpy(), offsets, data)
    table = pa.table({"article_hash": pa.array(art, pa.uint64()), "row": pa.array(row, pa.int64())})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def read_article_index(path: Path, rows: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The index at ``path``, mapped (None when there is none); ``rows`` is its offers file's
    row count, which every indexed row must fall below."""
    import pyarrow as pa

    from partsearch._arrow import one_chunk
    from partsearch._catalog import map_file
    from partsearch.errors import CatalogError

    if not path.exists():
        return None
    try:  # (searched at random, like the merged index it becomes: in 2 MiB pages)
        table = pa.ipc.open_file(pa.py_buffer(map_file(path, huge=True))).read_all()
        art, row = (np.asarray(one_chunk(table.column(n)).to_numpy()) for n in _NAMES)
    except (OSError, ValueError, KeyError, pa.ArrowInvalid) as exc:
        raise CatalogError(f"cannot read the article index: {exc}", path=path) from exc
    # a few passes over the arrays (~0.1 s for 20M parts), so that a damaged file is named
    # here rather than giving wrong brand choices
    if art.dtype != np.uint64 or row.dtype != np.int64 or art.size != row.size or (
            row.size and not (row.min() >= 0 and row.max() < rows
                              and bool(np.all(art[1:] >= art[:-1])))):
        raise CatalogError("the article index does not fit its offers file", path=path)
    return art, row
