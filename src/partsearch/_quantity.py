"""A quantity's text as the loader reads it, one value at a time. Kept apart and free of imports
but ``re``, as :mod:`partsearch._money` is, so that the loader and the online connectors share
one reading of a quantity (``1 200``, ``>10``, ``++``, ``под заказ``) and the connectors do not
import the loader's value parsers (polars). ``loading._values.parse_quantity`` is its vectorized
form, held to it by the tests."""

from __future__ import annotations

import re

#: a range's dash, however typed: hyphen, en dash (Word's and Excel's autocorrect), em dash
DASH = "[-–—]"
#: a quantity's number: plain, or in groups of three after spaces ("1 200"; the spellings of
#: whitespace are one space by then), 15 digits at most either way
QUANTITY_NUMBER = r"[0-9]{1,15}|[0-9]{1,3}(?: [0-9]{3}){1,4}"
#: more than a number (``>10``, ``20>``, ``больше 100``): a lower bound, at least 1 (``>0`` is
#: some, though ``>10`` is read as 10, not 11: the shown bound is the supplier's number)
MORE_THAN = (rf"(?:>\s*|больше\s*|более\s*|свыше\s*|over\s*)({QUANTITY_NUMBER})"
             rf"|({QUANTITY_NUMBER})\s*>")
#: at least a number (``≥10``, ``10+``, ``от 10``) or a range from it (``4-7``): that number,
#: a lower bound (``0+``, ``0-5`` say no unit is there)
AT_LEAST = (rf"(?:>\s*=\s*|≥\s*|от\s*)({QUANTITY_NUMBER})"
            rf"|({QUANTITY_NUMBER})\s*(?:\+|{DASH}\s*[0-9]{{1,15}})")
#: fewer than a number (``<5``, ``меньше 5``): some, 1 inexact, the lower bound unknown; but
#: fewer than one (``<1``, ``<0``) is none, or a fraction of a unit, and reads 0
LESS_THAN = rf"(?:<\s*|меньше\s*|менее\s*)({QUANTITY_NUMBER})"
#: at most a number (``≤5``, ``до 5``): some, 1 inexact; at most none (``≤0``) reads 0
AT_MOST = rf"(?:<\s*=\s*|≤\s*|до\s*)({QUANTITY_NUMBER})"
#: on order, said in words
ON_ORDER = r"^(под\s*заказ|на\s*заказ|заказ|ожидается|order)$"
#: some in stock, said in words or a plus: at least one
IN_STOCK = r"^(есть|в\s*наличии|да|\+|много|достаточно|мало)$"
#: none in stock, said in words or a dash: the same as 0
NO_STOCK = r"^(нет|нет\s*в\s*наличии|отсутствует|-|–|—)$"

_ON_ORDER, _YES, _NONE = re.compile(ON_ORDER), re.compile(IN_STOCK), re.compile(NO_STOCK)


def read_quantity(value: str | None) -> tuple[int | None, bool, bool, str | None]:
    """``(quantity, exact, on_order, reason)`` of a quantity's text: a number is exact, a lower
    bound (``>10``, ``10+``, ``4-7``; ``>0`` is 1) or ``<5`` (1; ``<1`` is 0), ``+``/``++``/``+++``,
    a word for some, is not;
    no text is an unknown quantity, text that is none of these has a reason.

    >>> read_quantity("1 000"), read_quantity("++"), read_quantity("под заказ")
    ((1000, True, False, None), (10, False, False, None), (None, False, True, None))
    >>> read_quantity("1,5")
    (None, False, False, "bad quantity '1,5'")
    """
    raw = None if value is None else value.strip()
    if raw is None:
        return None, False, False, None
    s = re.sub(r"\s*(шт\.?|pcs\.?)$", "", raw.lower(), count=1)
    s = re.sub(r"\s+", " ", s).strip()
    if not s:
        return None, False, False, None
    on_order = bool(_ON_ORDER.search(s))
    if _NONE.search(s):
        return 0, True, on_order, None
    num = f"({QUANTITY_NUMBER})"
    if m := re.fullmatch(num + r"(?:[.,]0+)?", s):
        return int(m.group(1).replace(" ", "")), True, on_order, None
    # (the least whole number of units each form says is there: more than 0 is one, fewer
    # than 5 at least one, fewer than 1 none)
    for pattern, least in ((MORE_THAN, lambda n: max(n, 1)), (AT_LEAST, lambda n: n),
                           (LESS_THAN, lambda n: int(n > 1)), (AT_MOST, lambda n: int(n > 0))):
        if m := re.fullmatch(pattern, s):
            number = next(g for g in m.groups() if g is not None)
            return least(int(number.replace(" ", ""))), False, on_order, None
    if _YES.search(s):
        return 1, False, on_order, None
    if s == "++":
        return 10, False, on_order, None
    if s == "+++":
        return 100, False, on_order, None
    if on_order:
        return None, False, True, None
    return None, False, False, f"bad quantity '{raw}'"
