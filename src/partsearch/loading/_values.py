"""Vectorized parsers of price-file values (polars and Arrow, no Python loop per row).

Every parser takes a column of text (an Arrow string array, as the readers give it) and yields
a frame of the parsed value(s) and a ``reason`` (null when the value is good).
:mod:`._values_reference` is the slow scalar form the tests compare against with hypothesis;
keep both in step.

Decisions, and why:

- Prices are kept as integer kopecks (int64) so the decimal128(14, 2) column is exact; more than
  two decimals are rounded half-up to kopecks. One comma or one dot is the decimal separator;
  several of the same are thousands separators; with both, the last one is the decimal separator.
  Thousands separators group by three (``1,234,567``, ``1.234,56``): ``12,34,56`` or
  ``1.250.00`` is a price mistyped, and read as grouped it would be 100 times too high.
- A quantity may group its digits by three with spaces (``1 200``), as prices do.
- ``<5`` becomes 1 inexact: the supplier says "some, fewer than 5", so the lower bound is unknown
  but at least one unit is there. Fewer than one (``<1``, ``<0``, ``≤0``) is none, or a fraction
  of a unit: 0 inexact. More than none (``>0``) is at least one: 1, where ``>10`` stays 10.
- A range ``4-7`` (quantity) or ``3-5`` (delivery) takes the first, smaller number: a quantity is
  a lower bound, and a delivery is the expected (not the guaranteed) time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from partsearch._money import GROUPED_BY_COMMA, GROUPED_BY_DOT, MAX_KOPECKS
from partsearch._quantity import AT_LEAST, AT_MOST, DASH, LESS_THAN, MORE_THAN, QUANTITY_NUMBER
from partsearch._quantity import IN_STOCK as _YES
from partsearch._quantity import NO_STOCK as _NONE
from partsearch._quantity import ON_ORDER as _ON_ORDER

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["MAX_KOPECKS", "parse_delivery", "parse_int_default", "parse_price", "parse_quantity"]

#: delivery dates: day.month.year (a year of two digits is this century's), or ISO; either
#: may carry a time of day, as a spreadsheet's date cell reads ("2026-12-15 00:00:00") or a
#: Russian Excel writes it to CSV ("15.12.2026 0:00:00"); or packed, as Armtek's DLVDT
#: ("20261215", "20261215140000"). Groups: year, month, day, hour, minute, second (named)
_TIME = r"(?:[ T]+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?)?"
DELIVERY_DMY = (r"^(?P<d>[0-9]{1,2})\.(?P<mo>[0-9]{1,2})\.(?P<y>[0-9]{4}|[0-9]{2})"
                rf"{_TIME}$")
DELIVERY_YMD = rf"^(?P<y>[0-9]{{4}})-(?P<mo>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}}){_TIME}$"
DELIVERY_PACKED = (r"^(?P<y>20[0-9]{2})(?P<mo>[0-9]{2})(?P<d>[0-9]{2})"
                   r"(?:(?P<h>[0-9]{2})(?P<mi>[0-9]{2})(?P<s>[0-9]{2})?)?$")
_MAY_BE_DATE = r"^[0-9]{1,4}[.-][0-9]|^20[0-9]{6}"  # (what every date form begins with)
MOSCOW = timedelta(hours=3)  # where delivery dates are read: UTC+3, no summer time since 2014
#: deliveries said in words: in stock or today (0 hours), tomorrow (24), the day after (48)
DELIVERY_NOW = r"^(сегодня|на\s*складе|в\s*наличии|есть)$"
DELIVERY_TOMORROW = r"^завтра$"
DELIVERY_DAY_AFTER = r"^послезавтра$"
#: a delivery's own unit, which wins over its column's; the first letter tells which:
#: working days (р), weeks (н, w), hours (ч, h), days (д, d, с: "сутки")
DELIVERY_UNIT = (
    r"раб\.?\s*(?:дн\.?|дней|дня|день)|рабоч(?:их|ий|его)\s*(?:дней|дня|день)|р\.?\s*д\.?|рд"
    r"|нед\.?|недел[ьияю]|weeks?|w"
    r"|ч\.?|час\.?|часа|часов|h|hours?"
    r"|дн\.?|дней|дня|день|д\.?|days?|d|сут\.?|суток|сутки"
)
#: a number of days, hours or weeks, or a range ``3-5`` / ``от 3 до 5`` of them (the expected
#: time, then the guaranteed), then its unit if any; ``до 5`` / ``в течение 5`` (up to, within)
#: is 5 expected and guaranteed, ``от 3`` (from) 3 expected
DELIVERY_AMOUNT = (rf"^(?:(от|до|в\s*течение)\s*)?([0-9]{{1,6}})(?:[.,]0+)?"
                   rf"(?:\s*(?:{DASH}|до)\s*([0-9]{{1,6}}))?\s*({DELIVERY_UNIT})?$")
#: a dash alone states no time, as an empty cell does (a quantity's dash is none in stock)
DELIVERY_NONE = rf"^{DASH}$"


_CURRENCY = r"(?i)\s*(руб\.?|р\.|р|rub\.?|rur\.?|₽)\s*$"
_SPACES = r"[\s\x{00a0}\x{202f}\x{2009}']"


def _clean(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.strip_chars()


def parse_price(text: pa.Array) -> pl.DataFrame:
    """``kopecks`` (Int64) and ``reason`` of each price text.

    >>> import pyarrow as pa
    >>> parse_price(pa.array(["1 234,50", "0,00", "x"])).rows()
    [(123450, None), (None, "zero price '0,00'"), (None, "bad price 'x'")]
    """
    import numpy as np

    from partsearch._arrow import large_text, string_buffers
    from partsearch.loading._price_kernel import fast_prices

    arr = large_text(text)
    n = len(arr)
    if n == 0:
        return _price_batch(pl.Series(arr, dtype=pl.String)).struct.unnest()
    # the compiled fast path for plain spellings; the rest through _price_batch
    offs, raw = string_buffers(arr)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    kop, ok = fast_prices(offs, raw, valid)
    rest = np.flatnonzero(~ok)
    kopecks = pl.Series("kopecks", kop, dtype=pl.Int64)
    reason = pl.repeat(None, n, dtype=pl.String, eager=True).alias("reason")
    if rest.size:
        slow = _price_batch(pl.Series(arr.take(rest), dtype=pl.String)).struct.unnest()
        kopecks = kopecks.scatter(rest, slow["kopecks"])
        reason = reason.scatter(rest, slow["reason"])
    return pl.DataFrame([kopecks, reason])


def _on_distinct(parse: Any, text: pa.Array) -> pl.DataFrame:
    """``parse`` (a String Series to a struct Series) run once per distinct value of ``text``:
    quantity, delivery and pack columns repeat a few dozen spellings over a million rows, so
    parsing them all is wasted work."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from partsearch._arrow import large_text

    arr = large_text(text)
    encoded = pc.dictionary_encode(arr, null_encoding="encode") if len(arr) >= 4096 else None
    if encoded is None or len(encoded.dictionary) * 2 > len(arr):
        whole: pl.Series = parse(pl.Series(arr, dtype=pl.String))
        return whole.struct.unnest()
    parsed: pl.Series = parse(pl.Series(encoded.dictionary, dtype=pl.String))
    if len(encoded.dictionary) == 1:  # one spelling (a column the file lacks is all null)
        return pl.DataFrame([c.new_from_index(0, len(arr)) for c in parsed.struct.unnest()])
    gathered: pl.DataFrame = parsed.struct.unnest()[encoded.indices.cast(pa.int64()).to_numpy()]
    return gathered


