"""``partsearch sql DIR QUERY [--csv]``: ad-hoc SQL over a catalog (``Engine.sql``).

The relations are ``offers``, ``suppliers``, ``parts`` and ``crosses`` (README, "Questions in
SQL"); the answer prints as a table, or as CSV with ``--csv``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``sql`` subcommand to the ``partsearch`` parser."""
    p = sub.add_parser("sql", help="ad-hoc SQL over a catalog's offers, suppliers, parts, crosses",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("catalog", type=Path, help="catalog directory")
    p.add_argument("query", help="the SQL query (DuckDB's dialect)")
    p.add_argument("--csv", action="store_true", help="print the answer as CSV")
    p.set_defaults(func=_sql)


def _sql(args: argparse.Namespace) -> int:
    import pyarrow.csv as pacsv

    from partsearch import Engine

    answer = Engine.open(args.catalog).sql(args.query)
    if answer is None:  # (a statement without an answer)
        return 0
    table = answer.arrow()
    if hasattr(table, "read_all"):  # (DuckDB 1.4+ gives a record batch reader)
        table = table.read_all()
    if args.csv:
        pacsv.write_csv(table, sys.stdout.buffer)
        return 0
    from rich.console import Console
    from rich.table import Table

    out = Table(*table.column_names, show_lines=False)
    for row in table.to_pylist():
        out.add_row(*("" if v is None else str(v) for v in row.values()))
    Console().print(out)
    print(f"{table.num_rows:,} rows")
    return 0
