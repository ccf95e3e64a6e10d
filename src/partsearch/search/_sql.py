"""Ad-hoc SQL over an engine's catalog (``Engine.sql``): DuckDB reading the engine's own
memory-mapped columns through Arrow, so nothing is copied into DuckDB.

Relations (see ``README.md``, "Questions in SQL"):

- ``offers``: every current offer, the offers table's columns (``OFFERS_SCHEMA``);
- ``suppliers``: the registered profiles: ``code, name, kind ('file' or 'online'),
  pickup_points, min_order_sum, returnable, prepayment, restrictions, stock_accuracy,
  delivery_hours``;
- ``brands``: the brand registry (the shipped one and the catalog's ``brands.toml``): ``name,
  aliases, oem, keep_cyrillic, description``;
- ``parts``: the cross index's parts: ``part`` (its id), ``brand``, ``article`` (as first
  written), ``class`` (its equivalence class), ``part_hash`` (the join key with
  ``offers.part_hash``);
- ``crosses``: ``part_a, part_b`` (part ids), ``kind``, ``state`` (``accepted``,
  ``held_back`` by the guard, ``blacklisted``), ``support`` (its sources' count),
  ``sources``;
- ``held_back``: the crosses kept out of the classes, with why (the snapshot's
  ``held_back.csv``, through the handle the index opened: ``CrossIndex.held_back_source``):
  ``brand_a, article_a, brand_b, article_b, sources, reason, smaller_side``.

A part's article is text stored per part out of order, which Arrow cannot view as a column:
``parts.article`` is the function ``article(part)``, evaluated on the rows a query keeps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["connect", "refused"]

# (by crosses._guard's ACCEPTED, BRIDGE, BLACKLISTED, PAIR: the guard's two rules held back)
STATES = ("accepted", "held_back", "blacklisted", "held_back")


def connect(state: Any) -> Any:
    """A DuckDB connection with the relations of the module docstring over ``state``."""
    import duckdb
    import pyarrow as pa

    from partsearch.loading import OFFERS_SCHEMA
    from partsearch.loading.load import with_later_columns

    con = duckdb.connect()
    con.sql("set enable_progress_bar = false")  # (a library's caller prints what it wants)
    # (a question names a file on the web: no extension fetched into the user's home for it)
    con.sql("set autoinstall_known_extensions = false")
    # (a file published before a column of today's schema gets it, all null)
    tables = [with_later_columns(s.table) for s in state.store.segments]
    con.register("offers", pa.concat_tables(tables) if tables else OFFERS_SCHEMA.empty_table())
    con.register("suppliers", _suppliers(state.profiles))
    con.register("brands", _brands(state.registry))
    index = state.index
    # (a catalog without crosses: the same relations, empty)
    a = index._a if index is not None else _NO_SNAPSHOT
    brands, kinds, sources = ([], [], []) if index is None else (
        index.brand_names, index.manifest["kinds"], index.manifest["sources"])
    con.register("_parts", pa.table({
        "brand": _named(a["part_brand"], brands),
        "class": _view(a["class_id"]),
        "part_hash": _view(a["part_hash"]),
    }))
    con.register("_crosses", pa.table({
        "part_a": _view(a["edge_a"]),
        "part_b": _view(a["edge_b"]),
        "kind": _named(a["edge_kind"], kinds),
        "state": _named(a["edge_state"], list(STATES)),
        "support": _view(a["edge_support"]),
        "sources": pa.LargeListArray.from_arrays(_view(a["edge_src_off"]),
                                                 _named(a["edge_src"], sources)),
    }))
    arrow: Any = "arrow"  # (DuckDB takes the name; its stubs want its enum, moved in 2.0)
    # (the function holds the index, so the connection, and every relation made on it, keeps
    # the index's open held_back.csv that the view below reads by its descriptor)
    con.create_function("article", _articles(a, index), ["integer"], "varchar", type=arrow)
    # (ids are positions: a positional join with range() numbers the rows without a column)
    con.sql("create view parts as select range::integer as part, brand, article(range::integer) "
            "as article, class, part_hash from range((select count(*) from _parts)) "
            "positional join _parts")
    con.sql("create view crosses as select * from _crosses")
    if index is None:
        con.register("held_back", pa.table({name: pa.array([], pa.string()) for name in (
            "brand_a", "article_a", "brand_b", "article_b", "sources", "reason")}
            | {"smaller_side": pa.array([], pa.int32())}))
        return con
    source = index.held_back_source()
    held = source.replace("'", "''")
    # (as text: an article of digits alone is text, "0 450 905 316" or "0450905316")
    try:
        con.sql(f"create view held_back as select * exclude (smaller_side), "
                f"smaller_side::integer as smaller_side from read_csv('{held}', "
                f"all_varchar = true, header = true)")
    except duckdb.IOException as exc:  # (without /proc: read by its path, garbage-collected)
        raise index._replaced(source) from exc
    return con


#: the words for DuckDB's MULTI statement, a PIVOT that would create a type for its columns
_PIVOT_WITHOUT_IN = ("PIVOT without an IN list (it would create a type first: name the values, "
                    "PIVOT ... ON supplier IN ('A', 'B'))")


def refused(con: Any, query: str) -> str | None:
    """Why ``query`` is not answered, or None for a question: a query without a statement,
    or one whose statements are not all a ``SELECT`` (``WITH``, ``FROM``, ``VALUES``,
    ``DESCRIBE``, ``SUMMARIZE``, ``SHOW``), which reads and writes nothing, as DuckDB's parser
    tells them. A ``COPY ... TO`` overwrote a catalog file and a ``DROP VIEW offers`` changed
    the relations until a reload; ``EXPLAIN`` is refused too (``EXPLAIN ANALYZE`` runs the
    statement it explains), and a ``PIVOT`` without an ``IN`` list, which DuckDB parses as a
    ``CREATE TYPE`` of the values it finds and then the select (its ``MULTI`` kind)."""
    kinds = list(dict.fromkeys(s.type.name for s in con.extract_statements(query)))
    if not kinds:  # (empty, a ";" or a comment alone: DuckDB answers None)
        return "the query holds no statement"
    kinds = [_PIVOT_WITHOUT_IN if kind == "MULTI" else kind for kind in kinds if kind != "SELECT"]
    if not kinds:
        return None
    return (f"only a select is answered, not {', '.join(kinds)}: the catalog and its "
            "relations are read, never changed")


#: a snapshot's arrays that the relations read, empty, for a catalog without crosses
_NO_SNAPSHOT = {name: np.zeros(size, dtype) for name, size, dtype in (
    ("part_brand", 0, np.uint16), ("class_id", 0, np.int32), ("part_hash", 0, np.uint64),
    ("edge_a", 0, np.int32), ("edge_b", 0, np.int32), ("edge_kind", 0, np.uint16),
    ("edge_state", 0, np.uint8), ("edge_support", 0, np.int32), ("edge_src_off", 1, np.int64),
    ("edge_src", 0, np.uint16), ("article_start", 0, np.int64), ("article_len", 0, np.uint32),
    ("article_data", 0, np.uint8))}


def _named(numbers: np.ndarray, names: list[str]) -> Any:
    """A column of name numbers as Arrow's dictionary type over the mapped numbers."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(_view(numbers), pa.array(names, pa.string()))


