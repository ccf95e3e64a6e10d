"""Orders and filters over the candidate offers of one search (small numpy arrays).

Tie-breaking is total and deterministic: after the sort keys, offers are ordered by supplier code
(``seg``: the store numbers suppliers in code order), then by their row in that supplier's
published offers (``row``), which are sorted by part hash, then by line in the price file
(``loading/_order.py``). So offers of one part keep their price file's order, offers of
different parts of one supplier come in their part hashes' order, and the same catalog always
gives the same page. ``ranking/_fast.py`` breaks ties by the same two numbers.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeAlias, TypedDict

import numpy as np

from partsearch._inputs import flag, shown, trimmed
from partsearch._limits import MAX_HOURS
from partsearch.brands import blank_brand
from partsearch.errors import SearchError
from partsearch.result import FilterItem

# public sort names -> candidate column
SORTS = {"code": "article_key", "description": "description", "quantity": "quantity",
         "note": "restrictions", "delivery": "delivery_hours", "price": "price"}
DEFAULT_SORT = ("delivery", False)


class SortEcho(TypedDict):
    """A result's sort as its JSON gives it back (``to_dict()["sort"]``), which a search takes
    as that sort: ``{"column": "price", "descending": False}``."""

    column: str
    descending: bool


#: What a search's ``sort`` takes: ``(column, descending)``, a two-item list of them (as JSON
#: gives it), or the result's JSON echo (:class:`SortEcho`); a numpy bool counts as Python's.
SortSpec: TypeAlias = tuple[str, bool | np.bool_] | list[str | bool] | SortEcho

#: the longest ``max_delivery_hours``: offers keep their delivery hours as int32
MAX_DELIVERY_HOURS = MAX_HOURS


@dataclass(frozen=True)
class Filters:
    """``brands``: keep these brands (any collection of names, or one name as a string; kept as
    a frozenset, None when empty; a search reads each through its catalog's brand registry, so
    any spelling or alias of a brand names it); ``max_delivery_hours``; ``in_stock``: a quantity
    above zero, exact or a lower bound (``>10``, ``>0``, ``10+``, ``много``), not an unknown
    one (on order) nor 0 (``<1`` is 0); ``pickup_point``: suppliers that deliver there;
    ``popular``: only the catalog's popular brands. A blank brand or pickup point (white space
    only, as an empty one) is none chosen: None; a padded one is kept trimmed (``" Г "`` is
    ``"Г"``), as the profiles' points are. A value of another type (numpy's integers and
    bools are read as Python's), or hours below 0 or above :data:`MAX_DELIVERY_HOURS`, raises
    :class:`SearchError`.

    >>> Filters(brands="Bosch").brands, Filters(brands=["MANN", "KNECHT"]) == \\
    ...     Filters(brands={"KNECHT", "MANN"}), Filters(brands=[]).brands
    (frozenset({'Bosch'}), True, None)
    """

    brands: Collection[str] | None = None
    max_delivery_hours: int | None = None
    in_stock: bool = False
    pickup_point: str | None = None
    popular: bool = False

    if TYPE_CHECKING:
        # what the generated __init__ takes (numpy's integers and bools, read as Python's),
        # where the fields say what it keeps
        def __init__(self, brands: Collection[str] | None = None,
                     max_delivery_hours: SupportsIndex | None = None,
                     in_stock: bool | np.bool_ = False, pickup_point: str | None = None,
                     popular: bool | np.bool_ = False) -> None: ...

    def __post_init__(self) -> None:
        hours = self.max_delivery_hours
        if hours is not None:
            # (the file search read -1 as "no filter", the online offers' filter as "none
            # passes": refused, as is a bool, a float or text, so both agree)
            if hours.__class__ is not int:
                hours = whole_number(hours, "Filters.max_delivery_hours")
                object.__setattr__(self, "max_delivery_hours", hours)
            if not 0 <= hours <= MAX_DELIVERY_HOURS:
                raise SearchError(f"Filters.max_delivery_hours must be 0 to "
                                  f"{MAX_DELIVERY_HOURS} hours, not {shown(hours)}")
        for name in ("in_stock", "popular"):
            flag = getattr(self, name)
            if flag.__class__ is not bool:
                # (a numpy bool, as a web app's pandas or numpy values give, is one: it
                # filtered before these checks)
                object.__setattr__(self, name, truth(flag, f"Filters.{name}"))
        point = self.pickup_point
        if point is not None:
            if not isinstance(point, str):
                raise SearchError(f"Filters.pickup_point names a pickup point, not {shown(point)}")
            # (a web form's empty box sends " " as readily as "": it filtered for a point
            # called " ", emptied every block and noted that no supplier delivers there; and
            # " Г " filtered out every supplier but one of a point called " Г ": compared
            # trimmed, as the profiles' points are read)
            object.__setattr__(self, "pickup_point", trimmed(point) or None)
        brands = self.brands
        if brands is None:
            return
        # (a string is one brand, not its letters; a set or list is unhashable or ordered, and
        # a Filters is a key the search remembers its plans by)
        try:
            items: tuple[object, ...] = (brands,) if isinstance(brands, str) else tuple(brands)
        except TypeError:  # (not a collection: reported as the one value it is)
            items = (brands,)
        names = [b for b in items if isinstance(b, str)]
        if len(names) < len(items):
            bad = next(b for b in items if not isinstance(b, str))
            raise SearchError(f"Filters.brands holds brand names, not {shown(bad)}")
        # (a blank one is a web form's empty "only this brand" box: no brand chosen, as a
        # blank pickup point and a blank search brand are none; so is one of no letters, "-")
        object.__setattr__(self, "brands",
                           frozenset(b for b in names if not blank_brand(b)) or None)

    def items(self) -> tuple[FilterItem, ...]:
        out: list[FilterItem] = []
        if self.brands:
            out.append(("brands", tuple(sorted(self.brands))))  # (a result is immutable)
        if self.max_delivery_hours is not None:
            out.append(("max_delivery_hours", self.max_delivery_hours))
        if self.in_stock:
            out.append(("in_stock", True))
        if self.pickup_point:
            out.append(("pickup_point", self.pickup_point))
        if self.popular:
            out.append(("popular", True))
        return tuple(out)


def filter_mask(c: Mapping[str, np.ndarray], f: Filters, popular: frozenset[str],
                pickup: Mapping[str, frozenset[str]]) -> np.ndarray:
    keep = np.ones(c["price"].size, dtype=bool)
    if f.brands:
        keep &= np.isin(c["brand"], list(f.brands))
    if f.popular:
        keep &= np.isin(c["brand"], list(popular))
    if f.max_delivery_hours is not None:
        keep &= c["delivery_hours"] <= f.max_delivery_hours
    if f.in_stock:
        # (a lower bound above zero is stock too: "exact only" hid every supplier that
        # writes ">10")
        keep &= c["quantity"] > 0
    if f.pickup_point:
        ok = [s for s, points in pickup.items() if f.pickup_point in points]
        keep &= np.isin(c["supplier"], ok)
    return keep


def whole_number(value: Any, name: str) -> int:
    """``value`` as an int, when it is a whole number (an int, a numpy integer), not a bool;
    else :class:`SearchError` naming it (``name``)."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise SearchError(f"{name} must be a whole number, not {shown(value)}")


