"""``partsearch profile FILE [--code C] [--sheet S]``: draft a supplier's profile from its file.

Prints the ``suppliers.toml`` table (its header row found and its columns mapped by name),
then, as TOML comments, what loading the file with it gives: rows read, offers, rejected rows
by reason and the first offers. The output can go straight into a TOML file to be completed
with the supplier's terms. Exit 0, or 1 when the draft lacks a brand column.
"""

from __future__ import annotations

import argparse
from typing import Any

from partsearch.cli._console import a_path

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``profile`` subcommand to the ``partsearch`` parser."""
    p = sub.add_parser("profile", help="draft a supplier profile from its price file",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("file", type=a_path, help="the supplier's price file (any format load reads)")
    p.add_argument("--code", default="NEW", help="the supplier's code (default NEW)")
    p.add_argument("--sheet", help="a spreadsheet's sheet, by name or 0-based index "
                   "(default the first with a header)")
    p.set_defaults(func=_profile)


def _profile(args: argparse.Namespace) -> int:
    from partsearch.loading import load_price_file
    from partsearch.loading.draft import draft_profile

    sheet = None if args.sheet is None else int(args.sheet) if args.sheet.isdigit() \
        else args.sheet
    draft = draft_profile(args.file, code=args.code, sheet=sheet)
    # (all printed at the end: a load that fails leaves stdout empty, no table to append)
    out = [draft.toml.rstrip("\n"), f"# header row: line {draft.line}"]
    if draft.missing:
        out.append(f"# not loaded: no column mapped for {', '.join(draft.missing)}")
        print("\n".join(out))
        return 1
    report = load_price_file(draft.profile)
    out.append(f"# loaded with it: {report.rows_read:,} rows read, {report.offers.num_rows:,} "
               f"offers, {report.rejected.num_rows:,} rejected")
    if report.rejected.num_rows:
        out.append("# first rejected:")
    out += [f"#   {rejected}" for rejected in report.first_rejected()]
    if report.offers.num_rows:
        out.append("# first offers:")
    for o in report.offers.slice(0, 3).to_pylist():
        quantity = "on order" if o["on_order"] else (
            "-" if o["quantity"] is None else
            f"{o['quantity']}{'' if o['quantity_exact'] else '+'}")
        out.append(f"#   line {o['line']}: {o['brand']} {o['article']}  {o['price']} RUB  "
                   f"qty {quantity}  {o['delivery_hours']} h  {o['description'] or ''}".rstrip())
    print("\n".join(out))
    return 0
