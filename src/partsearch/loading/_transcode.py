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
def _transcode(data: np.ndarray, table: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, int]:
    total = 0
    for i in range(data.size):
        n = size[data[i]]
        if n == 0:
            return np.zeros(0, dtype=np.uint8), i  # an undefined byte: not cp1251
        total += n
    out = np.empty(total, dtype=np.uint8)
    k = 0
    for i in range(data.size):
        b = data[i]
        for j in range(size[b]):
            out[k] = table[b, j]
            k += 1
    return out, -1


def cp1251_to_utf8(data: bytes) -> bytes:
    """The same bytes as ``data.decode("cp1251").encode("utf-8")``; raises UnicodeDecodeError
    at an undefined byte, as the codec does."""
    out, bad = _transcode(np.frombuffer(data, dtype=np.uint8), *_TABLE)
    if bad >= 0:
        raise UnicodeDecodeError("cp1251", data, bad, bad + 1, "character maps to <undefined>")
    return out.tobytes()
