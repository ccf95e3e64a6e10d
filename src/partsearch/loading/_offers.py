"""Turn the string rows of a price file into the offers table (and the rejected rows).

Everything is columnar: the value parsers are polars expressions, brands are resolved once per
distinct spelling, articles and hashes go through the numba kernels. The supplier's terms are
broadcast with Arrow (``pa.repeat`` and buffer tricks), never a Python list of n items.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

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


def _unfloat(article: pl.Expr) -> pl.Expr:
    """Spreadsheets show 155093 as "155093.0": the integer the supplier wrote. Only an
    article with a dot can be one, and the regex costs a third less when it runs on those
    alone (a regex replace copies every string it is given)."""
    import polars as pl

    return pl.when(article.str.contains(".", literal=True)) \
        .then(article.str.replace(r"^([0-9]+)\.0+$", "${1}")).otherwise(article)


def _kopecks(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def build_offers(profile: SupplierProfile, rows: RawRows, registry: BrandRegistry,
                 file_time: datetime) -> tuple[pa.Table, pa.Table]:
    """(offers, rejected) of one source file; every good row is in exactly one of them."""
    import polars as pl

    from partsearch.brands import brand_keys, keep_cyrillic_flags
    from partsearch.loading import _values as v
    from partsearch.normalize import article_keys

    n = len(rows.line)
    frame = pl.DataFrame({f: pl.from_arrow(a) for f, a in rows.columns.items()}, height=n) \
        if rows.columns else pl.DataFrame(height=n)

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in rows.columns else pl.lit(None, pl.String)

    brand_raw = pl.lit(profile.brand) if profile.brand else col("brand").str.strip_chars()
    if "delivery_hours" in rows.columns:
        delivery = v.parse_delivery(col("delivery_hours"), unit_hours=1,
                                    default=profile.delivery_hours)
    else:
        delivery = v.parse_delivery(col("delivery_days"), unit_hours=24,
                                    default=profile.delivery_hours)
    # Lazy, so that common subexpressions (each parser reuses its cleaned text) run once.
    parsed = frame.lazy().select(
        brand_raw=brand_raw.cast(pl.String).fill_null(""),
        article=_unfloat(col("article").str.strip_chars()).fill_null(""),
        description=col("description").str.strip_chars().fill_null(""),
        price=v.parse_price(col("price")),
        qty=v.parse_quantity(col("quantity")),
        delivery=delivery,
        mult=v.parse_int_default(col("multiplicity"), what="multiplicity"),
        minq=v.parse_int_default(col("min_quantity"), what="min_quantity"),
    ).unnest("price", "qty", "delivery", "mult", "minq", separator="_").collect()

    # each text column leaves polars once (a conversion copies it)
    brand_raw, article = (parsed.get_column(c).to_arrow() for c in ("brand_raw", "article"))
    brands = brand_keys(brand_raw, registry)
    keep = keep_cyrillic_flags(brands, registry)
    arts = article_keys(article, keep_cyrillic=keep)
    checks = pl.DataFrame({"ak": pl.from_arrow(arts), "bk": pl.from_arrow(brands)}, height=n)
    reason = pl.concat([checks, parsed], how="horizontal").select(
        v.first_reason(
            pl.when(pl.col("ak").is_null()).then(pl.format("empty article '{}'",
                                                           pl.col("article"))),
            pl.when(pl.col("bk").is_null()).then(pl.lit("empty brand")),
            pl.col("price_reason"), pl.col("qty_reason"), pl.col("delivery_reason"),
            pl.col("mult_reason"), pl.col("minq_reason"),
        ).alias("reason")
    ).get_column("reason")
    bad_mask = reason.is_not_null().to_numpy()
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
        s(good.get_column("description").to_arrow()),
        decimal_from_kopecks(good.get_column("price_kopecks").to_numpy()),
        good.get_column("qty_quantity").to_arrow().cast(pa.int64()),
        good.get_column("qty_exact").to_arrow().cast(pa.bool_()),
        good.get_column("qty_on_order").to_arrow().cast(pa.bool_()),
        good.get_column("mult_value").to_arrow().cast(pa.int32()),
        good.get_column("minq_value").to_arrow().cast(pa.int32()),
        good.get_column("delivery_hours").to_arrow().cast(pa.int32()),
        points,
        decimal_from_kopecks(np.full(m, _kopecks(profile.min_order_sum), np.int64)),
        pa.repeat(pa.scalar(profile.returnable), m),
        pa.repeat(pa.scalar(profile.prepayment), m),
        pa.repeat(pa.scalar(profile.restrictions, pa.string()), m),
        pa.repeat(pa.scalar(float(profile.stock_accuracy)), m),
        pa.repeat(pa.scalar(file_time, pa.timestamp("s", tz="UTC")), m),
        pa.array(rows.line[good_idx], pa.int64()),
    ], schema=OFFERS_SCHEMA)

    k = len(bad_idx) + len(rows.bad_line)
    rejected = pa.Table.from_arrays([
        pa.repeat(pa.scalar(profile.code, pa.string()), k),
        pa.repeat(pa.scalar(rows.path, pa.string()), k),
        pa.array(np.concatenate([rows.bad_line, rows.line[bad_idx]]).astype(np.int64)),
        pa.concat_arrays([rows.bad_raw.cast(pa.large_string()),
                          rows.raw_for(bad_idx)]).cast(pa.string()),
        pa.concat_arrays([rows.bad_reason.cast(pa.large_string()),
                          reason.to_arrow().cast(pa.large_string()).take(
                              pa.array(bad_idx, pa.int64()))]).cast(pa.string()),
    ], schema=REJECTED_SCHEMA)
    return offers, rejected
