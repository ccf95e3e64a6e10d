"""Russia's working days, as the Labour Code sets them (article 112), for delivery times a price
file writes in working days (``5 раб. дн.``).

Days off: Saturdays, Sundays and the public holidays: January 1-8 (the New Year holidays and
Christmas), February 23, March 8, May 1, May 9, June 12, November 4. A holiday that falls on a
Saturday or Sunday moves the day off to the next working day after it, except the January
ones, which the government moves by a yearly decree; those moves are not known here, so a
delivery counted over such a day may be a day short.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

HOLIDAYS = ((1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
            (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))


@cache
def days_off(year: int) -> frozenset[date]:
    """The public holidays of ``year`` and the weekdays off in their place (weekends aside)."""
    off = {date(year, month, day) for month, day in HOLIDAYS}
    for month, day in HOLIDAYS:
        holiday = date(year, month, day)
        if month > 1 and holiday.weekday() >= 5:
            moved = holiday + timedelta(days=1)
            while moved.weekday() >= 5 or moved in off:
                moved += timedelta(days=1)
            off.add(moved)
    return frozenset(off)


def is_working(day: date) -> bool:
    """Whether ``day`` is a working day."""
    return day.weekday() < 5 and day not in days_off(day.year)


@cache
def busday_calendar(first_year: int, last_year: int) -> Any:
    """numpy's business-day calendar of the years ``first_year`` to ``last_year`` (kept: a
    file's expected and guaranteed times ask for the same, and so do the files of a day)."""
    import numpy as np

    holidays = sorted(d for y in range(first_year, last_year + 1) for d in days_off(y))
    return np.busdaycalendar(weekmask="1111100", holidays=holidays)
