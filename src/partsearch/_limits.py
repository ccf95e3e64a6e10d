"""The largest values a price file's row can carry, which an online supplier's offer must keep
to as well: the loader's parsers read at most 15 digits of a quantity
(``loading._values.QUANTITY_NUMBER``) and 9 of a multiplicity, and offers keep their delivery
hours as int32; and the longest an online supplier may be waited for. Kept apart and free of
imports, as :mod:`partsearch._money` is, so that the online connectors check an answer's rows
without importing the loader (polars)."""

from __future__ import annotations

#: 15 digits: ``QUANTITY_NUMBER`` reads no more
MAX_QUANTITY = 10**15 - 1
#: 9 digits: ``parse_int_default`` reads no more (and the column is int32)
MAX_MULTIPLICITY = 10**9 - 1
#: int32, as the offers files keep delivery hours (a profile's ``delivery_hours``, a filter's
#: ``max_delivery_hours`` and an online offer's are held to it)
MAX_HOURS = 2**31 - 1
#: the longest ``deadline_s`` a supplier's ``api`` may give, in seconds: a search waits that
#: long for an answer (the domain's slowest supplier takes ~10 s), and a supplier that never
#: answers held, with 1e9, every search made without a deadline of its own for good
MAX_DEADLINE_S = 60.0
