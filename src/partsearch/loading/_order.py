"""A publish's row order: offers by (part hash, line), each column checked on the way.

The search layer merges suppliers' files as runs sorted by part, so a publish reorders the rows.
Most of that is gathering the text columns (~0.1 s per 1M-row string column in a slow hour), so
the columns are gathered on two threads (Arrow's take releases the GIL), and a column holding one
value in every row (the supplier, its pickup points, its terms) is left as it is: any order of
it is itself.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["sorted_by_part"]

_KEYS = ("part_hash", "line")


def sorted_by_part(offers: pa.Table) -> pa.Table:
    """``offers`` ordered by (part_hash, line), each column validated in full first (the
    search's compiled code trusts text offsets and UTF-8); raises ``pa.ArrowInvalid``."""
    offers.validate()
    keys = [offers.column(n) for n in _KEYS]
    for name, key in zip(_KEYS, keys, strict=True):
        key.validate(full=True)  # before the sort reads it; the rest as they are gathered
        if key.null_count:
            raise pa.ArrowInvalid(f"column {name} holds nulls")
    hashes, lines = (np.asarray(k.to_numpy()) for k in keys)
    # a loaded file's rows come in line order: a stable sort by hash alone keeps it
    # (numpy's, ~0.16 s per 1M rows against Arrow's two-key sort's ~0.25 s)
    order = (np.argsort(hashes, kind="stable") if bool(np.all(lines[1:] >= lines[:-1]))
             else np.lexsort((lines, hashes)))
    indices = pa.array(order)

    def gathered(column: pa.ChunkedArray, validated: bool) -> pa.ChunkedArray:
        if not validated:
            column.validate(full=True)
        return column if _constant(column) else column.take(indices)

    with ThreadPoolExecutor(2) as pool:
        columns = list(pool.map(gathered, offers.columns,
                                [name in _KEYS for name in offers.column_names]))
    return pa.Table.from_arrays(columns, schema=offers.schema)


def _constant(column: pa.ChunkedArray | pa.Array) -> bool:
    """Whether every row holds the first row's value (all null counts as one value)."""
    n = len(column)
    if n < 2 or column.null_count == n:
        return True
    if column.null_count:
        return False
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        low, high = pc.min_max(pc.list_value_length(column)).values()
        return low == high and all(_constant(pc.list_element(column, j))
                                   for j in range(low.as_py()))
    first = column[0]
    if column[n // 2] != first or column[n - 1] != first:  # the usual column: at once
        return False
    return bool(pc.all(pc.equal(column, first)).as_py())
