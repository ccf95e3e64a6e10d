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
#: on order, said in words
ON_ORDER = r"^(под\s*заказ|на\s*заказ|заказ|ожидается|order)$"
#: some in stock, said in words or a plus: at least one
IN_STOCK = r"^(есть|в\s*наличии|да|\+|много|достаточно|мало)$"
#: none in stock, said in words or a dash: the same as 0
NO_STOCK = r"^(нет|нет\s*в\s*наличии|отсутствует|-|–|—)$"

_ON_ORDER, _YES, _NONE = re.compile(ON_ORDER), re.compile(IN_STOCK), re.compile(NO_STOCK)


def read_quantity(value: str | None) -> tuple[int | None, bool, bool, str | None]:
    """``(quantity, exact, on_order, reason)`` of a quantity's text: a number is exact, a lower
    bound (``>10``, ``10+``, ``4-7``) or ``<5``, ``+``/``++``/``+++``, a word for some, is not;
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
    for pattern in (
        r"(?:>\s*=?|≥)\s*" + num, num + r"\s*[+>]",
        r"(?:больше|более|свыше|от|over)\s*" + num, num + rf"\s*{DASH}\s*[0-9]{{1,15}}",
    ):
        if m := re.fullmatch(pattern, s):
            return int(m.group(1).replace(" ", "")), False, on_order, None
    if re.fullmatch(r"(?:<\s*=?\s*|≤\s*|меньше\s*|менее\s*|до\s*)(?:" + QUANTITY_NUMBER + ")",
                    s):
        return 1, False, on_order, None
    if _YES.search(s):
        return 1, False, on_order, None
    if s == "++":
        return 10, False, on_order, None
    if s == "+++":
        return 100, False, on_order, None
    if on_order:
        return None, False, True, None
    return None, False, False, f"bad quantity '{raw}'"
