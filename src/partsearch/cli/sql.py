"""``partsearch sql DIR QUERY [--csv]``: ad-hoc SQL over a catalog (``Engine.sql``).

The relations are ``offers``, ``suppliers``, ``parts`` and ``crosses`` (README, "Questions in
SQL"); the answer prints as a table, or as CSV with ``--csv`` (a list, a struct or a map, as
``pickup_points``, as JSON text; an interval or bytes as DuckDB writes them).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from partsearch.cli._console import a_path

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``sql`` subcommand to the ``partsearch`` parser."""
    p = sub.add_parser("sql", help="ad-hoc SQL over a catalog's offers, suppliers, parts, crosses",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("catalog", type=a_path, help="catalog directory")
    p.add_argument("query", help="the SQL query (DuckDB's dialect)")
    p.add_argument("--csv", action="store_true", help="print the answer as CSV")
    p.set_defaults(func=_sql)


def _sql(args: argparse.Namespace) -> int:
    import pyarrow.csv as pacsv

    from partsearch import Engine

    table = Engine.open(args.catalog).sql(args.query).arrow()
    if hasattr(table, "read_all"):  # (DuckDB 1.4+ gives a record batch reader)
        table = table.read_all()
    if args.csv:
        pacsv.write_csv(_flat(table), sys.stdout.buffer)
        return 0
    from rich.table import Table

    from partsearch.cli._console import console

    out = Table(*table.column_names, show_lines=False)
    for row in table.to_pylist():
        out.add_row(*("" if v is None else str(v) for v in row.values()))
    console().print(out)
    print(f"{table.num_rows:,} rows")
    return 0


def _flat(table: Any) -> Any:
    """``table`` with each nested column (a list, a struct, a map: ``pickup_points``,
    ``aliases``, ``sources``) as JSON text, which a CSV cell can hold and Arrow's CSV writer
    otherwise refuses, and each column it cannot write as it is (an interval, bytes that are
    not UTF-8: ``select now() - price_file_time``) as DuckDB's text of it; DuckDB writes
    them, column by column, without a Python loop per row."""
    import duckdb
    import pyarrow as pa

    def how(t: Any) -> str | None:
        if pa.types.is_nested(t):
            return "to_json(c)::varchar"
        if pa.types.is_interval(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t) \
                or pa.types.is_fixed_size_binary(t):
            return "c::varchar"
        return None

    todo = [(i, sql) for i, f in enumerate(table.schema) if (sql := how(f.type)) is not None]
    if not todo:
        return table
    con = duckdb.connect()
    for i, sql in todo:
        con.register("answer", pa.table({"c": table.column(i)}))
        text = con.sql(f"select {sql} as c from answer").arrow()
        if hasattr(text, "read_all"):  # (DuckDB 1.4+ gives a record batch reader)
            text = text.read_all()
        table = table.set_column(i, table.schema.field(i).name, text.column(0))
        con.unregister("answer")
    return table
