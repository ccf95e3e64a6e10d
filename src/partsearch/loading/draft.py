"""A first profile for a new supplier's price file: its header row found and its columns mapped
by what they are called (``Артикул``, ``Цена, руб.``, ``Остаток, шт.``, ``Part No``), for a
person to check and to complete with the supplier's terms.

>>> draft = draft_profile("prices/new.csv", code="NEW")  # doctest: +SKIP
>>> print(draft.toml)                                      # doctest: +SKIP
[NEW]
name = "NEW"
file = "prices/new.csv"
columns = { brand = "Бренд", article = "Артикул", description = "Наименование", ... }
# the supplier's terms (these are the defaults):
# delivery_hours = 24
...
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from partsearch._inputs import user_path
from partsearch.errors import PriceFileError
from partsearch.loading.profiles import REQUIRED_FIELDS, SupplierProfile, checked_code

__all__ = ["FIELD_NAMES", "ProfileDraft", "draft_profile"]

#: what each field's column is called, strongest first: a header is matched from its start
#: (case, spacing and "ё" aside), so "Цена, руб." is a price and "Базовая цена" is not; a part
#: number ("Номер детали", "Part No") ranks above a supplier's own item code ("Код товара"),
#: and an OEM column comes last (:data:`OEM`)
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "article": ("артикул", "код (детали|производителя|запчасти)", "каталожный (номер|№)",
                "номер (детали|запчасти|по каталогу)", "part ?(no|nr|number|#)", "article",
                "art\\.? ?(no|nr)", "item ?(no|nr|number|#|code)", "sku", "номер",
                "код товара", "код", "code", "item",
                # (the OEM number alone, or with a number word: never "OEM бренд")
                "[oо][eе][mм]?[ _-]?(part[ _]?)?(no\\.?|nr\\.?|numbers?|#|№|номер\\w*|код\\w*|"
                "артикул\\w*|code)?$"),
    "price": ("цена", "стоимость", "опт", "(unit |net |wholesale )?price", "cost",
              "розничная цена", "розн", "retail"),
    "brand": ("бренд", "производитель", "изготовитель", "марка", "фирма", "brand",
              "manufacturer", "maker", "make", "mfr"),
    "quantity": ("кол-?во", "кол\\b", "количество", "наличие", "в наличии", "остат", "склад",
                 "qty", "quantity", "stock", "avail"),
    "delivery_hours": ("срок.*\\b(час|ч)\\b", "часы?\\b", "(delivery|lead).*hour", "hours?\\b"),
    "delivery_days": ("срок", "дней", "поставка", "доставка", "delivery", "lead ?time",
                      "days"),
    "description": ("наименование", "название", "описание", "продукт", "товар", "description",
                    "name", "title", "номенклатура"),
    "multiplicity": ("кратн", "multiplicity", "в упаковке", "упаковка", "pack"),
    "min_quantity": ("мин", "min"),
}
#: a price header naming another currency than the rouble (a price is in roubles): never the
#: price, however it ranks ("Цена, $" before "Цена, руб."); "руб", "р.", "₽", "RUB", "RUR"
#: are roubles, the Belarusian ones ("бел. руб", "руб. РБ", "BYN") are not
FOREIGN = re.compile(r".*(\$|€|£|¥|₸|₴|\b(usd|eur|cny|gbp|jpy|chf|kzt|byn|byr|uah|uzs|kgs|"
                     r"тенге|тг|грн|сум|сом)\b|\bу\. ?е\b|\b(долл|евро|юан)|"
                     r"\bбел(\.? ?р|орус)|\bрб\b)")
#: a retail price: taken only when no other column names the price (a supplier's price to the
#: shop is its wholesale one, marked up by the shop's levels)
RETAIL = re.compile(r".*(розн|retail)")
#: a wholesale price: beside a retail one, taken over a bare "Цена" (which of the two is it?
#: the column the supplier calls wholesale is its price to the shop)
WHOLESALE = re.compile(r".*(\bопт|wholesale)")
#: a header naming the maker's original part (OEM, OE), in an aftermarket price list the car
#: maker's numbers a part replaces: such a column is the article (or the brand) only when no
#: other column names it, and then the brand too only when the article is one
OEM = re.compile(r".*(?<![^\W_])[oо][eе][mм]?(?![^\W_])")
#: a header naming a sum of money ("Мин. заказ, руб", "Min. order value"): no quantity (a
#: minimum order sum is the supplier's ``min_order_sum`` term, no column of the profile)
MONEY = re.compile(r".*(руб|₽|\bр\b|\brub|\brur\b|сумм|\bsum\b|amount|value|стоимост|цен|"
                   r"price|cost)")
_HEAD_ROWS = 30  # where the header row is looked for


@dataclass(frozen=True)
class ProfileDraft:
    """A drafted profile: ``profile`` (to load the file as it is), the ``line`` of the header
    row, the headers left unmapped, the required fields no column was found for (``brand``:
    name the maker of every row with the profile's ``brand``), and ``toml``, the profile as a
    ``suppliers.toml`` table with the supplier's terms to fill in.

    >>> draft = draft_profile("prices/alfa.csv", code="ALFA")           # doctest: +SKIP
    >>> draft.line, draft.unmapped, draft.missing, draft.profile.columns["price"]  # doctest: +SKIP
    (3, (), (), 'Цена')
    >>> print(draft.toml.splitlines()[0])                               # doctest: +SKIP
    [ALFA]
    """

    profile: SupplierProfile
    line: int
    unmapped: tuple[str, ...]
    missing: tuple[str, ...]
    toml: str


def draft_profile(file: str | Path, *, code: str = "NEW", sheet: str | int | None = None
                  ) -> ProfileDraft:
    """Draft the profile of price file ``file`` (any format ``load`` reads; a spreadsheet's
    ``sheet``, by name or 0-based index, else its first): the row of its first rows that names
    an article and a price, and the most it names besides, mapped by :data:`FIELD_NAMES`.
    Raises :class:`PriceFileError` when no row names both."""
    from partsearch.loading._header import header_key
    from partsearch.loading._readers import file_kind, price_bytes

    checked_code(code, "draft_profile")  # (before the file is read: its table would be refused)
    path = user_path(file, PriceFileError, "draft_profile: file", "a price file's path")
    data = price_bytes(path)[0]
    near: list[tuple[int, str, str]] = []
    skipped: list[str] = []  # hidden sheets before the one drafted
    if sheet is None and file_kind(data, str(path))[0] == "sheet":
        found_in, sheet, skipped = _first_sheet(data, str(path), near)
    else:
        found_in = _header(data, str(path), 0 if sheet is None else sheet, near)
    if found_in is None:
        where = "the file" if sheet is None else f"sheet {sheet!r}"
        lacking = ""
        if near:  # (which of the two it lacks: a header the names above do not know)
            line, fld, name = near[0]
            lacking = (f"; line {line} names the {fld} ({name!r}) but no "
                       f"{'price' if fld == 'article' else 'article'} column")
        raise PriceFileError(f"no row of the first {_HEAD_ROWS} of {where} names an article "
                             f"and a price column (as {FIELD_NAMES['article'][0]!r} and "
                             f"{FIELD_NAMES['price'][0]!r} do){lacking}", path=path)
    rows, lines, spans, quote, encoding, best = found_in
    at, found = best
    below_at = at + spans[at]  # (the row below the header, which may span lines itself)
    header = [cell.strip() for cell in rows[at]]
    twice = _named_twice(header, found)
    for fld in twice:
        del found[fld]  # (which of the columns is meant, the user tells: by position)
    notes = [f"# {fld}: header {header[at_[0]]!r} appears in columns "
             f"{' and '.join(str(j + 1) for j in at_)}: map it by position, "
             f"{' or '.join(f'{fld} = {j}' for j in at_)} (counting from 0)"
             for fld, at_ in twice.items()]
    notes += _choices(header, found, {f: o for f, o in _map(header)[1].items()
                                      if f not in twice})
    notes += [f"# sheet {_text(name)} is hidden: skipped (name it in sheet to read it)"
              for name in skipped]
    unmapped = tuple(h for i, h in enumerate(header) if h and i not in found.values())
    notes += [f"# {_text(h)} names a sum, not a quantity: the supplier's min_order_sum below, "
              f"if it is one for all its orders" for h in unmapped
              if re.match(r"мин|min", key := header_key(h)) and MONEY.match(key)]
    merged = _spans(header, rows[below_at], found) if below_at < len(rows) else {}
    columns: dict[str, str | int] = {fld: header[i] for fld, i in
                                     sorted(found.items(), key=lambda kv: kv[1])}
    skip_rows = None
    if merged:
        # a merged cell over sub-columns ("Цена" over "Опт" | "Розница"): the sub-header row
        # names no field, so the columns go by position with the data after both rows (else
        # each load rejects the sub-header row as an "empty article")
        below = [cell.strip() for cell in rows[below_at]] + [""] * len(header)
        for fld, i in found.items():
            if i in merged:
                subs = [header_key(below[j]).replace("ё", "е") for j in merged[i]]
                found[fld] = merged[i][_pick(fld, subs, set()) or 0]
                notes.append(f"# {fld}: header {_text(header[i])} spans columns "
                             f"{merged[i][0] + 1} to {merged[i][-1] + 1} ("
                             f"{', '.join(_text(below[j]) for j in merged[i])}): took "
                             f"{_text(below[found[fld]])}, {fld} = {found[fld]}")
        columns = dict(sorted(found.items(), key=lambda kv: kv[1]))
        skip_rows = below_at + spans[below_at]
        named = ", ".join(f"{i} = " + _text(" / ".join(filter(None, (header[i], below[i]))))
                          for i in sorted(found.values()))
        notes.append(f"# a header of two rows (lines {lines[at]} and {lines[below_at]}): "
                     f"columns by position, counting from 0 ({named}"
                     f"), the data after skip_rows = {skip_rows}")
    profile = SupplierProfile(code=code, name=code, file=path, encoding=encoding, quote=quote,
                              skip_rows=skip_rows, sheet=sheet, columns=columns)
    missing = tuple(f for f in REQUIRED_FIELDS if f not in found)
    return ProfileDraft(profile, lines[at], unmapped, missing,
                        _toml(profile, unmapped, missing, tuple(notes)))


def _first_sheet(data: bytes, label: str, near: list[tuple[int, str, str]]
                 ) -> tuple[_Found | None, int | None, list[str]]:
    """(:func:`_header` of the workbook's first visible sheet that has a header, its index
    when not the first, the hidden sheets before it), as the loader finds the sheet it
    reads; a header on a hidden sheet only fails, naming the sheet."""
    from partsearch.loading._sheets import hidden_sheets, sheet_names

    hidden, names = hidden_sheets(data)
    names = names or sheet_names(data)
    for index in [i for i in range(len(names)) if i not in hidden] or [0]:
        if (found_in := _header(data, label, index, near)) is not None:
            return found_in, index or None, [names[i] for i in sorted(hidden) if i < index]
    for index in sorted(hidden):
        if _header(data, label, index) is not None:
            raise PriceFileError(
                f"no visible sheet has a row naming an article and a price column; the hidden "
                f"sheet {names[index]!r} has one: name it to draft it (--sheet "
                f"{_text(names[index])})", path=label)
    return None, None, []


def _choices(header: list[str], found: dict[str, int], others: dict[str, list[int]]
             ) -> list[str]:
    """Comments on the columns that name a field beside the one it took (``others``): a price
    in another currency (left out, the price being in roubles), a retail price, a second
    article column (a supplier's item code beside the part number, say)."""
    from partsearch.loading._header import header_key

    notes = []
    for fld, at in others.items():
        took = f"took {_text(header[found[fld]])}" if fld in found else "left out"
        for j in at:
            name = header[j]
            key = header_key(name).replace("ё", "е")
            if fld == "price" and FOREIGN.match(key):
                notes.append(f"# price: {_text(name)} is in another currency, not taken (a price "
                             f"is in roubles): {took}" + ("" if fld in found else
                                                          ", map a price in roubles"))
            elif fld == "price" and RETAIL.match(key):
                notes.append(f"# price: {took} over the retail {_text(name)} (the supplier's "
                             f"price to the shop, which its levels mark up)")
            elif fld in found:
                notes.append(f"# {fld}: {took} over {_text(name)}, which names one too: map "
                             f"{fld} = {_text(name)} if it is the one")
    return notes


def _spans(header: list[str], below: list[str], found: dict[str, int]) -> dict[int, list[int]]:
    """header column -> the columns its merged cell spans, when ``below`` is a sub-header row
    ("Цена" over "Опт" | "Розница"): text under a header cell and under the empty cells right
    of it, no article and no number under the mapped columns. {} when it is not."""
    def cell(row: list[str], j: int) -> str:
        return row[j].strip() if j < len(row) else ""

    if cell(below, found["article"]) or any(
            re.fullmatch(r"[\d\s.,]+", cell(below, i)) for i in found.values()):
        return {}
    spans = {}
    for i, name in enumerate(header):
        j = i + 1
        while j < len(below) and not cell(header, j) and cell(below, j):
            j += 1
        if name and cell(below, i) and j - i > 1:
            spans[i] = list(range(i, j))
    return spans


def _named_twice(header: list[str], found: dict[str, int]) -> dict[str, list[int]]:
    """field -> the columns its header names, of the fields mapped to a header that names
    two columns or more (a load would refuse the name)."""
    from partsearch.loading._header import header_key, named_twice

    return named_twice(header, {fld: header_key(header[i]) for fld, i in found.items()})


#: a file's first rows, their lines and spans, its quote and encoding, and its header row
_Found = tuple[list[list[str]], list[int], list[int], str | None, str | None,
               tuple[int, dict[str, int]]]


def _header(data: bytes, label: str, sheet: str | int,
            near: list[tuple[int, str, str]] | None = None) -> _Found | None:
    """The file's first rows, their lines, its quote, its encoding when only a sample of it
    tells (KOI8-R, say: named in the draft, the load need not guess), and its header row with
    the columns it maps: the row naming an article and a price, and the most besides; None
    when none does (then ``near`` gets the line of the first row naming one of the two, the
    field and its header).
    A zip archive's first member that has one; a member that is a price table and cannot be
    read fails the draft as it fails the load (``archive.zip!member: corrupt zip/xlsx``), where
    the next member (a readme) would be drafted in its place."""
    from partsearch.loading import _readers as r

    zf = r.file_kind(data, label)[1]
    if zf is not None:
        members = r.zip_members(zf, label, [])
        for name, inner, member in members:
            try:
                in_member = _header(member, inner, sheet, near)
            except PriceFileError:
                if r.is_table(name, member):
                    raise
                continue  # (a readme, say)
            if in_member is not None:
                for _rest in members:
                    pass  # (each read, as the load reads it: a corrupt one fails the draft)
                return in_member
        return None
    rows, lines, spans, quote, encoding = _head(data, label, sheet)
    best: tuple[int, dict[str, int]] | None = None
    for i, row in enumerate(rows):
        found, others = _map(row)
        # a price named in another currency only: the header still, its price left out
        if "article" in found and ("price" in found or "price" in others):
            if best is None or len(found) > len(best[1]):
                best = (i, found)
        elif near is not None and not near and (named := [
                f for f in ("article", "price") if f in found or f in others]):
            at = found[named[0]] if named[0] in found else others[named[0]][0]
            near.append((lines[i], named[0], row[at].strip()))
    return None if best is None else (rows, lines, spans, quote, encoding, best)


def map_columns(cells: list[str]) -> dict[str, int]:
    """field -> index of the cell naming it: each field, in :data:`FIELD_NAMES`' order, takes
    the cell its strongest name matches (the first such cell), among the cells left; a price
    never in another currency (:data:`FOREIGN`), a retail one (:data:`RETAIL`) only when no
    other cell names the price; an article not an OEM column (:data:`OEM`) unless no other
    cell names it; a minimum quantity never a sum (:data:`MONEY`).

    >>> map_columns(["Бренд", "Артикул", "Цена, $", "Цена, руб.", "Остаток, шт."])
    {'article': 1, 'price': 3, 'brand': 0, 'quantity': 4}
    """
    return _map(cells)[0]


def _map(cells: list[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """:func:`map_columns`, and field -> the cells left unmapped that name it too (a price in
    another currency, a second article column): the choices a draft tells of."""
    from partsearch.loading._header import header_key

    names = [header_key(c).replace("ё", "е") for c in cells]
    taken: dict[str, int] = {}
    for fld in FIELD_NAMES:
        # (the car maker's brand beside the supplier's own article would misfile every offer)
        oem_ok = fld != "brand" or ("article" in taken and bool(OEM.match(names[taken["article"]])))
        if (at := _pick(fld, names, set(taken.values()), oem_ok)) is not None:
            taken[fld] = at
    if "delivery_hours" in taken and "delivery_days" in taken:
        del taken["delivery_days"]  # (one expected time: the column in hours names its unit)
    others = {fld: cols for fld in ("article", "price") if (cols := [
        i for i, n in enumerate(names) if n and i not in taken.values()
        and any(re.match(p, n) for p in FIELD_NAMES[fld])])}
    return taken, others


def _pick(fld: str, names: list[str], taken: set[int], oem_ok: bool = True) -> int | None:
    """The cell of ``names`` (as :func:`header_key` gives them) ``fld`` takes: its strongest
    name's first cell not ``taken``, in passes: a price never in another currency, a wholesale
    one first when a retail one is there too, a retail one only when no other names it; an
    article or a brand not an OEM column unless no other names it (a brand never, unless
    ``oem_ok``: the article is one); a minimum quantity never a sum."""
    ok = [bool(n) and i not in taken and not (fld == "price" and FOREIGN.match(n))
          and not (fld == "min_quantity" and (MONEY.match(n) or FOREIGN.match(n)))
          for i, n in enumerate(names)]
    passes = [ok]
    if fld == "price":
        passes = [[o and not RETAIL.match(n) for o, n in zip(ok, names, strict=True)], ok]
        if any(o and RETAIL.match(n) for o, n in zip(ok, names, strict=True)):
            passes.insert(0, [o and bool(WHOLESALE.match(n)) and not RETAIL.match(n)
                              for o, n in zip(ok, names, strict=True)])
    elif fld in ("article", "brand"):
        passes = [[o and not OEM.match(n) for o, n in zip(ok, names, strict=True)]]
        if oem_ok:
            passes.append(ok)
    for allowed in passes:
        for pattern in FIELD_NAMES[fld]:
            at = next((i for i, n in enumerate(names) if allowed[i] and re.match(pattern, n)),
                      None)
            if at is not None:
                return at
    return None


def _head(data: bytes, label: str, sheet: str | int
          ) -> tuple[list[list[str]], list[int], list[int], str | None, str | None]:
    """The first rows of a file that is no archive as cells, their lines, how many lines each
    spans (a CSV record holding a quoted line break: a header cell's wrapped text, as the
    load reads it, see ``head_records``), the quote its CSV needs when not '"', and its
    encoding when only a sample of it tells (``_encoding``)."""
    from partsearch.loading import _csv, _readers, _sheets
    from partsearch.loading._encoding import GUESSED

    kind, _zf = _readers.file_kind(data, label)
    if kind == "sheet":
        frame = _sheets.sheet_cells(data, sheet, label, error_text=True).head(_HEAD_ROWS)
        lines = frame.get_column("__line").to_list()
        return [["" if c is None else str(c) for c in row]
                for row in frame.drop("__line").rows()], lines, [1] * len(lines), None, None
    if kind == "html":
        text, _stray, charset = _csv.to_utf8(data, _sheets.declared_charset(data), label)
    else:
        text, _stray, charset = _csv.csv_text(data, None, label)
    encoding = charset if charset in GUESSED else None
    if kind == "html":
        from partsearch.loading._html import table_rows

        rows = table_rows(bytes(text).decode("utf-8", "replace"))[:_HEAD_ROWS]
        return rows, list(range(1, len(rows) + 1)), [1] * len(rows), None, encoding
    head = bytes(text[: 1 << 16]).decode("utf-8", "replace")
    lines = [ln.rstrip("\r") for ln in head.split("\n")[:_HEAD_ROWS]]
    delimiter, quote = _csv.detect_format(lines)
    rows, spans = _csv.head_records(lines, delimiter, quote)
    return rows, list(range(1, len(lines) + 1)), spans, None if quote == '"' else quote, \
        encoding


def _text(value: object) -> str:
    """``value`` as a TOML basic string (what a comment's user copies into the table)."""
    return json.dumps(str(value), ensure_ascii=False)


def _toml(profile: SupplierProfile, unmapped: tuple[str, ...], missing: tuple[str, ...],
          notes: tuple[str, ...] = ()) -> str:
    columns = ", ".join(f"{fld} = {name if isinstance(name, int) else _text(name)}"
                        for fld, name in profile.columns.items())
    table = profile.code if re.fullmatch(r"[A-Za-z0-9_-]+", profile.code) else _text(profile.code)
    out = [f"[{table}]", f"name = {_text(profile.name)}", f"file = {_text(profile.file)}"]
    if profile.encoding:
        out.append(f"encoding = {_text(profile.encoding)}")
    if profile.quote:
        out.append(f"quote = {_text(profile.quote)}")
    if profile.skip_rows is not None:
        out.append(f"skip_rows = {profile.skip_rows}")
    if profile.sheet is not None:
        sheet = profile.sheet
        out.append(f"sheet = {sheet if isinstance(sheet, int) else _text(sheet)}")
    if "brand" in missing:
        out.append('# brand = "MAKER"       # no brand column found: the maker of every row')
    out.append(f"columns = {{ {columns} }}")
    out += notes
    if unmapped:
        out.append(f"# not mapped: {', '.join(_text(h) for h in unmapped)}")
    out += ["# the supplier's terms (these are the defaults):", "# delivery_hours = 24",
            "# pickup_points = []", "# min_order_sum = 0", "# returnable = true",
            "# prepayment = false", "# stock_accuracy = 0.97"]
    return "\n".join(out) + "\n"
