"""Article normalization: the match form (``article_key``) of a part number.

A key keeps the letters and digits of an article, upper-cased, and nothing else. Letters are
upper-cased by an explicit table rather than ``str.upper``: Python and polars ship different
Unicode versions, and the scalar and vectorized forms must agree on every input. Cyrillic letters
that look Latin are folded to Latin (suppliers type ``СU2545`` with a Cyrillic С) unless the brand
writes real Cyrillic articles (``РК15``), which the brand registry says. Any other letter or digit
is folded to its base as NFKD writes it, accents dropped (``Ö12`` is ``O12`` however it is
composed, ``①`` is ``1``, ``٣`` is ``3``), or kept upper-cased when it has none (``Ω``, ``中``): a
letter never vanishes, or ``Ö12`` and ``12`` would be one part.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from partsearch._inputs import is_column, shown
from partsearch.errors import NormalizationError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["article_key", "article_key_forms", "article_keys", "display_article"]

# The version of the rules that turn an article and a brand into a part's keys: article_key
# (here and in _normalize_kernels.py), brand_key (brands.py and the shipped data/brands.toml)
# and part_hash (_hashing.py). Bump it whenever any of them changes a key: a catalog's cross
# snapshot and offers are stamped with it (_stamp.py), and one keyed by other rules is told at
# open, where its parts whose keys changed are found by their number no more.
# 1: an unknown brand folded for case, accents, dashes and spaces beside punctuation.
KEY_RULES = 1

_LATIN_LOWER = "abcdefghijklmnopqrstuvwxyz"
# U+FF01..U+FF5E: the full-width forms of ASCII ! .. ~, each 0xFEE0 above its ASCII character
_FULL_WIDTH_FIRST, _FULL_WIDTH_LAST, _FULL_WIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0
_CYR_LOWER = "абвгдежзийклмнопрстуфхцчшщъыьэюяё"
_CYR_UPPER = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁ"
# Cyrillic (upper and lower) letters whose glyph is a Latin capital, and the Latin they fold to.
_LOOKALIKES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    "а": "A", "в": "B", "е": "E", "к": "K", "м": "M", "н": "H", "о": "O", "р": "P",
    "с": "C", "т": "T", "х": "X", "у": "Y", "і": "I", "ј": "J", "ѕ": "S",
}  # fmt: skip


def _case_map() -> dict[str, str]:
    table = {lo: lo.upper() for lo in _LATIN_LOWER}
    table.update(zip(_CYR_LOWER, _CYR_UPPER, strict=True))
    # Full-width letters and digits (ＷＫ９４０, typed with a Japanese or Chinese input method)
    # are their ASCII forms, as NFKC makes them; the kernel maps the same block.
    for code in range(_FULL_WIDTH_FIRST, _FULL_WIDTH_LAST + 1):
        ascii_form = chr(code - _FULL_WIDTH_OFFSET)
        if ascii_form.isalnum():
            table[chr(code)] = ascii_form.upper()
    return table


_UPPER: dict[str, str] = _case_map()
_FOLD: dict[str, str] = {**_UPPER, **_LOOKALIKES}
_DROP = re.compile("[^0-9A-ZА-ЯЁ]")
# Latin letters NFKD leaves whole (no accent to take off): their base letters, as German and
# Scandinavian suppliers transliterate them (ß is SS, as upper-casing writes it)
_WHOLE_LATIN = {
    "ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Ħ": "H", "ħ": "H", "ı": "I",
    "Þ": "TH", "þ": "TH", "Ŧ": "T", "ŧ": "T", "Ŋ": "N", "ŋ": "N", "ĸ": "K",
}  # fmt: skip
# Й and Ё are letters of their own, not И and Е with an accent: written as И/Е and a combining
# breve/diaeresis right after, they are composed first (the kernel reads the pair the same way)
_CYR_COMPOSE = re.compile("[Ии]\u0306|[Ее]\u0308")
_COMPOSED = {"И\u0306": "Й", "и\u0306": "й", "Е\u0308": "Ё", "е\u0308": "ё"}
# Code points from here on are no table's: the kernel keeps them as they are up to the tags and
# private planes (CJK ideographs of planes 3 on; nothing there decomposes) and drops those.
_TABLE_END, _KEPT_END = 0x30000, 0xE0000
# The kernel's first tables end here (Latin, Greek, Cyrillic, ..., the Indic scripts: 40 ms to
# make); all of them (0.6 s) are made only for a column with a character past it, not full-width.
_FIRST_END = 0x3000
_KEY_LETTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _CYR_UPPER)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# what _DROP removes from upper-cased ASCII, for bytes.translate (a third of the regex's time)
_ASCII_DROP = bytes(b for b in range(128) if not (48 <= b <= 57 or 65 <= b <= 90))
# A spreadsheet turned the numeric article 155093 into 155093.0. The whole text must be that
# (fullmatch: ``$`` would also match before a final newline); ASCII white space around it is a
# cell's, not the article's (the kernel strips the same bytes).
_FLOAT = re.compile(r"[ \t\n\v\f\r]*([0-9]+)\.0+[ \t\n\v\f\r]*")
# A float is an integer the spreadsheet wrote when it is whole and fits an int64, as a column of
# them does; beyond that its digits are the binary value's, not a supplier's: it keeps repr.
_INT_FLOAT_LIMIT = 2.0**63
_UPPER_TRANS = str.maketrans(_UPPER)
_FOLD_TRANS = str.maketrans(_FOLD)
# the tables as the non-ASCII path uses them: ASCII that is no letter or digit deleted too, so
# what is left outside the usual alphabet after them is a character for _fold_char
_ASCII_GONE = {chr(b): None for b in _ASCII_DROP}
_UPPER_KNOWN = str.maketrans({**_ASCII_GONE, **_UPPER})
_FOLD_KNOWN = str.maketrans({**_ASCII_GONE, **_FOLD})


def _fold_once(ch: str, table: dict[str, str]) -> str:
    if ch in table:
        return table[ch]
    if ch in _WHOLE_LATIN:
        return _WHOLE_LATIN[ch]
    if not ch.isalnum():  # a space, punctuation, a combining mark, a surrogate, unassigned
        return ""
    digit = unicodedata.decimal(ch, None)  # ٣, ३: any script's decimal digit is its ASCII one
    if digit is not None:
        return str(digit)
    return "".join(c for c in unicodedata.normalize("NFKD", ch.upper()) if c.isalnum())


def _char_key(ch: str, keep_cyrillic: bool) -> str:
    """The key characters of one character (the scalar reference the kernel's tables are built
    from): its table entry; nothing for a space, punctuation, a symbol or a mark; else each
    character of its NFKD form folded, upper-cased, accents and other marks dropped, until
    nothing changes (``ǰ`` upper-cases to ``J`` and a caron)."""
    table = _UPPER if keep_cyrillic else _FOLD
    if ch in table:
        return table[ch]
    if ch in _KEY_LETTERS:  # (Й and Ё too, which NFKD would take apart)
        return ch
    if ord(ch) >= _TABLE_END:
        return ch if ord(ch) < _KEPT_END else ""
    if not ch.isalnum() and ch not in _WHOLE_LATIN:
        return ""  # a symbol is no letter whatever NFKD makes of it (№ is no NO, ™ no TM)
    if unicodedata.is_normalized("NFKD", ch):  # most of Unicode: one character to fold
        key = _fold_once(ch, table)
        if key == ch or not key:
            return key
    else:
        key = "".join(_fold_once(c, table) for c in unicodedata.normalize("NFKD", ch))
    for _ in range(4):  # (twice is the most any character of Unicode 15 takes)
        again = "".join(_fold_once(c, table) for c in key)
        if again == key:
            break
        key = again
    return key


def _char_keys(end: int) -> tuple[list[str], list[str]]:
    """:func:`_char_key` of every code point below ``end``, folded and kept: the kernel's
    tables. The two differ only where the kept key has a Cyrillic letter (the slower half is
    worked out only there)."""
    kept = ["" if 0xD800 <= cp < 0xE000 else _char_key(chr(cp), True) for cp in range(end)]
    folded = [_char_key(chr(cp), False) if key and _CYRILLIC.search(key) else key
              for cp, key in enumerate(kept)]
    return folded, kept


# a text's characters repeat: each is worked out once (the kernel's tables, all at once, call
# _char_key itself)
_fold_char = lru_cache(maxsize=8192)(_char_key)


def _fold_other(text: str, keep_cyrillic: bool) -> str:
    """The key of a text with a character beyond ASCII, Cyrillic and full-width forms."""
    text = _CYR_COMPOSE.sub(lambda m: _COMPOSED[m.group()], text)
    return "".join(_fold_char(ch, keep_cyrillic) for ch in text)


def _as_text(article: object) -> str:
    if isinstance(article, bool):
        raise NormalizationError(f"not an article: {shown(article)}")
    if isinstance(article, int):
        return str(article)
    if isinstance(article, float):
        if article != article or article in (float("inf"), float("-inf")):
            raise NormalizationError(f"not an article: {shown(article)}")
        if article.is_integer() and abs(article) < _INT_FLOAT_LIMIT:
            return str(int(article))
        return repr(article)
    if isinstance(article, str):
        return article
    raise NormalizationError(f"not an article: {shown(article)}")


def _unfloat(text: str) -> str:
    # a match and a group, not _FLOAT.sub: sub parses its template on every call (1 us a search)
    m = _FLOAT.fullmatch(text)
    return m.group(1) if m else text


def display_article(article: object) -> str:
    """The display form of an article: as written, trimmed, with a spreadsheet's ``.0`` undone.

    >>> display_article("  W 920/21 ")
    'W 920/21'
    >>> display_article(155093.0)
    '155093'
    """
    return _unfloat(_as_text(article)).strip()


def article_key(article: object, *, keep_cyrillic: bool = False) -> str:
    """Return the match form of a part number.

    Upper-cases, drops spaces and punctuation, folds Cyrillic look-alikes into Latin (unless
    ``keep_cyrillic``), folds other letters and digits to their NFKD base (``Ö`` is ``O``, ``①``
    is ``1``) and undoes a spreadsheet's ``.0``. Raises :class:`NormalizationError` when nothing
    is left.

    >>> article_key("W 920/21")
    'W92021'
    >>> article_key("ВК820/1")  # Cyrillic В and К
    'BK8201'
    >>> article_key("РК15", keep_cyrillic=True)
    'РК15'
    >>> article_key("Ö-12"), article_key("W²0"), article_key("ß12")
    ('O12', 'W20', 'SS12')
    """
    # a str without a point (what a search types) is its own text: no type checks, no regex
    text = article if type(article) is str and "." not in article else \
        _unfloat(_as_text(article))
    # ASCII text folds by upper-casing alone (str.upper agrees with the table on ASCII)
    if text.isascii():
        key = text.upper().encode().translate(None, _ASCII_DROP).decode()
    else:
        key = text.translate(_UPPER_KNOWN if keep_cyrillic else _FOLD_KNOWN)
        if _DROP.search(key):  # an accented letter, a mark, a space beyond ASCII: the rare case
            key = _fold_other(text, keep_cyrillic)
    if not key:
        raise NormalizationError(f"article {shown(text)} has no letters or digits")
    return key


def article_key_forms(article: str) -> tuple[str, ...]:
    """The keys an article typed without its brand may be filed under: its folded key, then,
    when it differs, the key a maker that writes real Cyrillic articles files it under.
    Raises :class:`NormalizationError` as :func:`article_key` does.

    >>> article_key_forms("РК-15"), article_key_forms("OC 90"), article_key_forms("І")
    (('PK15', 'РК15'), ('OC90',), ('I', 'І'))
    """
    key = article_key(article)
    # (a spreadsheet's number is its digits, as article_key reads it: 5 raised AttributeError)
    return _key_forms(article, key) if isinstance(article, str) else (key,)


def _key_forms(article: str, folded: str) -> tuple[str, ...]:
    """:func:`article_key_forms`, given the folded key a caller has made already (a search
    has it): the package's own use, a normalization less per search without a brand."""
    if article.isascii():  # (keeping Cyrillic changes nothing else)
        return (folded,)
    try:
        kept = article_key(article, keep_cyrillic=True)
    except NormalizationError:  # (cannot be: a folded letter is a kept one's)
        return (folded,)
    return (folded,) if kept == folded else (folded, kept)


