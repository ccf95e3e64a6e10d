"""keep_freed_memory: freed blocks serve the next allocation instead of going back to the kernel."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = """
import ctypes, os, resource, sys
from partsearch._memory import keep_freed_memory  # (the loading package loads pyarrow)
took = keep_freed_memory() if sys.argv[1] == "keep" else None
for mib in (30, 20):  # a block written and freed, then a smaller one: its faults are counted
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = bytearray(mib << 20)
    ctypes.memset((ctypes.c_char * len(block)).from_buffer(block), 1, len(block))
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del block
print(took, faults, os.environ.get("MIMALLOC_PURGE_DELAY"), "pyarrow" in sys.modules)
"""


def _faults(mode: str) -> tuple[str, int, str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                         check=True, env={k: v for k, v in os.environ.items()
                                          if k != "MIMALLOC_PURGE_DELAY"}).stdout.split()
    assert out[3] == "False"  # (Arrow's pool reads its setting as pyarrow loads: not yet)
    return out[0], int(out[1]), out[2]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_are_reused_without_new_page_faults() -> None:
    took, kept, arrow_kept = _faults("keep")
    _, default, arrow_default = _faults("default")
    assert took == "True"
    assert (arrow_kept, arrow_default) == ("30000", "None")  # ms Arrow's pool keeps freed pages
    # 20 MiB is 5,120 pages: by default the freed 30 MiB went back to the kernel, so the
    # smaller block is faulted in page by page; kept, it reuses the pages of the first
    assert default > 3_000
    assert kept < 300


def test_release_hands_back_arrows_pool_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the build's stages, what Arrow's pool keeps (its batches' buffers, kept for
    reuse while the files are read) goes back too, or the next stage's peak counts it."""
    import pyarrow as pa

    from partsearch._memory import release_freed_memory

    calls: list[str] = []

    class Pool:
        def release_unused(self) -> None:
            calls.append("released")

    monkeypatch.setattr(pa, "default_memory_pool", Pool)
    release_freed_memory()
    assert calls == ["released"]
