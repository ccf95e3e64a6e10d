"""The largest values a price file's row can carry, which an online supplier's offer must keep
to as well: the loader's parsers read at most 15 digits of a quantity
(``loading._values.QUANTITY_NUMBER``) and 9 of a multiplicity, and offers keep their delivery
hours as int32; and the longest an online supplier may be waited for (the one rule of a
profile's ``api`` and of a connector, :func:`deadline_problem`). Kept apart and free of
partsearch imports, as :mod:`partsearch._money` is, so that the online connectors check an
answer's rows without importing the loader (polars)."""

from __future__ import annotations

import numbers
from typing import cast

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


def deadline_problem(seconds: object) -> str | None:
    """Why ``seconds`` is no supplier's ``deadline_s``, or None: the one rule of a profile's
    ``api`` table and of a connector handed to ``LiveSuppliers``. NaN and inf fail it (NaN
    capped nothing, not even a search's own deadline), and so does a bool.

    >>> deadline_problem(2.5), deadline_problem(float("nan"))
    (None, 'must be a positive number of seconds, at most 60')
    """
    # (a numpy number is one; a Real's order is typed on float: 10**400 compares as it is)
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not (
            0 < cast(float, seconds) <= MAX_DEADLINE_S):
        return f"must be a positive number of seconds, at most {MAX_DEADLINE_S:g}"
    return None


def concurrency_problem(requests: object) -> str | None:
    """Why ``requests`` is no supplier's ``max_concurrency``, or None (the one rule, as
    :func:`deadline_problem`'s): a whole number, at least 1.

    >>> concurrency_problem(4), concurrency_problem(2.5)
    (None, 'must be a whole number >= 1')
    """
    if isinstance(requests, bool) or not isinstance(requests, numbers.Integral) or requests < 1:
        return "must be a whole number >= 1"
    return None
