"""``Engine.sql`` against DuckDB's own tables: the same questions, in the same run.

    python -m benchmarks.sql_queries /tmp/partsearch-scale-10000000/catalog

``Engine.sql`` reads the engine's memory-mapped columns through Arrow, copying nothing; the
baseline is DuckDB holding the same relations as tables of its own (the columns the questions
read, copied in first: the time and memory that copy takes is printed too). Each question is
timed five times on each side, alternating; the medians and their ratio are printed, then one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

QUESTIONS = {
    "offers by supplier, newest file": "select supplier, count(*), max(price_file_time) "
                                       "from offers group by 1",
    "a brand's offers by supplier": "select supplier, count(*) from offers "
                                    "where brand = 'BOSCH' group by 1",
    "a brand's parts": "select count(*) from parts where brand = 'BOSCH'",
    "the largest class": "select class, count(*) n from parts group by 1 order by n desc limit 1",
    "crosses by state": "select state, count(*) from crosses group by 1",
}
# what the baseline copies: the columns the questions read
COPIES = {
    "offers": "select supplier, brand, price_file_time from offers",
    "parts": "select brand, class from parts",
    "crosses": "select state from crosses",
}


def main() -> None:
    import duckdb

    from partsearch import Engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = Engine.open(args.catalog)
    for question in QUESTIONS.values():  # (the catalog's pages read in: both sides warm)
        engine.sql(question).fetchall()
    native = duckdb.connect()
    native.sql("set enable_progress_bar = false")
    started = time.perf_counter()
    for name, query in COPIES.items():
        native.register("_copy", engine.sql(query).arrow())
        native.sql(f"create table {name} as select * from _copy")
        native.unregister("_copy")
    copy_s = time.perf_counter() - started
    copied_mb = native.sql("select sum(memory_usage_bytes) / 1e6 from duckdb_memory()"
                           ).fetchall()[0][0]
    print(f"baseline: the questions' columns copied into DuckDB's tables in {copy_s:.1f} s, "
          f"{copied_mb:,.0f} MB held")
    figures: dict[str, dict[str, float]] = {}
    for label, question in QUESTIONS.items():
        ours, theirs = [], []
        for _ in range(args.rounds):
            for side, run in ((ours, engine.sql), (theirs, native.sql)):
                t = time.perf_counter()
                run(question).fetchall()
                side.append(time.perf_counter() - t)
        a, b = statistics.median(ours), statistics.median(theirs)
        figures[label] = {"engine_sql_s": round(a, 4), "duckdb_tables_s": round(b, 4)}
        print(f"{label:34} Engine.sql {a:8.3f} s   DuckDB's tables {b:8.3f} s   "
              f"{a / b:5.2f}x")
    print(json.dumps({"copy_s": round(copy_s, 2), "copied_mb": round(copied_mb or 0),
                      "questions": figures}))


if __name__ == "__main__":
    main()
