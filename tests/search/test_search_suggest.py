"""Suggestions for an unknown article: the compiled scoring against rapidfuzz, and the
prefix-indexed search against a scan of every offer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from partsearch import Engine
from partsearch._arrow import string_buffers
from partsearch.loading._companions import PrefixIndex
from partsearch.search._suggest import scores, similar_articles

_ASCII = st.text(alphabet="ABC0123", min_size=1, max_size=64)
_ANY = st.text(alphabet="ABC012ЖБ", min_size=0, max_size=20)  # Cyrillic: two-byte letters


def _index(keys: list[str]) -> PrefixIndex:
    off, data = string_buffers(pa.array(keys, pa.large_string()))
    return PrefixIndex.of(off, data, np.arange(len(keys), dtype=np.int64))


@settings(max_examples=300, deadline=None)
@given(_ASCII, st.lists(_ANY, min_size=1, max_size=30))
def test_scores_are_rapidfuzz_ratios(pattern: str, keys: list[str]) -> None:
    index = _index(keys)
    every = index.keys(np.arange(len(keys)))
    hit, score = scores(pattern.encode(), index.off, index.data, 0, len(keys), 0.0)
    assert hit.tolist() == list(range(len(keys)))  # a cutoff of 0 keeps every key
    expected = [fuzz.ratio(pattern, k) for k in every]
    assert score.tolist() == pytest.approx(expected, abs=1e-9)
    cut, _ = scores(pattern.encode(), index.off, index.data, 0, len(keys), 70.0)
    assert cut.tolist() == [i for i, s in enumerate(expected) if s >= 70.0 - 1e-9]


@given(st.lists(_ANY, min_size=0, max_size=40))
def test_prefix_index_groups_keys_by_their_first_two_bytes(keys: list[str]) -> None:
    off, data = string_buffers(pa.array(keys, pa.large_string()))
    rows = np.arange(0, len(keys), 2, dtype=np.int64)  # a subset, ascending as parts() gives
    index = PrefixIndex.of(off, data, rows)

    def code(k: str) -> int:
        head = k.encode() + b"\0\0"
        return head[0] << 8 | head[1]

    seen = 0
    for c in {code(k) for k in keys} | {0, 1 << 15}:
        lo, hi = index.bucket(c)
        assert index.keys(np.arange(lo, hi)) == [keys[r] for r in rows.tolist()
                                                 if code(keys[r]) == c]
        seen += hi - lo
    assert seen == rows.size


def _reference(engine: Engine, key: str, limit: int = 5) -> list[str]:
    """Every offer's key read, those sharing the first two letters scored by rapidfuzz."""
    keys = {k for s in engine._state.store.segments
            for k in s.table.column("article_key").to_pylist()
            if key[:2] and k.startswith(key[:2])}
    scored = sorted(((-fuzz.ratio(key, k), k) for k in keys if fuzz.ratio(key, k) >= 70),
                    key=lambda sk: (round(sk[0], 9), sk[1]))
    return [k for _, k in scored if k != key][:limit]


def _typos(key: str) -> list[str]:
    swap = key[:-2] + key[-1] + key[-2] if len(key) > 3 else key
    return [key[:-1] + ("7" if key[-1] != "7" else "8"), key[:-1], key + "1", swap]


def test_suggestions_match_a_scan_of_every_offer(world_catalog: Path) -> None:
    engine = Engine.open(world_catalog)
    keys = sorted({k for s in engine._state.store.segments
                   for k in s.table.column("article_key").to_pylist()})
    suggested = 0
    for key in keys:
        for typo in _typos(key):
            got = similar_articles(engine._state.store, typo)
            assert got == _reference(engine, typo), typo
            suggested += bool(got)
    assert suggested > len(keys)  # most typos have suggestions: the comparison is not empty


def test_cyrillic_suggestions(tmp_path: Path) -> None:
    from tests.search.test_search_engine import _catalog

    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "ЗМЗ;РК-152;100,00;1;1\nЗМЗ;РК-153;110,00;1;1\n"
                                  "ЗМЗ;РЖ-152;100,00;1;1\nMANN;W 712/1;1,00;1;1\n"))
    got = similar_articles(engine._state.store, "РК159")  # a key as ЗМЗ writes it
    assert got == _reference(engine, "РК159") == ["РК152", "РК153"]  # not РЖ152
    # typed without a brand (its folded key is Latin PK159) or with ЗМЗ, the search suggests
    # them too
    assert engine.search("РК-159").suggestions == ("РК152", "РК153")
    with_brand = engine.search("РК-159", brand="ЗМЗ")
    assert with_brand.status == "not_found" and with_brand.suggestions[-2:] == ("РК152", "РК153")
