"""The address table the compiled search reads the catalog state's arrays through."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from partsearch import Engine
from partsearch.search._addresses import Addresses, copy_bytes, view


@njit(cache=False)
def _sum_views(table: np.ndarray) -> tuple[int, int, float]:
    a = view(table, 0, np.int32)
    b = view(table, 1, np.bool_)
    c = view(table, 2, np.float64)
    return int(a.sum()), int(b.sum()), float(c.sum())


def test_views_read_the_arrays_listed() -> None:
    arrays = (np.arange(5, dtype=np.int32), np.array([True, False, True]),
              np.linspace(0.0, 1.0, 3)[1:])  # a view with an offset into its base
    table = Addresses(arrays, (np.int32, np.bool_, np.float64)).table
    assert table.shape == (3, 2) and table[:, 1].tolist() == [5, 3, 2]
    assert _sum_views(table) == (10, 2, 1.5)


@pytest.mark.parametrize("array", [np.arange(4, dtype=np.int64), np.arange(8, dtype=np.int32)[::2],
                                   np.zeros((2, 2), dtype=np.int32)])
def test_a_mismatched_array_is_refused(array: np.ndarray) -> None:
    """Another dtype, a strided view or a matrix would be read as garbage: refused instead."""
    with pytest.raises(TypeError):
        Addresses((array,), (np.int32,))


def test_without_an_address_table_the_general_path_answers(world_catalog: Path) -> None:
    """A snapshot whose arrays the compiled search cannot read (no address table) is still
    searched, by the numpy path, with the same results."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    engine = Engine.open(world_catalog)
    queries = [("W 920/21", "MANN"), ("06A 115 561 B", "VW"), ("OC 90", "KNECHT")]
    compiled = [engine.search(a, brand=b, now=now) for a, b in queries]
    assert engine._state.search_args is not None
    engine._state.__dict__["search_args"] = None  # as _blocks.search_args answers on a mismatch
    general = [engine.search(a, brand=b, now=now) for a, b in queries]
    assert general == compiled and all(r.status == "ok" for r in general)
    assert sum(len(b.offers) for r in general for b in r.blocks) > 10


@njit
def _copy(dst: np.ndarray, at: int, src: Any, start: int, n: int) -> None:
    copy_bytes(dst, at, src, start, n)


@given(st.binary(max_size=64), st.integers(0, 64), st.integers(0, 64), st.integers(0, 64))
def test_copy_bytes_is_a_slice_assignment(data: bytes, at: int, start: int, n: int) -> None:
    """From an array and from bytes alike, at any offsets, any length (0 too)."""
    n = max(0, min(n, len(data) - start, 64 - at))
    for src in (np.frombuffer(data, dtype=np.uint8).copy(), data):
        dst = np.arange(64, dtype=np.uint8)
        expected = dst.copy()
        expected[at:at + n] = np.frombuffer(data, dtype=np.uint8)[start:start + n]
        _copy(dst, at, src, start, n)
        assert dst.tobytes() == expected.tobytes()
