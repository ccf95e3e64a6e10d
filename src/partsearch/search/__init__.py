"""Searching: the :class:`Engine` that opens a catalog and answers searches in blocks."""

from partsearch.search.engine import Engine

__all__ = ["Engine"]
