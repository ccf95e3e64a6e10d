"""The largest values a price file's row can carry, which an online supplier's offer must keep
to as well: the loader's parsers read at most 15 digits of a quantity
(``loading._values.QUANTITY_NUMBER``) and 9 of a multiplicity, and offers keep their delivery
hours as int32. Kept apart and free of imports, as :mod:`partsearch._money` is, so that the
online connectors check an answer's rows without importing the loader (polars)."""

from __future__ import annotations

#: 15 digits: ``QUANTITY_NUMBER`` reads no more
MAX_QUANTITY = 10**15 - 1
#: 9 digits: ``parse_int_default`` reads no more (and the column is int32)
MAX_MULTIPLICITY = 10**9 - 1
#: int32, as the offers files keep delivery hours (a profile's ``delivery_hours``, a filter's
#: ``max_delivery_hours`` and an online offer's are held to it)
MAX_HOURS = 2**31 - 1
