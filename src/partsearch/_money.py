"""Money as offers hold it: integer kopecks, stored as a decimal128(14, 2) column. Kept apart
and free of imports but ``re`` and ``decimal`` so the loader, the profiles and the online
connectors share one limit and one reading of a price (the loader's value parsers pull in
polars, a second's import in a live search)."""

from __future__ import annotations

import re
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

#: decimal128(14, 2) holds at most 12 integer digits.
MAX_KOPECKS = 10**14 - 1

_CURRENCY = re.compile(r"\s*(руб\.?|р\.|р|rub\.?|rur\.?|₽)\s*$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DIGITS = re.compile(r"[0-9]+(\.[0-9]*)?")
_INTEGER_DIGITS = 12  # decimal128(14, 2)
#: a price's digits before its decimal separator, grouped by three with "," or ".": the first
#: group has one to three digits, each after it three
GROUPED_BY_COMMA = r"^-?[0-9]{1,3}(?:,[0-9]{3})+"
GROUPED_BY_DOT = r"^-?[0-9]{1,3}(?:\.[0-9]{3})+"


def read_kopecks(value: str | None) -> tuple[int | None, str | None]:
    """A price's text as the loader reads it, one value at a time: (kopecks, None), or (None,
    the reason). Spaces and a rouble sign go; one comma or one dot is the decimal separator,
    several of one are thousands separators, with both the last is the decimal one (thousands
    separators in groups of three: ``12,34,56`` is no price); more than
    two decimals round half up; zero then, a negative price or more than ``MAX_KOPECKS`` is no
    price. (``loading._values.parse_price`` is its vectorized form.)

    >>> read_kopecks("1\\u00a0298,00"), read_kopecks("12,345.67"), read_kopecks("850 руб.")
    ((129800, None), (1234567, None), (85000, None))
    >>> read_kopecks("1e3"), read_kopecks("0,001"), read_kopecks("1,250,00")
    ((None, "bad price '1e3'"), (None, "zero price '0,001'"), (None, "bad price '1,250,00'"))
    """
    raw = None if value is None else value.strip()
    if not raw:
        return None, "empty price"
    s = _SPACES.sub("", _CURRENCY.sub("", raw, count=1))
    commas, dots = s.count(","), s.count(".")
    grouped = True
    if commas and dots:
        if s.rfind(",") > s.rfind("."):
            grouped = re.match(GROUPED_BY_DOT + ",", s) is not None
            s = s.replace(".", "").replace(",", ".", 1)
        else:
            grouped = re.match(GROUPED_BY_COMMA + r"\.", s) is not None
            s = s.replace(",", "")
    elif commas == 1:
        s = s.replace(",", ".")
    elif commas > 1:
        grouped = re.fullmatch(GROUPED_BY_COMMA, s) is not None
        s = s.replace(",", "")
    elif dots > 1:
        grouped = re.fullmatch(GROUPED_BY_DOT, s) is not None
        s = s.replace(".", "")
    if s.startswith("-"):
        return None, f"negative price '{raw}'"
    if not grouped or not _DIGITS.fullmatch(s):
        return None, f"bad price '{raw}'"
    whole, _, frac = s.partition(".")
    if len(whole.lstrip("0")) > _INTEGER_DIGITS:  # (before int(): 5000 digits would raise)
        return None, f"price too large '{raw}'"
    kop = int(whole) * 100 + (int((frac + "000")[:3]) + 5) // 10
    if kop <= 0:
        return None, f"zero price '{raw}'"
    if kop > MAX_KOPECKS:
        return None, f"price too large '{raw}'"
    return kop, None


_KOPECK = Decimal("0.01")
#: the context every price is computed in, never the caller's: a thread's or a task's own (a
#: live search's tasks inherit their caller's) with fewer digits than a price holds, or with
#: Inexact trapped, made ``Decimal("99999.99")`` raise InvalidOperation, failing the whole
#: answer. Each field given: ``Context()`` copies the ones it is not given from
#: ``decimal.DefaultContext``, which an application may change too.
MONEY = Context(prec=40, rounding=ROUND_HALF_UP, Emin=MIN_EMIN, Emax=MAX_EMAX, capitals=1,
                clamp=0, flags=[], traps=[InvalidOperation, DivisionByZero, Overflow])


def price_of(kopecks: int) -> Decimal:
    """Roubles of ``kopecks``, exactly, whatever the caller's decimal context.

    >>> price_of(51231), price_of(MAX_KOPECKS)
    (Decimal('512.31'), Decimal('999999999999.99'))
    """
    return Decimal(kopecks).scaleb(-2, MONEY)


def kopecks_of(price: Decimal, rounding: str = ROUND_HALF_UP) -> int:
    """Whole kopecks of a price (a settled offer's, a profile's minimum sum, a level's price
    band or percent in hundredths), exactly, whatever the caller's decimal context; a finer
    price rounded by ``rounding`` (half up, or ``ROUND_CEILING`` for a band's bounds).

    >>> kopecks_of(Decimal("512.31")), kopecks_of(Decimal("1E+3")), kopecks_of(Decimal("0.005"))
    (51231, 100000, 1)
    """
    return int(price.scaleb(2, MONEY).to_integral_value(rounding, MONEY))


def number_kopecks(value: Decimal | int | float) -> tuple[int | None, str | None]:
    """A price given as a number, not as text (a shop connector's ``Decimal``, a JSON number):
    (kopecks, None), or (None, the reason), by :func:`read_kopecks`' rule: to the kopeck, half
    up; zero then, a negative price or more than ``MAX_KOPECKS`` is no price, nor is NaN or an
    infinity. A float is read by its shortest text, the digits a JSON answer sent (``512.305``
    is 512.31, where its binary value, 512.30499..., rounded down). A number has one spelling,
    so ``1e3`` is 1000.00 here, where a price file's text ``1e3`` is no price.

    >>> number_kopecks(Decimal("512.305")), number_kopecks(1e3), number_kopecks(99)
    ((51231, None), (100000, None), (9900, None))
    >>> number_kopecks(Decimal("0.004")), number_kopecks(1e30), number_kopecks(Decimal("-1"))
    ((None, "zero price '0.004'"), (None, "price too large '1e+30'"), (None, "negative price '-1'"))
    """
    if isinstance(value, int) and value.bit_length() > 200:
        # (not quoted, nor made a Decimal: Python refuses either of an int past 4300 digits)
        return None, "negative price" if value < 0 else (
            f"price too large: more than {MAX_KOPECKS // 100}.{MAX_KOPECKS % 100}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return None, f"bad price '{value}'"[:80]
    # (quoted as a Decimal writes it: 1E-9 stays short, where a fixed form could run to
    # thousands of digits; cut as a message is)
    said = (repr(value) if isinstance(value, float) else str(number))[:60]
    if number.is_signed() and number:
        return None, f"negative price '{said}'"
    if number.adjusted() >= _INTEGER_DIGITS:  # (before quantize: its digits would overflow)
        return None, f"price too large '{said}'"
    kop = int(number.quantize(_KOPECK, rounding=ROUND_HALF_UP, context=MONEY).scaleb(2, MONEY))
    if kop <= 0:
        return None, f"zero price '{said}'"
    if kop > MAX_KOPECKS:
        return None, f"price too large '{said}'"
    return kop, None
