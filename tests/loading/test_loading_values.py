"""Value parsers: the documented examples, and vectorized == scalar reference (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from partsearch.loading import _values as v
from partsearch.loading import _values_reference as ref


def _run(parse: Any, values: list[str | None], **kwargs: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = parse(pa.array(values, pa.large_string()), **kwargs).rows()
    return rows


PRICES = [
    ("1 234,50", 123450), ("1\u00a0298,00", 129800), ("1.234,56", 123456),
    ("12,345.67", 1234567), ("850 руб.", 85000), ("99.9", 9990), ("1343,68", 134368),
    ("160992", 16099200), ("0.005", 1), ("1,234,567", 123456700), ("1.234.567,89", 123456789),
    ("1 234 567,89", 123456789), ("1,234,567.5", 123456750), ("12.345", 1235),
    ("0000000000000100", 10000), ("999999999999,99", 99999999999999),
    # the rouble as README lists it: руб, р., ₽, RUB, RUR
    ("1 234,50 ₽", 123450), ("99 RUR", 9900), ("12 р.", 1200), ("7,5 rub", 750),
]


@pytest.mark.parametrize(("text", "kopecks"), PRICES)
def test_price_examples(text: str, kopecks: int) -> None:
    assert _run(v.parse_price, [text]) == [(kopecks, None)]
    # the scalar reading too (the online connectors' and the profiles'): the random draws
    # seldom write a zero-padded price past 12 digits, or an example's other forms
    assert ref.price(text) == (kopecks, None)


@pytest.mark.parametrize(("text", "reason"), [
    ("0,00", "zero price '0,00'"), ("-5", "negative price '-5'"), ("abc", "bad price 'abc'"),
    ("", "empty price"), (None, "empty price"),
    # more than 12 digits before the decimal separator (leading zeros aside) is what it says
    ("1234567890123,00", "price too large '1234567890123,00'"),
    ("1000000000000", "price too large"), ("9" * 5000, "price too large"),
    ("999999999999.995", "price too large"), ("1 000 000 000 000 руб.", "price too large"),
    # thousands grouped otherwise than by three: mistyped, and 100 times too high as read
    ("12,34,56", "bad price '12,34,56'"), ("1,250,00", "bad price"), ("1.250.00", "bad price"),
    ("1,2,3", "bad price"), ("1.23.456,00", "bad price"), ("1,234,56.00", "bad price"),
    ("1234,567.00", "bad price"), ("-1,2,3", "negative price"),
])
def test_price_rejects(text: str | None, reason: str) -> None:
    ((kop, why),) = _run(v.parse_price, [text])
    assert kop is None and why is not None and why.startswith(reason)
    assert ref.price(text) == (kop, why)


QUANTITIES = [
    ("12", 12, True, False), (">10", 10, False, False), ("10+", 10, False, False),
    ("больше 100", 100, False, False), ("20>", 20, False, False), ("<5", 1, False, False),
    ("10 шт", 10, True, False), ("есть", 1, False, False), ("+", 1, False, False),
    ("++", 10, False, False), ("+++", 100, False, False), ("4-7", 4, False, False),
    ("под заказ", None, False, True), ("заказ", None, False, True), ("", None, False, False),
    (None, None, False, False), ("3.0", 3, True, False), ("1 200", 1200, True, False),
    ("1\u00a0200 шт", 1200, True, False), ("12 500 000", 12500000, True, False),
    (">1 000", 1000, False, False), ("больше 2\u202f000", 2000, False, False),
    ("1 000-2000", 1000, False, False), ("<1 000", 1, False, False),
    ("много", 1, False, False), ("Достаточно", 1, False, False), ("мало", 1, False, False),
    ("0", 0, True, False),
    ("нет", 0, True, False), ("Нет в наличии", 0, True, False), ("отсутствует", 0, True, False),
    ("-", 0, True, False), ("—", 0, True, False), ("≥10", 10, False, False),
    ("≥ 1 000", 1000, False, False), ("≤5", 1, False, False),
    # a range's dash as Word or Excel autocorrects it
    ("5–10", 5, False, False), ("5 — 10", 5, False, False),
    # more than none is some; fewer than one, or at most none, is none; at least none says none
    (">0", 1, False, False), ("больше 0", 1, False, False), ("0>", 1, False, False),
    ("> 00", 1, False, False), ("<1", 0, False, False), ("<0", 0, False, False),
    ("меньше 1", 0, False, False), ("≤0", 0, False, False), ("<= 0", 0, False, False),
    ("до 0", 0, False, False), ("<2", 1, False, False), ("до 1", 1, False, False),
    ("0+", 0, False, False), ("≥0", 0, False, False), ("0-5", 0, False, False),
    # the longest quantity in groups of three: 15 digits, as written plain (16 are refused)
    ("123 456 789 012 345", 123456789012345, True, False),
    ("больше 100 000 000 000 000", 100000000000000, False, False),
]


@pytest.mark.parametrize(("text", "qty", "exact", "on_order"), QUANTITIES)
def test_quantity_examples(text: str | None, qty: int | None, exact: bool, on_order: bool) -> None:
    assert _run(v.parse_quantity, [text]) == [(qty, exact, on_order, None)]
    # the scalar reading too (an online supplier's availability): "≤0" read 1 there unseen
    assert ref.quantity(text) == (qty, exact, on_order, None)


@pytest.mark.parametrize("text", ["звоните", "10 20", "1 2000", "1 000 000 000 000 000", "--"])
def test_quantity_garbage_is_rejected(text: str) -> None:
    """Digits grouped otherwise than by three, or past 15 of them, are not a quantity."""
    assert _run(v.parse_quantity, [text]) == [(None, False, False, f"bad quantity '{text}'")]


def test_delivery() -> None:
    rows = _run(v.parse_delivery, ["3", "3-5", "", None, "2 дн.", "soon", "5-3", "3 - 3"],
                unit_hours=24, default=48)
    assert rows == [(72, None, None), (72, 120, None), (48, None, None), (48, None, None),
                    (48, None, None), (None, None, "bad delivery 'soon'"),
                    (120, None, None),  # a guarantee shorter than the expected time is none
                    (72, 72, None)]
    assert _run(v.parse_delivery, ["36"], unit_hours=1, default=1) == [(36, None, None)]
    words = ["Сегодня", "на складе", "В наличии", "есть", "завтра", "послезавтра", "вчера"]
    assert _run(v.parse_delivery, words, unit_hours=24, default=7) == [
        (0, None, None), (0, None, None), (0, None, None), (0, None, None), (24, None, None),
        (48, None, None), (None, None, "bad delivery 'вчера'")]
    # the guaranteed time's own column: empty is no guarantee, and its reason names it
    assert _run(v.parse_delivery, ["", "7", "x"], unit_hours=24, default=None,
                what="delivery_max") == [(None, None, None), (168, None, None),
                                         (None, None, "bad delivery_max 'x'")]


def test_a_range_takes_any_dash_and_a_dash_alone_states_no_time() -> None:
    texts = ["2-3", "2–3", "2—3 дня", "-", "–", " — ", "--"]
    assert _run(v.parse_delivery, texts, unit_hours=24, default=7) == [
        (48, 72, None), (48, 72, None), (48, 72, None),
        (7, None, None), (7, None, None), (7, None, None),  # as an empty cell: the default
        (None, None, "bad delivery '--'")]


def test_up_to_and_from_a_number_of_days() -> None:
    texts = ["до 5 дней", "в течение 2 дней", "от 3 дней", "от 2 до 5 дней", "3 до 5"]
    assert _run(v.parse_delivery, texts, unit_hours=24, default=7) == [
        (120, 120, None),  # up to 5: as far as the file tells, 5 expected, 5 guaranteed
        (48, 48, None), (72, None, None), (48, 120, None), (72, 120, None)]


def test_a_delivery_unit_written_in_the_text_wins_over_the_column() -> None:
    texts = ["2 дн.", "2-3 дня", "36 ч", "36 часов", "1 нед.", "2 недели", "48", "дн.",
             "2 суток"]
    assert _run(v.parse_delivery, texts, unit_hours=1, default=5) == [
        (48, None, None), (48, 72, None), (36, None, None), (36, None, None),
        (168, None, None), (336, None, None), (48, None, None), (5, None, None),
        (48, None, None)]
    assert _run(v.parse_delivery, texts, unit_hours=24, default=5) == [
        (48, None, None), (48, 72, None), (36, None, None), (36, None, None),
        (168, None, None), (336, None, None), (1152, None, None), (5, None, None),
        (48, None, None)]


def test_working_days_skip_the_weekend_from_the_price_files_day() -> None:
    texts = ["1 раб. дн.", "3-5 рабочих дней", "5 р.д.", "0 раб.дн."]
    friday = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
    assert _run(v.parse_delivery, texts, unit_hours=24, default=7, file_time=friday) == [
        # Monday; Wednesday to Friday; Friday; now
        (72, None, None), (120, 168, None), (168, None, None), (0, None, None)]
    saturday_in_moscow = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # 01:00 Saturday
    assert _run(v.parse_delivery, texts[:1], unit_hours=24, default=7,
                file_time=saturday_in_moscow) == [(48, None, None)]
    # without the file's day, working days cannot be counted
    assert _run(v.parse_delivery, texts[:1], unit_hours=24, default=7) == [
        (None, None, "bad delivery '1 раб. дн.'")]


def test_delivery_on_order_states_no_time() -> None:
    """"под заказ" in a delivery column says the part is ordered, not when it comes: the
    profile's delivery time, as for an empty cell (the quantity column says it is on order)."""
    texts = ["под заказ", "Под  заказ", "на заказ", "заказ 5"]
    assert _run(v.parse_delivery, texts, unit_hours=24, default=72) == [
        (72, None, None), (72, None, None), (72, None, None),
        (None, None, "bad delivery 'заказ 5'")]
    assert [ref.delivery(t, unit_hours=24, default=72) for t in texts] == _run(
        v.parse_delivery, texts, unit_hours=24, default=72)