def truth(value: Any, name: str) -> bool:
    """``value`` as a bool, when it is one (Python's or numpy's); else :class:`SearchError`
    naming it (``name``): 1, "no" or None say nothing a buyer chose."""
    return flag(value, name, SearchError)


def check_sort(sort: SortSpec | None) -> tuple[str, bool]:
    """``sort`` as the search keys its plans by: ``(column, descending)``, a known column and
    a bool (a two-item list is taken as that tuple, and so is the result's JSON echo,
    ``{"column": ..., "descending": ...}``); anything else raises :class:`SearchError`."""
    if sort is None:
        return DEFAULT_SORT
    # (the usual sort, checked in a few identity tests; the rest is taken apart below)
    if sort.__class__ is tuple and len(sort) == 2 and sort[1].__class__ is bool and \
            sort[0].__class__ is str and sort[0] in SORTS:
        return sort  # type: ignore[return-value]  # (its bool is Python's: tested above)
    return _checked_sort(sort)


def _checked_sort(sort: Any) -> tuple[str, bool]:
    """:func:`check_sort` of what is not a tuple of a known column and a bool."""
    shape = "sort must be (column, descending), such as ('price', False)"
    if isinstance(sort, str):  # (not its letters: 'price' would read as 'p', 'r')
        raise SearchError(f"{shape}, not the text {shown(sort)}")
    items: tuple[Any, ...] = ()
    if isinstance(sort, Mapping):
        # the result's JSON echo, {"column": ..., "descending": ...}, kept for the next
        # search as the README says (its keys, not its values, were read as the sort)
        if sort.keys() == {"column", "descending"}:
            items = (sort["column"], sort["descending"])
    else:
        with contextlib.suppress(TypeError):
            items = tuple(sort)
    if len(items) != 2:
        raise SearchError(f"{shape}, not {shown(sort)}")
    column, descending = items
    if not isinstance(column, str) or column not in SORTS:
        raise SearchError(f"unknown sort column {shown(column)}; choose one of "
                          f"{', '.join(SORTS)}")
    # (a result echoes it: 1 is not "descending"; a numpy bool is echoed as Python's)
    return str(column), truth(descending, "sort's descending")


