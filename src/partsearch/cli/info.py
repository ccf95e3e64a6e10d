"""``partsearch info DIR [--json] [--brands N]``: what a catalog holds, for whoever runs it.

Per supplier: its offers, the price file's age (stale past the catalog's limit), its brands
with most offers and its last load (rows rejected by reason, or why the file could not be
read); then the cross snapshot. Exit 0, or 1 when a supplier's last load failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``info`` subcommand to the ``partsearch`` parser."""
    p = sub.add_parser("info", help="what a catalog holds: suppliers, last loads, crosses",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("catalog", type=Path, help="catalog directory")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--brands", type=int, default=5, metavar="N",
                   help="show each supplier's N brands with most offers (default 5)")
    p.set_defaults(func=_info)


def _info(args: argparse.Namespace) -> int:
    from partsearch.info import catalog_info

    info = catalog_info(args.catalog, brands=args.brands)
    failed = any(s.last_load is not None and s.last_load.error for s in info.suppliers)
    if args.json:
        sys.stdout.buffer.write(info.to_json() + b"\n")
        return 1 if failed else 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{info.path}: suppliers", title_justify="left")
    for col in ("code", "name", "offers", "price file", "age h", "brands", "last load"):
        table.add_column(col, overflow="fold")
    for s in info.suppliers:
        if s.kind == "online":
            table.add_row(s.code, s.name, "online", "", "", "",
                          f"{s.api[0]} {s.api[1]}" if s.api else "")
            continue
        age = "" if s.age_hours is None else f"{s.age_hours:g}" + (" stale" if s.stale else "")
        brands = ", ".join(f"{b} {n}" for b, n in s.brands)
        table.add_row(s.code, s.name, str(s.offers), s.price_file_time or "", age, brands,
                      _load_text(s.last_load))
    console.print(table)
    c = info.crosses
    console.print("crosses: none built" if c is None else
                  f"crosses {c.version}: {c.parts:,} parts in {c.classes:,} classes (largest "
                  f"{c.largest_class:,}), {c.crosses:,} crosses, {c.held_back:,} held back")
    return 1 if failed else 0


def _load_text(load: Any) -> str:
    if load is None:
        return "never loaded here"
    if load.error:
        return f"FAILED {load.finished}: {load.error}"
    text = (f"{load.finished}: {load.rows_read} rows, {load.offers} offers, "
            f"{load.rejected} rejected")
    if load.reasons:
        text += " (" + ", ".join(f"{k} {n}" for k, n in load.reasons) + ")"
    return text
