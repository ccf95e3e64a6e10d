"""Turn the string rows of a price file into the offers table (and the rejected rows).

Everything is columnar: the text columns stay Arrow arrays, the value parsers run polars
expressions (over each column's distinct spellings, prices through a compiled fast path),
brands are resolved once per distinct spelling, articles and hashes go through the numba
kernels. The supplier's terms are broadcast with Arrow (``pa.repeat`` and buffer tricks),
never a Python list of n items.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from partsearch._money import kopecks_of
from partsearch.loading._schema import OFFERS_SCHEMA, REJECTED_SCHEMA

if TYPE_CHECKING:
    import polars as pl

    from partsearch.brands import BrandRegistry
    from partsearch.loading._readers import RawRows
    from partsearch.loading.profiles import SupplierProfile

__all__ = ["build_offers", "decimal_from_kopecks"]


def decimal_from_kopecks(kopecks: np.ndarray) -> pa.Array:
    """decimal128(14, 2) from integer kopecks, exactly (no float on the way).

    A decimal128 value is its unscaled integer as 16 little-endian bytes, two's complement.
    """
    low = np.ascontiguousarray(kopecks, dtype=np.int64)
    pairs = np.empty((len(low), 2), dtype=np.int64)
    pairs[:, 0] = low
    pairs[:, 1] = -(low < 0).astype(np.int64)
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(low), [None, pa.py_buffer(pairs)])


def _unfloat(article: pa.Array) -> pa.Array:
    """Spreadsheets show 155093 as "155093.0": the integer the supplier wrote. Only an
    article with a dot can be one, and the regex runs on those alone (a regex replace copies
    every string it is given)."""
    import pyarrow.compute as pc

    dotted = pc.match_substring(article, ".")
    if not pc.any(dotted).as_py():
        return article
    which = np.flatnonzero(dotted.to_numpy(zero_copy_only=False))
    return pc.replace_with_mask(article, dotted, pc.replace_substring_regex(
        article.take(which), r"^([0-9]+)\.0+$", r"\1"))


#: the error values Excel (and LibreOffice) show in a cell, as a spreadsheet's error cell and a
#: CSV exported from one hold them
_EXCEL_ERROR = (r"^#(N/A|DIV/0!|REF!|VALUE!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|"
                r"CONNECT!|BUSY!|UNKNOWN!|GETTING_DATA)$")


def _no_excel_error(keys: pa.Array, raw: pa.Array) -> pa.Array:
    """``keys`` with a null (no key: the row is rejected as without one) where ``raw`` is an
    error value Excel shows; one ``starts_with`` pass when no cell starts with ``#``."""
    import pyarrow.compute as pc

    if not pc.any(pc.starts_with(raw, "#")).as_py():
        return keys
    error = pc.fill_null(pc.match_substring_regex(raw, _EXCEL_ERROR), False)
    return pc.if_else(error, pa.scalar(None, keys.type), keys)


def _reasons(arts: pa.Array, article: pa.Array, brands: pa.Array, parsed: pl.DataFrame
             ) -> pa.Array | None:
    """Why each row is rejected (null for a good row), the first check that fails in order
    of importance; None when every row is good."""
    import polars as pl
    import pyarrow.compute as pc

    checks = [c for c in parsed.columns if c.endswith("_reason")]
    if arts.null_count == brands.null_count == 0 and all(
            parsed.get_column(c).null_count() == len(parsed) for c in checks):
        return None
    no_article = arts.is_null()
    which = np.flatnonzero(no_article.to_numpy(zero_copy_only=False))
    head, tail, sep = (pa.scalar(t, pa.large_string()) for t in ("empty article '", "'", ""))
    empty_article = pc.replace_with_mask(
        pa.nulls(len(arts), pa.large_string()), no_article,
        pc.binary_join_element_wise(head, article.take(which), tail, sep))
    reason = parsed.select(pl.coalesce(
        pl.Series(empty_article, dtype=pl.String),
        pl.when(pl.Series(brands.is_null())).then(pl.lit("empty brand")),
        *checks,
    ))
    return reason.to_series().to_arrow().cast(pa.large_string())


def _delivery(rows: Any, text: Any, profile: SupplierProfile, file_time: datetime
              ) -> pl.DataFrame:
    """``delivery_hours``, ``delivery_hours_max`` (the guaranteed time) and their reasons:
    the expected time from the hours or days column, the guaranteed from its own column when
    the file has one (its largest number), else from a range ``3-5`` in the first."""
    import polars as pl

    from partsearch.loading import _values as v

    unit = 1 if "delivery_hours" in rows.columns else 24
    expected = v.parse_delivery(text("delivery_hours" if unit == 1 else "delivery_days"),
                                unit_hours=unit, default=profile.delivery_hours,
                                file_time=file_time)
    longest = expected.get_column("hours_max")
    reasons = [expected.get_column("reason").alias("delivery_reason")]
    field = next((f for f in ("delivery_hours_max", "delivery_days_max") if f in rows.columns),
                 None)
    if field is not None:
        own = v.parse_delivery(text(field), unit_hours=1 if field == "delivery_hours_max" else 24,
                               default=None, file_time=file_time, what=field)
        longest = own.select(pl.coalesce("hours_max", "hours")).to_series()
        reasons.append(own.get_column("reason").alias("delivery_max_reason"))
    hours = expected.get_column("hours")
    return pl.DataFrame([hours.alias("delivery_hours"), longest.alias("m"), *reasons]).select(
        "delivery_hours",
        # a guarantee shorter than the expected time is none
        pl.when(pl.col("m") >= pl.col("delivery_hours")).then("m").alias("delivery_hours_max"),
        *(r.name for r in reasons))


