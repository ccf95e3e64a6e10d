"""cp1251 → UTF-8 in one compiled pass (Python's codec decodes to str, then encodes again)."""

from __future__ import annotations

import numpy as np

from partsearch._jit import njit


def _table() -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes (up to 3) of each cp1251 byte, and their count; 0 for undefined bytes."""
    out = np.zeros((256, 3), dtype=np.uint8)
    size = np.zeros(256, dtype=np.int64)
    for b in range(256):
        try:
            encoded = bytes([b]).decode("cp1251").encode("utf-8")
        except UnicodeDecodeError:
            continue
        out[b, : len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
        size[b] = len(encoded)
    return out, size


_TABLE = _table()


@njit(cache=True, nogil=True)
def _utf8_size(data: np.ndarray, size: np.ndarray) -> tuple[int, int]:
    """UTF-8 size of cp1251 ``data``, and the position of its first undefined byte (-1)."""
    total = 0
    for i in range(data.size):
        n = size[data[i]]
        if n == 0:
            return total, i
        total += n
    return total, -1


@njit(cache=True, nogil=True)
def _fill(data: np.ndarray, table: np.ndarray, size: np.ndarray, out: np.ndarray) -> None:
    k = 0
    for i in range(data.size):
        b = data[i]
        if b < 128:  # ASCII, most of a price file: itself
            out[k] = b
            k += 1
            continue
        n = size[b]
        out[k] = table[b, 0]
        out[k + 1] = table[b, 1]  # every non-ASCII cp1251 character is 2 or 3 UTF-8 bytes
        if n == 3:
            out[k + 2] = table[b, 2]
        k += n


def cp1251_to_utf8(data: bytes) -> np.ndarray:
    """The same bytes as ``data.decode("cp1251").encode("utf-8")``, as a uint8 array (a CSV
    reader views it as is: turning 60 MB into ``bytes`` would be one more copy); raises
    UnicodeDecodeError at an undefined byte, as the codec does.

    A single-byte encoding can be cut anywhere, so the two halves are sized and transcoded on
    two threads (the kernels release the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    buf = np.frombuffer(data, dtype=np.uint8)
    table, size = _TABLE
    half = buf.size // 2
    pieces = (buf[:half], buf[half:])
    with ThreadPoolExecutor(2) as pool:
        sizes = list(pool.map(lambda piece: _utf8_size(piece, size), pieces))
        for start, (_total, bad) in zip((0, half), sizes, strict=True):
            if bad >= 0:
                raise UnicodeDecodeError("cp1251", data, start + bad, start + bad + 1,
                                         "character maps to <undefined>")
        out = np.empty(sizes[0][0] + sizes[1][0], dtype=np.uint8)
        outs = (out[:sizes[0][0]], out[sizes[0][0]:])
        list(pool.map(lambda i: _fill(pieces[i], table, size, outs[i]), (0, 1)))
    return out


@njit(cache=True, nogil=True)
def _utf8_errors(data: np.ndarray, out: np.ndarray, give_up: int) -> tuple[int, int]:
    """The bytes of ``data`` Python's strict UTF-8 decoder flags (each byte of every error's
    range: a sequence's lead and its valid continuation bytes, up to where it breaks), the
    first ``out.size`` of them written to ``out``; how many there are, and how many valid
    multi-byte characters ``data`` holds. Stops early once ``give_up`` (> 0) bad bytes are
    found and they outnumber an eighth of the valid characters so far."""
    n = data.size
    bad = multi = 0
    i = 0
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        need, lo, hi = 0, 0x80, 0xBF  # continuation bytes, and the second byte's range
        if 0xC2 <= b <= 0xDF:
            need = 1
        elif 0xE0 <= b <= 0xEF:
            need = 2
            lo = 0xA0 if b == 0xE0 else 0x80  # (no overlong forms)
            hi = 0x9F if b == 0xED else 0xBF  # (no surrogates)
        elif 0xF0 <= b <= 0xF4:
            need = 3
            lo = 0x90 if b == 0xF0 else 0x80
            hi = 0x8F if b == 0xF4 else 0xBF  # (nothing past U+10FFFF)
        k = 0  # valid bytes after the lead
        while k < need and i + k + 1 < n:
            c = data[i + k + 1]
            if not ((lo <= c <= hi) if k == 0 else (0x80 <= c <= 0xBF)):
                break
            k += 1
        if need and k == need:
            multi += 1
            i += need + 1
            continue
        for j in range(i, i + k + 1):  # the lead and the valid part after it
            if bad < out.size:
                out[bad] = j
            bad += 1
        if 0 < give_up <= bad and 8 * bad > multi:
            break
        i += k + 1
    return bad, multi


def utf8_errors(data: bytes | np.ndarray, give_up: int = 0) -> tuple[np.ndarray, int]:
    """Positions of the bytes of ``data`` that are not UTF-8 (those Python's strict decoder
    flags), ascending, and how many valid multi-byte characters ``data`` holds: a UTF-8 file
    with a stray byte has many of these and few of those; a cp1251 one the reverse. With
    ``give_up``, what was found when that many bad bytes outnumbered an eighth of the valid
    characters (a cp1251 file tells so in its first lines: no pass over the rest).

    >>> utf8_errors("Фильтр".encode() + b"\\xff!")
    (array([12]), 6)
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    out = np.empty(1024, dtype=np.int64)
    bad, multi = _utf8_errors(buf, out, give_up)
    if bad > out.size:  # (a second pass, with room for all)
        out = np.empty(bad, dtype=np.int64)
        _utf8_errors(buf, out, give_up)
    return out[:bad], multi


@njit(cache=True, nogil=True)
def _marks(data: np.ndarray, size: np.ndarray, out: np.ndarray) -> int:
    """Writes "?" over each undefined byte of ``data`` (in place), and where its mark lands in
    the UTF-8 text into ``out``; how many there are."""
    k = 0  # the UTF-8 bytes so far
    found = 0
    for i in range(data.size):
        n = size[data[i]]
        if n == 0:
            data[i] = 63  # "?"
            if found < out.size:
                out[found] = k
            found += 1
            n = 1
        k += n
    return found


def cp1251_strays(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``data`` from cp1251 as :func:`cp1251_to_utf8` gives it, but each byte cp1251 leaves
    undefined (0x98 alone) written as "?"; and where those marks are in the result,
    ascending (empty when there are none). The caller decides how many strays it accepts.

    >>> text, marks = cp1251_strays("Фильтр".encode("cp1251") + b"\\x98!")
    >>> bytes(text).decode(), marks.tolist()
    ('Фильтр?!', [12])
    """
    try:  # (the usual file: one pass, no copy)
        return cp1251_to_utf8(data), np.zeros(0, dtype=np.int64)
    except UnicodeDecodeError:
        pass
    fixed = np.frombuffer(data, dtype=np.uint8).copy()
    out = np.empty(1024, dtype=np.int64)
    found = _marks(fixed, _TABLE[1], out)
    if found > out.size:  # (a second pass, with room for all, over the bytes as they were)
        fixed = np.frombuffer(data, dtype=np.uint8).copy()
        out = np.empty(found, dtype=np.int64)
        _marks(fixed, _TABLE[1], out)
    return cp1251_to_utf8(fixed.tobytes()), out[:found]
