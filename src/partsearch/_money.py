"""Money as offers hold it: integer kopecks, stored as a decimal128(14, 2) column. Kept apart
and free of imports so the loader, the profiles and the online connectors share one limit
(the loader's value parsers pull in polars, a second's import in a live search)."""

from __future__ import annotations

#: decimal128(14, 2) holds at most 12 integer digits.
MAX_KOPECKS = 10**14 - 1
