"""Measuring helpers for the scale benchmark: child processes with peak RSS, latency stats."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_gb: float
    stdout: str


def run_child(argv: Sequence[str], *, env: dict[str, str] | None = None) -> ChildRun:
    """Run a command in a child process; wall time and the child's own peak RSS.

    `os.wait4` gives the rusage of exactly this child, so the benchmark's own memory (the parent
    holds the query mix and baselines) never inflates the build's peak.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=None, text=True, env=env or dict(os.environ)
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_gb = usage.ru_maxrss * 1024 / 2**30  # Linux reports ru_maxrss in KiB
    if proc.returncode != 0:
        sys.stderr.write(out)
        # a build killed for memory still tells how far it got
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode} after "
                           f"{seconds:.0f} s at a peak of {peak_gb:.1f} GiB")
    return ChildRun(seconds, peak_gb, out)


@dataclass(frozen=True)
class Latency:
    p50_us: float
    p99_us: float
    n: int

    @classmethod
    def of(cls, samples_ns: np.ndarray) -> Latency:
        us = samples_ns / 1000.0
        return cls(float(np.percentile(us, 50)), float(np.percentile(us, 99)), int(us.size))


def time_each(fn: Callable[[int], object], n: int, *, warm: bool = True) -> Latency:
    """Time `fn(i)` for i in range(n), one sample per call (after a warm pass when asked)."""
    return time_rounds({"": fn}, n, rounds=1, warm=warm)[""]


def time_rounds(fns: dict[str, Callable[[int], object]], n: int, rounds: int = 5, *,
                warm: bool = True) -> dict[str, Latency]:
    """Time each of ``fns`` over i in range(n), after a warm pass of each, in ``rounds``
    alternating rounds (all of one, then all of the next): this machine's speed moves within
    seconds, and a pass over a query mix takes under one, so the figures compared share the
    same seconds instead of one taking a slow one alone."""
    if warm:
        for fn in fns.values():
            for i in range(n):
                fn(i)
    samples = {name: np.empty(n * rounds, dtype=np.int64) for name in fns}
    clock = time.perf_counter_ns
    for r in range(rounds):
        for name, fn in fns.items():
            out = samples[name]
            for i in range(n):
                t0 = clock()
                fn(i)
                out[r * n + i] = clock() - t0
    return {name: Latency.of(s) for name, s in samples.items()}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine_gauge() -> dict[str, float]:
    """Two fixed units of work that tell how fast this (shared, virtual) machine is right now,
    logged at the start and end of a run so figures of runs hours apart can be compared: a
    pure-Python loop of 2M additions (the interpreter's speed: the search's Python half), and
    the rate at which 1 GiB of memory not touched before is first written (in a VM that hands
    freed memory back to its host, this is what the build's fresh arrays and page cache cost;
    rewriting memory already touched runs ~20x faster)."""
    clock = time.perf_counter
    t = clock()
    total = 0
    for i in range(2_000_000):
        total += i
    python_ms = (clock() - t) * 1e3
    time.sleep(3)  # memory freed just before is reused untouched by the host until the guest
    # reports it free (2 s after); past that, it is what any fresh array gets
    t = clock()
    block = np.empty(1 << 30, dtype=np.uint8)
    block.fill(1)
    fresh = 1.0 / (clock() - t)
    t = clock()
    block.fill(2)
    rewrite = 1.0 / (clock() - t)
    del block
    return {"python_loop_ms": round(python_ms, 1), "fresh_memory_gib_s": round(fresh, 2),
            "rewrite_memory_gib_s": round(rewrite, 1)}
