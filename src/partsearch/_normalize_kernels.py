"""numba kernel behind :func:`partsearch.normalize.article_keys` (imported lazily).

It walks Arrow's UTF-8 buffers once, mapping each code point through tables built from the scalar
reference's own per-character fold (``normalize._char_key``), so the two forms cannot drift apart:
an ASCII byte (and a full-width form of one) through a byte table, any other code point below
the tables' end through the UTF-8 of its key characters (none, its base letter, ``SS`` for ß,
itself upper-cased). A key is mostly no longer than its text; where a fold is longer (``Ⅷ`` is
``VIII``) the caller gives more room.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._jit import njit

DONE, MORE_ROOM, MORE_TABLES = 0, 1, 2


def tables(keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables of one fold, given the key characters of each code point below the
    tables' end: for the code points of one or two UTF-8 bytes (ASCII, Latin, Cyrillic, ...)
    the code point of their key when it is one character of them too, 0 for none, -1 for a
    longer one; for all, the UTF-8 of their key characters (``data[start[cp]:start[cp + 1]]``).
    """
    short = np.array([ord(key) if len(key) == 1 and ord(key) < 0x800 else -1 if key else 0
                      for key in keys[:0x800]], dtype=np.int32)
    utf8 = [key.encode() for key in keys]
    lengths = np.fromiter(map(len, utf8), dtype=np.int32, count=len(utf8))
    start = np.zeros(len(utf8) + 1, dtype=np.int32)
    np.cumsum(lengths, out=start[1:])
    return short, start, np.frombuffer(b"".join(utf8), dtype=np.uint8)


@njit(cache=True, inline="always")
def _is_float_form(data: Any, start: int, end: int) -> int:
    """End of the integer part when the text is ``'\\s*[0-9]+\\.0+\\s*'`` (ASCII white space, as
    the scalar's ``_FLOAT``), else -1."""
    i = start
    while i < end and (data[i] == 32 or 9 <= data[i] <= 13):
        i += 1
    j = end
    while j > i and (data[j - 1] == 32 or 9 <= data[j - 1] <= 13):
        j -= 1
    k = i
    while k < j and 48 <= data[k] <= 57:
        k += 1
    if k == i or k >= j or data[k] != 46 or k + 1 >= j:
        return -1
    for m in range(k + 1, j):
        if data[m] != 48:
            return -1
    return k


@njit(cache=True, inline="always")
def _put_short(out: Any, pos: int, c: int) -> int:
    """Write code point ``c`` (1 to 0x7FF, a short table's entry) as its one or two UTF-8 bytes
    at ``pos``; the position after them."""
    if c < 0x80:
        out[pos] = c
        return pos + 1
    out[pos] = 0xC0 | (c >> 6)
    out[pos + 1] = 0x80 | (c & 0x3F)
    return pos + 2


@njit(cache=True, nogil=True)
def normalize(
    offsets: Any, data: Any, valid: Any, keep_row: Any,
    fold_short: Any, fold_start: Any, fold_data: Any,
    up_short: Any, up_start: Any, up_data: Any, end_cp: int, table_end: int, kept_cp: int,
    out_size: int,
) -> Any:
    """(offsets, bytes, validity) of the rows' keys in ``out_size`` bytes, null where none is
    left, and DONE; or, unfinished, MORE_TABLES when a code point at or past ``end_cp``
    and below ``table_end`` was met (the caller passes tables up to ``table_end``), MORE_ROOM
    when ``out_size`` is too small (only a fold longer than its character makes a key longer than
    its text; a buffer reassigned in the loop would slow the common path threefold)."""
    n = len(offsets) - 1
    out_off = np.empty(n + 1, dtype=np.int64)
    out = np.empty(out_size, dtype=np.uint8)
    status = DONE
    # room for every byte still to read, checked only where a fold is longer than its character
    room = len(out) - (offsets[n] - offsets[0])
    out_valid = np.zeros(n, dtype=np.bool_)
    pos = 0
    out_off[0] = 0
    for r in range(n):
        start = offsets[r]
        end = offsets[r + 1]
        row_start = pos
        if valid[r]:
            if keep_row[r]:
                at, gs, gd = up_short, up_start, up_data
            else:
                at, gs, gd = fold_short, fold_start, fold_data
            cut = _is_float_form(data, start, end)
            if cut >= 0:
                end = cut
            i = start
            while i < end:
                b = data[i]
                if b < 0x80:
                    c = at[b]
                    if c:
                        out[pos] = c
                        pos += 1
                    i += 1
                elif b < 0xC0:  # (no valid UTF-8 has it)
                    i += 1
                elif b < 0xE0 and i + 1 < end and (i + 2 >= end or data[i + 2] != 0xCC) \
                        and at[((b & 0x1F) << 6) | (data[i + 1] & 0x3F)] >= 0:
                    # the usual letter: one character of one or two bytes, or none (not when a
                    # combining mark, CC .., follows: it may make another letter)
                    c = at[((b & 0x1F) << 6) | (data[i + 1] & 0x3F)]
                    if c:
                        pos = _put_short(out, pos, c)
                    i += 2
                else:
                    size = 4 if b >= 0xF0 else 3 if b >= 0xE0 else 2
                    if i + size > end:
                        break
                    cp = b & (0x07 if size == 4 else 0x0F if size == 3 else 0x1F)
                    for k in range(1, size):
                        cp = (cp << 6) | (data[i + k] & 0x3F)
                    # И/Е with a combining breve/diaeresis (CC 86 / CC 88) after it is Й/Ё, as
                    # the scalar composes them
                    if (size == 2 and i + 3 < end and data[i + 2] == 0xCC
                            and ((data[i + 3] == 0x86 and (cp == 0x418 or cp == 0x438))
                                 or (data[i + 3] == 0x88 and (cp == 0x415 or cp == 0x435)))):
                        cp = cp + 1 if data[i + 3] == 0x86 else \
                            cp - 0x14 if cp == 0x415 else cp + 0x1C
                        size = 4
                    c = at[cp] if cp < 0x800 else -1
                    if c >= 0:  # a letter a combining mark follows that it does not make another
                        if c:
                            pos = _put_short(out, pos, c)
                    elif 0xFF01 <= cp <= 0xFF5E:  # a full-width ASCII form: its ASCII one's
                        c = at[cp - 0xFEE0]
                        if c:
                            out[pos] = c
                            pos += 1
                    elif cp < end_cp:
                        a = gs[cp]
                        m = gs[cp + 1] - a
                        if m > size:
                            room -= m - size
                            if room < 0:  # (the rest is written to no use, and safely)
                                status = max(status, MORE_ROOM)
                                m = 0
                        for k in range(m):
                            out[pos + k] = gd[a + k]
                        pos += m
                    elif cp < table_end:  # (the rest is written to no use)
                        status = MORE_TABLES
                    elif cp < kept_cp:
                        for k in range(size):
                            out[pos + k] = data[i + k]
                        pos += size
                    i += size
        out_valid[r] = pos > row_start
        out_off[r + 1] = pos
    return out_off, out[:pos], out_valid, status