def _price_batch(series: pl.Series) -> pl.Series:
    # Staged columns (not one nested expression): every intermediate is computed once.
    c = pl.col
    df = pl.DataFrame({"raw": series}).with_columns(raw=c("raw").str.strip_chars())
    df = df.with_columns(
        s=c("raw").str.replace(_CURRENCY, "").str.replace_all(_SPACES, ""))
    df = df.with_columns(
        n_comma=c("s").str.count_matches(",", literal=True),
        n_dot=c("s").str.count_matches(".", literal=True),
        last_comma=c("s").str.find(r",[^,]*$"),
        last_dot=c("s").str.find(r"\.[^.]*$"),
    )
    s = c("s")
    # Normalize to digits with at most one "." as the decimal separator.
    df = df.with_columns(norm=(
        pl.when((c("n_comma") > 0) & (c("n_dot") > 0))
        .then(
            pl.when(c("last_comma") > c("last_dot"))
            .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
            .otherwise(s.str.replace_all(",", "", literal=True))
        )
        .when(c("n_comma") == 1).then(s.str.replace(",", ".", literal=True))
        .when(c("n_comma") > 1).then(s.str.replace_all(",", "", literal=True))
        .when(c("n_dot") > 1).then(s.str.replace_all(".", "", literal=True))
        .otherwise(s)
    ))
    # Thousands separators group by three: the digits before the decimal separator when
    # both are there, else all of them (several of one kind are no decimal separator). One
    # pattern for every case (a regex pass each would cost more): a text whose separators it
    # takes the wrong way round keeps a separator too many in "norm", which refuses it.
    df = df.with_columns(grouped=(c("n_comma") + c("n_dot") < 2) | s.str.contains(
        rf"{GROUPED_BY_COMMA}(?:\.|$)|{GROUPED_BY_DOT}(?:,|$)"))
    norm = c("norm")
    df = df.with_columns(
        ok=norm.str.contains(r"^[0-9]+(\.[0-9]*)?$") & c("grouped"),
        # more than 12 digits (leading zeros aside) are past decimal128(14, 2), and past what
        # an int64 of kopecks holds from 17 on
        huge=norm.str.extract(r"^0*([0-9]*)", 1).str.len_chars() > 12,
        int_part=norm.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False),
        frac3=(norm.str.extract(r"\.([0-9]*)$", 1).fill_null("") + pl.lit("000"))
        .str.slice(0, 3).cast(pl.Int64, strict=False),
        negative=norm.str.starts_with("-"),
    )
    # Round half-up on the third decimal.
    df = df.with_columns(kop=c("int_part") * 100 + (c("frac3") + 5) // 10)
    raw, kop = c("raw"), c("kop")
    df = df.with_columns(reason=(
        pl.when(raw.is_null() | (raw == "")).then(pl.lit("empty price"))
        .when(c("negative")).then(pl.format("negative price '{}'", raw))
        .when(~c("ok")).then(pl.format("bad price '{}'", raw))
        .when(c("huge")).then(pl.format("price too large '{}'", raw))
        .when(kop <= 0).then(pl.format("zero price '{}'", raw))
        .when(kop > MAX_KOPECKS).then(pl.format("price too large '{}'", raw))
    ))
    return df.select(pl.struct(
        kopecks=pl.when(c("reason").is_null()).then(kop).otherwise(None).cast(pl.Int64),
        reason=c("reason"),
    )).to_series()


def parse_quantity(text: pa.Array) -> pl.DataFrame:
    """``quantity`` (Int64), ``exact``, ``on_order`` and ``reason`` of each quantity text.

    >>> import pyarrow as pa
    >>> q = pa.array(["12", ">10", "<5", "++", "4-7", "под заказ", "", "??"])
    >>> [r[:3] for r in parse_quantity(q).rows()]
    [(12, True, False), (10, False, False), (1, False, False), (10, False, False), \
(4, False, False), (None, False, True), (None, False, False), (None, False, False)]
    """
    return _on_distinct(_quantity_batch, text)


def _number(s: pl.Expr, pattern: str) -> pl.Expr:
    """The number (Int64) of ``pattern``'s form, from whichever of its groups has it, where
    ``s`` is wholly that form; else null."""
    whole = f"^(?:{pattern})$"
    found = pl.coalesce([s.str.extract(whole, i) for i in range(1, re.compile(whole).groups + 1)])
    return found.str.replace_all(" ", "", literal=True).cast(pl.Int64)


def _quantity_batch(series: pl.Series) -> pl.Series:
    c = pl.col
    df = pl.DataFrame({"raw": series}).with_columns(raw=c("raw").str.strip_chars())
    df = df.with_columns(s=(
        c("raw").str.to_lowercase()
        .str.replace(r"\s*(шт\.?|pcs\.?)$", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    ))
    s = c("s")
    num = f"({QUANTITY_NUMBER})"
    df = df.with_columns(
        exact=pl.when(s.str.contains(_NONE)).then(pl.lit("0"))
        .otherwise(s.str.extract(rf"^{num}(?:[.,]0+)?$", 1).str.replace_all(" ", "", literal=True)),
        # each form's number (see partsearch._quantity: the same patterns, the scalar reading)
        more=_number(s, MORE_THAN), at_least=_number(s, AT_LEAST),
        less=_number(s, LESS_THAN), at_most=_number(s, AT_MOST),
        empty=c("raw").is_null() | (s == ""),
        on_order=s.str.contains(_ON_ORDER).fill_null(False),
        yes=s.str.contains(_YES),
    )
    exact = c("exact")
    df = df.with_columns(qty=(
        pl.when(exact.is_not_null()).then(exact.cast(pl.Int64))
        # the least whole number of units each form says is there: more than 0 is one, fewer
        # than 5 at least one (the lower bound unknown), fewer than 1 none
        .when(c("more").is_not_null()).then(pl.max_horizontal(c("more"), 1))
        .when(c("at_least").is_not_null()).then(c("at_least"))
        .when(c("less").is_not_null()).then((c("less") > 1).cast(pl.Int64))
        .when(c("at_most").is_not_null()).then((c("at_most") > 0).cast(pl.Int64))
        .when(c("yes")).then(pl.lit(1, pl.Int64))
        .when(s == "++").then(pl.lit(10, pl.Int64))
        .when(s == "+++").then(pl.lit(100, pl.Int64))
    ))
    df = df.with_columns(reason=(
        pl.when(c("qty").is_null() & ~c("empty") & ~c("on_order"))
        .then(pl.format("bad quantity '{}'", c("raw")))
    ))
    good = c("reason").is_null()
    return df.select(pl.struct(
        quantity=pl.when(good).then(c("qty")).otherwise(None),
        exact=(exact.is_not_null() & good).fill_null(False),
        on_order=c("on_order"),
        reason=c("reason"),
    )).to_series()


def parse_delivery(text: pa.Array, *, unit_hours: int, default: int | None,
                   file_time: datetime | None = None, what: str = "delivery") -> pl.DataFrame:
    """``hours`` (Int32), ``hours_max`` (the guaranteed time, Int32 or null) and ``reason`` of
    each delivery text: days (``unit_hours=24``) or hours. A range ``3-5`` (``от 3 до 5``) is
    the expected time, then the guaranteed (null when smaller); ``до 5`` (``в течение 5``) is
    5 both, ``от 3`` 3 without a guarantee; empty gives ``default``.
    A unit written in the text wins over the column's: ``2 дн.``, ``36 ч``, ``1 нед.``, and
    working days ``5 раб. дн.`` (counted from the price file's day, weekends and public
    holidays skipped).
    ``сегодня``, ``на складе``, ``в наличии``, ``есть`` are 0 hours; ``завтра``, 24;
    ``послезавтра``, 48.
    A date (``15.12.2026``, ``15.12.26``, ``2026-12-15``: the day the goods arrive) is the
    hours from ``file_time`` (the price file's) to that day's start in Moscow time, 0 when it
    has passed; without ``file_time`` a date is not read. ``what`` names the value in a
    reason.

    >>> import pyarrow as pa
    >>> parse_delivery(pa.array(["3-5", "", "2 дн."]), unit_hours=24, default=48).rows()
    [(72, 120, None), (48, None, None), (48, None, None)]
    """
    return _on_distinct(lambda s: _delivery_batch(
        s, unit_hours=unit_hours, default=default, file_time=file_time, what=what), text)


def _per_distinct(text: pa.Array, build: Any) -> pl.DataFrame:
    """``build(column)`` (a struct expression) evaluated once per distinct value of ``text``."""
    return _on_distinct(
        lambda s: pl.DataFrame({"x": s}).select(build(pl.col("x"))).to_series(), text)


def _delivery_batch(series: pl.Series, *, unit_hours: int, default: int | None,
                    file_time: datetime | None, what: str) -> pl.Series:
    # Staged columns, as in _quantity_batch: one nested expression repeats its shared parts in
    # every branch that uses them, and polars took ~0.1 s to plan one for seven values
    c = pl.col
    df = pl.DataFrame({"raw": series}).with_columns(raw=_clean(c("raw")))
    df = df.with_columns(low=c("raw").str.to_lowercase())
    df = df.with_columns(amount=c("low").str.extract_groups(DELIVERY_AMOUNT))
    amount = c("amount")
    df = df.with_columns(
        first=amount.struct.field("2").cast(pl.Int64),
        # "up to 5": 5 is the guarantee, and the expected time as far as the file tells
        last=pl.when(amount.struct.field("3").is_not_null()).then(amount.struct.field("3"))
        .when(amount.struct.field("1").is_not_null() & ~amount.struct.field("1")
              .str.starts_with("от")).then(amount.struct.field("2")).cast(pl.Int64),
        unit=amount.struct.field("4").str.slice(0, 1),
        # a unit alone, "on order" (its quantity column says so) or a dash states no time
        empty=c("raw").is_null() | (c("raw") == "")
        | c("low").str.contains(f"^(?:{DELIVERY_UNIT})$") | c("low").str.contains(_ON_ORDER)
        | c("low").str.contains(DELIVERY_NONE),
    )
    unit = c("unit")
    df = df.with_columns(
        per=(pl.when(unit.is_null()).then(pl.lit(unit_hours, pl.Int64))
             .when(unit.is_in(["н", "w"])).then(pl.lit(168, pl.Int64))
             .when(unit.is_in(["ч", "h"])).then(pl.lit(1, pl.Int64))
             .otherwise(pl.lit(24, pl.Int64))),
        working=(unit == "р").fill_null(False),
        may_be_date=c("raw").str.contains(_MAY_BE_DATE).fill_null(False),
    )
    # working days and dates are counted from the file's time, and only where a value may be
    # one: each costs its expression's planning (~1-2 ms), and most files hold neither
    working_days = file_time is not None and bool(df.get_column("working").any())
    dates = file_time is not None and bool(df.get_column("may_be_date").any())
    first, last, working = c("first"), c("last"), c("working")
    hours = (pl.when(c("empty")).then(pl.lit(default, pl.Int64))
             .when(first.is_not_null() & ~working).then(first * c("per"))
             .when(c("low").str.contains(DELIVERY_NOW)).then(pl.lit(0, pl.Int64))
             .when(c("low").str.contains(DELIVERY_TOMORROW)).then(pl.lit(24, pl.Int64))
             .when(c("low").str.contains(DELIVERY_DAY_AFTER)).then(pl.lit(48, pl.Int64)))
    longest: pl.Expr = pl.when(~working).then(last * c("per"))
    if working_days:
        assert file_time is not None
        hours = hours.when(first.is_not_null()).then(24 * _working_days(first, file_time))
        longest = pl.when(working).then(24 * _working_days(last, file_time)) \
            .otherwise(last * c("per"))
    if dates:
        assert file_time is not None
        hours = hours.when(first.is_null()).then(_date_hours(c("raw"), file_time))
    df = df.with_columns(hours=hours.otherwise(None), longest=longest)
    value = c("hours")
    df = df.with_columns(reason=pl.when(value.is_null() & ~c("empty") | (value > 2**31 - 1))
                         .then(pl.format(f"bad {what} '{{}}'", c("raw"))))
    good = c("reason").is_null()
    return df.select(pl.struct(
        hours=pl.when(good).then(value).otherwise(None).cast(pl.Int32),
        hours_max=pl.when(good & (c("longest") >= value)).then(c("longest")).otherwise(None)
        .cast(pl.Int32),
        reason=c("reason"),
    )).to_series()


def _working_days(count: pl.Expr, file_time: datetime) -> pl.Expr:
    """Calendar days from the price file's day (in Moscow) to the ``count``-th working day
    after it: weekends and Russia's public holidays skipped (``_calendar``)."""
    import numpy as np

    from partsearch.loading._calendar import busday_calendar

    wall = _moscow_wall_time(file_time)
    day, year = np.datetime64(wall.date(), "D"), wall.year

    def days(counts: pl.Series) -> pl.Series:
        # (DELIVERY_AMOUNT reads at most six digits: 999,999 working days, ~4,000 years)
        n = counts.fill_null(0).clip(0, 10**6).to_numpy()
        # the holidays of every year the counts reach (a year has over 240 working days)
        calendar = busday_calendar(year - 1, year + 2 + int(n.max(initial=0)) // 240)
        # from a day off, count as from the working day before it (Friday, from a Saturday)
        end = np.busday_offset(day, n, roll="backward", busdaycal=calendar)
        found = pl.Series(np.maximum((end - day).astype(np.int64), 0))
        return found.zip_with(counts.is_not_null(), counts)  # (null stays null)

    return count.map_batches(days, return_dtype=pl.Int64)


def _date_hours(raw: pl.Expr, file_time: datetime) -> pl.Expr:
    """Hours from ``file_time`` to the moment, in Moscow time, that the date ``raw`` names (its
    day's start when it has no time; null when it names none, or a day no calendar has); 0
    when that has passed."""
    forms = [raw.str.extract_groups(form) for form in
             (DELIVERY_DMY, DELIVERY_YMD, DELIVERY_PACKED)]

    def field(name: str) -> pl.Expr:
        return pl.coalesce(*(form.struct.field(name) for form in forms))

    year = field("y")
    year = pl.when(year.str.len_chars() == 2).then(pl.lit("20") + year).otherwise(year)
    parts = [field(name).fill_null("0").str.zfill(2) for name in ("h", "mi", "s")]
    moment = (pl.when(year.cast(pl.Int32, strict=False) > 0)  # (no year 0, as Python has none)
              .then(pl.format("{}-{}-{} {}:{}:{}", year, field("mo").str.zfill(2),
                              field("d").str.zfill(2), *parts))
              .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"))
    seconds = (moment - pl.lit(_moscow_wall_time(file_time))).dt.total_seconds()
    return pl.when(seconds > 0).then((seconds + 3599) // 3600).when(seconds.is_not_null()).then(0)


def _moscow_wall_time(moment: datetime) -> datetime:
    """``moment`` as Moscow's wall clock reads it, without a zone (UTC+3 all year since 2014;
    a moment without a zone is taken as UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (utc + MOSCOW).replace(tzinfo=None)


def parse_int_default(text: pa.Array, *, what: str, default: int = 1) -> pl.DataFrame:
    """``value`` (Int32) and ``reason`` for multiplicity / minimum quantity.

    Empty or 0 gives ``default`` (0 would forbid any order); ``2.0`` from spreadsheets is 2.
    """
    return _per_distinct(text, lambda x: _int_expr(x, what=what, default=default))


def _int_expr(expr: pl.Expr, *, what: str, default: int) -> pl.Expr:
    raw = _clean(expr)
    digits = raw.str.to_lowercase().str.replace(r"\s*(шт\.?|pcs\.?)$", "")
    value = digits.str.extract(r"^([0-9]{1,9})(?:[.,]0+)?$", 1).cast(pl.Int64)
    empty = raw.is_null() | (raw == "")
    reason = pl.when(value.is_null() & ~empty).then(pl.format(f"bad {what} '{{}}'", raw))
    out = pl.when(empty | (value == 0)).then(pl.lit(default, pl.Int64)).otherwise(value)
    return pl.struct(
        value=pl.when(reason.is_null()).then(out).otherwise(None).cast(pl.Int32),
        reason=reason,
    )
