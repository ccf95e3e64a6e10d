"""cp1251 → UTF-8 in one compiled pass (Python's codec decodes to str, then encodes again)."""

from __future__ import annotations

import numpy as np
from numba import njit


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
