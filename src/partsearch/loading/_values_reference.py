"""Slow scalar reference of :mod:`._values` (one value at a time, plain Python).

Used by the tests only, to prove with hypothesis that the vectorized parsers agree with this
readable form. Each function returns the same tuple as a row of the vectorized struct.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from partsearch._money import read_kopecks
from partsearch._quantity import ON_ORDER, read_quantity
from partsearch.loading._calendar import is_working
from partsearch.loading._values import (
    DELIVERY_AMOUNT,
    DELIVERY_DAY_AFTER,
    DELIVERY_DMY,
    DELIVERY_NONE,
    DELIVERY_NOW,
    DELIVERY_PACKED,
    DELIVERY_TOMORROW,
    DELIVERY_UNIT,
    DELIVERY_YMD,
    MOSCOW,
)


def _strip(value: str | None) -> str | None:
    # polars strip_chars() strips Unicode whitespace, as str.strip() does (but for
    # U+001C-U+001F, which str.strip() takes too; no test alphabet holds them)
    return None if value is None else value.strip()


def price(value: str | None) -> tuple[int | None, str | None]:
    """(kopecks, reason): :func:`partsearch._money.read_kopecks`, the one scalar reading of a
    price, which the ABCP connector shares."""
    return read_kopecks(value)


def quantity(value: str | None) -> tuple[int | None, bool, bool, str | None]:
    """(quantity, exact, on_order, reason): :func:`partsearch._quantity.read_quantity`, the one
    scalar reading of a quantity, which the ABCP connector shares."""
    return read_quantity(value)


_UNIT_HOURS = {"н": 168, "w": 168, "ч": 1, "h": 1, "д": 24, "d": 24, "с": 24}


def delivery(value: str | None, *, unit_hours: int, default: int | None,
             file_time: datetime | None = None, what: str = "delivery"
             ) -> tuple[int | None, int | None, str | None]:
    """(hours, hours_max, reason)."""
    raw = _strip(value)
    if not raw:
        return default, None, None
    low = raw.lower()
    hours = longest = None
    if m := re.fullmatch(DELIVERY_AMOUNT, low):
        word, first, last, unit = m.groups()
        if last is None and word is not None and not word.startswith("от"):
            last = first  # "up to 5", "within 5" ("from 3" states no guarantee)
        if unit is None or not unit.startswith("р"):
            per = unit_hours if unit is None else _UNIT_HOURS[unit[0]]
            hours = int(first) * per
            longest = None if last is None else int(last) * per
        elif file_time is not None:
            hours = 24 * _working_days(int(first), file_time)
            longest = None if last is None else 24 * _working_days(int(last), file_time)
    elif (re.fullmatch(f"(?:{DELIVERY_UNIT})", low) or re.search(ON_ORDER, low)
          or re.search(DELIVERY_NONE, low)):  # (no time)
        return default, None, None
    elif re.search(DELIVERY_NOW, low):
        hours = 0
    elif re.search(DELIVERY_TOMORROW, low):
        hours = 24
    elif re.search(DELIVERY_DAY_AFTER, low):
        hours = 48
    elif file_time is not None:
        hours = _date_hours(raw, file_time)
    if hours is None or hours > 2**31 - 1:
        return None, None, f"bad {what} '{raw}'"
    return hours, longest if longest is not None and longest >= hours else None, None


def _working_days(count: int, file_time: datetime) -> int:
    """Calendar days from the file's day in Moscow to the ``count``-th working day after it."""
    moment = file_time if file_time.tzinfo is not None else file_time.replace(tzinfo=UTC)
    day = (moment + MOSCOW).date()
    days = 0
    while count > 0:
        day += timedelta(days=1)
        days += 1
        count -= is_working(day)
    return days


def _date_hours(raw: str, file_time: datetime) -> int | None:
    m = (re.fullmatch(DELIVERY_DMY, raw) or re.fullmatch(DELIVERY_YMD, raw)
         or re.fullmatch(DELIVERY_PACKED, raw))
    if m is None:
        return None
    year = m["y"]
    try:
        start = datetime(int(("20" + year) if len(year) == 2 else year), int(m["mo"]),
                         int(m["d"]), int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0),
                         tzinfo=timezone(MOSCOW))
    except ValueError:
        return None
    moment = file_time if file_time.tzinfo is not None else file_time.replace(tzinfo=UTC)
    seconds = int((start - moment).total_seconds())  # (whole seconds, as polars counts them)
    return -(-seconds // 3600) if seconds > 0 else 0


def int_default(value: str | None, *, what: str, default: int = 1) -> tuple[int | None, str | None]:
    """(value, reason) for multiplicity / minimum quantity."""
    raw = _strip(value)
    if not raw:
        return default, None
    s = re.sub(r"\s*(шт\.?|pcs\.?)$", "", raw.lower(), count=1)
    m = re.fullmatch(r"([0-9]{1,9})(?:[.,]0+)?", s)
    if m is None:
        return None, f"bad {what} '{raw}'"
    return (int(m.group(1)) or default), None