def test_working_days_skip_russias_public_holidays() -> None:
    texts = ["5 раб. дн.", "1 раб. дн."]
    # Wednesday 30 December: 31 December, then 11-14 January (1-8 January are holidays)
    assert _run(v.parse_delivery, texts, unit_hours=24, default=7,
                file_time=datetime(2026, 12, 30, 9, 0, tzinfo=UTC)) == [
        (15 * 24, None, None), (24, None, None)]
    # a count that reaches years ahead meets every year's holidays on the way
    far = ["2026 раб. дн.", "999999 раб. дн."]
    file_time = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert _run(v.parse_delivery, far, unit_hours=24, default=7, file_time=file_time) == [
        ref.delivery(x, unit_hours=24, default=7, file_time=file_time) for x in far]
    # Friday 6 March 2026: 8 March falls on a Sunday, so Monday the 9th is off
    assert _run(v.parse_delivery, texts[1:], unit_hours=24, default=7,
                file_time=datetime(2026, 3, 6, 9, 0, tzinfo=UTC)) == [(96, None, None)]


def test_days_off_follow_the_labour_code() -> None:
    from datetime import date

    from partsearch.loading._calendar import days_off, is_working

    off = days_off(2026)
    assert {date(2026, 1, d) for d in range(1, 9)} <= off
    assert {date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11),
            date(2026, 6, 12), date(2026, 11, 4)} <= off  # 8 March and 9 May are Sundays
    assert not is_working(date(2026, 3, 9)) and is_working(date(2026, 3, 10))
    # a January holiday on a weekend moves by decree, not by the law's rule: not known here
    assert is_working(date(2026, 1, 9)) and date(2027, 6, 14) in days_off(2027)