def _key(values: np.ndarray, descending: bool) -> np.ndarray:
    if values.dtype.kind in "iufb":
        v = values.astype(np.float64)
        return -v if descending else v
    ranks = np.unique(values.astype(str), return_inverse=True)[1]
    return -ranks if descending else ranks


def _tiebreak(c: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    # "seg" numbers suppliers in code order (the store lists them sorted), so it orders by
    # supplier code without comparing strings; "row" is the offer's row in its supplier's
    # published offers, by (part hash, line): not its line alone (see the module docstring)
    return [c["row"], c["seg"] if "seg" in c else _key(c["supplier"], False)]


def order(c: Mapping[str, np.ndarray], sort: tuple[str, bool], *, by_distance: bool,
          group: np.ndarray | None = None) -> np.ndarray:
    """Indices of the candidates in display order. ``by_distance`` puts nearer analogs first
    (fewer hops, then more support) under the default sort. ``group`` (the block of each
    candidate) orders every block in one pass: the result lists block 0, then 1, then 2."""
    column, desc = sort
    keys = _tiebreak(c)
    if (column, desc) == DEFAULT_SORT:
        keys += [c["price"], c["delivery_hours"]]
        if by_distance:
            keys += [-c["support"].astype(np.int64), c["hops"]]
    else:
        keys += [c["price"], c["delivery_hours"], _key(c[SORTS[column]], desc)]
    if group is not None:
        keys.append(group)
    return np.lexsort(keys)


def requested_shown(c: Mapping[str, np.ndarray], ordered: np.ndarray, sort: tuple[str, bool],
                    n_fast: int = 3) -> np.ndarray:
    """The four offers the requested block shows: under the default sort the three with the
    shortest delivery, then the cheapest of the rest; under a chosen sort its first four."""
    if sort != DEFAULT_SORT or ordered.size <= n_fast + 1:
        return ordered[: n_fast + 1]
    fast, rest = ordered[:n_fast], ordered[n_fast:]
    # cheapest of the rest; among equal prices the faster, then the usual tie-break (order)
    cheapest = rest[np.lexsort((np.arange(rest.size), c["price"][rest]))[0]]
    return np.append(fast, cheapest)
