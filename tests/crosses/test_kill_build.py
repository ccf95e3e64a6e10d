"""A build killed while it writes its snapshot leaves the previous snapshot current."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from partsearch._catalog import read_pointer
from partsearch.crosses import CrossIndex, build_index


def _crosses(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, n), rng.integers(0, n, n)
    pl.DataFrame({"brand_a": ["BOSCH"] * n, "article_a": [f"0 451 {x:06d}" for x in a],
                  "brand_b": ["MANN"] * n, "article_b": [f"W {x}/1" for x in b]}
                 ).write_parquet(path)


def test_kill_during_snapshot_write(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    small = tmp_path / "small.parquet"
    _crosses(small, 1000, 1)
    build_index([small], catalog)
    before = read_pointer(catalog / "crosses")
    big = tmp_path / "big.parquet"
    _crosses(big, 600_000, 2)
    proc = subprocess.Popen([sys.executable, "-m", "partsearch", "crosses", "build", str(big),
                             "--out", str(catalog)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    area = catalog / "crosses"
    caught = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(".") for p in area.iterdir()):
            os.kill(proc.pid, signal.SIGKILL)  # mid-write: the temporary snapshot exists
            caught = True
            break
        time.sleep(0.002)
    proc.wait()
    # the temporary snapshot lives for the whole array computation and write (hundreds of ms)
    assert caught, "the build finished before it could be killed mid-write"
    idx = CrossIndex.open(catalog)
    assert read_pointer(area) == before
    assert idx.n_parts <= 2000  # the old, small index, complete and searchable
    assert idx.class_members(0).size >= 1
    assert any(p.name.startswith(".") for p in area.iterdir())  # the debris is invisible