def test_delivery_dates_count_from_the_price_file_to_the_day_in_moscow() -> None:
    file_time = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    rows = _run(v.parse_delivery, ["15.12.2026", "05.12.26", "2026-12-04", "01.12.2026",
                                   "31.02.2026", "15.12.2026 д.", "2026-12-15 00:00:00",
                                   "15.12.2026 0:00:00", "2026-12-15 14:00:00",
                                   "03.12.2026 12:30", "20261215", "20261203140000",
                                   "15.12.2026 24:00", "20261301"],
                unit_hours=24, default=48, file_time=file_time)
    assert rows == [(278, None, None), (38, None, None), (14, None, None), (0, None, None),
                    (None, None, "bad delivery '31.02.2026'"),
                    (None, None, "bad delivery '15.12.2026 д.'"),
                    # a spreadsheet's date cell, and Russian Excel's date in a CSV: midnight
                    (278, None, None), (278, None, None),
                    # a time of day: hours to it, begun hours counted whole
                    (292, None, None), (3, None, None),
                    # packed, as Armtek's DLVDT: a day, then a day and a time
                    (278, None, None), (4, None, None),
                    (None, None, "bad delivery '15.12.2026 24:00'"),
                    (None, None, "bad delivery '20261301'")]
    # without the file's time a date is not read
    assert _run(v.parse_delivery, ["15.12.2026"], unit_hours=24, default=48) == [
        (None, None, "bad delivery '15.12.2026'")]


def test_int_default() -> None:
    rows = _run(v.parse_int_default, ["4", "", "0", "2.0", "x"], what="multiplicity")
    assert rows == [(4, None), (1, None), (1, None), (2, None),
                    (None, "bad multiplicity 'x'")]


# Realistic alphabet: digits, separators, signs, currency words, Cyrillic and spaces.
_ALPHABET = st.sampled_from([*"0123456789 ,.-+<>'\u00a0\u202f", "000", "2026", "12.", "-0",
    "руб.", "р.", "шт", "есть", "под заказ", "больше", "от", "дн.", "ч", "a", "Б", "сегодня",
    "завтра", "на складе", "послезавтра", "раб. дн.", "р.д.", "нед.", "часов", "нет", "много",
    "—", "–", "до ", "от ", "в течение ", "≥", "≤", "9999999", "0000000", "меньше ", "свыше ",
    "<=", ">="])
_TEXT = st.one_of(st.none(), st.lists(_ALPHABET, max_size=8).map("".join))


_FILE_TIME = datetime(2026, 12, 3, 7, 0, 0, 250000, tzinfo=UTC)


