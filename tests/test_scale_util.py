"""The scale benchmark's child-process measure (``benchmarks/_scale_util.run_child``)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from benchmarks._scale_util import ratio, run_child


def test_a_python_module_child_reports_its_own_peak_not_ours() -> None:
    """Linux carries the parent's high-water mark into a child's ``ru_maxrss``: a child's peak
    must not count the memory this process holds, but must count its own."""
    held = np.ones(384 << 20, dtype=np.uint8)  # 384 MiB touched here, the parent
    small = run_child([sys.executable, "-m", "timeit", "-n", "1", "-r", "1", "pass"])
    big = run_child([sys.executable, "-m", "timeit", "-n", "1", "-r", "1", "-s",
                     "b = bytearray(256 << 20)", "pass"])
    assert held.sum() == held.size
    assert small.peak_rss_gb < 0.1, small
    assert 0.25 < big.peak_rss_gb < 0.35, big
    assert "loop" in small.stdout  # the module ran, its output kept


def test_a_code_child_reports_its_own_peak_and_gets_its_arguments() -> None:
    """``python -c code args`` goes through the same launcher: the code sees its arguments
    where ``-c`` puts them, and the peak is the child's."""
    held = np.ones(384 << 20, dtype=np.uint8)
    code = "import sys; b = bytearray(int(sys.argv[1]) << 20); print(sys.argv[0], len(b))"
    big = run_child([sys.executable, "-c", code, "256"])
    assert held.sum() == held.size
    assert big.stdout.split() == ["-c", str(256 << 20)]
    assert 0.25 < big.peak_rss_gb < 0.35, big


def test_a_module_child_that_fails_keeps_its_exit_code() -> None:
    """Through the launcher that records the peak, a module's exit code is still the child's."""
    with pytest.raises(RuntimeError, match="exited with 2"):
        run_child([sys.executable, "-m", "json.tool", "--no-such-flag"])


def test_a_ratio_below_one_reads_as_slower() -> None:
    """The harness logged "ours is 0.25x faster" where ours took four times as long."""
    assert ratio(25.0, 10.0) == "2.50x faster"
    assert ratio(10.0, 40.0) == "4.00x slower"
    assert ratio(10.0, 10.0) == "1.00x faster"


@pytest.mark.parametrize("n", ["0", "-5", "abc", "1e6"])
def test_a_world_of_no_crosses_is_a_usage_error(n: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``make bench-scale N=0`` ran the generator into "cannot concat empty list", two
    tracebacks deep, after the machine gauge; now the command line refuses it first."""
    from benchmarks.scale import main

    with pytest.raises(SystemExit) as exit_:
        main(["--crosses", n, "--workdir", "/nonexistent/never-made"])
    assert exit_.value.code == 2
    assert "argument --crosses: " in capsys.readouterr().err
