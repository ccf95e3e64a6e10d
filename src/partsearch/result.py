"""Search results: immutable values a web app can serialize as they are (``to_dict()``).

A :class:`SearchResult` holds three :class:`Block` s (``requested``, ``oem_replacements``,
``analogs``), each a tuple of :class:`Offer` s plus its total and whether more exist. Without a
brand, an article several makers use gives ``status == "choose_brand"`` and the
:class:`BrandChoice` list; an unknown article or brand gives ``status == "not_found"`` with
suggestions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

if TYPE_CHECKING:
    from partsearch.online import SupplierOutcome
else:  # (annotations read at run time, pydantic's say, take an outcome as any value, as
    # before: the online layer, imported for them, cost a result's first import ~80 ms)
    SupplierOutcome = Any

__all__ = ["Block", "BrandChoice", "FilterItem", "Offer", "SearchResult", "SupplierCrossPart"]

BLOCKS = ("requested", "oem_replacements", "analogs")

#: A filter a result echoes (``SearchResult.filters``): its name and value, ``("brands",
#: ("KNECHT", "MANN-FILTER"))``, ``("max_delivery_hours", 48)``, ``("in_stock", True)``.
FilterItem: TypeAlias = tuple[str, str | int | bool | tuple[str, ...]]


def compact_json(value: Any) -> bytes:
    """``value`` as :meth:`SearchResult.to_json` writes JSON: compact, UTF-8 unescaped, a lone
    surrogate as "?" (the compiled JSON answer's fixed pieces are made with it too)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


class Offer(NamedTuple):
    """One offer as a buyer sees it. Prices are decimal strings in roubles; ``supplier_price``
    is None unless asked for at a level that allows it (``supplier_price = true``). ``why``
    is ``requested``, ``oem_replacement``, ``analog``, ``held_back`` (an analog by a direct
    cross of the searched part's that the guard kept out of the classes: shown after every
    linked analog, hops 1, support that cross's sources) or ``supplier_cross`` (an online
    supplier's own cross); ``hops``/``support`` say how far the part is from the searched one
    in the cross index and how many independent crosses reach it from the hop before (0 and 0
    for the requested part; -1 and 0 for a supplier cross, a part the index does not link).
    ``delivery_hours`` is the expected delivery, ``delivery_hours_max`` the guaranteed one
    where the supplier states it.

    An immutable named tuple rather than a frozen dataclass: a search builds dozens of these, and
    a tuple is built several times faster.

    >>> offer = engine.search("W 920/21", brand="MANN").requested.offers[0]  # doctest: +SKIP
    >>> offer.supplier, offer.price, offer.delivery_hours, offer.pickup_points  # doctest: +SKIP
    ('BETA', '4850.53', 35, ('Г', 'M1', 'M2'))
    >>> offer.to_dict()["pickup_points"]                                # doctest: +SKIP
    ['Г', 'M1', 'M2']
    """

    block: str
    why: str
    brand: str
    article: str
    description: str
    supplier: str
    pickup_points: tuple[str, ...]
    min_order_sum: str
    returnable: bool
    prepayment: bool
    restrictions: str | None
    quantity: int | None
    quantity_exact: bool
    on_order: bool
    multiplicity: int
    min_quantity: int
    delivery_hours: int
    delivery_hours_max: int | None
    price: str
    supplier_price: str | None
    below_min_order: bool
    price_file_time: str | None
    age_hours: float | None
    stale: bool
    stock_accuracy: float
    hops: int
    support: int
    part_hash: str

    def to_dict(self) -> dict[str, Any]:
        out = self._asdict()
        out["pickup_points"] = list(self.pickup_points)
        return out


class Block(NamedTuple):
    """A result block: the offers shown, how many exist in all, and the paging position.

    A named tuple, like :class:`Offer`: every search builds three.

    >>> analogs = engine.search("W 920/21", brand="MANN", analogs_limit=5).analogs  # doctest: +SKIP
    >>> analogs.total, len(analogs.offers), analogs.has_more            # doctest: +SKIP
    (12, 5, True)
    >>> engine.search("W 920/21", brand="MANN", analogs_offset=10,
    ...               analogs_limit=5).analogs.has_more                 # doctest: +SKIP
    False
    """

    name: str
    offers: tuple[Offer, ...]
    total: int
    offset: int = 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.offers) < self.total

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total, "offset": self.offset,
                "shown": len(self.offers), "has_more": self.has_more,
                "offers": [o.to_dict() for o in self.offers]}


