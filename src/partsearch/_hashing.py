"""The stable part hash: the join key between offers and the cross index.

FNV-1a 64 over the UTF-8 bytes of ``brand_key + "\\x1f" + article_key``, then the splitmix64
finalizer so that nearby keys spread over all 64 bits. Both are fixed arithmetic, so a hash written
by one version on one machine is read by any other. The vectorized form walks Arrow's string
buffers in a numba kernel; :func:`part_hash` is the slow reference it is tested against.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["article_hash", "article_hashes", "part_hash", "part_hashes"]

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = 0xFFFFFFFFFFFFFFFF
_SEP = 0x1F


def _fnv(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def _finalize(h: int) -> int:
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
    return h ^ (h >> 31)


def part_hash(brand_key: str, article_key: str) -> int:
    """Stable 64-bit hash of a part (reference implementation, one part at a time)."""
    return _finalize(_fnv(_brand_state(brand_key), article_key.encode("utf-8")))


@lru_cache(maxsize=4096)
def _brand_state(brand_key: str) -> int:
    """FNV state after ``brand + separator``: brands repeat, so a search hashes only the
    article's bytes."""
    return _fnv(_fnv(_FNV_OFFSET, brand_key.encode("utf-8")), bytes([_SEP]))


def article_hash(article_key: str) -> int:
    """Stable 64-bit hash of an article key alone (which brands have this article)."""
    return _finalize(_fnv(_FNV_OFFSET, article_key.encode("utf-8")))


def part_hashes(brand_keys: Any, article_keys: Any) -> np.ndarray:
    """Vectorized :func:`part_hash` over two string columns (Arrow, polars or lists)."""
    b_off, b_data = _buffers(brand_keys)
    a_off, a_data = _buffers(article_keys)
    if len(b_off) != len(a_off):
        raise ValueError(f"brand and article columns differ: {len(b_off)} vs {len(a_off)} rows")
    out: np.ndarray = _kernels().pair(b_off, b_data, a_off, a_data)
    return out


def article_hashes(article_keys: Any) -> np.ndarray:
    """Vectorized :func:`article_hash`."""
    off, data = _buffers(article_keys)
    out: np.ndarray = _kernels().single(off, data)
    return out


def _buffers(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a null-free string column."""
    from partsearch._arrow import string_buffers

    arr = _as_large_string(values)
    if arr.null_count:
        raise ValueError("cannot hash null keys")
    return string_buffers(arr)


def _as_large_string(values: Any) -> pa.LargeStringArray:
    import pyarrow as pa

    if not isinstance(values, pa.Array | pa.ChunkedArray):
        try:
            import polars as pl

            values = values.to_arrow() if isinstance(values, pl.Series) else pa.array(values)
        except ImportError:  # pragma: no cover
            values = pa.array(values)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    return values


def _kernels() -> Any:
    """The compiled kernels; numba is imported on first use, not with the package."""
    from partsearch import _hash_kernels

    return _hash_kernels
