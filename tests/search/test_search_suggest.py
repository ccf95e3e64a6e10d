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
from partsearch._hashing import _FNV_OFFSET, _finalize, _fnv
from partsearch.loading._companions import TAIL, PrefixIndex
from partsearch.search._suggest import best_keys, best_keys_at, similar_articles

_ASCII = st.text(alphabet="ABC0123", min_size=1, max_size=64)
_ANY = st.text(alphabet="ABC012ЖБ", min_size=0, max_size=20)  # Cyrillic: two-byte letters


def _index(keys: list[str]) -> PrefixIndex:
    off, data = string_buffers(pa.array(keys, pa.large_string()))
    return PrefixIndex.of(off, data, np.arange(len(keys), dtype=np.int64))


@settings(max_examples=300, deadline=None)
@given(_ASCII, st.lists(_ANY, min_size=1, max_size=30), st.integers(1, 8),
       st.sampled_from([0.0, 70.0]))
def test_best_keys_are_rapidfuzz_best(pattern: str, keys: list[str], k: int,
                                      cutoff: float) -> None:
    """The compiled pass keeps the ``k`` best distinct keys as rapidfuzz scores and the text
    sorts them, whatever the ties and repeats (the alphabet is small: both are common)."""
    index = _index(keys)
    hit, score = best_keys(pattern.encode(), index.off, index.data, 0, len(keys), cutoff, k)
    ratio = {key: fuzz.ratio(pattern, key) for key in keys}
    expected = sorted((key for key, s in ratio.items() if s >= cutoff - 1e-9),
                      key=lambda key: (round(-ratio[key], 9), key))[:k]
    assert index.keys(hit) == expected
    assert score.tolist() == pytest.approx([ratio[key] for key in expected], abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(_ASCII, st.lists(_ANY, min_size=1, max_size=30), st.data())
def test_best_keys_at_rows_are_rapidfuzz_best(pattern: str, keys: list[str],
                                              data: st.DataObject) -> None:
    """The same pass over some keys of the index, in any order, some more than once."""
    rows = data.draw(st.lists(st.integers(0, len(keys) - 1), max_size=40))
    index = _index(keys)
    hit, score = best_keys_at(pattern.encode(), index.off, index.data,
                              np.array(rows, dtype=np.int32), 70.0, 5)
    in_index = index.keys(np.arange(len(keys)))  # (the index's order: by their first bytes)
    ratio = {in_index[r]: fuzz.ratio(pattern, in_index[r]) for r in rows}
    expected = sorted((key for key, s in ratio.items() if s >= 70 - 1e-9),
                      key=lambda key: (round(-ratio[key], 9), key))[:5]
    assert index.keys(hit) == expected
    assert score.tolist() == pytest.approx([ratio[key] for key in expected], abs=1e-9)


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
    # and every key once by the hash of its bytes from the fourth on, ascending
    assert sorted(index.tail_key.tolist()) == list(range(rows.size))
    assert index.tail_hash.tolist() == sorted(index.tail_hash.tolist())
    tails = [_finalize(_fnv(_FNV_OFFSET, k.encode()[TAIL:]))
             for k in index.keys(np.arange(rows.size))]
    assert index.tail_hash.tolist() == [tails[i] for i in index.tail_key.tolist()]


def _reference(engine: Engine, key: str, limit: int = 5) -> list[str]:
    """Every offer's key read, those sharing the first two letters (a zero and an O alike)
    scored by rapidfuzz; when none is close, for an ASCII key of 3 to 64 characters, those
    that differ from it only at the start (:func:`_near_start`)."""
    def start(text: str) -> str:  # a zero and a letter O start a key alike
        return text[:2].replace("O", "0")

    every = {k for s in engine._state.store.segments
             for k in s.table.column("article_key").to_pylist()}

    def best(keys: set[str]) -> list[str]:
        scored = sorted(((-fuzz.ratio(key, k), k) for k in keys if fuzz.ratio(key, k) >= 70),
                        key=lambda sk: (round(sk[0], 9), sk[1]))
        return [k for _, k in scored if k != key][:limit]

    found = best({k for k in every if key[:2] and start(k).startswith(start(key))})
    if found or not key.isascii() or not 3 <= len(key) <= 64:
        return found
    return best({k for k in every if _near_start(k, key)})


def _near_start(k: str, typed: str) -> bool:
    """Whether ``k`` differs from ``typed`` only in its first three characters, one more or
    one fewer among them: its bytes from the fourth on are the typed key's from the third,
    fourth or fifth."""
    return k.encode()[3:] in {typed.encode()[j:] for j in (2, 3, 4)}


def _typos(key: str) -> list[str]:
    swap = key[:-2] + key[-1] + key[-2] if len(key) > 3 else key
    # and at the start: the first wrong, the first left out, the first two swapped
    first = ("Q" if key[0] != "Q" else "X") + key[1:]
    return [t for t in (key[:-1] + ("7" if key[-1] != "7" else "8"), key[:-1], key + "1", swap,
                        first, key[1:], key[1] + key[0] + key[2:] if len(key) > 2 else key) if t]


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


def test_suggestions_among_many_equal_scores(tmp_path: Path) -> None:
    """A typo of a ten-digit number is 70 similar to most keys of its prefix, with a few
    scores among them: each file keeps only its best few, and the answer is still the scan's,
    with a key two brands of one file offer suggested once (and kept once among the best few
    of its file: BETA's keys are all offered twice)."""
    from tests.search.test_search_engine import _catalog

    head = "Бренд;Артикул;Цена;Кол-во;Срок\n"
    alfa = "".join(f"BOSCH;0 451 031 {n:03};10,00;1;1\n" for n in range(0, 300, 2))
    beta = "".join(f"{b};0451032{n:03};10,00;1;1\n" for n in range(0, 300, 3)
                   for b in ("BOSCH", "MAHLE"))
    (tmp_path / "q.csv").write_text(head + beta, encoding="utf-8")
    engine = Engine.open(_catalog(tmp_path, head + alfa, (
        '[BETA]\nfile = "q.csv"\n'
        'columns = { brand = "Бренд", article = "Артикул", price = "Цена", '
        'quantity = "Кол-во", delivery_days = "Срок" }\n')))
    assert len(engine._state.store.segments) == 2
    for typo in ("04510316077", "04510320077", "045103160", "0451031X07", "0451301607",
                 "0451032"):
        got = similar_articles(engine._state.store, typo)
        assert got == _reference(engine, typo) and len(got) == 5, typo
    assert engine.search("0 451 031 6077").suggestions == tuple(
        _reference(engine, "04510316077"))


def test_a_zero_typed_for_the_letter_o(tmp_path: Path) -> None:
    """Buyers type a zero for the letter O (and the other way) at the start of a part number:
    those keys are compared too, scored as rapidfuzz scores them."""
    from tests.search.test_search_engine import _catalog

    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "MAHLE;OC 90;1,00;1;1\nMAHLE;OC 91;1,00;1;1\n"
                                  "BOSCH;0 451 103 316;1,00;1;1\nMANN;W 712/1;1,00;1;1\n"))
    assert engine.search("0C 90").suggestions == ("OC90",)  # (OC91 scores 50)
    assert engine.search("O451103316").suggestions == ("0451103316",)
    assert "0451103316" in engine.search("O451103316", brand="BOSCH").suggestions
    for typo in ("0C90", "0C9", "0C911", "O451103316", "OO451103316", "W0712", "0", "O"):
        assert similar_articles(engine._state.store, typo) == _reference(engine, typo), typo