@dataclass(frozen=True, slots=True)
class BrandChoice:
    """A brand that has the searched article, for the buyer to choose from.

    >>> result = engine.search("OC90")                                  # doctest: +SKIP
    >>> result.status, [(c.brand, c.offers) for c in result.brands]     # doctest: +SKIP
    ('choose_brand', [('KNECHT', 2), ('MAHLE', 2)])
    """

    brand: str
    description: str
    offers: int
    in_cross_index: bool

    def to_dict(self) -> dict[str, Any]:
        return {"brand": self.brand, "description": self.description, "offers": self.offers,
                "in_cross_index": self.in_cross_index}


@dataclass(frozen=True, slots=True)
class SupplierCrossPart:
    """A part an online supplier offered as an analog that our cross index does not link
    (``SearchResult.supplier_crosses``): a manager checks it, and searches it directly.

    >>> SupplierCrossPart(supplier="ABC", brand="FILTRON", article="PS 842").to_dict()
    {'supplier': 'ABC', 'brand': 'FILTRON', 'article': 'PS 842'}
    """

    supplier: str
    brand: str
    article: str

    def to_dict(self) -> dict[str, Any]:
        return {"supplier": self.supplier, "brand": self.brand, "article": self.article}


class SearchResult(NamedTuple):
    """The answer to one search; see the module docstring.

    A named tuple, like :class:`Block`: a frozen dataclass's ``__init__`` sets its fourteen
    fields one call at a time, ~2 us of a ~25 us search. Derive a changed copy with
    ``result._replace(...)``.

    >>> result = engine.search("W 920/21", brand="MANN", sort=("price", False))  # doctest: +SKIP
    >>> result.status, result.brand, result.requested.total             # doctest: +SKIP
    ('ok', 'MANN-FILTER', 2)
    >>> engine.search("W 920/21", brand="MANN", sort=result.to_dict()["sort"]
    ...               ).sort                                            # doctest: +SKIP
    ('price', False)
    >>> engine.search("OC 91", brand="KNECHT").suggestions              # doctest: +SKIP
    ('OC90', 'OC97')
    """

    article: str
    brand: str | None
    status: str  # "ok" | "choose_brand" | "not_found"
    level: str
    sort: tuple[str, bool]  # (column, descending)
    requested: Block
    oem_replacements: Block
    analogs: Block
    brands: tuple[BrandChoice, ...] = ()
    suggestions: tuple[str, ...] = ()
    filters: tuple[FilterItem, ...] = ()
    online: tuple[SupplierOutcome, ...] = ()  # each online supplier's (live searches)
    supplier_crosses: tuple[SupplierCrossPart, ...] = ()
    # a filter that matches nothing the catalog has: a brand nobody knows, a pickup point no
    # supplier delivers to (so an empty page is not read as "nothing in stock"); a catalog
    # without a cross index (so no analogs are not read as a part without any)
    notes: tuple[str, ...] = ()

    @property
    def blocks(self) -> tuple[Block, Block, Block]:
        return (self.requested, self.oem_replacements, self.analogs)

    def to_json(self) -> bytes:
        """:meth:`to_dict` as compact UTF-8 JSON (what ``Engine.search_json`` returns; a
        character UTF-8 cannot hold, a lone surrogate, as "?").

        >>> json.loads(engine.search("OC 90", brand="KNECHT").to_json())["status"]  # doctest: +SKIP
        'ok'
        """
        return compact_json(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article, "brand": self.brand, "status": self.status,
            "level": self.level, "sort": {"column": self.sort[0], "descending": self.sort[1]},
            "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in self.filters},
            "blocks": {b.name: b.to_dict() for b in self.blocks},
            "brands": [b.to_dict() for b in self.brands],
            "suggestions": list(self.suggestions),
            "online": {o.supplier: o.to_dict() for o in self.online},
            "supplier_crosses": [p.to_dict() for p in self.supplier_crosses],
            "notes": list(self.notes),
        }
