"""A price file's header found among its first rows: the row naming every column a profile
maps by name (case, spacing and a BOM aside), or where data starts when it maps columns by
position; and the errors that say what is missing, where, and how to fix the profile."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from partsearch.errors import PriceFileError

if TYPE_CHECKING:
    from partsearch.loading.profiles import SupplierProfile

__all__ = ["HEAD_LINES", "check_positions", "excerpt", "header_key", "locate", "named_headers",
           "named_twice"]

#: of a file's first rows, those the header is looked for in
HEAD_LINES = 60


def header_key(cell: object) -> str:
    """A header cell as headers are matched: case, spacing and a BOM aside."""
    text = "" if cell is None else str(cell)
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().casefold()


def named_headers(profile: SupplierProfile) -> dict[str, str]:
    return {f: header_key(v) for f, v in profile.columns.items() if isinstance(v, str)}


def _match_header(cells: list[str], profile: SupplierProfile) -> dict[str, int] | None:
    """field -> column index when ``cells`` names every mapped header, else None."""
    names = [header_key(c) for c in cells]
    found: dict[str, int] = {}
    for fld, want in named_headers(profile).items():
        if want not in names:
            return None
        found[fld] = names.index(want)
    for fld, pos in profile.columns.items():
        if isinstance(pos, int):
            found[fld] = pos
    return found


def locate(rows: list[list[str]], profile: SupplierProfile, label: str,
            line_of: list[int]) -> tuple[int | None, dict[str, int]]:
    """(index of the header row or None, field -> column) among the first rows."""
    named = named_headers(profile)
    if not named:  # positional only: no header row, data after skip_rows
        cols = {f: int(v) for f, v in profile.columns.items()}
        skip = profile.skip_rows if profile.skip_rows is not None else _preamble(rows, cols)
        return (skip - 1 if skip else None), cols
    candidates = range(len(rows)) if profile.skip_rows is None else [profile.skip_rows]
    filled = len(rows)  # (up to the last row holding text: a CSV's head ends in "")
    while filled and not any(c.strip() for c in rows[filled - 1]):
        filled -= 1
    if profile.skip_rows is not None and profile.skip_rows >= filled:
        # ("missing column(s) ; closest header: [...]" named every column, found or not)
        raise PriceFileError(
            f"skip_rows = {profile.skip_rows} skips the whole file ({filled} rows)"
            if len(rows) < HEAD_LINES else f"skip_rows = {profile.skip_rows} skips past the "
            f"first {len(rows)} rows, where the header is looked for", path=label)
    for i in candidates:
        if i < len(rows) and (found := _match_header(rows[i], profile)) is not None:
            _refuse_twice(rows[i], profile, label, line_of[i] if line_of else None)
            return i, found
    # Name what is missing against the most similar row, so the error is actionable; of rows
    # naming none, the first with the most cells (a header row, not the title above it).
    best = max(rows, key=lambda r: (len({header_key(c) for c in r} & set(named.values())),
                                    sum(1 for c in r if c.strip())), default=[])
    have = {header_key(c) for c in best}
    missing = [profile.columns[f] for f, v in named.items() if v not in have]
    where = line_of[rows.index(best)] if best in rows and line_of else None
    if not missing and profile.skip_rows is not None:
        # (a row naming every column, but not the one skip_rows points at: "missing column(s)
        # ;" named none)
        at = rows.index(best)
        raise PriceFileError(
            f"skip_rows = {profile.skip_rows} "
            f"{'skips the header' if at < profile.skip_rows else 'stops short of the header'}"
            f" (after {at} row(s)): make skip_rows {at}, or leave it out to find the header",
            path=label, line=where)
    raise PriceFileError(
        f"missing column(s) {', '.join(map(repr, missing))}; "
        f"closest header: [{excerpt([c for c in best if c])}]"
        + "".join(f"; {hint}" for hint in _wrapped_hints(rows, missing)), path=label, line=where)


def _wrapped_hints(rows: list[list[str]], missing: list[Any]) -> list[str]:
    """The remedy where a missing name is the first line of a wrapped header cell: a profile
    `partsearch profile` drafted when a CSV's header was cut at the break (``price =
    "Цена,"`` for ``"Цена,\\nруб."``), which the whole cell, one header, now fails."""
    want = {header_key(name) for name in missing}
    wrapped = dict.fromkeys(c for row in rows for c in row if "\n" in c)
    return [f"the header cell {cell!r} is wrapped: name it {' '.join(cell.split())!r}"
            for cell in wrapped if header_key(cell.split("\n", 1)[0]) in want]


def excerpt(cells: list[str], cell: int = 30, whole: int = 100) -> str:
    """``cells`` for an error, quoted and joined by commas, each cut at ``cell`` characters and
    the whole at about ``whole``: a file whose header is not found may have any text for it (a
    binary file's garbled bytes: kilobytes, stored with the load's report and shown by
    ``info``). The price loader's and the cross reader's missing columns say so."""
    cut = [c if len(c) <= cell else c[:cell - 1] + "…" for c in cells]
    text = ", ".join(map(repr, cut))
    return text if len(text) <= whole else text[:whole - 1] + "…"


def _refuse_twice(cells: list[str], profile: SupplierProfile, label: str,
                  line: int | None) -> None:
    """Raise :class:`PriceFileError` when a header the profile maps names two columns or more
    (wholesale and retail both "Цена"): which one the supplier's price is, the name cannot say.
    A duplicated header no field maps is no matter."""
    for fld, at in named_twice(cells, named_headers(profile)).items():
        ones = ", ".join(str(j + 1) for j in at[:-1]) + f" and {at[-1] + 1}"
        chosen = " or ".join(f"{fld} = {j}" for j in at)
        raise PriceFileError(
            f"header {profile.columns[fld]!r} appears in columns {ones}: map {fld} by "
            f"position ({chosen}, counting from 0; the other fields may keep their names)",
            path=label, line=line)


def named_twice(cells: list[str], named: dict[str, str]) -> dict[str, list[int]]:
    """field -> the columns of ``cells`` its header names (``named``: field -> its header as
    :func:`header_key` gives it), of the fields whose header names two columns or more: the
    load refuses such a name, a profile's draft leaves it out."""
    keys = [header_key(c) for c in cells]
    return {fld: at for fld, want in named.items()
            if len(at := [j for j, key in enumerate(keys) if key == want]) > 1}


