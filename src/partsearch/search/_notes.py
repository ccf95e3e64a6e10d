"""Notes on a search's filters that match nothing the catalog has: a brand filter naming a
brand that neither the registry nor the catalog knows (a typo: ``Knehct``), a pickup point no
supplier delivers to. Without them such a filter gave an empty page that read as "nothing in
stock" (``SearchResult.notes``).

Looked at only for a search with such a filter, once per filters value and catalog state.
"""

from __future__ import annotations

from typing import Any

from partsearch._inputs import shown
from partsearch.errors import PartsearchError
from partsearch.ranking.order import Filters

__all__ = ["filter_notes"]


def filter_notes(state: Any, filters: Filters) -> tuple[str, ...]:
    """The notes on ``filters`` (empty when each names something the catalog has)."""
    memo = state.filter_notes
    notes: tuple[str, ...] | None = memo.get(filters)
    if notes is None:
        notes = tuple(_brand_note(state, b) for b in filters.brands or () if not _known(state, b))
        point = filters.pickup_point
        if point and not any(point in points for points in state.pickup.values()):
            known = sorted(set().union(*state.pickup.values()))
            notes += (f"pickup point {point!r}: no supplier delivers there"
                      + (f" (their points: {', '.join(known)})" if known else
                         " (no supplier lists a pickup point)"),)
        if len(memo) >= 256:
            memo.clear()
        memo[filters] = notes
    return notes


def _known(state: Any, brand: str) -> bool:
    """Whether ``brand`` is a brand of the registry, the cross index or the offers."""
    try:
        name = state.registry.canonical(brand)
    except PartsearchError:
        return False
    if name in state.registry.brands or (
            state.index is not None and name in state.index.brand_names):
        return True
    import pyarrow.compute as pc

    # (the rare case: a brand of the offers the registry does not list; a pass per file)
    return any(pc.any(pc.equal(s.table.column("brand"), name)).as_py()
               for s in state.store.segments)


def _brand_note(state: Any, brand: str) -> str:
    from rapidfuzz import fuzz, process

    names = set(state.registry.brands)
    if state.index is not None:
        names.update(state.index.brand_names)
    best = process.extractOne(brand.upper(), sorted(names), scorer=fuzz.WRatio,
                              score_cutoff=70)
    return f"brand filter {shown(brand)}: no brand of this catalog is called so" + (
        f"; did you mean {best[0]}?" if best else "")