def _view(values: np.ndarray) -> Any:
    """A mapped array as an Arrow array over the same memory."""
    import pyarrow as pa

    values = np.asarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), values.size,
                                 [None, pa.py_buffer(values)])


def _articles(a: dict[str, np.ndarray], index: Any) -> Any:
    """``article(part)``: the text of each part of a batch, gathered from the snapshot (of
    ``index``, kept alive with the function)."""
    import pyarrow as pa

    # (the index rides along: DuckDB takes the function's parameters as the SQL's, so the
    # function holds it through what it reads)
    held = a["article_start"], a["article_len"], a["article_data"], index

    def article(parts: Any) -> Any:
        start, length, data, _index = held
        ids = parts.to_numpy(zero_copy_only=False).astype(np.int64)
        lengths = np.asarray(length[ids], dtype=np.int64)
        offsets = np.zeros(ids.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # each byte's place in the data: its part's start, then its place within the part
        at = np.repeat(np.asarray(start[ids]) - offsets[:-1], lengths) + np.arange(offsets[-1])
        return pa.LargeStringArray.from_buffers(
            ids.size, pa.py_buffer(offsets), pa.py_buffer(np.asarray(data[at]).tobytes()))

    return article


def _suppliers(profiles: dict[str, Any]) -> Any:
    import pyarrow as pa

    rows = sorted(profiles.values(), key=lambda p: p.code)
    return pa.table({
        "code": [p.code for p in rows], "name": [p.name for p in rows],
        "kind": ["online" if p.is_online else "file" for p in rows],
        "pickup_points": pa.array([list(p.pickup_points) for p in rows],
                                  pa.list_(pa.string())),
        "min_order_sum": pa.array([p.min_order_sum for p in rows], pa.decimal128(14, 2)),
        "returnable": pa.array([p.returnable for p in rows], pa.bool_()),
        "prepayment": pa.array([p.prepayment for p in rows], pa.bool_()),
        "restrictions": pa.array([p.restrictions for p in rows], pa.string()),
        "stock_accuracy": pa.array([p.stock_accuracy for p in rows], pa.float64()),
        "delivery_hours": pa.array([p.delivery_hours for p in rows], pa.int32()),
    })


def _brands(registry: Any) -> Any:
    import pyarrow as pa

    rows = sorted(registry.brands.values(), key=lambda b: b.name)
    return pa.table({
        "name": pa.array([b.name for b in rows], pa.string()),
        "aliases": pa.array([list(b.aliases) for b in rows], pa.list_(pa.string())),
        "oem": pa.array([b.oem for b in rows], pa.bool_()),
        "keep_cyrillic": pa.array([b.keep_cyrillic for b in rows], pa.bool_()),
        "description": pa.array([b.description or "" for b in rows], pa.string()),
    })
