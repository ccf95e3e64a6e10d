"""Arrays handed to compiled code as one table of addresses.

A numba call pays for every argument it unboxes (~50-100 ns an array), and the usual search reads
about twenty arrays of the catalog state plus the text buffers of every supplier file. They are
fixed for a state, so the state lists them once as an int64 table of (address, length) rows and
the compiled search views each again with :func:`view`: one argument instead of twenty-odd.

The table does not keep its arrays alive: whoever holds the table holds the arrays too
(:class:`Addresses`), and the catalog state that owns both outlives every search that uses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import types
from numba.core import cgutils
from numba.core.extending import intrinsic
from numba.np.numpy_support import carray

from partsearch._jit import njit


class Addresses:
    """``table``: (address, length) of each array, in order; ``arrays`` keeps them alive.

    Each array must have the dtype the compiled reader expects (``dtypes``): a mismatch would
    be read as garbage, so it is refused here.
    """

    __slots__ = ("arrays", "table")

    def __init__(self, arrays: Sequence[np.ndarray], dtypes: Sequence[Any]):
        if len(arrays) != len(dtypes):
            raise ValueError(f"{len(arrays)} arrays for {len(dtypes)} dtypes")
        for i, (a, dtype) in enumerate(zip(arrays, dtypes, strict=True)):
            if a.dtype != np.dtype(dtype) or a.ndim != 1 or not a.flags.c_contiguous:
                raise TypeError(f"array {i}: {a.dtype}[{a.ndim}d] is not a contiguous "
                                f"{np.dtype(dtype)} vector")
        self.arrays = tuple(arrays)
        self.table = np.array([[a.ctypes.data, a.size] for a in arrays] or np.zeros((0, 2)),
                              dtype=np.int64).reshape(-1, 2)


def _voidptr_typing(typingctx: Any, address: Any) -> Any:
    """An int64 address as a void pointer (for ``carray``)."""
    sig = types.voidptr(types.int64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], context.get_value_type(types.voidptr))

    return sig, codegen


_voidptr: Any = intrinsic(_voidptr_typing)


@njit(cache=True, nogil=True, inline="always")
def view(table: np.ndarray, i: int, dtype: Any) -> np.ndarray:
    """Array ``i`` of an :class:`Addresses` table, as a ``dtype`` vector."""
    return carray(_voidptr(table[i, 0]), table[i, 1], dtype)


@njit(cache=True, nogil=True, inline="always")
def address_view(address: int, n: int, dtype: Any) -> np.ndarray:
    """``n`` items of ``dtype`` from ``address`` (0 with ``n`` 0 is an empty vector)."""
    return carray(_voidptr(address), n, dtype)


def _copy_bytes_typing(typingctx: Any, dst: Any, at: Any, src: Any, start: Any, n: Any) -> Any:
    """``dst[at:at + n] = src[start:start + n]`` for byte vectors, as one memcpy: numba's
    slice assignment builds two array views first, which costs more than the copy itself for
    the short pieces the JSON answer is made of."""
    sig = types.void(dst, at, src, start, n)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        to = context.make_array(signature.args[0])(context, builder, args[0])
        frm = context.make_array(signature.args[2])(context, builder, args[2])
        cgutils.raw_memcpy(builder, builder.gep(to.data, [args[1]]),  # type: ignore[no-untyped-call]
                           builder.gep(frm.data, [args[3]]), args[4], 1)
        return context.get_dummy_value()

    return sig, codegen


copy_bytes: Any = intrinsic(_copy_bytes_typing)
