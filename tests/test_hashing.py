from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from partsearch._hashing import article_hash, article_hashes, part_hash, part_hashes


def test_known_values_are_stable() -> None:
    # Pinned: a change here breaks every published snapshot and offers file.
    assert part_hash("MANN-FILTER", "W92021") == 9934901674196423403
    assert article_hash("OC90") == 14866065830560876601


def test_brand_and_article_are_separated() -> None:
    assert part_hash("AB", "C") != part_hash("A", "BC")


@given(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=40))
def test_vectorized_equals_reference(pairs: list[tuple[str, str]]) -> None:
    brands = [b for b, _ in pairs]
    articles = [a for _, a in pairs]
    fast = part_hashes(brands, articles)
    assert fast.dtype == np.uint64
    assert fast.tolist() == [part_hash(b, a) for b, a in pairs]
    assert article_hashes(articles).tolist() == [article_hash(a) for a in articles]


def test_sliced_arrow_arrays() -> None:
    brands = pa.array(["X", "MANN-FILTER", "BOSCH", "Y"], pa.string()).slice(1, 2)
    arts = pa.array(["0", "W92021", "0986424815", "1"], pa.large_string()).slice(1, 2)
    assert part_hashes(brands, arts).tolist() == [
        part_hash("MANN-FILTER", "W92021"), part_hash("BOSCH", "0986424815")
    ]


@functools.cache
def _one_pair() -> Any:
    from numba import njit

    from partsearch._hash_kernels import one_pair

    return njit(lambda b, a: one_pair(b, a))


@given(st.text(max_size=12), st.text(max_size=12))
def test_one_pair_kernel_equals_reference(brand: str, article: str) -> None:
    """The scalar kernel the compiled search hashes its query with."""
    assert int(_one_pair()(brand.encode(), article.encode())) == part_hash(brand, article)
