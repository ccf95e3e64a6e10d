"""numba kernels behind the CSV reader (imported lazily: numba is slow to import).

One pass over the UTF-8 bytes splits records and fields the way RFC 4180 does (a quote opens a
quoted field only at the start of a field; a doubled quote inside is one quote; newlines inside
quotes belong to the field) and records, per record, its first physical line, its raw byte span
and its field count. Only the wanted columns are copied (unquoted) into an output buffer; a
second small kernel gathers one column's fields into Arrow string buffers.

Doing this ourselves instead of handing the bytes to a CSV library gives exact line numbers for
every row and turns rows with the wrong field count into rejected rows instead of an exception.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True)
def split_records(buf: Any, start: Any, delim: Any, quote: Any, first_line: Any,
                  slot_of_col: Any, n_slots: Any) -> Any:
    """Split ``buf[start:]`` into records. ``quote`` < 0 means no quoting.

    Returns (rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n_records): the
    wanted fields of record r are ``out[f_start[r, s]:f_end[r, s]]`` (-1 when absent).
    """
    n = buf.shape[0]
    cap = 1
    for i in range(start, n):
        if buf[i] == 10:
            cap += 1
    rec_line = np.empty(cap, np.int64)
    rec_start = np.empty(cap, np.int64)
    rec_end = np.empty(cap, np.int64)
    rec_fields = np.empty(cap, np.int64)
    f_start = np.full((cap, max(n_slots, 1)), -1, np.int64)
    f_end = np.full((cap, max(n_slots, 1)), -1, np.int64)
    out = np.empty(max(n - start, 1), np.uint8)
    n_cols = slot_of_col.shape[0]

    o = 0
    r = 0
    line = first_line
    i = start
    while i < n:
        # One record starts at i.
        r_line = line
        r_start = i
        field = 0
        f_begin = o
        quoted_any = False
        at_field_start = True
        in_quotes = False
        slot = slot_of_col[0] if n_cols > 0 else -1
        while i < n:
            c = buf[i]
            if in_quotes:
                if c == quote:
                    if i + 1 < n and buf[i + 1] == quote:
                        if slot >= 0:
                            out[o] = c
                            o += 1
                        i += 2
                        continue
                    in_quotes = False
                    i += 1
                    continue
                if c == 10:
                    line += 1
                if slot >= 0:
                    out[o] = c
                    o += 1
                i += 1
                continue
            if c == quote and at_field_start:
                in_quotes = True
                quoted_any = True
                at_field_start = False
                i += 1
                continue
            if c == delim or c == 10:
                end = o
                if c == 10 and end > f_begin and slot >= 0 and out[end - 1] == 13:
                    end -= 1
                if slot >= 0:
                    f_start[r, slot] = f_begin
                    f_end[r, slot] = end
                field += 1
                f_begin = o
                at_field_start = True
                slot = slot_of_col[field] if field < n_cols else -1
                i += 1
                if c == 10:
                    line += 1
                    break
                continue
            at_field_start = False
            if slot >= 0:
                out[o] = c
                o += 1
            i += 1
        else:
            # End of buffer without a newline: close the last field.
            end = o
            if end > f_begin and slot >= 0 and out[end - 1] == 13:
                end -= 1
            if slot >= 0:
                f_start[r, slot] = f_begin
                f_end[r, slot] = end
            field += 1
        raw_end = i - 1 if (i - 1 >= r_start and buf[i - 1] == 10) else i
        if raw_end > r_start and buf[raw_end - 1] == 13:
            raw_end -= 1
        # A blank line (one empty, unquoted field) is no record at all.
        if field == 1 and raw_end == r_start and not quoted_any:
            if n_slots > 0:
                f_start[r, :] = -1
                f_end[r, :] = -1
            continue
        rec_line[r] = r_line
        rec_start[r] = r_start
        rec_end[r] = raw_end
        rec_fields[r] = field
        r += 1
    return rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, r


@njit(cache=True, nogil=True)
def gather(data: Any, starts: Any, ends: Any) -> Any:
    """Arrow large-string buffers (offsets, bytes, valid) of ``data[starts[i]:ends[i]]``.

    A negative start is a missing value (null).
    """
    m = starts.shape[0]
    total = 0
    for k in range(m):
        if starts[k] >= 0:
            total += ends[k] - starts[k]
    offsets = np.empty(m + 1, np.int64)
    valid = np.empty(m, np.bool_)
    chars = np.empty(max(total, 1), np.uint8)
    pos = 0
    offsets[0] = 0
    for k in range(m):
        s = starts[k]
        if s >= 0:
            e = ends[k]
            for j in range(s, e):
                chars[pos] = data[j]
                pos += 1
            valid[k] = True
        else:
            valid[k] = False
        offsets[k + 1] = pos
    return offsets, chars[:total], valid
