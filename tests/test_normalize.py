from __future__ import annotations

import csv
import unicodedata

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch import NormalizationError, PartsearchError, article_key, article_keys
from partsearch.normalize import display_article


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("W 920/21", "W92021"),
        ("0 986 424 815", "0986424815"),
        ("24.5219-0713.3", "24521907133"),
        ("СU2545", "CU2545"),  # Cyrillic С
        ("ВК820/1", "BK8201"),  # Cyrillic В, К
        ("oc 90", "OC90"),
        ("155093.0", "155093"),
        ("  155093.00 ", "155093"),
        (155093.0, "155093"),
        (155093, "155093"),
        ("06A 115 561 B", "06A115561B"),
        ("A 000 180 26 09", "A0001802609"),
        ("hu 719/7 x", "HU7197X"),
        ("Б-12", "Б12"),  # a Cyrillic letter with no Latin look-alike stays
    ],
)
def test_article_key_documented_forms(raw: object, key: str) -> None:
    assert article_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [("ＷＫ９４０", "WK940"), ("ｗｋ　９４０／１", "WK9401"), ("ＨＵ 719/7 ｘ", "HU7197X"),
     ("Ｗ９２０．０", "W9200")],  # (a full-width point is no spreadsheet's float)
)
def test_full_width_forms_are_their_ascii(raw: str, key: str) -> None:
    """A Japanese or Chinese input method types ＷＫ９４０: it raised "no letters or digits"."""
    assert article_key(raw) == key
    assert article_key(raw, keep_cyrillic=True) == key
    assert article_keys([raw, raw], keep_cyrillic=[False, True]).to_pylist() == [key, key]


@pytest.mark.parametrize(
    ("raw", "key"),
    [("É12", "E12"), ("E\u030112", "E12"), ("Ö12", "O12"), ("Ä-12", "A12"), ("ß12", "SS12"),
     ("Ø12", "O12"), ("Ł12", "L12"), ("ä", "A"), ("①23", "123"), ("W²0", "W20"),
     ("٣٤٥", "345"), ("Ⅷ", "VIII"), ("ﬁ-1", "FI1"), ("Ωω12", "ΩΩ12"), ("中-12", "中12"),
     ("№12", "12"), ("12™", "12"), ("Е\u0308Й", "ЁЙ"), ("И\u0306", "Й")],
)
def test_a_letter_or_digit_never_vanishes(raw: str, key: str) -> None:
    """Ö12 and 12 were one part: accented and other non-ASCII letters and digits were dropped
    (É written as E and a combining accent was kept), ٣٤٥ raised "no letters or digits"."""
    assert article_key(raw) == key
    assert article_keys([raw]).to_pylist() == [key]
    assert article_key(raw, keep_cyrillic=True) == key  # (no look-alike among them)
    assert article_keys([raw], keep_cyrillic=True).to_pylist() == [key]


def test_a_fold_longer_than_its_character_grows_the_kernel_buffer() -> None:
    rows = ["Ⅷ" * 1000, "ab", "ß" * 7, "Ⅷ"]
    assert article_keys(rows).to_pylist() == [article_key(r) for r in rows]


_composable = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0xC0, max_codepoint=0x24F),
    st.characters(min_codepoint=0x400, max_codepoint=0x4FF),
    st.sampled_from("AEIOUNCaeiouncИЕие12 -")), min_size=1, max_size=12)


@given(_composable, st.booleans())
def test_composed_and_decomposed_text_have_one_key(text: str, keep: bool) -> None:
    """É12 in NFD (macOS, some exports) keyed as E12, in NFC as 12."""
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert _scalar_or_none(nfc, keep) == _scalar_or_none(nfd, keep)
    assert article_keys([nfc, nfd], keep_cyrillic=keep).to_pylist() == [
        _scalar_or_none(nfc, keep)] * 2


def test_keep_cyrillic_brand() -> None:
    assert article_key("РК15", keep_cyrillic=True) == "РК15"
    assert article_key("рк15", keep_cyrillic=True) == "РК15"
    assert article_key("РК15") == "PK15"


@pytest.mark.parametrize("raw", ["", "   ", "--/..", "\u00a0", "№", float("nan"), None, True])
def test_empty_or_punctuation_only_is_an_error(raw: object) -> None:
    with pytest.raises(NormalizationError):
        article_key(raw)


def test_display_form_is_kept_beside_the_key() -> None:
    assert display_article("  W 920/21 ") == "W 920/21"
    assert display_article(155093.0) == "155093"


def test_vectorized_nulls_where_scalar_raises() -> None:
    assert article_keys(["W 920/21", "--", None, "oc 90"]).to_pylist() == [
        "W92021", None, None, "OC90"
    ]