def test_a_zero_for_an_o_after_a_cyrillic_letter(tmp_path: Path) -> None:
    """A Cyrillic letter is a bucket of its own two bytes: the second letter, a zero or an O,
    is checked against both in one read of it (rapidfuzz's path)."""
    from tests.search.test_search_engine import _catalog

    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "ЗМЗ;РO-152;1,00;1;1\nЗМЗ;Р0-153;1,00;1;1\n"
                                  "ЗМЗ;РК-152;1,00;1;1\n"))  # (a Latin O, a zero)
    # all three score 80; РК152 starts otherwise, and the ties go by the text ("0" < "O")
    assert similar_articles(engine._state.store, "Р0152") == ["Р0153", "РO152"] \
        == _reference(engine, "Р0152")


def test_a_typo_at_the_start(tmp_path: Path) -> None:
    """A key whose start is mistyped (its first character wrong, left out, one too many, the
    first two swapped) is suggested when no key of the typed start is close; one of the typed
    start that is close enough is suggested alone (the keys that differ only at the start are
    looked up by their tails only when the buyer would get nothing)."""
    from tests.search.test_search_engine import _catalog

    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "MANN;W 920/21;1,00;1;1\nMANN;C 3083/1;1,00;1;1\n"
                                  "BOSCH;0 451 103 316;1,00;1;1\nKNECHT;OC 90;1,00;1;1\n"))
    for typed, wanted in (("Q 920/21", "W92021"), ("W 290/21", "W92021"),
                          ("9W 20/21", "W92021"), ("3083/1", "C30831"), ("XC 3083/1", "C30831"),
                          ("4 051 103 316", "0451103316"), ("C 90", "OC90")):
        assert engine.search(typed).suggestions == (wanted,), typed
        key = typed.replace(" ", "").replace("/", "")
        assert similar_articles(engine._state.store, key) == _reference(engine, key), typed
    # a start mistyped and another character too: two typos, nothing suggested
    assert engine.search("Q 451 103 317").suggestions == ()
    assert _reference(engine, "Q451103317") == []
    (tmp_path / "q.csv").write_text("Бренд;Артикул;Цена\nFEBI;Q 920/22;1,00\n", "utf-8")
    from partsearch.loading import load_suppliers

    (tmp_path / "q.toml").write_text('[Q]\nfile = "q.csv"\ncolumns = { brand = "Бренд", '
                                     'article = "Артикул", price = "Цена" }\n', "utf-8")
    load_suppliers(tmp_path / "q.toml", tmp_path / "cat")
    engine.reload()
    assert engine.search("Q 920/21").suggestions == ("Q92022",)
