"""The scale benchmark's helpers: its child-process measure
(``benchmarks/_scale_util.run_child``), its command line, and its baselines' answers."""

from __future__ import annotations

import sys
from pathlib import Path

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


def test_the_baselines_answer_the_same_search_as_ours(tmp_path: Path) -> None:
    """The scale benchmark's DuckDB and SQLite searches are given each query's part as our
    search finds it, and answer with every offer of its class, as many as our blocks hold.
    Until session 39 the query's hash was of the text as typed ("AP 11304" where the part's
    key is "AP11304"): on a 200K world 47 of 1,000 hashes named a part, and the baselines were
    timed answering nothing."""
    from benchmarks._baselines import DuckDBSearch, SQLiteSearch
    from benchmarks.scale import _queries, _query_hashes
    from partsearch import Engine
    from partsearch.crosses import CrossIndex, build_index
    from partsearch.loading import load_suppliers, read_offers

    world = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "world"
    catalog = tmp_path / "catalog"
    load_suppliers(world / "suppliers.toml", catalog)
    build_index(sorted((world / "crosses").iterdir()), catalog)
    brands, articles = _queries(world, 120, 7)
    idx = CrossIndex.open(catalog)
    hashes = _query_hashes(idx, brands, articles)
    assert np.count_nonzero(hashes) == len(brands)  # (every query a part of the index)
    engine = Engine.open(catalog)
    ours = [sum(b.total for b in (r.requested, r.oem_replacements, r.analogs))
            for r in (engine.search(a, brand=b) for b, a in zip(brands, articles, strict=True))]
    assert sum(ours) > len(ours)  # (classes with offers: an empty answer would agree too)
    ids = np.arange(idx.n_parts, dtype=np.int64)
    offers = read_offers(catalog)
    for kind in (SQLiteSearch, DuckDBSearch):
        db = kind(tmp_path / kind.__name__, idx.hashes(ids), idx.class_ids(ids), offers)
        assert [len(db.search(int(h))) for h in hashes] == ours, kind.__name__
        db.close()