def build_offers(profile: SupplierProfile, rows: RawRows, registry: BrandRegistry,
                 file_time: datetime) -> tuple[pa.Table, pa.Table]:
    """(offers, rejected) of one source file; every good row is in exactly one of them."""
    import polars as pl
    import pyarrow.compute as pc

    from partsearch.brands import brand_columns
    from partsearch.loading import _values as v
    from partsearch.normalize import article_keys

    n = len(rows.line)

    def text(name: str) -> pa.Array:
        arr = rows.columns.get(name)
        return pa.nulls(n, pa.large_string()) if arr is None else arr

    def trimmed(name: str) -> pa.Array:
        # Arrow's trim is str.strip(); the text columns never enter polars (each conversion
        # of a 1M-row column copies it, ~0.03 s both ways)
        arr = pc.utf8_trim_whitespace(text(name))
        return arr if arr.null_count == 0 else arr.fill_null("")

    brand_raw = pa.repeat(pa.scalar(profile.brand, pa.large_string()), n) if profile.brand \
        else trimmed("brand")
    article = _unfloat(trimmed("article"))
    description = trimmed("description")
    delivery = _delivery(rows, text, profile, file_time)
    parsed = pl.concat([
        v.parse_price(text("price")).rename(lambda c: f"price_{c}"),
        v.parse_quantity(text("quantity")).rename(lambda c: f"qty_{c}"),
        delivery,
        v.parse_int_default(text("multiplicity"), what="multiplicity").rename(
            lambda c: f"mult_{c}"),
        v.parse_int_default(text("min_quantity"), what="min_quantity").rename(
            lambda c: f"minq_{c}"),
    ], how="horizontal")

    brands, keep = brand_columns(brand_raw, registry)
    arts = article_keys(article, keep_cyrillic=keep)
    # an error Excel shows (#N/A of a failed VLOOKUP) is no article nor brand: its key NA made
    # a part, once a spreadsheet's error cells were read as their text
    arts, brands = _no_excel_error(arts, article), _no_excel_error(brands, brand_raw)
    reason = _reasons(arts, article, brands, parsed)
    bad_mask = np.zeros(n, np.bool_) if reason is None else reason.is_valid().to_numpy(
        zero_copy_only=False)
    good_idx = np.flatnonzero(~bad_mask)
    bad_idx = np.flatnonzero(bad_mask)

    m = len(good_idx)
    all_good = m == n  # the usual case: no copy of the parsed columns
    good = parsed if all_good else parsed[good_idx]
    take = pa.array(good_idx, pa.int64())

    def s(arr: pa.Array) -> pa.Array:
        return arr.cast(pa.string())

    bk = brands if all_good else brands.take(take)
    ak = arts if all_good else arts.take(take)
    from partsearch._hashing import part_hashes

    hashes = part_hashes(bk, ak) if m else np.zeros(0, np.uint64)
    n_points = len(profile.pickup_points)
    points = pa.ListArray.from_arrays(
        pa.array(np.arange(m + 1, dtype=np.int32) * n_points),
        pa.array(list(profile.pickup_points), pa.string()).take(
            pa.array(np.tile(np.arange(n_points), m), pa.int64())))
    offers = pa.Table.from_arrays([
        pa.repeat(pa.scalar(profile.code, pa.string()), m),
        s(bk),
        s(brand_raw if all_good else brand_raw.take(take)),
        s(ak),
        s(article if all_good else article.take(take)),
        pa.array(hashes, pa.uint64()),
        s(description if all_good else description.take(take)),
        decimal_from_kopecks(good.get_column("price_kopecks").to_numpy()),
        good.get_column("qty_quantity").to_arrow().cast(pa.int64()),
        good.get_column("qty_exact").to_arrow().cast(pa.bool_()),
        good.get_column("qty_on_order").to_arrow().cast(pa.bool_()),
        good.get_column("mult_value").to_arrow().cast(pa.int32()),
        good.get_column("minq_value").to_arrow().cast(pa.int32()),
        good.get_column("delivery_hours").to_arrow().cast(pa.int32()),
        good.get_column("delivery_hours_max").to_arrow().cast(pa.int32()),
        points,
        decimal_from_kopecks(np.full(m, kopecks_of(profile.min_order_sum), np.int64)),
        pa.repeat(pa.scalar(profile.returnable), m),
        pa.repeat(pa.scalar(profile.prepayment), m),
        pa.repeat(pa.scalar(profile.restrictions, pa.string()), m),
        pa.repeat(pa.scalar(float(profile.stock_accuracy)), m),
        pa.repeat(pa.scalar(file_time, pa.timestamp("s", tz="UTC")), m),
        pa.array(rows.line[good_idx], pa.int64()),
    ], schema=OFFERS_SCHEMA)

    k = len(bad_idx) + len(rows.bad_line)
    lines = np.concatenate([rows.bad_line, rows.line[bad_idx]]).astype(np.int64)
    rejected = pa.Table.from_arrays([
        pa.repeat(pa.scalar(profile.code, pa.string()), k),
        pa.repeat(pa.scalar(rows.path, pa.string()), k),
        pa.array(lines),
        pa.concat_arrays([rows.bad_raw.cast(pa.large_string()),
                          rows.raw_for(bad_idx)]).cast(pa.string()),
        pa.concat_arrays([rows.bad_reason.cast(pa.large_string()),
                          pa.array([], pa.large_string()) if reason is None else
                          reason.take(pa.array(bad_idx, pa.int64()))]).cast(pa.string()),
    ], schema=REJECTED_SCHEMA)
    # in the file's order: the rows that did not split come apart from those whose values
    # were refused, and "the first rejected rows" a load shows are the file's first
    if k > 1 and not np.all(lines[1:] >= lines[:-1]):
        rejected = rejected.take(pa.array(np.argsort(lines, kind="stable")))
    return offers, rejected
