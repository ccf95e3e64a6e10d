"""The offers table schema (ARCHITECTURE.md, "The offers table") and the rejected-rows schema.

Fields are declared with Arrow's default nullability so that any reader comparing schemas with
``pa.schema([...])`` sees them equal; only ``quantity``, ``delivery_hours_max`` and
``restrictions`` ever hold nulls.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["OFFERS_SCHEMA", "REJECTED_SCHEMA"]

OFFERS_SCHEMA = pa.schema([
    ("supplier", pa.string()),
    ("brand", pa.string()),
    ("brand_raw", pa.string()),
    ("article_key", pa.string()),
    ("article", pa.string()),
    ("part_hash", pa.uint64()),
    ("description", pa.string()),
    ("price", pa.decimal128(14, 2)),
    ("quantity", pa.int64()),
    ("quantity_exact", pa.bool_()),
    ("on_order", pa.bool_()),
    ("multiplicity", pa.int32()),
    ("min_quantity", pa.int32()),
    ("delivery_hours", pa.int32()),
    ("delivery_hours_max", pa.int32()),
    ("pickup_points", pa.list_(pa.string())),
    ("min_order_sum", pa.decimal128(14, 2)),
    ("returnable", pa.bool_()),
    ("prepayment", pa.bool_()),
    ("restrictions", pa.string()),
    ("stock_accuracy", pa.float64()),
    ("price_file_time", pa.timestamp("s", tz="UTC")),
    ("line", pa.int64()),
])

#: Rows that did not become offers: where they are, what they said, and why.
REJECTED_SCHEMA = pa.schema([
    ("supplier", pa.string()),
    ("path", pa.string()),
    ("line", pa.int64()),
    ("raw", pa.string()),
    ("reason", pa.string()),
])