@given(st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=2, max_size=5),
       st.sampled_from([",", "."]), st.sampled_from(["", "5", "50", "505"]), st.booleans())
def test_thousands_are_grouped_by_three(groups: list[str], sep: str, frac: str,
                                        with_decimal: bool) -> None:
    """Several separators read as thousands only where every group after the first has three
    digits; else the price is refused, never read 10 or 100 times off."""
    assume(len(groups) > 2 or with_decimal)  # (one separator alone is the decimal one)
    frac = frac if with_decimal else ""
    decimal = ("." if sep == "," else ",") + frac if with_decimal else ""
    text = sep.join(groups) + decimal
    ((kop, why),) = _run(v.parse_price, [text])
    assert (kop, why) == ref.price(text)
    whole = "".join(groups)
    value = int(whole) * 100 + (int((frac + "000")[:3]) + 5) // 10
    if len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]) \
            and len(whole.lstrip("0")) <= 12 \
            and value > 0:
        assert (kop, why) == (value, None)
    else:
        assert kop is None and why is not None


@given(st.lists(_TEXT, min_size=1, max_size=30))
def test_vectorized_matches_reference(values: list[str | None]) -> None:
    assert _run(v.parse_price, values) == [ref.price(x) for x in values]
    assert _run(v.parse_quantity, values) == [ref.quantity(x) for x in values]
    assert _run(v.parse_delivery, values, unit_hours=24, default=7) == [
        ref.delivery(x, unit_hours=24, default=7) for x in values]
    assert _run(v.parse_delivery, values, unit_hours=1, default=7, file_time=_FILE_TIME) == [
        ref.delivery(x, unit_hours=1, default=7, file_time=_FILE_TIME) for x in values]
    assert _run(v.parse_int_default, values, what="m") == [
        ref.int_default(x, what="m") for x in values]


_YEARS = st.sampled_from([0, 1, 26, 27, 99, 2026, 2028, 2100, 9999])
_TIMES = st.one_of(st.sampled_from(["", " 00:00:00", " 0:00:00", "T00:00", " 00:00:00.000"]),
                   st.tuples(st.integers(0, 25), st.integers(0, 61), st.booleans()).map(
                       lambda t: f" {t[0]}:{t[1]:02d}" + (f":{t[1]:02d}" if t[2] else "")))
_DATES = st.one_of(  # days and months past the calendar's too, and two- and four-digit years
    st.tuples(st.integers(0, 35), st.integers(0, 14), _YEARS, _TIMES).map(
        lambda d: (f"{d[0]:02d}.{d[1]:d}.{d[2]:02d}" if d[2] < 100
                   else f"{d[0]}.{d[1]:02d}.{d[2]}") + d[3]),
    st.tuples(st.sampled_from([0, 1, 2025, 2026, 2028]), st.integers(0, 14),
              st.integers(0, 35), _TIMES).map(lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]}{d[3]}"),
    st.tuples(st.sampled_from([2000, 2026, 2027, 2099]), st.integers(0, 13), st.integers(0, 32),
              st.sampled_from(["", "0000", "1430", "143059", "2500", "99"])).map(
        lambda d: f"{d[0]}{d[1]:02d}{d[2]:02d}{d[3]}"),  # packed, as Armtek's DLVDT
)


_WORKING = st.tuples(st.integers(0, 400), st.sampled_from(["", "-3", "-12", " - 0"]),
                     st.sampled_from(["раб. дн.", "рабочих дня", "р.д.", "рд"])
                     ).map(lambda w: f"{w[0]}{w[1]} {w[2]}")


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_DATES, _WORKING), min_size=1, max_size=20),
       st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
       st.sampled_from([1, 24]))
def test_dates_and_working_days_match_reference(values: list[str], moment: datetime,
                                                unit: int) -> None:
    """Counted from the file's time: both turn on its weekday and hour in Moscow."""
    file_time = moment.replace(tzinfo=UTC)
    assert _run(v.parse_delivery, values, unit_hours=unit, default=7, file_time=file_time) == [
        ref.delivery(x, unit_hours=unit, default=7, file_time=file_time) for x in values]


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, min_size=1, max_size=12), st.integers(0, 2**32 - 1))
def test_distinct_value_path_matches_reference(pool: list[str | None], seed: int) -> None:
    import numpy as np

    # above 4096 rows, repeated spellings are parsed once each and gathered back
    picks = np.random.default_rng(seed).integers(0, len(pool), 5000)
    values = [pool[i] for i in picks]
    assert _run(v.parse_quantity, values) == [ref.quantity(x) for x in values]
    assert _run(v.parse_delivery, values, unit_hours=24, default=7) == [
        ref.delivery(x, unit_hours=24, default=7) for x in values]
    assert _run(v.parse_price, values) == [ref.price(x) for x in values]