def _preamble(rows: list[list[str]], cols: dict[str, int]) -> int:
    """How many of a file's first rows come before its data, when a profile mapping columns by
    position does not say (``skip_rows``): the rows before the first that has the commonest
    number of fields and a number at the price's position (a title, a date, a header row: each
    would be rejected on every load). None such: no row is skipped."""
    import polars as pl

    from partsearch.loading._values import parse_price

    filled = [r for r in rows if any(c.strip() for c in r)]
    if not filled or "price" not in cols:
        return 0
    lengths = [len(r) for r in filled]
    width = max(set(lengths), key=lambda w: (lengths.count(w), w))
    at = cols["price"]
    prices = parse_price(pa.array([r[at] if at < len(r) else None for r in rows],
                                  pa.large_string()))
    # a zero, negative or huge price is a number still: a data row, rejected as such
    number = prices.select(pl.col("kopecks").is_not_null() | pl.col("reason").str.contains(
        "^(zero|negative) price|^price too large")).to_series().to_list()
    first = next((i for i, r in enumerate(rows) if len(r) == width and number[i]), 0)
    # Only a title or a date (few of the mapped cells filled) or the header (the row just
    # before the data, naming the price: a word, not a number) is preamble: a data row whose
    # price is no number ("on request"), whose stray quote cut it short or whose width is
    # another (MANN;W712;100;5;;; above rows without the padding) is rejected or read as
    # ever, never dropped without a word.
    for i in range(first):
        cells = sum(1 for c in cols.values() if c < len(rows[i]) and rows[i][c].strip())
        header = i == first - 1 and at < len(rows[i]) and rows[i][at].strip() and not number[i]
        if 2 * cells > len(cols) and not header:
            return i
    return first


def check_positions(cols: dict[str, int], width: int | None, label: str) -> None:
    if width is not None:
        for fld, pos in cols.items():
            if pos >= width:
                raise PriceFileError(f"column {fld}={pos} is beyond the {width} columns",
                                     path=label)
