"""Allocator tuning, in one place: what a process keeps of the memory it frees.

Two callers want opposite things. A process that loads price files one after another wants
freed memory kept: a 1M-row load allocates and frees about a gigabyte of short-lived buffers
(numpy's and numba's through glibc's malloc, polars' through its own jemalloc, Arrow's through
its mimalloc), and by default each hands large freed blocks back to the kernel, so the next load
faults them in anew. On a
virtual machine whose host takes back the memory a guest frees (free page reporting), memory
touched anew runs at 0.4-1 GB/s against ~20 GB/s for memory already touched: warm loads of the
1M-row cp1251 file took 0.93-1.08 s with the defaults and 0.74-0.75 s with the memory kept
(three alternating pairs). The cross-index build wants both: its read stage frees a few
hundred megabytes of batch buffers every second (at 200M crosses, 2M page faults and ~40 s of
system time with the defaults; 0.5M and ~28 s with the memory kept), and between its stages what
one stage freed must be handed back before the next allocates elsewhere, or its peak counts both.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Any

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below it come from the heap and stay
_POLARS_JEMALLOC = "_RJEM_MALLOC_CONF"  # read once, when polars is first imported
_ARROW_MIMALLOC = "MIMALLOC_PURGE_DELAY"  # read once, when pyarrow is first imported


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
    32 MiB), and polars' and Arrow's freed pages (30 s), for reuse. Process-wide, so the caller
    decides: the ``partsearch load`` and ``partsearch crosses build`` commands call it first; a
    long-running process that loads price files may too. The polars and Arrow parts apply only
    if they were not imported yet (importing ``partsearch.loading`` imports pyarrow; the build
    command calls this from here first); :func:`release_freed_memory` hands all of it back.
    Returns whether glibc took the settings (False on other C libraries, where nothing
    changes).

    >>> from partsearch.loading import keep_freed_memory
    >>> keep_freed_memory()  # doctest: +SKIP
    True
    """
    os.environ.setdefault(_POLARS_JEMALLOC, "dirty_decay_ms:30000,muzzy_decay_ms:30000")
    os.environ.setdefault(_ARROW_MIMALLOC, "30000")  # (ms; its default is 10)
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
                and libc.mallopt(_M_TRIM_THRESHOLD, retain_bytes) == 1)


def release_freed_memory() -> None:
    """Hand memory freed so far back to the system: glibc's, and Arrow's pool's when pyarrow
    is loaded. The build calls it between stages: batches are normalized on worker threads,
    and glibc keeps what a thread's arena freed for reuse by that thread (Arrow's pool, what
    :func:`keep_freed_memory` asked it to keep); the next stage's large arrays come from
    elsewhere, so without this the peak counts both."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
    arrow = sys.modules.get("pyarrow")  # (not imported for this: nothing of its to hand back)
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
