"""numba kernels behind the CSV reader (imported lazily: numba is slow to import).

One pass over the UTF-8 bytes splits records and fields the way RFC 4180 does (a quote opens a
quoted field only at the start of a field; a doubled quote inside is one quote; newlines inside
quotes belong to the field) and records, per record, its first physical line, its raw byte span
and its field count. Only the wanted columns are copied (unquoted) into an output buffer; a
second small kernel gathers one column's fields into Arrow string buffers.

Doing this ourselves instead of handing the bytes to a CSV library gives exact line numbers for
every row and turns rows with the wrong field count into rejected rows instead of an exception.

A record holding nothing but delimiters and blanks (``;;;;``: an empty sheet row as Excel
exports it, or a line of spaces) is spacing, as a blank line is: no record at all. Given the row
width, a record running past it whose fields past it are all blank (``MANN;W712;100;5;;;``: a 1C
or script export padding its rows) counts that width: its columns are not in doubt (looked at
only for a record past the width).

A stray quote at a field's start (``MANN;W4;"unterminated;40``) would open a field running to the
next quote, lines or the whole file away. Given the row width, a record whose quoted field runs
past its first line and that does not split into that width, or whose closing quote is followed
by more text (the next quote was another field's opening one), is taken for one: its first line
alone is the record (its field count :data:`UNCLOSED`), and the split goes on from the next line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._blank import blank_byte, blank_through
from partsearch._jit import njit

#: the field count of a record cut at its first line: a quote opened there is not closed
#: before a line break, and the record running on to its close does not have the row width
UNCLOSED = -1
#: the field count of a record cut at its first line, with ``strict``, because a cell of a wanted
#: column holds a quoted line break (the record has the row width and looks whole otherwise)
WANTED_BREAK = -2


def split_records(buf: Any, start: int, delim: int, quote: int, first_line: int,
                  slot_of_col: Any, n_slots: int, *, width: int = -1, min_width: int = -1,
                  halves_from: int = 1 << 22, strict: bool = False,
                  open_at_end: bool = True) -> Any:
    """Split ``buf[start:]`` into records. ``quote`` < 0 means no quoting; ``width`` >= 0 is
    the row width, cutting a record that holds a quoted line break at its first line when a
    stray quote is likely (module docstring; its field count :data:`UNCLOSED`), and the count
    of a record past it whose fields past it are blank; ``min_width`` (``width`` when below
    0) the fewest fields a row of the width may have (a header ending in unnamed columns,
    which rows may stop before). ``strict`` (with ``width``; the cross reader's rule) keeps a
    record holding a quoted line break only where every cell holding one is of a column not
    wanted: one whose wanted cell holds one is cut (:data:`WANTED_BREAK`), and so is one a
    stray quote likely made (:data:`UNCLOSED`): a line inside its quotes holds ``width`` - 1
    delimiters (a row swallowed), or, ``open_at_end``, its quote is still open at the end of
    ``buf`` (else left whole: the caller reads it again with the text after it).

    Returns (rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n_records): the
    wanted fields of record r are ``out[f_start[r, s]:f_end[r, s]]`` (-1 when absent).

    From ``halves_from`` bytes on, the two halves are split on two threads: the second from
    the first line start after the middle, as if no quoted field spanned it. That guess holds
    when the first half's last record ends exactly there; when it does not (a quoted line
    break across the middle), the whole is split again in one pass.
    """
    from concurrent.futures import ThreadPoolExecutor

    n = buf.shape[0]
    least = width if min_width < 0 else min_width
    out = np.empty(max(n - start, 1), np.uint8)
    middle = start + (n - start) // 2
    split = -1
    if n - start >= halves_from:
        nl = np.flatnonzero(buf[middle:min(middle + (1 << 20), n)] == 10)
        split = middle + int(nl[0]) + 1 if nl.size else -1
    kernel: Any = split_range  # (mypy counts a dispatcher's arguments wrong)
    if 0 < split < n:
        with ThreadPoolExecutor(2) as pool:  # the kernels release the GIL
            breaks = list(pool.map(lambda ab: line_breaks(buf, *ab),
                                   ((start, split), (split, n))))
            rec = _record_arrays(sum(breaks) + 1, n_slots)
            # the first half's records each hold one of its line breaks: the second half's
            # rows, from breaks[0] on, cannot meet them
            later = pool.submit(lambda: kernel(buf, split, n, delim, quote, width, least,
                                               slot_of_col, out, split - start, *rec,
                                               breaks[0], strict, open_at_end))
            r1, end1, _, lines1 = kernel(buf, start, split, delim, quote, width, least,
                                         slot_of_col, out, 0, *rec, 0, strict, open_at_end)
            r2 = later.result()[0] - breaks[0]
        if end1 == split:
            rec[0][:r1] += first_line
            rec[0][breaks[0]:breaks[0] + r2] += first_line + lines1
            if breaks[0] != r1:  # the first half's blank lines or quoted breaks left a gap
                for a in rec:
                    a[r1:r1 + r2] = a[breaks[0]:breaks[0] + r2].copy()
            return (*(a[:r1 + r2] for a in rec), out, r1 + r2)
        # a quoted field spans the middle: the second half guessed wrong, and wrote over the
        # field's text in ``out``; rare enough to split the whole again, in order
    else:
        rec = _record_arrays(line_breaks(buf, start, n) + 1, n_slots)
    r = kernel(buf, start, n, delim, quote, width, least, slot_of_col, out, 0, *rec, 0, strict,
               open_at_end)[0]
    rec[0][:r] += first_line
    return (*(a[:r] for a in rec), out, r)


def _record_arrays(cap: int, n_slots: int) -> tuple[np.ndarray, ...]:
    """rec_line, rec_start, rec_end, rec_fields, f_start, f_end for ``cap`` records (every
    record but the last ends in a line break), unfilled: each record's row is written whole
    by the kernel (fresh memory is slow to fill here: 0.5-2 GiB/s)."""
    return (*(np.empty(cap, np.int64) for _ in range(4)),
            *(np.empty((cap, max(n_slots, 1)), np.int64) for _ in range(2)))


@njit(cache=True, nogil=True)
def line_breaks(buf: Any, start: Any, stop: Any) -> Any:
    k = 0
    for i in range(start, stop):
        if buf[i] == 10:
            k += 1
    return k


@njit(cache=True, nogil=True)
def split_range(buf: Any, start: Any, stop: Any, delim: Any, quote: Any, row_width: Any,
                min_width: Any, slot_of_col: Any, out: Any, o: Any, rec_line: Any, rec_start: Any,
                rec_end: Any, rec_fields: Any, f_start: Any, f_end: Any, r: Any,
                strict: Any = False, open_at_end: Any = True) -> Any:
    """The records of ``buf`` that begin in ``[start, stop)`` (the last may run past
    ``stop``), written to the record arrays from row ``r`` on, their wanted fields copied
    into ``out`` from ``o`` on.

    Returns (the row after the last written, where the next record begins, where ``out``
    is written to, line breaks passed); lines are counted from 0. Where a record cut at its
    first line was read further (into the next half's text and output), the second is how
    far it was read: the halves' guess then fails as for a quote left open.
    """
    n = buf.shape[0]
    n_cols = slot_of_col.shape[0]
    width = f_start.shape[1]
    line = 0
    i = start
    reach = start
    while i < stop:
        # One record starts at i.
        for k in range(width):
            f_start[r, k] = -1
            f_end[r, k] = -1
        r_line = line
        r_start = i
        r_out = o
        field = 0
        f_begin = o
        quoted_any = False
        quoted_break = False
        section_break = False  # (a line break within the quotes open now)
        text_after_quote = False
        wanted_break = False  # (a quoted line break in a wanted cell)
        line_delims = 0  # (delimiters on the quoted line since the last quoted break)
        swallowed = False  # (a quoted line holding a row's delimiters)
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
                    # only the quote closing a run over a line break tells a stray one: text
                    # after another field's closing quote ("Super" wiper) is sloppy, no more
                    if section_break and i + 1 < n and buf[i + 1] != delim \
                            and buf[i + 1] != 10 and buf[i + 1] != 13 \
                            and buf[i + 1] != 32:  # (a space: sloppy)
                        text_after_quote = True
                    i += 1
                    continue
                if c == 10:
                    line += 1
                    quoted_break = True
                    section_break = True
                    line_delims = 0
                    if slot >= 0:
                        wanted_break = True
                elif c == delim and section_break:
                    line_delims += 1
                    if 0 < row_width - 1 <= line_delims:
                        swallowed = True
                if slot >= 0:
                    out[o] = c
                    o += 1
                i += 1
                continue
            if c == quote and at_field_start:
                in_quotes = True
                section_break = False
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
        # A blank line, or one of delimiters and blanks only, is no record at all.
        if not quoted_any and blank_through(buf, r_start, raw_end, delim):
            continue
        if 0 <= row_width < field and not in_quotes \
                and _blank_past(buf, r_start, raw_end, delim, field - row_width):
            field = row_width
        stray = field < min_width or field > row_width or text_after_quote
        if strict:
            stray = stray or swallowed or in_quotes
        # (with ``strict``, a quote open at the end of ``buf`` and not ``open_at_end``: the
        # record left whole, to be read again with the text after it)
        if quoted_break and row_width >= 0 and (stray or (strict and wanted_break)) \
                and not (strict and in_quotes and not open_at_end):
            # a stray quote: the record is its first line, and the next line starts afresh
            reach = max(reach, i)
            i = r_start
            while buf[i] != 10:
                i += 1
            raw_end = i - 1 if i > r_start and buf[i - 1] == 13 else i
            i += 1
            line = r_line + 1
            o = r_out
            field = UNCLOSED if stray else WANTED_BREAK
            for k in range(width):
                f_start[r, k] = -1
                f_end[r, k] = -1
        rec_line[r] = r_line
        rec_start[r] = r_start
        rec_end[r] = raw_end
        rec_fields[r] = field
        r += 1
    return r, max(i, reach), o, line


@njit(cache=True, nogil=True)
def _blank_past(buf: Any, start: Any, end: Any, delim: Any, extra: Any) -> Any:
    """Whether the record ``buf[start:end]``'s last ``extra`` fields are blank: its last
    ``extra`` delimiters have nothing but blanks after them (a quote, a field's closing one,
    ends the walk: the delimiters before it may be quoted text)."""
    seen = 0
    for i in range(end - 1, start - 1, -1):
        if buf[i] == delim:
            seen += 1
            if seen == extra:
                return True
        elif not blank_byte(buf[i]):
            return False
    return False


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
