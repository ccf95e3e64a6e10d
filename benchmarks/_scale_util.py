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

    The peak of a ``python -m module ...`` or ``python -c code ...`` child is its own VmHWM,
    which a launcher writes at its exit: the rusage ``os.wait4`` gives is no good here, since Linux carries the parent's
    high-water mark into the child's ``ru_maxrss`` across fork and exec (a bare ``python -c
    pass`` measured 2.02 GiB while this process held 2 GiB). Other commands, and a child that
    dies before its exit handlers run, report that rusage: an upper bound.
    """
    import tempfile

    argv = list(argv)
    env = dict(env or os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = os.path.join(tmp, "peak_kib")
        if argv[1:2] in (["-m"], ["-c"]) and len(argv) > 2:
            env[_PEAK_ENV] = peak_file
            argv = [argv[0], "-c", _PEAK_LAUNCHER, *argv[1:]]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=None, text=True, env=env)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:
            with open(peak_file) as f:
                peak_kib = int(f.read())
        except (OSError, ValueError):
            peak_kib = usage.ru_maxrss  # Linux reports ru_maxrss in KiB
    peak_gb = peak_kib * 1024 / 2**30
    if proc.returncode != 0:
        sys.stderr.write(out)
        # a build killed for memory still tells how far it got
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode} after "
                           f"{seconds:.0f} s at a peak of {peak_gb:.1f} GiB")
    return ChildRun(seconds, peak_gb, out)


_PEAK_ENV = "PARTSEARCH_BENCH_PEAK_FILE"
# ``python -m module args`` or ``python -c code args`` with the process's own peak written to a
# file at exit
_PEAK_LAUNCHER = f"""
import atexit, os, re, runpy, sys
def _peak():
    with open('/proc/self/status') as f:
        kib = re.search(r'VmHWM:\\s*(\\d+)', f.read()).group(1)
    with open(os.environ[{_PEAK_ENV!r}], 'w') as f:
        f.write(kib)
atexit.register(_peak)
how, what = sys.argv[1:3]
if how == '-m':
    sys.argv = sys.argv[2:]
    runpy.run_module(what, run_name='__main__', alter_sys=True)
else:
    sys.argv = ['-c', *sys.argv[3:]]
    exec(compile(what, '<string>', 'exec'), {{'__name__': '__main__'}})
"""


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


def ratio(baseline_us: float, ours_us: float) -> str:
    """How much faster ours is than a baseline, as a reader says it: ``2.50x faster``, or
    ``1.30x slower`` (not ``0.77x faster``).

    >>> ratio(25.0, 10.0), ratio(13.0, 10.0), ratio(10.0, 13.0)
    ('2.50x faster', '1.30x faster', '1.30x slower')
    """
    if ours_us <= baseline_us:
        return f"{baseline_us / ours_us:.2f}x faster"
    return f"{ours_us / baseline_us:.2f}x slower"


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
