"""Ranking: block orders, filters, sorts and price levels over a search's candidate offers."""

from partsearch.ranking.levels import DEFAULT_LEVELS, MarkupRule, PriceLevel, parse_levels
from partsearch.ranking.order import DEFAULT_SORT, SORTS, Filters

__all__ = ["DEFAULT_LEVELS", "DEFAULT_SORT", "SORTS", "Filters", "MarkupRule", "PriceLevel",
           "parse_levels"]
