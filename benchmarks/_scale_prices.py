"""Price-file figures of the scale benchmark: parse speed and time-to-searchable of a 1M-row file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._scale_util import log

CSV_ROWS = 1_000_000
XLSX_ROWS = 200_000
BENCH_SUPPLIERS = ("BENCHCSV", "BENCHXLSX")  # the suppliers of the measured files
#: the measured files, written in the work directory for the world they name the parts of
PRICE_FILES = ("bench_1m.csv", "bench_200k.xlsx")
_QTY = np.array(["12", ">10", "10+", "есть", "3", "под заказ", "1", "150", "<5", "4-7"])


def _rows(world: Path, n: int, seed: int) -> Any:
    """n offers over the world's parts, with the quirks of real files (decimal commas, thousands
    spaces, inexact quantities), as a polars frame of strings."""
    import polars as pl

    parts = pl.read_parquet(world / "truth" / "parts-*.parquet")
    brand, article = parts.columns[:2]
    rng = np.random.default_rng(seed)
    picks = parts[rng.integers(0, parts.height, n).tolist()]
    kop = rng.integers(5_000, 2_500_000, n)
    rub, cents = kop // 100, kop % 100
    price = pl.DataFrame({"r": rub, "c": cents}).select(
        pl.when(pl.col("r") >= 1000)
        .then(
            pl.format(
                "{} {},{}",
                pl.col("r") // 1000,
                (pl.col("r") % 1000).cast(pl.String).str.zfill(3),
                pl.col("c").cast(pl.String).str.zfill(2),
            )
        )
        .otherwise(pl.format("{},{}", pl.col("r"), pl.col("c").cast(pl.String).str.zfill(2)))
    )
    return pl.DataFrame(
        {
            "Бренд": picks[brand],
            "Артикул": picks[article],
            "Наименование": pl.Series(np.array(["Фильтр масляный", "Колодки; передние"])[
                rng.integers(0, 2, n)]),
            "Цена": price.to_series(),
            "Кол-во": pl.Series(_QTY[rng.integers(0, _QTY.size, n)]),
            "Срок": pl.Series(rng.integers(0, 15, n).astype(str)),
        }
    )


def _write_csv(frame: Any, path: Path) -> None:
    body = frame.write_csv(separator=";", quote_style="necessary")
    preamble = "Прайс-лист ООО \"Бенчмарк\";;;;;\nДата: 22.11.2026;;;;;\n"
    # cp1251 has no Ö: LEMFÖRDER is written LEMFORDER, as real cp1251 price files do
    path.write_bytes((preamble + body).replace("Ö", "O").encode("cp1251"))


def _write_xlsx(frame: Any, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Прайс")
    for r, line in enumerate(["Прайс-лист", "Дата: 22.11.2026", ""]):
        sheet.write_string(r, 0, line)
    sheet.write_row(3, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=4):
        sheet.write_row(r, 0, row)
    book.close()


def _profiles(work: Path) -> Path:
    toml = work / "bench_suppliers.toml"
    columns = (
        'columns = { brand = "Бренд", article = "Артикул", description = "Наименование", '
        'price = "Цена", quantity = "Кол-во", delivery_days = "Срок" }\n'
    )
    toml.write_text(
        "[BENCHCSV]\nfile = \"" + PRICE_FILES[0] + "\"\nencoding = \"cp1251\"\ndelimiter = \";\"\n"
        "skip_rows = 2\n" + columns + "pickup_points = [\"MSK\"]\n\n"
        "[BENCHXLSX]\nfile = \"" + PRICE_FILES[1] + "\"\nskip_rows = 3\n" + columns
        + "pickup_points = [\"MSK\"]\n",
        encoding="utf-8",
    )
    return toml


def measure_price_files(world: Path, work: Path, catalog: Path) -> dict[str, Any]:
    import partsearch
    from partsearch.loading import load_price_file, load_suppliers, read_profiles

    csv_path, xlsx_path = (work / name for name in PRICE_FILES)
    frame = _rows(world, CSV_ROWS, 11)
    if not csv_path.exists():
        _write_csv(frame, csv_path)
    if not xlsx_path.exists():
        t = time.perf_counter()
        _write_xlsx(frame.head(XLSX_ROWS), xlsx_path)
        log(f"wrote the XLSX file in {time.perf_counter() - t:.1f} s")
    toml = _profiles(work)
    profiles = {p.code: p for p in read_profiles(toml)}
    figures: dict[str, Any] = {}
    for key, code, rows in (("csv_rows_per_s", "BENCHCSV", CSV_ROWS),
                            ("xlsx_rows_per_s", "BENCHXLSX", XLSX_ROWS)):
        # a loading process's steady state: one load first (like the search figures' warm
        # pass: the file in the page cache, polars' and numba's first calls, the allocators'
        # kept memory), then the best of three
        load_price_file(profiles[code])
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            report = load_price_file(profiles[code])
            best = min(best, time.perf_counter() - t)
        assert report.rows_read == rows, (report.rows_read, rows)
        figures[key] = round(rows / best)
        log(f"{code}: {rows:,} rows in {best:.2f} s ({figures[key]:,} rows/s), "
            f"{report.offers.num_rows:,} offers")
    _warm_publish(work, report.offers)
    # Time-to-searchable: from the start of the load to a search that sees the new offers.
    engine = partsearch.Engine.open(catalog)
    brand, article = frame["Бренд"][0], frame["Артикул"][0]
    engine.search(article, brand=brand)  # a serving engine: its compiled search already loaded
    t = time.perf_counter()
    load_suppliers(toml, catalog, supplier="BENCHCSV")
    engine.reload()
    result = engine.search(article, brand=brand, show_all=True)
    figures["publish_1m_s"] = round(time.perf_counter() - t, 2)
    found = [o for o in result.requested.offers if o.supplier == "BENCHCSV"]
    assert found, "the new supplier's offers are not searchable"
    log(f"1M-row supplier file searchable after {figures['publish_1m_s']} s")
    return figures


def _warm_publish(work: Path, offers: Any) -> None:
    """Publish a few offers into a scratch catalog, twice, and reload an engine over it: the
    publish's and the reload's compiled code loaded, as in a loader that has published before.
    numba keeps compiled code on disk by source path, so in a fresh checkout the first
    publish compiles it: at 200M, 8.16 s to searchable in session 17's first run; a fresh
    process's first publish and reload took 16.4 s from a cold cache, 7.2 s from a warm one,
    and its second 5.6 s."""
    import shutil

    import partsearch
    from partsearch.loading import publish_offers
    from partsearch.search._merged import wait

    scratch = work / "warm-catalog"
    shutil.rmtree(scratch, ignore_errors=True)
    few = offers.slice(0, 1_000)
    publish_offers(scratch, "WARM1", few)
    engine = partsearch.Engine.open(scratch)
    publish_offers(scratch, "WARM2", few)
    engine.reload()
    wait()  # (the reload compacted, and writes its merge on a thread)
    shutil.rmtree(scratch)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks._scale_prices WORLD WORK CATALOG``: the figures as one JSON line,
    measured in a process of their own that keeps freed memory as ``partsearch load`` does (the
    setting is process-wide; the benchmark's search figures are measured without it)."""
    import json
    import sys

    from partsearch.loading import keep_freed_memory

    keep_freed_memory()  # before polars is imported
    world, work, catalog = (Path(a) for a in (argv if argv is not None else sys.argv[1:]))
    print(json.dumps(measure_price_files(world, work, catalog)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
