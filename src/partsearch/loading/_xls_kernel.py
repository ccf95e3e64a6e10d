"""The widest column a legacy XLS's cell records name (``_xls_guard``), in one compiled pass
over a sheet's records: a price sheet holds up to 65,536 rows of records, which a Python loop
would walk in about as long as fastexcel takes to parse them."""

from __future__ import annotations

import numpy as np

from partsearch._jit import njit

__all__ = ["widest_column"]


@njit(cache=True, nogil=True)
def widest_column(stream: np.ndarray, starts: np.ndarray) -> int:
    """The largest column any value cell record names (number, label, boolean or error, RK,
    shared-string label, formula: its column at bytes 2-3; a MulRK's last, at its end), from
    each sheet's first record at ``starts`` to its EOF; -1 when there is none."""
    widest = np.int64(-1)
    n = stream.size
    for start in starts:
        at = start
        while at >= 0 and at + 4 <= n:
            kind = np.int64(stream[at]) | (np.int64(stream[at + 1]) << 8)
            length = np.int64(stream[at + 2]) | (np.int64(stream[at + 3]) << 8)
            body = at + 4
            if kind == 0x000A:
                break
            if body + length > n:
                break
            if length >= 4 and (kind == 0x0203 or kind == 0x0204 or kind == 0x0205
                                or kind == 0x027E or kind == 0x00FD or kind == 0x0006
                                or kind == 0x00BD):
                column = np.int64(stream[body + 2]) | (np.int64(stream[body + 3]) << 8)
                if column > widest:
                    widest = column
                if kind == 0x00BD and length >= 6:
                    last = (np.int64(stream[body + length - 2])
                            | (np.int64(stream[body + length - 1]) << 8))
                    if last > widest:
                        widest = last
            at = body + length
    return int(widest)
