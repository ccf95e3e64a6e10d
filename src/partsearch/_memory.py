"""glibc malloc tuning, in one place: what a process keeps of the memory it frees.

Two callers want opposite things. A process that loads price files one after another wants
freed memory kept: a 1M-row load allocates and frees about a gigabyte of short-lived buffers
(numpy's and numba's through glibc's malloc, polars' through its own jemalloc), and by default
both hand large freed blocks back to the kernel, so the next load faults them in anew. On a
virtual machine whose host takes back the memory a guest frees (free page reporting), memory
touched anew runs at 0.4-1 GB/s against ~20 GB/s for memory already touched: warm loads of the
1M-row cp1251 file took 0.93-1.08 s with the defaults and 0.74-0.75 s with the memory kept
(three alternating pairs). The cross-index build wants the opposite between its stages: what
one stage freed handed back before the next allocates elsewhere, or its peak counts both.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below it come from the heap and stay
_POLARS_JEMALLOC = "_RJEM_MALLOC_CONF"  # read once, when polars is first imported


@cache
def _glibc() -> Any:
    """The C library when it is glibc (it has mallopt and malloc_trim), else None."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc's, or AttributeError
    except (OSError, AttributeError):
        return None
    return libc


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
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
                and libc.mallopt(_M_TRIM_THRESHOLD, retain_bytes) == 1)


def release_freed_memory() -> None:
    """Hand memory freed so far back to the system (nothing to do off glibc). The build calls
    it between stages: batches are normalized on worker threads, and glibc keeps what a
    thread's arena freed for reuse by that thread; the next stage's large arrays come from
    elsewhere, so without a trim the peak counts both."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