def article_keys(values: Any, *, keep_cyrillic: Any = False) -> pa.Array:
    """Vectorized :func:`article_key` over an Arrow array, polars Series or any iterable of str.

    Returns a ``pa.large_string`` array; where the scalar form would raise, the result is null.
    ``keep_cyrillic`` is a bool for all rows or a boolean array/Series per row.

    >>> article_keys(["W 920/21", "--", "oc 90"]).to_pylist()
    ['W92021', None, 'OC90']

    One article (text, bytes, a number, None) raises :class:`NormalizationError`: a text was
    keyed character by character, bytes byte by byte (``b"AB"`` as ``['65', '66']``).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from partsearch import _normalize_kernels as kern
    from partsearch._arrow import string_buffers

    one_value(values, "article_keys", "article_key")
    if isinstance(values, pa.Array) and (pa.types.is_large_string(values.type)
                                         or pa.types.is_string(values.type)):
        # a loaded column, as is (through polars and back would copy it twice)
        text = values.cast(pa.large_string())
    else:
        text = _to_text_series(values).to_arrow().cast(pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    if isinstance(keep_cyrillic, bool):
        keep = np.full(n, keep_cyrillic, dtype=np.bool_)
    else:
        keep = _to_bool_series(keep_cyrillic, n).to_numpy().astype(np.bool_)
    valid = text.is_valid().to_numpy(zero_copy_only=False)
    offs, raw = string_buffers(text)
    end, room = _FIRST_END, max(len(raw), 1)
    while True:
        out_off, out_data, out_valid, status = kern.normalize(
            offs, raw, valid, keep, *_tables(end), end, _TABLE_END, _KEPT_END, room)
        if status == kern.DONE:
            break
        if status == kern.MORE_TABLES:  # a character past the first tables: the whole of them
            end = _TABLE_END
        else:  # folds longer than their characters (Ⅷ is VIII): rare, and this says how rare
            room *= 2
    keys = pa.LargeStringArray.from_buffers(n, pa.py_buffer(out_off), pa.py_buffer(out_data))
    if out_valid.all():
        return keys
    return pc.if_else(pa.array(out_valid), keys, pa.scalar(None, pa.large_string()))


def one_value(values: object, name: str, scalar: str) -> None:
    """Raise :class:`NormalizationError` unless ``values`` is a column (an iterable other than
    text or bytes) for the vectorized ``name``, pointing at its ``scalar`` form."""
    if not is_column(values):
        raise NormalizationError(f"{name} keys a column (a list, an Arrow array, a polars "
                                 f"Series), not one value {shown(values)}: use {scalar} for "
                                 f"one, or pass [{scalar.split('_')[0]}]")


# (folded: ASCII, start, data; kept: the same)
_Tables = tuple[Any, Any, Any, Any, Any, Any]
_TABLES: dict[int, _Tables] = {}


def _tables(end: int) -> _Tables:
    """Kernel lookup tables of the code points below ``end``, built once from the scalar form's
    own :func:`_char_key`."""
    if end not in _TABLES:
        from partsearch import _normalize_kernels as kern

        folded, kept = _char_keys(end)
        _TABLES[end] = (*kern.tables(folded), *kern.tables(kept))
    return _TABLES[end]


def _to_text_series(values: Any) -> Any:
    """Bring any column of articles to a polars String Series, floats rendered like the scalar."""
    import polars as pl
    import pyarrow as pa

    if isinstance(values, pl.Series):
        series = values
    elif isinstance(values, pa.ChunkedArray | pa.Array):
        series = pl.Series(values=values)
    else:
        items = list(values) if isinstance(values, Iterable) else [values]
        return pl.Series(values=[_safe_text(v) for v in items], dtype=pl.String)
    if series.dtype == pl.String:
        return series
    if series.dtype.is_float():
        return _float_text(series)
    if series.dtype.is_integer() or isinstance(series.dtype, pl.Categorical | pl.Enum):
        return series.cast(pl.String)
    if series.dtype == pl.Object:  # Python objects already: the scalar's rules, one by one
        return pl.Series(values=[_safe_text(v) for v in series.to_list()], dtype=pl.String)
    # what the scalar form rejects (bool, dates, decimals, lists, ...) is null, as it is there
    return pl.repeat(None, len(series), dtype=pl.String, eager=True)


def _float_text(series: Any) -> Any:
    """A float column as text with the scalar's keys, without a Python loop per row: a NaN or a
    24.5 among millions of whole floats would make one.

    A whole float within int64 is its integer. Any other finite float is what polars writes:
    the shortest round-trip digits, as ``repr``'s (both are shortest and nearest). Where
    ``repr`` switches to an exponent (below 1e-4, from 1e16) and polars may not, the exponent
    is part of the key (``repr(1e-05)`` is ``'1e-05'``, key ``1E05``; polars writes
    ``0.00001``): those rows alone are laid out again by Python's rule.
    """
    import polars as pl

    x = pl.col("x")
    finite = x.is_finite()
    whole = finite & (x == x.floor()) & (x.abs() < _INT_FLOAT_LIMIT)
    frame = pl.DataFrame({"x": series.cast(pl.Float64)})
    as_int = x.cast(pl.Int64, strict=False).cast(pl.String)
    if frame.select((finite & ~whole).any()).item() is not True:  # the common case
        return frame.select(pl.when(whole).then(as_int)).to_series()
    text = frame.select(pl.when(whole).then(as_int).when(finite).then(x.cast(pl.String)))
    exponent = finite & ~whole & ((x.abs() < 1e-4) | (x.abs() >= 1e16))
    rows = frame.select(exponent.arg_true()).to_series()
    if rows.is_empty():
        return text.to_series()
    return text.to_series().scatter(rows, frame[rows].select(_repr_key(x)).to_series())


def _repr_key(x: Any) -> Any:
    """The key characters of ``repr`` of a finite float that ``repr`` writes with an exponent,
    from polars' text of it, whatever its layout: the significant digits, ``E``, the exponent
    (two digits at least). Signs and points never reach a key."""
    import polars as pl

    # written: [-]I[.F][e[+-]E], the digits I+F with the point after I, times 10**E
    parts = x.cast(pl.String).str.extract_groups(r"^-?([0-9]+)(?:\.([0-9]*))?(?:e([+-]?[0-9]+))?$")
    digits = pl.concat_str(parts.struct[0], parts.struct[1].fill_null(""))
    lead = digits.str.len_chars() - digits.str.strip_chars_start("0").str.len_chars()
    exp10 = (parts.struct[0].str.len_chars().cast(pl.Int64) - 1 - lead
             + parts.struct[2].cast(pl.Int64).fill_null(0))
    return pl.concat_str(digits.str.strip_chars("0"), pl.lit("E"),
                         exp10.abs().cast(pl.String).str.zfill(2))


def _safe_text(value: object) -> str | None:
    if value is None:
        return None
    try:
        text = _as_text(value)
    except NormalizationError:
        return None
    # Lone surrogates cannot enter Arrow; they are never key characters, so '?' is equivalent.
    return text.encode("utf-8", "replace").decode("utf-8")


def _to_bool_series(values: Any, n: int) -> Any:
    import polars as pl

    series = values if isinstance(values, pl.Series) else pl.Series(values=values)
    if len(series) != n:
        raise ValueError(f"keep_cyrillic has {len(series)} rows, articles have {n}")
    return series.cast(pl.Boolean).fill_null(False)


def _large_string() -> pa.DataType:
    import pyarrow as pa

    return pa.large_string()
