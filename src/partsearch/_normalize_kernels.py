"""numba kernel behind :func:`partsearch.normalize.article_keys` (imported lazily).

It walks Arrow's UTF-8 buffers once, mapping each code point through two small tables (ASCII and
the Cyrillic block) built from the same dictionaries as the scalar reference, so the two forms
cannot drift apart; a full-width ASCII form goes through the ASCII table. Keys never grow: a
2-byte Cyrillic letter becomes 1 Latin byte or stays 2, a 3-byte full-width one 1 byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._jit import njit

_CYR_BASE = 0x400


def tables(mapping: dict[str, str], keep: str) -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables: ASCII byte -> output code point, Cyrillic code point -> output code point.

    0 means "drop". ``mapping`` gives the case map / fold; ``keep`` lists the output alphabet.
    """
    ascii_t = np.zeros(128, dtype=np.int32)
    cyr_t = np.zeros(256, dtype=np.int32)
    for code in range(128):
        ch = mapping.get(chr(code), chr(code))
        if ch in keep:
            ascii_t[code] = ord(ch)
    for code in range(_CYR_BASE, _CYR_BASE + 256):
        ch = mapping.get(chr(code), chr(code))
        if ch in keep:
            cyr_t[code - _CYR_BASE] = ord(ch)
    return ascii_t, cyr_t


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


@njit(cache=True, nogil=True)
def normalize(
    offsets: Any, data: Any, valid: Any, keep_row: Any,
    fold_ascii: Any, fold_cyr: Any, up_ascii: Any, up_cyr: Any,
) -> Any:
    n = len(offsets) - 1
    out_off = np.empty(n + 1, dtype=np.int64)
    out = np.empty(len(data), dtype=np.uint8)
    out_valid = np.zeros(n, dtype=np.bool_)
    pos = 0
    out_off[0] = 0
    for r in range(n):
        start = offsets[r]
        end = offsets[r + 1]
        row_start = pos
        if valid[r]:
            if keep_row[r]:
                at, ct = up_ascii, up_cyr
            else:
                at, ct = fold_ascii, fold_cyr
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
                elif b >= 0xF0:
                    i += 4
                elif b >= 0xE0:
                    # a full-width ASCII form (U+FF01..U+FF5E: EF BC 81 .. EF BD 9E) is its
                    # ASCII character's, as the scalar's table says
                    if b == 0xEF and i + 2 < end:
                        cp = ((data[i + 1] & 0x3F) << 6 | (data[i + 2] & 0x3F)) | 0xF000
                        if 0xFF01 <= cp <= 0xFF5E:
                            c = at[cp - 0xFEE0]
                            if c:
                                out[pos] = c
                                pos += 1
                    i += 3
                elif b >= 0xC0:
                    cp = ((b & 0x1F) << 6) | (data[i + 1] & 0x3F) if i + 1 < end else 0
                    if 0x400 <= cp < 0x500:
                        c = ct[cp - 0x400]
                        if c:
                            if c < 0x80:
                                out[pos] = c
                                pos += 1
                            else:
                                out[pos] = 0xC0 | (c >> 6)
                                out[pos + 1] = 0x80 | (c & 0x3F)
                                pos += 2
                    i += 2
                else:
                    i += 1
        out_valid[r] = pos > row_start
        out_off[r + 1] = pos
    return out_off, out[:pos], out_valid
