"""The exact read of a CSV cross file, for the file Arrow's reader misreads: one whose record
spans lines (a stray quote at a field's start opening a field that runs on to the next quote,
lines or the whole file away, which Arrow reads as one row or one rejected row, the rows
swallowed gone without a word), and one whose rows are padded with empty fields past the header
(``MANN;W 1;KNECHT;OC 1;;;``, as 1C and script exports write them), which Arrow rejects.

No cell the build reads (a brand, an article, a source, a kind) holds a line break, but a column
it does not read may (RFC 4180: two EANs in a quoted ``ean`` cell, one a line, as 1,464 records of
the real ``oe_crosses_flat.csv`` have): a record spanning lines is one record when every cell
holding a line break is of a column not read, its field count is the header's, and nothing tells
a stray quote's (text after the closing quote, a line inside the quotes holding a row's
delimiters, a quote open to the end of the file: a quote opening the last column and never closed
swallows the rest of the file into that cell). Any other is taken for a stray quote's, or, a
line break in a cell read, rejected so (a brand or an article across lines is no part): its
first line is rejected alone and the next line read as a row.

Arrow's reader stays the common path; a batch of it holding a line break in a cell (of a column
read, or of one not read, fetched as bytes for this) or in a rejected row's text
(:func:`spans_lines`, a few milliseconds a batch), or a row of more fields than the header,
hands the rest of the file,
from that batch's first record on, to the price loader's splitter (``loading._csv_kernel``),
which cuts a stray quote's record at its first line, as ``partsearch load`` does, and numbers
every record by its file line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from partsearch._blank import blank_through
from partsearch._jit import njit

CHUNK_BYTES = 64 << 20
LONGEST_RECORD = 1 << 20  # (a record spanning lines longer than this is a stray quote's)
UNCLOSED_REASON = "a quote opened here is not closed on this line"
WANTED_BREAK_REASON = "a quoted cell of a column read runs on to the next line (a line break " \
    "is kept only in a column not read)"


@njit(cache=True, nogil=True)
def _has_line_break(data: Any, start: Any, stop: Any) -> Any:
    # an OR over each 4096 bytes (vectorized) before the branch: ~5 GB/s, where numpy's
    # comparison writes a mask first (~1 GB/s)
    for s in range(start, stop, 4096):
        hit = False
        for i in range(s, min(s + 4096, stop)):
            hit |= data[i] == 10
        if hit:
            return True
    return False


def spans_lines(table: Any) -> bool:
    """Whether a cell of ``table``'s text or bytes columns holds a line break (its record spans
    lines)."""
    import pyarrow as pa

    from partsearch._arrow import string_buffers

    for col in table.columns:
        binary = pa.types.is_binary(col.type)
        if not (binary or pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        for chunk in col.chunks:
            offsets, data = string_buffers(chunk.view(pa.string()) if binary else chunk)
            if offsets[-1] > offsets[0] and _has_line_break(data, int(offsets[0]),
                                                            int(offsets[-1])):
                return True
    return False


def blank_lines(path: Path, delimiter: str, lines: np.ndarray) -> np.ndarray:
    """Whether each of ``lines`` (ascending) of ``path`` holds nothing but delimiters and
    blanks (a line break alone, ``;;;``, `` ; ;``): one pass over the file up to the last."""
    import mmap

    out = np.zeros(lines.size, bool)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        data = np.frombuffer(mm, np.uint8)
        _blank_lines(data, ord(delimiter), np.asarray(lines, np.int64), out)
        del data  # (the map cannot close while an array looks at it)
    return out


@njit(cache=True, nogil=True)
def _blank_lines(data: Any, delim: Any, lines: Any, out: Any) -> None:
    j, line, start = 0, 1, 0
    for i in range(data.shape[0] + 1):
        if i < data.shape[0] and data[i] != 10:
            continue
        while j < lines.shape[0] and lines[j] == line:
            out[j] = blank_through(data, start, i, delim)
            j += 1
        if j == lines.shape[0]:
            return
        line, start = line + 1, i + 1


def batches(path: Path, encoding: str, delimiter: str, header: list[str], wanted: list[str],
            start_line: int, bad_rows: list[str]) -> Iterator[tuple[Any, np.ndarray, float]]:
    """The file's records from line ``start_line`` on (those before, Arrow read), as tables of
    the ``wanted`` columns (text), each with its rows' file lines and the share of the file read;
    a record that does not split into the header's fields goes to ``bad_rows`` with its line
    and its text as written."""
    from partsearch.loading import _csv_kernel as kern

    width = len(header)
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    columns = [position[name] for name in wanted]
    slot_of_col = np.full(max(columns) + 1, -1, np.int64)
    for s, c in enumerate(columns):
        slot_of_col[c] = s
    size = max(path.stat().st_size, 1)
    with open(path, "rb") as fh:
        pos = len(fh.readline())  # (the header)
        line = 2
        want = CHUNK_BYTES
        while True:
            fh.seek(pos)
            text = fh.read(want)
            last = len(text) < want
            while not last and b"\n" not in text[-(1 << 20):]:  # (a line longer than a chunk)
                more = fh.read(CHUNK_BYTES)
                text, last = text + more, len(more) < CHUNK_BYTES
            if not last:
                text = text[:text.rindex(b"\n") + 1]
            buf = np.frombuffer(text, np.uint8)
            # a record whose quote is open at the chunk's end may close in the next: read again
            # from its start (below); the chunk's only record, read again with more text, up to
            # LONGEST_RECORD, past which it is a stray quote's
            records = kern.split_records(buf, 0, ord(delimiter), ord('"'), line, slot_of_col,
                                         len(columns), width=width, strict=True,
                                         open_at_end=last)
            if not last and records[-1] == 1:
                if len(text) < LONGEST_RECORD:
                    want *= 2
                    continue
                records = kern.split_records(buf, 0, ord(delimiter), ord('"'), line,
                                             slot_of_col, len(columns), width=width,
                                             strict=True)
            want = CHUNK_BYTES
            rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n = records
            if not last and n > 1:
                # the last record may run on into the next chunk: read again from its start
                n -= 1
                pos, line = pos + int(rec_start[n]), int(rec_line[n])
            else:  # (a chunk of one record, or of blank lines, which are no records)
                pos, line = pos + len(text), line + text.count(b"\n")
            first = int(np.searchsorted(rec_line[:n], start_line))
            if n > first:
                yield _table(out, buf, rec_line[first:n], rec_start[first:n],
                             rec_end[first:n], rec_fields[first:n], f_start[first:n],
                             f_end[first:n], wanted, width, encoding, path, bad_rows), \
                    rec_line[first:n][rec_fields[first:n] == width], min(pos / size, 1.0)
            if last:
                return


def _table(out: Any, buf: Any, lines: Any, starts: Any, ends: Any, fields: Any,
           f_start: Any, f_end: Any, wanted: list[str], width: int, encoding: str,
           path: Path, bad_rows: list[str]) -> Any:
    import pyarrow as pa

    from partsearch.loading import _csv_kernel as kern

    good = fields == width
    for k in np.flatnonzero(~good).tolist():
        raw = bytes(buf[starts[k]:ends[k]]).decode(encoding, errors="replace")
        why = f"expected {width} fields; {UNCLOSED_REASON}" if fields[k] == kern.UNCLOSED \
            else WANTED_BREAK_REASON if fields[k] == kern.WANTED_BREAK \
            else f"expected {width} fields, found {int(fields[k])}"
        bad_rows.append(f"{path}:{int(lines[k])}: {why}: {raw[:80]}")
    if encoding != "utf8":
        # the single-byte text to UTF-8, and each field's span to where its bytes went
        grown = np.array([len(bytes([b]).decode(encoding, errors="replace").encode())
                          for b in range(256)], np.int64)
        at = np.concatenate([[0], np.cumsum(grown[out])])
        out = np.frombuffer(out.tobytes().decode(encoding, errors="replace").encode(),
                            np.uint8)
        f_start, f_end = np.where(f_start >= 0, at[np.maximum(f_start, 0)], -1), \
            np.where(f_end >= 0, at[np.maximum(f_end, 0)], -1)
    cols = {}
    for s, name in enumerate(wanted):
        starts_s, ends_s = f_start[good, s], f_end[good, s]
        offsets, chars, _valid = kern.gather(out, starts_s.astype(np.int64),
                                             ends_s.astype(np.int64))
        cols[name] = pa.LargeStringArray.from_buffers(
            len(starts_s), pa.py_buffer(offsets), pa.py_buffer(chars)).cast(pa.string())
    return pa.table(cols)
