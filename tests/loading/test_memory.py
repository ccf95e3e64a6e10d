"""keep_freed_memory: freed blocks serve the next allocation instead of going back to the kernel."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import ctypes, resource, sys
from partsearch.loading import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else None
for mib in (30, 20):  # a block written and freed, then a smaller one: its faults are counted
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = bytearray(mib << 20)
    ctypes.memset((ctypes.c_char * len(block)).from_buffer(block), 1, len(block))
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del block
print(took, faults)
"""


def _faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_are_reused_without_new_page_faults() -> None:
    took, kept = _faults("keep")
    _, default = _faults("default")
    assert took == "True"
    # 20 MiB is 5,120 pages: by default the freed 30 MiB went back to the kernel, so the
    # smaller block is faulted in page by page; kept, it reuses the pages of the first
    assert default > 3_000
    assert kept < 300