def test_vectorized_float_column() -> None:
    assert article_keys(pa.array([155093.0, None, 24.5])).to_pylist() == ["155093", None, "245"]


def test_vectorized_per_row_keep_cyrillic() -> None:
    out = article_keys(["РК15", "РК15"], keep_cyrillic=[True, False]).to_pylist()
    assert out == ["РК15", "PK15"]


def _scalar_or_none(text: object, keep: bool = False) -> str | None:
    try:
        return article_key(text, keep_cyrillic=keep)
    except NormalizationError:
        return None


_white = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0", max_size=3)
# what a spreadsheet writes for a numeric article, with a cell's white space around it
_float_form = st.builds(lambda a, digits, zeros, b: f"{a}{digits}.{zeros}{b}", _white,
                        st.from_regex(r"[0-9]{1,8}", fullmatch=True),
                        st.from_regex(r"0{0,3}[0-9]?", fullmatch=True), _white)
_articles = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from("ABCWXYZ0123456789 ./-АВЕКМНОРСТХУабвгдеёжРКіјѕ\n\t\r"),
            st.sampled_from("\ud800\udc80\udfff"),  # lone surrogates (surrogateescape'd bytes)
            st.characters(min_codepoint=0xFF00, max_codepoint=0xFF65),  # full-width forms
            # accented Latin, combining marks, Й/Ё taken apart, compatibility digits and letters
            st.characters(min_codepoint=0xC0, max_codepoint=0x24F),
            st.characters(min_codepoint=0x300, max_codepoint=0x36F),
            st.sampled_from("И\u0306е\u0308Ё①²٣५ßØŁⅧ№™ﬁΩω中가"),
        ),
        max_size=24,
    ),
    _float_form,
)


@given(_articles, st.booleans())
def test_total_on_any_unicode(text: str, keep: bool) -> None:
    """Any text gives a key of letters and digits, upper-cased, or a PartsearchError; nothing
    else escapes. (A code point past the tables is kept as it is, assigned or not.)"""
    try:
        key = article_key(text, keep_cyrillic=keep)
    except PartsearchError:
        return
    assert key and all(ch.isalnum() or ord(ch) >= 0x30000 for ch in key)
    assert not set(key) & set("abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяё")
    if not keep:
        assert not set(key) & set("АВЕКМНОРСТХУ")


@given(_articles, st.booleans())
def test_idempotent(text: str, keep: bool) -> None:
    key = _scalar_or_none(text, keep)
    if key is not None:
        assert article_key(key, keep_cyrillic=keep) == key


@given(st.lists(st.tuples(_articles, st.booleans()), max_size=30))
def test_vectorized_equals_scalar(rows: list[tuple[str, bool]]) -> None:
    texts = [t for t, _ in rows]
    keeps = [k for _, k in rows]
    expected = [_scalar_or_none(t, k) for t, k in rows]
    assert article_keys(texts, keep_cyrillic=keeps).to_pylist() == expected
    assert article_keys(texts).to_pylist() == [_scalar_or_none(t, False) for t in texts]
    # a loaded column goes to the kernel as it is, a slice of it with its offset (a loaded
    # column is UTF-8: a lone surrogate cannot be in it)
    texts = [t.encode("utf-8", "replace").decode() for t in texts]
    expected = [_scalar_or_none(t, k) for t, k in zip(texts, keeps, strict=True)]
    for kind in (pa.large_string(), pa.string()):
        column = pa.array(["x", *texts], kind).slice(1)
        assert article_keys(column, keep_cyrillic=keeps).to_pylist() == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [("155093.0\n", "155093"), ("1.0\n", "1"), (" 1.0\n", "1"), ("\t155093.0\r\n", "155093"),
     ("1.0\nx", "10X"), ("\u00a01.0", "10")],  # a no-break space is no cell padding
)
def test_float_form_with_white_space_is_the_same_in_both_forms(raw: str, key: str) -> None:
    """The scalar's ``$`` once matched before a final newline (155093) where the kernel kept
    the point's zero (1550930); ASCII white space around the number is a cell's, in both."""
    assert article_key(raw) == key
    assert article_keys([raw]).to_pylist() == [key]
    assert article_keys(pa.array([raw], pa.string())).to_pylist() == [key]


