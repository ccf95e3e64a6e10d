"""The keyword options of a search, as one type: the live search takes them as ``**options``
and passes them on to :meth:`Engine.search <partsearch.Engine.search>`, so a type checker
reads them there as it reads them in ``search`` itself."""

from __future__ import annotations

from datetime import datetime
from typing import SupportsIndex, TypedDict

# (imported to run, not only to check: a web app reads the options' types at run time,
# typing.get_type_hints, pydantic. This module is imported when partsearch.SearchOptions is
# first used, which imports the engine, numpy and ranking.order already: nothing more)
import numpy as np

from partsearch.ranking.order import Filters, SortSpec

__all__ = ["SearchOptions"]


class SearchOptions(TypedDict, total=False):
    """The keyword options of :meth:`Engine.search`, each of which may be left out; the live
    search (``search_live``, ``iter_live``, ``search_live_sync``) takes them as ``**options``,
    so a misspelt option or one of the wrong type fails a type check as it fails the call.
    Pages take numpy's integers and the flags numpy's bools, as ``search`` does.

    >>> from partsearch import SearchOptions
    >>> options: SearchOptions = {"level": "guest", "sort": ("price", False)}
    >>> engine.search_live_sync("W 920/21", "MANN", **options).sort      # doctest: +SKIP
    ('price', False)
    """

    level: str | None
    sort: SortSpec | None
    filters: Filters | None
    show_all: bool | np.bool_
    analogs_offset: SupportsIndex
    analogs_limit: SupportsIndex
    show_supplier_price: bool | np.bool_
    now: datetime | None
    oem_offset: SupportsIndex
    oem_limit: SupportsIndex
