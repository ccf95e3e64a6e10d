"""``partsearch search DIR ARTICLE [--brand B] [--level L] [--all] [--json] [--live]``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from partsearch.cli._console import a_path, at_least


def register(sub: Any) -> None:
    p = sub.add_parser("search", help="search a catalog by article")
    p.add_argument("catalog", type=a_path, help="catalog directory")
    p.add_argument("article", help="the part number, as typed (W 920/21, oc-90, 0986424815)")
    p.add_argument("--brand", help="its maker, any spelling; without it, a list of brands may "
                   "come back to choose from")
    p.add_argument("--level", help="price level (default: the catalog's default)")
    p.add_argument("--all", action="store_true", help="every offer of the requested article")
    p.add_argument("--json", action="store_true", help="print result.to_dict() as JSON")
    p.add_argument("--live", action="store_true", help="also ask the online suppliers")
    p.add_argument("--deadline", type=_seconds, metavar="S",
                   help="with --live: seconds to wait for suppliers (above 0)")
    p.add_argument("--sort", help="code|description|quantity|note|delivery|price, '-' for desc")
    p.add_argument("--max-delivery", type=int, metavar="HOURS", help="filter: delivery time")
    p.add_argument("--in-stock", action="store_true",
                   help="filter: a quantity above 0, exact or at least (>10, 10+)")
    p.add_argument("--pickup", metavar="POINT", help="filter: suppliers delivering there")
    p.add_argument("--only-brand", action="append", metavar="BRAND", help="filter (repeatable)")
    p.add_argument("--popular", action="store_true", help="only the catalog's popular brands")
    p.add_argument("--analogs-page", type=at_least(1, "a page number"), default=1,
                   help="page of 20 analogs (from 1)")
    p.add_argument("--oem-page", type=at_least(1, "a page number"), default=1,
                   help="page of 20 OEM replacements (from 1)")
    p.add_argument("--supplier-price", action="store_true",
                   help="also show the purchase price, at a level whose catalog.toml "
                   "table has supplier_price = true (never guest)")
    p.set_defaults(func=_search, usage_error=p.error)



def _seconds(text: str) -> float:
    """A deadline in seconds: finite and above zero (zero or less would cancel every request
    before it is sent, ``nan`` would cap nothing)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def _search(args: argparse.Namespace) -> int:
    from partsearch import Engine, Filters
    from partsearch._inputs import trimmed

    if args.deadline is not None and not args.live:
        # (a search of the files only, which waits for nobody: the user meant --live, or
        # believes it was honoured)
        args.usage_error("argument --deadline: only with --live (how long a live search "
                         "waits for the online suppliers)")
    engine = Engine.open(args.catalog)
    sort = None
    # (a blank --sort, as an empty one, is the default, blank as the library reads a blank
    # level or pickup point: a zero-width space too, which was an unknown column)
    if text := trimmed(args.sort or ""):
        sort = (text.lstrip("-"), text.startswith("-"))
    filters = Filters(
        brands=args.only_brand,  # (any spelling: the engine reads it as the catalog names it)
        max_delivery_hours=args.max_delivery, in_stock=args.in_stock,
        pickup_point=args.pickup, popular=args.popular)
    options: dict[str, Any] = dict(level=args.level, sort=sort, filters=filters,
                                   show_all=args.all,
                                   analogs_offset=20 * (args.analogs_page - 1),
                                   oem_offset=20 * (args.oem_page - 1),
                                   show_supplier_price=args.supplier_price)
    if args.live:
        result = engine.search_live_sync(args.article, args.brand, deadline_s=args.deadline,
                                         **options)
    else:
        result = engine.search(args.article, args.brand, **options)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        from partsearch.cli._tables import print_result

        print_result(result)
    return 0 if result.status == "ok" else 1