def test_float_column_with_a_non_whole_value_is_vectorized(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """One NaN or 24.5 among millions of whole floats once sent the whole column through the
    scalar form, a Python call per row."""
    import polars as pl

    from partsearch import normalize

    def per_row(value: object) -> str | None:
        raise AssertionError("a Python call per row")

    monkeypatch.setattr(normalize, "_safe_text", per_row)
    column = pl.Series([155093.0, float("nan"), 24.5, None, 1e19, 1.5e-7, float("-inf")])
    assert article_keys(column).to_pylist() == ["155093", None, "245", None, "1E19", "15E07",
                                                None]


_floats = st.one_of(
    st.floats(),
    st.floats(min_value=-1e20, max_value=1e20),
    st.integers(-(2**64), 2**64).map(float),  # whole, around int64's ends
    st.sampled_from([2.0**63, -(2.0**63), 2.0**63 - 1024, 1e16, 1e-4, 9.9999e-5, 0.5, -0.0]),
)


@given(st.lists(st.none() | _floats, max_size=30))
def test_vectorized_float_column_equals_scalar(values: list[float | None]) -> None:
    """A float column (a Parquet cross file's article) keys as the scalar keys each float:
    whole within int64 as the integer, anything else by its repr (1e-05 keys as 1E05)."""
    import polars as pl

    expected = [None if v is None else _scalar_or_none(v) for v in values]
    assert article_keys(pl.Series(values, dtype=pl.Float64)).to_pylist() == expected
    assert article_keys(pa.array(values, pa.float64())).to_pylist() == expected
    assert article_keys(values).to_pylist() == expected
    single = pl.Series(values, dtype=pl.Float64, strict=False).cast(pl.Float32)
    assert article_keys(single).to_pylist() == [
        None if v is None else _scalar_or_none(v) for v in single.to_list()]


@given(st.lists(st.none() | st.booleans() | st.integers() | _floats | _articles | st.binary(),
                max_size=20))
def test_vectorized_list_of_any_values_equals_scalar(values: list[object]) -> None:
    """Anything a list may hold: a value the scalar rejects is null, never an exception."""
    expected = [None if v is None else _scalar_or_none(v) for v in values]
    assert article_keys(values).to_pylist() == expected


def test_typed_columns_the_scalar_rejects_are_null() -> None:
    import polars as pl

    assert article_keys(pl.Series([True, None])).to_pylist() == [None, None]
    assert article_keys(pl.Series(["W 920", "oc 90"], dtype=pl.Categorical)).to_pylist() == [
        "W920", "OC90"]


# The real traps in the MANN spellings: the TecDoc form carries a suffix the shop form lacks.
# "x" marks a MANN variant (HD 1053 x is not HD 1053) and "(10)" a pack of ten; they are
# different parts by key, so the spellings rightly disagree after normalization.
MANN_TRAPS = {"HD 1053 x", "LE 40 001 x", "WK 940/6 x", "WK 940/16 x", "WK 3002 (10)"}


def test_real_mann_spellings_agree(realdata) -> None:  # type: ignore[no-untyped-def]
    path = realdata / "Motorlink+TECDOC-REPO" / "mann_article_number_forms.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) > 1000
    disagree = set()
    for row in rows:
        keys = {article_key(row[c]) for c in ("shop_article_number", "shop_manu_nr",
                                             "td_article_number")}
        if len(keys) != 1:
            disagree.add(row["td_article_number"])
    assert disagree == MANN_TRAPS
    # The vectorized form agrees on the whole real column too.
    column = [r["td_article_number"] for r in rows]
    assert article_keys(column).to_pylist() == [article_key(c) for c in column]


def test_real_oe_display_variants_agree(realdata) -> None:  # type: ignore[no-untyped-def]
    path = realdata / "autonahariya-a11y+tecdoc-data" / "oe_number_display_variants.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows
    for row in rows:
        forms = [f.strip() for f in row["display_forms"].split(" | ")]
        assert {article_key(f) for f in forms} == {row["normalized"]}, row


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=24), st.booleans())
def test_ascii_fast_path_equals_the_table(text: str, keep: bool) -> None:
    """ASCII articles skip the translation table (str.upper); the table is the reference."""
    from partsearch.normalize import _DROP, _FOLD_TRANS, _UPPER_TRANS, _unfloat

    table = _UPPER_TRANS if keep else _FOLD_TRANS
    expected = _DROP.sub("", _unfloat(text).translate(table)) or None
    assert _scalar_or_none(text, keep) == expected


@given(st.text(alphabet="AKPaоРКІЈЅ1 -.", max_size=8))
def test_article_key_forms_are_the_keys_a_brandless_search_looks_under(text: str) -> None:
    """The folded key first, then the Cyrillic-keeping one when it differs (look-alikes like І
    fold to Latin and stay in the Cyrillic form)."""
    from partsearch.normalize import article_key_forms

    try:
        folded = article_key(text)
    except NormalizationError:
        with pytest.raises(NormalizationError):
            article_key_forms(text)
        return
    try:
        kept: tuple[str, ...] = (article_key(text, keep_cyrillic=True),)
    except NormalizationError:
        kept = ()
    assert article_key_forms(text) == tuple(dict.fromkeys((folded, *kept)))
