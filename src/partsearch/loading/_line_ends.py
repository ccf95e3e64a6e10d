"""A CSV's line ends: LF, CRLF, or a CR alone as a classic Mac file's, told by those outside
quotes (numba kernels: imported lazily, as ``_csv_kernel``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._jit import njit


def mac_lines(buf: bytes | np.ndarray, quote: str | None = None) -> bool:
    """Whether a text's lines end in CR alone, as a classic Mac file's do: of the line ends of
    its head outside quotes (``quote``, '"' when not given), a CR alone is the rule and an LF
    (or a CRLF) rare: more than :data:`_MAC_RATIO` times as many. Only those outside quotes
    tell: a Mac Excel export ends its rows in CR and a line break in a cell in LF (one such
    cell made the whole file one line), a Windows one its rows in CRLF and a cell's break in
    LF, and a cell may hold a CR in an LF file; all of them, when the head is all inside a
    quote (a stray one at its start). Not a majority: an LF file whose unquoted cells hold
    two CRs a row, or a file whose rows end in CR CR LF, split as Mac, cut each row apart."""
    head = np.frombuffer(buf, dtype=np.uint8) if isinstance(buf, bytes) else buf
    if not np.any(head[: _LINES_HEAD] == 13):
        return False  # (most files: no CR at all, no scan)
    lf, cr, lf_all, cr_all = line_ends(head, min(len(head), _LINES_HEAD), ord(quote or '"'))
    return bool(cr > _MAC_RATIO * lf if lf or cr else cr_all > _MAC_RATIO * lf_all)


_MAC_RATIO = 10


_LINES_HEAD = 1 << 16  # of a text's bytes, where its line ends are told


def line_at(data: bytes, pos: int) -> int:
    """The 1-based line of byte ``pos`` of a file as its rows are split (a CR alone ends a line
    of a classic Mac file, :func:`mac_lines`), for an error naming where a bad byte is."""
    if mac_lines(data):
        return data.count(b"\n", 0, pos) + data.count(b"\r", 0, pos) \
            - data.count(b"\r\n", 0, pos) + 1
    return data.count(b"\n", 0, pos) + 1


@njit(cache=True, nogil=True)
def line_ends(buf: Any, stop: Any, quote: Any) -> Any:
    """The line ends of ``buf[:stop]``: (LF or CRLF, CR alone) outside quotes, and the same
    counted everywhere. A quote opens a quoted field at a field's start only (the line's, or
    after any of ``; tab , |``: the delimiter is not known yet), as the split's quotes do, so an
    inch mark (``3/4"``) opens none."""
    lf = 0
    cr = 0
    lf_all = 0
    cr_all = 0
    in_quotes = False
    at_field_start = True
    i = 0
    while i < stop:
        c = buf[i]
        if c == 13 and i + 1 < stop and buf[i + 1] == 10:
            i += 1  # (a CRLF is one line end, its LF's)
            c = 10
        if c == 10 or c == 13:
            if c == 10:
                lf_all += 1
            else:
                cr_all += 1
            if not in_quotes:
                if c == 10:
                    lf += 1
                else:
                    cr += 1
                at_field_start = True
        elif in_quotes:
            if c == quote:
                if i + 1 < stop and buf[i + 1] == quote:
                    i += 1
                else:
                    in_quotes = False
        elif c == quote and at_field_start:
            in_quotes = True
            at_field_start = False
        else:
            at_field_start = c == 59 or c == 9 or c == 44 or c == 124
        i += 1
    return lf, cr, lf_all, cr_all


@njit(cache=True, nogil=True)
def lone_cr_to_lf(buf: Any) -> Any:
    """``buf`` with each CR alone made an LF (a classic Mac file's line ends: same length,
    same lines); a CRLF (in a quoted cell, say) is kept as it is."""
    n = buf.shape[0]
    out = np.empty(n, np.uint8)
    for i in range(n):
        c = buf[i]
        out[i] = 10 if c == 13 and (i + 1 == n or buf[i + 1] != 10) else c
    return out
