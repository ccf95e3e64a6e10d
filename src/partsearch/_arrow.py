"""Arrow helpers: a column as one array, a text column as one large_string array, a string
column's buffers as numpy views, for the compiled kernels that read text; a table written as an
Arrow IPC file (one read at random written so that it can be mapped in huge pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def write_file(path: Path, table: Any, schema: Any = None, *, huge: bool = False) -> None:
    """``table`` as an uncompressed Arrow IPC file at ``path`` (which readers map), under
    ``schema`` when given (the table's otherwise). The caller fsyncs and renames it into
    place.

    ``huge``: for a file that readers map in 2 MiB pages and read at random (the merged offer
    store), written through a shared mapping of it advised for them, so that the page cache
    holds it in 2 MiB folios, which such a mapping needs (written with ``write``, a quarter of
    the 10M world's merged store came out in small ones). The file's blocks are reserved
    first, so a full disk is an ``OSError`` here rather than a fault while writing; where they
    cannot be reserved, or the platform has no such advice, it is written as usual."""
    import pyarrow as pa

    schema = table.schema if schema is None else schema
    if huge and _write_mapped(path, table, schema):
        return
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table)


def _write_mapped(path: Path, table: Any, schema: Any) -> bool:
    """:func:`write_file`'s ``huge`` way; False, having written nothing, where it cannot."""
    import contextlib
    import errno
    import mmap
    import os

    import pyarrow as pa

    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    fallocate = getattr(os, "posix_fallocate", None)
    if advice is None or fallocate is None:
        return False
    counted = pa.MockOutputStream()  # the file's size: the same writer, no bytes copied
    with pa.ipc.new_file(counted, schema) as writer:
        writer.write_table(table)
    size = counted.size()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            fallocate(fd, 0, size)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                return False  # (a file system that cannot reserve blocks)
            raise
        view = mmap.mmap(fd, size)
    finally:
        os.close(fd)
    try:
        with contextlib.suppress(OSError):  # (a kernel without huge pages for files)
            view.madvise(advice)
        buffer = pa.py_buffer(view)
        sink = pa.FixedSizeBufferWriter(buffer)
        with pa.ipc.new_file(sink, schema) as writer:
            writer.write_table(table)
        sink.close()
        del sink, buffer, writer  # (the mapping closes only once nothing exports it)
        view.flush()
    finally:
        with contextlib.suppress(BufferError):  # (a failed write's frames still export it:
            view.close()                        # the collector closes it)
    return True


def one_chunk(column: Any) -> Any:
    """A chunked column as one array: its chunk when it has one (``combine_chunks`` copies
    even then, and a mapped file's column must stay where it lies)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def large_text(column: Any) -> Any:
    """A text column (an Arrow array, or a chunked one) as one large_string array, cast only
    when it is not one: the loaders' text is large_string (``RawRows.columns``, the value
    parsers' input) whatever a reader or a caller gave, so a kernel reads one offset width."""
    import pyarrow as pa

    arr = one_chunk(column) if isinstance(column, pa.ChunkedArray) else column
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def string_buffers(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data) of a string or large_string Arrow array, as int32 or int64 and uint8
    views (no copy): value ``i`` is ``data[offsets[i]:offsets[i + 1]]``, a sliced array's offset
    already applied. Nulls are not told apart here (see ``arr.is_valid()``); a column without
    any text bytes gets a one-byte ``data``, so a kernel may always take its address.

    >>> import pyarrow as pa
    >>> off, data = string_buffers(pa.array(["ab", "c", "de"], pa.large_string()).slice(1))
    >>> off.tolist(), data[off[0]:off[-1]].tobytes()
    ([2, 3, 5], b'cde')
    """
    import pyarrow as pa

    if pa.types.is_large_string(arr.type):
        width: type[np.integer[Any]] = np.int64
    elif pa.types.is_string(arr.type):
        width = np.int32
    else:
        raise TypeError(f"not a string column: {arr.type}")
    _validity, offsets, data = arr.buffers()
    n = len(arr)
    offs = np.frombuffer(offsets, dtype=width, count=arr.offset + n + 1)[arr.offset:]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(1, np.uint8)
    return offs, raw
