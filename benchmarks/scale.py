"""The scale benchmark: one command, every figure of the benchmarks issue, one JSON line at the end.

    make bench-scale N=10000000          # or: python -m benchmarks.scale --crosses 10000000

Steps (each logged to stderr with its time):

1. generate a synthetic world with `benchmarks.worldgen` (reused when `world.json` matches);
2. build the cross index in a child process (`partsearch crosses build`), wall time and the
   child's own peak RSS; the guard's precision/recall against the generator's truth;
3. load the world's price files into the catalog (`partsearch load`);
4. open time (fresh processes), lookup latency, full search latency over a query mix;
5. price-file parsing speed (cp1251 CSV, XLSX) and the time for a new 1M-row supplier file to
   become searchable, in a child process that keeps freed memory as `partsearch load` does;
6. the same search in DuckDB and in SQLite over the same classes and offers (those our search
   saw, without the supplier step 5 published).

The last line on stdout is a JSON object with the keys listed in `KEYS`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._scale_util import (
    Latency,
    log,
    machine_gauge,
    ratio,
    run_child,
    time_each,
    time_rounds,
)

KEYS = (
    "build_s",
    "build_peak_rss_gb",
    "open_ms",
    "lookup_p50_us",
    "search_p50_us",
    "search_p99_us",
    "duckdb_search_p50_us",
    "sqlite_search_p50_us",
    "csv_rows_per_s",
    "xlsx_rows_per_s",
    "publish_1m_s",
    "guard_precision",
    "guard_recall",
)
# beside the figures: the same searches answered as JSON bytes (Engine.search_json),
# and the values' way to those bytes (search, then to_json), what a web app pays without it;
# the same articles typed without a brand (brand choice first); and articles one letter off
# (not found: suggestions), at the end or at the start
# (and the whole engine's open, offers merged: open_ms is the cross index's, as the issue asks)
EXTRA_KEYS = ("search_json_p50_us", "search_json_p99_us", "search_to_json_p50_us",
              "search_json_trade_p50_us", "search_no_brand_p50_us", "search_no_brand_p99_us",
              "typo_p50_us", "typo_p99_us", "typo_start_p50_us", "typo_start_p99_us",
              "engine_open_ms", "engine_open_peak_gb", "engine_open_first_ms",
              "baselines_same_answers")
# queries whose answers are compared: each baseline's rows against our search's offers
_CHECKED = 200
# a wholesale level whose rules name suppliers and brands (search_json_trade_p50_us), beside the
# default levels, written to the catalog's catalog.toml: the first rules match some offers of
# the world's suppliers and brands, a supplier and a brand the catalog lacks match none
TRADE_LEVEL = {"rules": [{"supplier": "BETA", "percent": 8},
                         {"brand": "MANN", "max_price": 3000, "percent": 30},
                         {"brand": "BOSCH", "supplier": "ALFA", "percent": 3},
                         {"brand": "NO SUCH BRAND", "percent": 90},
                         {"supplier": "NO SUCH SUPPLIER", "percent": 90},
                         {"min_price": 2000, "percent": 15}, {"percent": 22}]}
_TYPOS = 200  # typo searches timed (each reads the suggestion buckets of every supplier file)


def _world(work: Path, crosses: int, seed: int, offers: int | None) -> Path:
    world = work / "world"
    meta = world / "truth" / "world.json"
    if meta.exists():
        info = json.loads(meta.read_text())
        if (info.get("seed"), info.get("requested_crosses"), info.get("requested_offers")) == \
                (seed, crosses, offers):
            log(f"reusing the world in {world}")
            return world
        log(f"{world} was made for other arguments (seed, crosses, offers): made again")
    shutil.rmtree(world, ignore_errors=True)
    # the price files name the old world's parts: kept, a new world's run failed its
    # time-to-searchable ("not searchable") after timing loads of the stale files
    from benchmarks._scale_prices import PRICE_FILES

    for name in PRICE_FILES:
        (work / name).unlink(missing_ok=True)
    argv = [sys.executable, "-m", "benchmarks.worldgen", "--out", str(world)]
    argv += ["--crosses", str(crosses), "--seed", str(seed)]
    if offers is not None:
        argv += ["--offers", str(offers)]
    run = run_child(argv)
    log(f"generated {crosses:,} crosses in {run.seconds:.1f} s (peak {run.peak_rss_gb:.1f} GiB)")
    return world


def _cross_files(world: Path) -> list[str]:
    return sorted(str(p) for p in (world / "crosses").iterdir() if p.suffix in {".csv", ".parquet"})


def _build(world: Path, catalog: Path, figures: dict[str, Any]) -> None:
    argv = [sys.executable, "-m", "partsearch", "crosses", "build", *_cross_files(world)]
    run = run_child([*argv, "--out", str(catalog)])
    figures["build_s"] = round(run.seconds, 2)
    figures["build_peak_rss_gb"] = round(run.peak_rss_gb, 2)
    log(f"built the cross index in {run.seconds:.1f} s, peak {run.peak_rss_gb:.2f} GiB")
    sys.stderr.write(run.stdout)


def _forget_bench_suppliers(catalog: Path) -> None:
    """Take out of a reused catalog the supplier files an earlier run's price-file step
    published (1M more offers of the world's parts), so every run searches the world's own
    offers, and the merges of offers kept on disk: else the engines would map one holding
    those files and skip their rows (a second level), and each run's first open, which
    writes the merge, would differ from the last's."""
    from benchmarks._scale_prices import BENCH_SUPPLIERS
    from partsearch.search._merged import MERGED

    for code in BENCH_SUPPLIERS:
        shutil.rmtree(catalog / "offers" / code, ignore_errors=True)
        (catalog / "suppliers" / f"{code}.json").unlink(missing_ok=True)
    shutil.rmtree(catalog / "offers" / MERGED, ignore_errors=True)


def _guard_quality(world: Path, catalog: Path, figures: dict[str, Any]) -> None:
    from partsearch.crosses import guard_quality

    quality = guard_quality(catalog, world / "truth" / "wrong_crosses.parquet")
    figures["guard_precision"] = round(quality.precision, 4)
    figures["guard_recall"] = round(quality.recall, 4)
    log(f"guard: {quality}")


def _load(world: Path, catalog: Path) -> None:
    argv = [sys.executable, "-m", "partsearch", "load", str(world / "suppliers.toml")]
    run = run_child([*argv, "--out", str(catalog)])
    log(f"loaded the price files in {run.seconds:.1f} s")


def _open_ms(catalog: Path) -> float:
    # A fresh process per sample: the figure is what a web worker pays at start-up, without the
    # interpreter and import time (measured inside the child around the open call alone).
    code = (
        "import sys,time; from partsearch.crosses import CrossIndex; import partsearch;"
        "partsearch.Engine; t=time.perf_counter(); CrossIndex.open(sys.argv[1]);"
        "print((time.perf_counter()-t)*1e3)"
    )
    samples = [float(run_child([sys.executable, "-c", code, str(catalog)]).stdout) for _ in range(7)]
    return float(np.median(samples))


def _engine_open(catalog: Path) -> tuple[float, float, float]:
    """``Engine.open`` in fresh processes (medians of 3): milliseconds, and the process's peak
    memory in GiB; and the first's milliseconds. The cross index, and every supplier's offers
    merged into the store, with what the open imports: what a web worker pays at start-up.
    The first engine to open a set of supplier files writes their merge, which the next map
    (``search/_merged.py``): the first open writes it (``engine_open_first_ms``; a reused
    catalog's merges are removed first), the median is one that maps."""
    code = ("import sys,time; import partsearch; t=time.perf_counter();"
            "partsearch.Engine.open(sys.argv[1]); print((time.perf_counter()-t)*1e3)")
    runs = [run_child([sys.executable, "-c", code, str(catalog)]) for _ in range(3)]
    ms = np.array([float(r.stdout) for r in runs])
    gib = np.array([r.peak_rss_gb for r in runs])
    return float(np.median(ms)), float(np.median(gib)), float(ms[0])


def _queries(world: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """A query mix, as (brands, articles) typed: mostly parts that have offers (what customers
    look for), some random parts, and a tenth from the largest classes (the expensive
    searches)."""
    import polars as pl

    parts = pl.read_parquet(world / "truth" / "parts-*.parquet")
    brand, article, group = parts.columns[:3]
    rng = np.random.default_rng(seed)
    sizes = parts.group_by(group).len()
    big = sizes.filter(pl.col("len") >= sizes["len"].quantile(0.999))[group]
    big_parts = parts.filter(pl.col(group).is_in(big.implode()))
    picks = pl.concat(
        [
            parts.sample(int(n * 0.9), seed=seed, with_replacement=True),
            big_parts.sample(n - int(n * 0.9), seed=seed, with_replacement=True),
        ]
    )
    order = rng.permutation(picks.height)
    picks = picks[order.tolist()]
    return picks[brand].to_list(), picks[article].to_list()


def _query_hashes(idx: Any, brands: list[str], articles: list[str]) -> np.ndarray:
    """Each query's part hash, as the baselines are given it: the hash of the part our search
    finds, by its normalized brand and article (the hash of the text as typed, ``AP 11304``
    where the part's key is ``AP11304``, named no part for most queries, and the baselines
    timed empty answers until session 39). A part the index lacks gets 0, a hash no part
    has: both sides answer nothing."""
    ids = [idx.lookup(b, a) for b, a in zip(brands, articles, strict=True)]
    found = np.array([-1 if i is None else i for i in ids], dtype=np.int64)
    hashes = np.zeros(found.size, dtype=np.uint64)
    hashes[found >= 0] = idx.hashes(found[found >= 0])
    return hashes


def _search_figures(catalog: Path, world: Path, args: argparse.Namespace, figs: dict[str, Any]
                    ) -> tuple[Any, np.ndarray, Latency, Latency]:
    import partsearch
    from partsearch.crosses import CrossIndex

    figs["open_ms"] = round(_open_ms(catalog), 3)
    log(f"open: {figs['open_ms']} ms (median of 7 fresh processes)")
    ms, peak, first = _engine_open(catalog)
    figs["engine_open_ms"], figs["engine_open_peak_gb"] = round(ms, 1), round(peak, 2)
    figs["engine_open_first_ms"] = round(first, 1)
    log(f"Engine.open: {ms:.1f} ms, peak {peak:.2f} GiB (medians of 3 fresh processes; "
        f"the first, which wrote the merged offers, {first:.1f} ms)")
    brands, articles = _queries(world, args.queries, args.seed)
    idx = CrossIndex.open(catalog)
    hashes = _query_hashes(idx, brands, articles)
    log(f"queries: {len(brands):,}, {int(np.count_nonzero(hashes)):,} of them parts of the index")
    lookup = time_each(lambda i: idx.lookup(brands[i], articles[i]), len(brands))
    figs["lookup_p50_us"] = round(lookup.p50_us, 2)
    log(f"lookup: {lookup}")
    _write_levels(catalog)
    engine = partsearch.Engine.open(catalog)
    lat = time_rounds({
        "search": lambda i: engine.search(articles[i], brand=brands[i]),
        "search_json": lambda i: engine.search_json(articles[i], brand=brands[i]),
        "search, then to_json": lambda i: engine.search(articles[i], brand=brands[i]).to_json(),
        "search_json at the trade level": lambda i: engine.search_json(
            articles[i], brand=brands[i], level="trade"),
    }, len(brands))
    search, as_json = lat["search"], lat["search_json"]
    figs["search_p50_us"] = round(search.p50_us, 1)
    figs["search_p99_us"] = round(search.p99_us, 1)
    figs["search_json_p50_us"] = round(as_json.p50_us, 1)
    figs["search_json_p99_us"] = round(as_json.p99_us, 1)
    figs["search_to_json_p50_us"] = round(lat["search, then to_json"].p50_us, 1)
    figs["search_json_trade_p50_us"] = round(lat["search_json at the trade level"].p50_us, 1)
    for name, latency in lat.items():
        log(f"{name}: {latency}")
    alone = time_each(lambda i: engine.search(articles[i]), len(articles))
    figs["search_no_brand_p50_us"] = round(alone.p50_us, 1)
    figs["search_no_brand_p99_us"] = round(alone.p99_us, 1)
    log(f"search without a brand: {alone}")
    typos = [_typo(a) for a in articles[:_TYPOS]]
    typo = time_each(lambda i: engine.search(typos[i]), len(typos))
    figs["typo_p50_us"] = round(typo.p50_us, 1)
    figs["typo_p99_us"] = round(typo.p99_us, 1)
    log(f"typo (not found, suggestions): {typo}")
    starts = [_typo_start(a) for a in articles[:_TYPOS]]
    start = time_each(lambda i: engine.search(starts[i]), len(starts))
    figs["typo_start_p50_us"] = round(start.p50_us, 1)
    figs["typo_start_p99_us"] = round(start.p99_us, 1)
    log(f"typo at the start (not found, suggestions): {start}")
    # every offer of the class, in our blocks, for the baselines' answers to be checked against
    answers = [engine.search(articles[i], brand=brands[i])
               for i in range(min(_CHECKED, len(brands)))]
    counts = np.array([r.requested.total + r.oem_replacements.total + r.analogs.total
                       for r in answers], dtype=np.int64)
    return idx, hashes, counts, search, as_json


def _write_levels(catalog: Path) -> None:
    """``catalog.toml``: the default levels and :data:`TRADE_LEVEL`, as ``trade``."""
    import json

    from partsearch.ranking.levels import DEFAULT_LEVELS

    lines = []
    for name, body in {**DEFAULT_LEVELS, "trade": TRADE_LEVEL}.items():
        rules = ", ".join("{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in rule.items())
                          + " }" for rule in body["rules"])
        lines += [f"[levels.{name}]", f"rules = [{rules}]"]
        if body.get("supplier_price"):  # (as the built-in levels have it)
            lines.append("supplier_price = true")
    (catalog / "catalog.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _typo(article: str) -> str:
    """``article`` with its last digit or letter changed: most such keys no part has."""
    last = article.rstrip()[-1:]
    return article.rstrip()[:-1] + ("7" if last != "7" else "8")


def _typo_start(article: str) -> str:
    """``article`` with its first character changed (to a Q, or an X for a Q): a start
    mistyped, which the suggestions look up by the keys' tails."""
    a = article.strip()
    return ("Q" if a[:1] != "Q" else "X") + a[1:]


def _baseline_figures(
    catalog: Path, idx: Any, hashes: np.ndarray, counts: np.ndarray, args: argparse.Namespace,
    figs: dict[str, Any], ours: Latency, ours_json: Latency,
) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from benchmarks._baselines import DuckDBSearch, SQLiteSearch
    from benchmarks._scale_prices import BENCH_SUPPLIERS
    from partsearch.loading import read_offers

    ids = np.arange(idx.n_parts, dtype=np.int64)
    part_hash, class_id = idx.hashes(ids), idx.class_ids(ids)
    offers = read_offers(catalog)
    # the offers our search saw: without the supplier the price-file step published since
    offers = offers.filter(pc.invert(pc.is_in(offers.column("supplier"),
                                              value_set=pa.array(BENCH_SUPPLIERS))))
    work = Path(args.workdir)
    queries = [int(h) for h in hashes]
    t = time.perf_counter()
    duck = DuckDBSearch(work / "baseline.duckdb", part_hash, class_id, offers)
    log(f"DuckDB baseline loaded in {time.perf_counter() - t:.1f} s")
    n_duck = min(len(queries), args.duckdb_queries)
    lat = time_each(lambda i: duck.search(queries[i]), n_duck)
    same = _same_answers(duck.search, queries, counts, "DuckDB")
    duck.close()
    figs["duckdb_search_p50_us"] = round(lat.p50_us, 1)
    log(f"DuckDB: {lat}; ours is {ratio(lat.p50_us, ours.p50_us)} at the median "
        f"({ratio(lat.p50_us, ours_json.p50_us)} as JSON)")
    figs["baselines_same_answers"] = same
    if args.skip_sqlite:
        figs["sqlite_search_p50_us"] = None
        return
    t = time.perf_counter()
    lite = SQLiteSearch(work / "baseline.sqlite", part_hash, class_id, offers)
    log(f"SQLite baseline loaded in {time.perf_counter() - t:.1f} s")
    lat = time_each(lambda i: lite.search(queries[i]), len(queries))
    same = min(same, _same_answers(lite.search, queries, counts, "SQLite"))
    lite.close()
    figs["sqlite_search_p50_us"] = round(lat.p50_us, 1)
    figs["baselines_same_answers"] = same
    log(f"SQLite: {lat}; ours is {ratio(lat.p50_us, ours.p50_us)} at the median "
        f"({ratio(lat.p50_us, ours_json.p50_us)} as JSON)")


def _same_answers(search: Any, queries: list[int], counts: np.ndarray, name: str) -> float:
    """The share of the checked queries a baseline answers with as many offers as our search
    found (every offer of the part's class): the same search, not an empty one."""
    rows = np.array([len(search(queries[i])) for i in range(counts.size)], dtype=np.int64)
    share = float(np.mean(rows == counts)) if counts.size else 1.0
    log(f"{name}: the same number of offers as ours for {int(np.sum(rows == counts))} of "
        f"{counts.size} queries (ours {int(counts.sum()):,} offers, {name} {int(rows.sum()):,})")
    return round(share, 4)


def _price_file_figures(world: Path, work: Path, catalog: Path, figs: dict[str, Any]) -> None:
    run = run_child([sys.executable, "-m", "benchmarks._scale_prices", str(world), str(work),
                     str(catalog)])
    figs.update(json.loads(run.stdout.strip().splitlines()[-1]))


# measured peak RSS of `partsearch crosses build`: 2.2 GiB at 10M crosses, 3.7 GiB at 50M,
# under 10 GiB at 200M
_BUILD_GIB_PER_MILLION = 0.05


def _check_memory(args: argparse.Namespace) -> None:
    """Stop before an hour of generating a world whose build cannot fit in this machine."""
    need = 1.0 + _BUILD_GIB_PER_MILLION * args.crosses / 1e6
    with open("/proc/meminfo") as fh:
        info = dict(line.split(":", 1) for line in fh)
    have = int(info["MemAvailable"].split()[0]) / 2**20
    if need > have and not args.skip_build and not args.force:
        raise SystemExit(
            f"benchmarks.scale: building {args.crosses:,} crosses needs about {need:.0f} GiB "
            f"(measured {_BUILD_GIB_PER_MILLION} GiB per million crosses), this machine has "
            f"{have:.0f} GiB available; see benchmarks/RESULTS.md. Use --force to try anyway.")


def _world_size(text: str) -> int:
    """``--crosses``: a whole number above zero (``make bench-scale N=0`` made no world, and the
    generator's "cannot concat empty list" came two tracebacks deep)."""
    return _count(text, "a world needs at least one cross")


def _count(text: str, why: str = "must be 1 or more") -> int:
    """A count given on the command line: a whole number above zero (``--offers 0`` failed in
    polars two processes deep, ``--queries 0`` in numpy after the build)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: {why}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--crosses", type=_world_size, default=200_000_000,
                        help="crosses in the synthetic world")
    parser.add_argument("--offers", type=_count, default=None,
                        help="offers in the world's price files (default: a tenth of the "
                        "crosses, at least 1,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=_count, default=5000)
    parser.add_argument("--duckdb-queries", type=_count, default=300)
    parser.add_argument("--workdir", default=None,
                        help="default: /tmp/partsearch-scale-<N>; its world/ is made again "
                        "when made for other arguments, its catalog/ rebuilt unless "
                        "--skip-build")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-build", action="store_true", help="reuse the built catalog")
    parser.add_argument("--force", action="store_true",
                        help="run even when the build is expected not to fit in memory")
    args = parser.parse_args(argv)
    _check_memory(args)
    work = Path(args.workdir or f"/tmp/partsearch-scale-{args.crosses}")
    if args.skip_build and not (work / "catalog" / "crosses").is_dir():
        parser.error(f"--skip-build: {work / 'catalog'} holds no built catalog (run once "
                     "without it)")
    args.workdir = str(work)
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = dict.fromkeys(KEYS + EXTRA_KEYS)
    figures["crosses"] = args.crosses
    figures["machine_start"] = machine_gauge()
    log(f"machine: {figures['machine_start']}")
    from benchmarks.worldgen import scale_offers

    offers = args.offers if args.offers is not None else scale_offers(args.crosses)
    world = _world(work, args.crosses, args.seed, offers)
    catalog = work / "catalog"
    if not args.skip_build:
        shutil.rmtree(catalog, ignore_errors=True)
        _build(world, catalog, figures)
        _load(world, catalog)
    else:
        _forget_bench_suppliers(catalog)
    _guard_quality(world, catalog, figures)
    idx, hashes, counts, ours, ours_json = _search_figures(catalog, world, args, figures)
    # our own figures first: the baselines' loads (SQLite holds ~16 GiB at 200M) evict the
    # catalog from the page cache, which a publish measured after them would pay for
    _price_file_figures(world, work, catalog, figures)
    _baseline_figures(catalog, idx, hashes, counts, args, figures, ours, ours_json)
    figures["machine_end"] = machine_gauge()
    log(f"machine: {figures['machine_end']}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
