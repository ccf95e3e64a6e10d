"""The same search done by DuckDB and by SQLite: the baselines of the scale benchmark.

Both get the equivalence classes precomputed (a `parts(part_hash, class_id)` table taken from our
union-find), because neither can compute connected components over 200M edges per query; that
makes the baselines *generous*: a search is then "find the part's class, fetch every offer of the
class, rank requested first, then by delivery and price" — two indexed lookups and a sort. Our
engine does more per search (hop counts, support, brand choice, price levels, three blocks).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

_RANK = "ORDER BY requested DESC, o.delivery_hours, o.price, o.supplier"


def _signed(hashes: np.ndarray) -> np.ndarray:
    # SQLite integers are signed 64-bit; the bit pattern is what matters for equality.
    return np.ascontiguousarray(hashes, dtype=np.uint64).view(np.int64)


def offers_columns(offers: pa.Table) -> pa.Table:
    """The offer columns a baseline search reads and returns."""
    price = offers.column("price").cast(pa.float64())
    return pa.table(
        {
            "supplier": offers.column("supplier").cast(pa.string()),
            "part_hash": offers.column("part_hash"),
            "delivery_hours": offers.column("delivery_hours"),
            "price": price,
            "quantity": offers.column("quantity"),
        }
    )


class DuckDBSearch:
    """Tables sorted by their lookup key, so DuckDB's zonemaps prune a point query to a row group."""

    def __init__(self, path: Path, part_hash: np.ndarray, class_id: np.ndarray, offers: pa.Table):
        import duckdb

        path.unlink(missing_ok=True)
        self.con = duckdb.connect(str(path))
        parts = pa.table({"part_hash": pa.array(part_hash, pa.uint64()), "class_id": class_id})
        self.con.register("parts_in", parts)
        self.con.register("offers_in", offers_columns(offers))
        self.con.execute("CREATE TABLE parts AS SELECT * FROM parts_in ORDER BY part_hash")
        self.con.execute(
            "CREATE TABLE parts_by_class AS SELECT * FROM parts_in ORDER BY class_id, part_hash"
        )
        self.con.execute("CREATE TABLE offers AS SELECT * FROM offers_in ORDER BY part_hash")
        self.con.unregister("parts_in")
        self.con.unregister("offers_in")
        self.con.execute("CHECKPOINT")

    def search(self, part_hash: int) -> list[Any]:
        row = self.con.execute(
            "SELECT class_id FROM parts WHERE part_hash = $1", [part_hash]
        ).fetchone()
        if row is None:
            return self.con.execute(
                "SELECT *, true AS requested FROM offers o WHERE o.part_hash = $1 "
                "ORDER BY o.delivery_hours, o.price, o.supplier",
                [part_hash],
            ).fetchall()
        return self.con.execute(
            "SELECT o.*, o.part_hash = $1 AS requested FROM parts_by_class q "
            "JOIN offers o ON o.part_hash = q.part_hash WHERE q.class_id = $2 " + _RANK,
            [part_hash, row[0]],
        ).fetchall()

    def close(self) -> None:
        self.con.close()


class SQLiteSearch:
    """Clustered (WITHOUT ROWID) tables with covering indexes: SQLite at its best for this query."""

    def __init__(self, path: Path, part_hash: np.ndarray, class_id: np.ndarray, offers: pa.Table):
        path.unlink(missing_ok=True)
        self.con = sqlite3.connect(str(path), check_same_thread=False)
        con = self.con
        con.executescript(
            # the index build sorts in temporary files: in memory, beside the engine and the
            # arrays below, it took the 200M run past the machine's 23 GiB
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000000;"
            "PRAGMA mmap_size=30000000000;"
            "CREATE TABLE parts(part_hash INTEGER PRIMARY KEY, class_id INTEGER) WITHOUT ROWID;"
            "CREATE TABLE offers(part_hash INTEGER, row INTEGER, supplier TEXT,"
            " delivery_hours INTEGER, price REAL, quantity INTEGER,"
            " PRIMARY KEY(part_hash, row)) WITHOUT ROWID;"
        )
        signed = _signed(part_hash)
        order = np.argsort(signed, kind="stable")  # insert in the B-tree's (signed) key order
        hashes, classes = signed[order], np.asarray(class_id, dtype=np.int64)[order]
        del signed, order
        step = 1_000_000
        for lo in range(0, hashes.size, step):
            con.executemany(
                "INSERT INTO parts VALUES (?, ?)",
                zip(hashes[lo : lo + step].tolist(), classes[lo : lo + step].tolist(), strict=True),
            )
        del hashes, classes
        con.execute("CREATE INDEX parts_class ON parts(class_id, part_hash)")
        cols = offers_columns(offers)
        oh = _signed(cols.column("part_hash").to_numpy())
        rows = np.arange(oh.size)
        for lo in range(0, oh.size, step):
            hi = lo + step
            con.executemany(
                "INSERT INTO offers VALUES (?, ?, ?, ?, ?, ?)",
                zip(
                    oh[lo:hi].tolist(),
                    rows[lo:hi].tolist(),
                    cols.column("supplier").slice(lo, step).to_pylist(),
                    cols.column("delivery_hours").slice(lo, step).to_pylist(),
                    cols.column("price").slice(lo, step).to_pylist(),
                    cols.column("quantity").slice(lo, step).to_pylist(),
                    strict=True,
                ),
            )
        con.commit()
        con.execute("ANALYZE")

    def search(self, part_hash: int) -> list[Any]:
        h = int(np.array([part_hash], np.uint64).view(np.int64)[0])
        return self.con.execute(
            "SELECT o.*, o.part_hash = ?1 AS requested FROM offers o WHERE o.part_hash IN ("
            " SELECT q.part_hash FROM parts q WHERE q.class_id = "
            "  (SELECT class_id FROM parts WHERE part_hash = ?1)"
            " UNION SELECT ?1) " + _RANK,
            [h],
        ).fetchall()

    def close(self) -> None:
        self.con.close()
