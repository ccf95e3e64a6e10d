"""Rich tables for a search result on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partsearch.result import SearchResult

if TYPE_CHECKING:
    from rich.console import Console

_TITLES = {"requested": "REQUESTED ARTICLE", "oem_replacements": "OEM REPLACEMENTS",
           "analogs": "ANALOGS"}


def print_result(result: SearchResult) -> None:
    from rich.table import Table

    from partsearch.cli._console import console as make_console

    console = make_console(width=160)
    head = f"{result.brand or ''} {result.article}".strip()
    console.print(f"[bold]{head}[/bold]  level={result.level}  sort={result.sort[0]}"
                  f"{' desc' if result.sort[1] else ''}")
    for note in result.notes:  # (a filter that matches nothing: not "nothing in stock")
        console.print(f"note: {note}", markup=False)
    if result.status == "choose_brand":
        table = Table(title="Several brands have this article: choose one")
        for col in ("brand", "offers", "in cross index", "about"):
            table.add_column(col)
        for b in result.brands:
            table.add_row(b.brand, str(b.offers), "yes" if b.in_cross_index else "",
                          b.description)
        console.print(table)
        _print_online(console, result)
        return
    if result.status == "not_found":
        console.print("Nothing found." + (f" Did you mean: {', '.join(result.suggestions)}?"
                                          if result.suggestions else ""))
        # (a live search of a part no file has: which suppliers failed, timed out or had none)
        _print_online(console, result)
        return
    for block in result.blocks:
        if block.total == 0 and block.name == "oem_replacements":
            continue
        table = Table(title=f"{_TITLES[block.name]}  ({len(block.offers)} of {block.total}"
                      f"{', more' if block.has_more else ''})", title_justify="left")
        for col in ("brand", "article", "description", "supplier", "terms", "qty", "min",
                    "accuracy", "delivery h", "price", "note"):
            table.add_column(col, overflow="fold")
        for o in block.offers:
            qty = "on order" if o.on_order else ("?" if o.quantity is None else
                                                 f"{o.quantity}{'' if o.quantity_exact else '+'}")
            if o.multiplicity > 1:
                qty += f" x{o.multiplicity}"
            terms = supplier_terms(o.pickup_points, o.min_order_sum)
            notes = []
            if o.why == "supplier_cross":
                notes.append("supplier cross")
            elif o.why == "held_back":  # (one cross away, which the guard kept out)
                notes.append("held back")
            elif o.hops:
                notes.append(f"{o.hops} hop{'s' if o.hops > 1 else ''}")
            if not o.returnable:
                notes.append("no return")
            if o.prepayment:
                notes.append("prepay")
            if o.restrictions:
                notes.append(o.restrictions)
            if o.stale:
                notes.append(f"price {o.age_hours:.0f} h old")
            price = o.price + (f" ({o.supplier_price})" if o.supplier_price else "")
            table.add_row(o.brand, o.article, o.description[:40], o.supplier, terms, qty,
                          str(o.min_quantity), f"{o.stock_accuracy:.0%}",
                          str(o.delivery_hours) + (f"-{o.delivery_hours_max}"
                                                   if o.delivery_hours_max is not None else ""),
                          price, ", ".join(notes))
        console.print(table)
    _print_online(console, result)
    if result.supplier_crosses:
        console.print("Supplier crosses to check: " + ", ".join(
            f"{p.brand} {p.article} ({p.supplier})" for p in result.supplier_crosses))


def supplier_terms(pickup_points: tuple[str, ...], min_order_sum: str) -> str:
    """``Г, M1; min 1 500 ₽``: the pickup points, then the minimum order sum in roubles (its
    kopecks only when it has some); empty when there are neither (``Г/M1/1.5``, in thousands
    with no unit, read as 1.5 roubles)."""
    from decimal import Decimal

    parts = [", ".join(pickup_points)] if pickup_points else []
    least = Decimal(min_order_sum)
    if least > 0:
        text = f"{least:,.2f}".replace(",", " ").removesuffix(".00")
        parts.append(f"min {text} ₽")
    return "; ".join(parts)


def _print_online(console: Console, result: SearchResult) -> None:
    """One line per online supplier of a live search: how it ended, and why if it failed."""
    for outcome in result.online:
        console.print(f"online {outcome.supplier}: {outcome.status}"
                      + (f" ({outcome.error})" if outcome.error else "")
                      + f" in {outcome.seconds:.2f} s")
