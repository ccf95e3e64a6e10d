"""Keep the memory a price-file load frees for the next load, instead of handing it back.

Loading a 1M-row file allocates and frees about a gigabyte of short-lived buffers: numpy's and
numba's through glibc's malloc, polars' through its own jemalloc. By default both hand large
freed blocks back to the kernel at once, so the next load faults them in anew. On a virtual
machine whose host takes back the memory a guest frees (free page reporting), memory touched anew
runs at 0.4-1 GB/s against ~20 GB/s for memory already touched: on the benchmark machine a warm
1M-row cp1251 load spent ~0.6 s of its ~1 s in the kernel. Kept, the freed blocks serve the
next file of a ``partsearch load`` run at memory speed (best of three loads of that file:
0.93-1.02 s -> 0.72-0.74 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import os

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below it come from the heap and stay
_POLARS_JEMALLOC = "_RJEM_MALLOC_CONF"  # read once, when polars is first imported


def keep_freed_memory(retain_bytes: int = 1 << 30) -> bool:
    """Tune this process's allocators to keep up to ``retain_bytes`` of freed heap (blocks up to
    32 MiB) and polars' freed pages (30 s) for reuse. Process-wide, so the caller decides: the
    ``partsearch load`` command calls it first; a long-running process that loads price files
    may too. The polars part applies only if polars was not imported yet. Returns whether glibc
    took the settings (False on other C libraries, where nothing changes).

    >>> from partsearch.loading import keep_freed_memory
    >>> keep_freed_memory()  # doctest: +SKIP
    True
    """
    os.environ.setdefault(_POLARS_JEMALLOC, "dirty_decay_ms:30000,muzzy_decay_ms:30000")
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
                    and libc.mallopt(_M_TRIM_THRESHOLD, retain_bytes) == 1)
    return False
