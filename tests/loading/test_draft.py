"""Drafting a supplier profile from its price file (``partsearch profile``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from partsearch import PriceFileError
from partsearch.cli import main
from partsearch.loading import load_price_file, read_profiles
from partsearch.loading.draft import draft_profile, map_columns

WORLD = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "world"


@pytest.mark.parametrize("code", ["ALFA", "BETA", "GAMMA", "DELTA"])
def test_drafts_of_the_fixture_files_map_what_their_profiles_do(code: str) -> None:
    """Each fixture supplier's file, drafted from nothing: the columns its hand-written profile
    maps (GAMMA's by position, under its header row), and DELTA's "'" quote."""
    written = read_profiles(WORLD / "suppliers.toml")
    profile = next(p for p in written if p.code == code)
    assert profile.file is not None
    draft = draft_profile(profile.file, code=code)
    if code == "GAMMA":
        header = ["Производитель", "Номер", "Описание", "Цена", "Наличие"]
        assert dict(draft.profile.columns) == {f: header[int(i)]
                                               for f, i in profile.columns.items()}
        assert draft.line == 4
    else:
        assert dict(draft.profile.columns) == dict(profile.columns)
    assert draft.profile.quote == profile.quote and draft.missing == ()
    drafted, hand = load_price_file(draft.profile), load_price_file(profile)
    assert drafted.offers.select(["article", "price", "quantity"]).equals(
        hand.offers.select(["article", "price", "quantity"]))


def test_drafts_of_the_real_price_files(realdata: Path) -> None:
    """The two real files map as the tests of their loading map them by hand."""
    aq = draft_profile(realdata / "AlexQuasar+supplierPriceLoader" / "loadFile.csv")
    assert dict(aq.profile.columns) == {
        "brand": "Бренд", "article": "Артикул", "description": "Описание",
        "multiplicity": "Кратность отгрузки", "price": "Цена, руб.", "quantity": "Наличие",
        "delivery_days": "Срок поставки, дн."}
    assert aq.profile.quote == "'" and "Базовая цена, руб." in aq.unmapped
    bl = draft_profile(realdata / "bl4ckm45k+aioabcpapi" / "some_price.xlsx")
    assert dict(bl.profile.columns) == {
        "brand": "Бренд", "article": "Артикул", "description": "Продукт",
        "quantity": "Остаток, шт.", "price": "Цена, р. с НДС"}
    assert bl.line == 5 and load_price_file(bl.profile).offers.num_rows == 159


def test_columns_by_name() -> None:
    assert map_columns(["Бренд", "Артикул", "Базовая цена", "Цена, руб.", "Остаток, шт."]) == {
        "article": 1, "price": 3, "brand": 0, "quantity": 4}
    assert map_columns(["Part No", "Price", "Lead time", "Delivery, hours"]) == {
        "article": 0, "price": 1, "delivery_hours": 3}
    assert map_columns(["Код детали", "Цена", "Код"]) == {"article": 0, "price": 1}
    assert map_columns(["Номенклатура", "Наименование", "Артикул", "ЦЕНА"]) == {
        "article": 2, "price": 3, "description": 1}


def test_the_drafted_table_is_a_profile_that_loads(tmp_path: Path) -> None:
    price = tmp_path / "p.csv"
    price.write_text('Прайс "Ромашка" на 01.12.2026\n\nАртикул;Цена;Кол-во;Вес\n'
                     "W 712/1;100,50;3;0,2\nOC 90;0;1;0,1\n", encoding="cp1251")
    assert draft_profile(price, code="Ромашка 2").toml.startswith('["Ромашка 2"]\n')
    draft = draft_profile(price, code="ROMASHKA")
    assert draft.missing == ("brand",) and draft.line == 3 and draft.unmapped == ("Вес",)
    toml = tmp_path / "s.toml"
    toml.write_text(draft.toml.replace('# brand = "MAKER"', 'brand = "MANN"'),
                    encoding="utf-8")
    assert tomllib.loads(toml.read_text(encoding="utf-8"))["ROMASHKA"]["file"] == str(price)
    report = load_price_file(read_profiles(toml)[0])
    assert (report.rows_read, report.offers.num_rows) == (2, 1)


@pytest.mark.parametrize("cell", ["Фильтр", '"Фильтр\nмасляный"'])
def test_a_classic_mac_file_drafts_and_loads(tmp_path: Path, cell: str) -> None:
    # lines ended by a CR alone: its header found on line 1, its rows on their own lines,
    # a line break in a quoted cell (Mac Excel's LF) kept in it
    price = tmp_path / "p.csv"
    price.write_bytes(f"Бренд;Артикул;Наименование;Цена\rMANN;W 712/1;{cell};100\r"
                      "MANN;W 712/2;x;1\r".encode("cp1251"))
    draft = draft_profile(price)
    assert draft.line == 1 and dict(draft.profile.columns) == {
        "brand": "Бренд", "article": "Артикул", "description": "Наименование", "price": "Цена"}
    lines = [2, 3 + cell.count("\n")]
    assert load_price_file(draft.profile).offers.column("line").to_pylist() == lines


def test_a_file_without_an_article_and_a_price_column(tmp_path: Path) -> None:
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Код;Остаток\nMANN;W 712/1;3\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match="names an article and a price"):
        draft_profile(price)


def test_a_zips_price_table_drafts_past_a_readme_and_fails_as_the_load_fails(
        tmp_path: Path) -> None:
    """A zip's readme is no price file to draft; a price table in it that cannot be read is
    named as the load names it, not passed over for the readme ("no row ... names")."""
    import zipfile

    import xlsxwriter

    from partsearch.loading import SupplierProfile

    book = xlsxwriter.Workbook(str(tmp_path / "price.xlsx"))
    sheet = book.add_worksheet()
    for r, row in enumerate([["Brand", "Part No", "Price"], ["MANN", "W 712/1", 100]]):
        sheet.write_row(r, 0, row)
    book.close()
    xlsx = (tmp_path / "price.xlsx").read_bytes()
    good, cut = tmp_path / "good.zip", tmp_path / "cut.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("readme.txt", "Цены в рублях, с НДС.\nОбновляется ежедневно.\n")
        zf.writestr("price.xlsx", xlsx)
    assert draft_profile(good).profile.columns == {
        "brand": "Brand", "article": "Part No", "price": "Price"}
    with zipfile.ZipFile(cut, "w") as zf:
        zf.writestr("price.xlsx", xlsx[:len(xlsx) // 2])
        zf.writestr("readme.txt", "Цены в рублях\n")
    for draft_or_load in (lambda: draft_profile(cut), lambda: load_price_file(SupplierProfile(
            code="C", name="C", file=cut, brand="MANN",
            columns={"article": "Part No", "price": "Price"}))):
        with pytest.raises(PriceFileError, match="corrupt zip/xlsx") as err:
            draft_or_load()
        assert err.value.path == f"{cut}!price.xlsx"


def test_a_corrupt_later_member_fails_the_draft_as_it_fails_the_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first member has the header, the second is damaged: no draft the load refuses, and
    no table on stdout for a ``>> suppliers.toml`` to append."""
    import zipfile

    from partsearch.loading import SupplierProfile

    text = "Бренд;Артикул;Цена\nMANN;W 712/75;350,50\n".encode("cp1251")
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", text)
        zf.writestr("b.csv", text * 50)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("b.csv")
    at = info.header_offset + 30 + len(info.filename) + 10
    data[at:at + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    columns = {"brand": "Бренд", "article": "Артикул", "price": "Цена"}
    for draft_or_load in (lambda: draft_profile(path), lambda: load_price_file(
            SupplierProfile(code="C", name="C", file=path, columns=columns))):
        with pytest.raises(PriceFileError, match="corrupt zip member") as err:
            draft_or_load()
        assert err.value.path == f"{path}!b.csv"
    capsys.readouterr()
    assert main(["profile", str(path)]) == 2
    assert capsys.readouterr().out == ""
    # a draft the load then refuses (its second member's header is another): nothing printed
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", text)
        zf.writestr("b.csv", "Brand;Part No;Price\nMANN;W 712/75;350,50\n")
    assert main(["profile", str(path)]) == 2
    assert capsys.readouterr().out == ""


def test_a_sheet_other_than_the_first(tmp_path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "two.xlsx"))
    book.add_worksheet("Readme").write(0, 0, "Price list")
    moscow = book.add_worksheet("Moscow")
    for row in ([["Brand", "Part No", "Price"], ["MANN", "W 712/1", 100.5]]):
        moscow.write_row(0 if row[0] == "Brand" else 1, 0, row)
    book.close()
    found = draft_profile(tmp_path / "two.xlsx")  # its first sheet with the header
    assert found.profile.sheet == 1 and "\nsheet = 1\n" in found.toml
    with pytest.raises(PriceFileError, match=r"of sheet 'Readme' names"):
        draft_profile(tmp_path / "two.xlsx", sheet="Readme")
    for sheet in ("Moscow", 1):
        draft = draft_profile(tmp_path / "two.xlsx", sheet=sheet)
        assert draft.profile.sheet == sheet and f"sheet = {sheet!r}".replace("'", '"') in \
            draft.toml
        assert load_price_file(draft.profile).offers.num_rows == 1
    assert main(["profile", str(tmp_path / "two.xlsx"), "--sheet", "1"]) == 0


def _hidden_book(path: Path, *, price_hidden: bool = False) -> None:
    """A workbook whose first sheet is a hidden old price list (kept for lookups), then the
    current one Excel opens on; or (``price_hidden``) a readme, then the price, hidden."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    old = book.add_worksheet("Old")
    current = book.add_worksheet("Current")
    for sheet, price in ((old, 100), (current, 150)):
        if price_hidden and sheet is old:
            sheet.write(0, 0, "Prices: see the next sheet")
            continue
        sheet.write_row(0, 0, ["Brand", "Part No", "Price"])
        sheet.write_row(1, 0, ["MANN", "W 712/1", price])
    (current if price_hidden else old).hide()
    (old if price_hidden else current).activate()
    book.close()


def test_a_hidden_sheet_is_not_drafted(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xlsx"
    _hidden_book(path)
    draft = draft_profile(path)
    assert draft.profile.sheet == 1 and '# sheet "Old" is hidden: skipped' in draft.toml
    assert [str(p) for p in load_price_file(draft.profile).offers.column("price").to_pylist()
            ] == ["150.00"]
    named = draft_profile(path, sheet="Old")  # (named, it is read)
    assert [str(p) for p in load_price_file(named.profile).offers.column("price").to_pylist()
            ] == ["100.00"]
    _hidden_book(path, price_hidden=True)
    with pytest.raises(PriceFileError, match=r"hidden sheet 'Current' has one.*--sheet"):
        draft_profile(path)


def test_cli_prints_the_table_and_what_it_loads(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(WORLD / "prices" / "alfa.csv"), "--code", "ALFA"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[ALFA]\n") and 'article = "Артикул"' in out
    assert "# loaded with it: " in out and "# first offers:" in out
    tomllib.loads(out)  # the whole output is TOML: the rest are comments
    price = tmp_path / "p.csv"
    price.write_text("Артикул;Цена\nW 712/1;100\n", encoding="utf-8")
    assert main(["profile", str(price)]) == 1
    assert "# not loaded: no column mapped for brand" in capsys.readouterr().out



def test_drafted_tables_appended_into_a_toml_load_a_catalog(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The onboarding the command is for: each file's drafted table appended as printed into
    one suppliers.toml beside the files, then loaded: the same offers as the hand-written
    profiles give."""
    import shutil

    from partsearch.loading import load_suppliers

    written = {p.code: p for p in read_profiles(WORLD / "suppliers.toml") if p.file is not None}
    monkeypatch.chdir(tmp_path)  # (where the TOML will be: the drafted paths are relative)
    tables = []
    for code, profile in written.items():
        assert profile.file is not None
        shutil.copy(profile.file, tmp_path / profile.file.name)
        capsys.readouterr()
        assert main(["profile", profile.file.name, "--code", code]) == 0
        tables.append(capsys.readouterr().out)
    (tmp_path / "suppliers.toml").write_text("\n".join(tables), encoding="utf-8")
    reports = load_suppliers(tmp_path / "suppliers.toml", tmp_path / "catalog")
    assert [r.error for r in reports] == [None] * len(written)
    for r in reports:
        hand = load_price_file(written[r.supplier])
        assert (r.offers.num_rows, r.rejected.num_rows) == (hand.offers.num_rows,
                                                             hand.rejected.num_rows)


def test_a_header_naming_two_columns_is_left_for_the_user_to_map(tmp_path: Path) -> None:
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Цена;Цена;Кол-во\nMANN;W712/75;100;200;5\n",
                     encoding="cp1251")
    draft = draft_profile(price)
    assert draft.profile.columns == {"brand": "Бренд", "article": "Артикул",
                                     "quantity": "Кол-во"}
    assert draft.missing == ("price",)
    assert ("# price: header 'Цена' appears in columns 3 and 4: map it by position, price = 2 "
            "or price = 3 (counting from 0)\n") in draft.toml


@pytest.mark.parametrize(("header", "price"), [
    (["Цена, $", "Цена, руб."], 3), (["Цена, руб.", "Цена, $"], 2),
    (["Price USD", "Price RUB"], 3), (["Цена EUR", "Цена RUB"], 3), (["Цена, €", "Цена"], 3),
    (["Цена, у.е.", "Цена"], 3), (["Цена, у. е.", "Стоимость"], 3), (["Цена CNY", "Цена"], 3),
    (["Цена в долларах", "Цена"], 3), (["Цена, бел. руб.", "Цена, руб."], 3),
    (["Цена, тг", "Цена, руб"], 3), (["Цена ₸", "Цена ₽"], 3), (["Цена KZT", "Цена RUR"], 3),
    (["Цена, тенге", "Цена RUB"], 3), (["Цена, бел.р", "Цена, р."], 3),
    (["Цена, руб. РБ", "Цена, руб."], 3), (["Цена BYN", "Цена"], 3), (["Цена, сум", "Цена"], 3),
    (["Цена, грн", "Цена"], 3), (["Цена UAH", "Цена"], 3), (["Цена, ₴", "Стоимость"], 3),
    (["Цена в белорусских рублях", "Цена в рублях"], 3)])
def test_a_price_in_another_currency_is_not_the_price(header: list[str], price: int) -> None:
    """A price is in roubles: "Цена, $" beside "Цена, руб." (before it, or after) is not it."""
    assert map_columns(["Бренд", "Артикул", *header])["price"] == price


def test_a_price_only_in_another_currency_is_left_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Цена, $;Цена, руб.\nMANN;W 920/21;10,5;950\n",
                     encoding="utf-8")
    draft = draft_profile(price)
    assert draft.profile.columns["price"] == "Цена, руб."
    assert ('# price: "Цена, $" is in another currency, not taken (a price is in roubles): '
            'took "Цена, руб."\n') in draft.toml
    assert load_price_file(draft.profile).offers.column("price").to_pylist()[0] == 950
    price.write_text("Бренд;Артикул;Цена, у.е.\nMANN;W 920/21;10,5\n", encoding="utf-8")
    draft = draft_profile(price)  # the header row still, its price left out
    assert draft.line == 1 and draft.missing == ("price",)
    assert dict(draft.profile.columns) == {"brand": "Бренд", "article": "Артикул"}
    assert '# price: "Цена, у.е." is in another currency' in draft.toml
    assert main(["profile", str(price)]) == 1
    out = capsys.readouterr().out
    assert "map a price in roubles" in out and "# not loaded: no column mapped for price" in out


def test_a_part_number_is_the_article_over_an_item_code(tmp_path: Path) -> None:
    """A supplier's own item code ("Код товара") is no part number: "Номер детали" is the
    article, and the draft says which it passed over."""
    cells = ["Код товара", "Производитель", "Номер детали", "Наименование", "Цена"]
    assert map_columns(cells)["article"] == 2
    for part in ("Каталожный номер", "Каталожный №", "Part No", "Артикул"):
        assert map_columns(["Код", part, "Цена"])["article"] == 1, part
        assert map_columns(["Код товара", part, "Цена"])["article"] == 1, part
    price = tmp_path / "p.csv"
    price.write_text(";".join(cells) + "\n100234;MANN;W 920/21;Фильтр;1000\n",
                     encoding="utf-8")
    draft = draft_profile(price)
    assert draft.profile.columns["article"] == "Номер детали"
    assert ('# article: took "Номер детали" over "Код товара", which names one too: map '
            'article = "Код товара" if it is the one\n') in draft.toml
    assert load_price_file(draft.profile).offers.column("article").to_pylist() == ["W 920/21"]


def test_more_names_and_the_column_a_header_lacks(tmp_path: Path) -> None:
    assert map_columns(["Item", "Unit Price", "Кол.", "Brand"]) == {
        "article": 0, "price": 1, "brand": 3, "quantity": 2}
    assert map_columns(["OEM", "Розничная цена", "Кол-во"]) == {
        "article": 0, "price": 1, "quantity": 2}
    # wholesale before retail: the supplier's price to the shop, which its levels mark up
    assert map_columns(["Артикул", "Цена розн.", "Цена опт"])["price"] == 2
    assert map_columns(["Артикул", "Розничная цена", "Оптовая цена"])["price"] == 2
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Розничная цена;Цена опт\nMANN;W1;130;100\n",
                     encoding="utf-8")
    assert '# price: took "Цена опт" over the retail "Розничная цена"' in \
        draft_profile(price).toml
    price.write_text("Part No;Betrag\nW1;5\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match=r"line 1 names the article \('Part No'\) but no "
                       r"price column"):
        draft_profile(price)
    price.write_text("Прайс\nНаименование;Цена\nФильтр;5\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match=r"line 2 names the price \('Цена'\) but no "
                       r"article column"):
        draft_profile(price)


def _two_row_header(path: Path, subs: tuple[str, str]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, name in enumerate(("Бренд", "Артикул", "Остаток")):
        sheet.merge_range(0, col, 1, col, name)
    sheet.merge_range(0, 3, 0, 4, "Цена")
    sheet.write_row(1, 3, subs)
    sheet.write_row(2, 0, ["MANN", "W 920/21", 4, *((1000, 1300) if subs[0] == "Опт"
                                                      else (1300, 1000))])
    book.close()


@pytest.mark.parametrize("subs", [("Опт", "Розница"), ("Розница", "Опт")])
def test_a_header_of_two_rows_under_a_merged_cell(tmp_path: Path,
                                                  subs: tuple[str, str]) -> None:
    """"Цена" merged over "Опт" | "Розница": the draft says the header spans two columns and
    which it took (the wholesale one), and the sub-header row is no rejected offer."""
    _two_row_header(tmp_path / "p.xlsx", subs)
    draft = draft_profile(tmp_path / "p.xlsx")
    wholesale = 3 + subs.index("Опт")
    assert dict(draft.profile.columns) == {"brand": 0, "article": 1, "quantity": 2,
                                           "price": wholesale}
    assert draft.profile.skip_rows == 2 and draft.line == 1
    assert (f'# price: header "Цена" spans columns 4 to 5 ("{subs[0]}", "{subs[1]}"): took '
            f'"Опт", price = {wholesale}\n') in draft.toml
    assert "\nskip_rows = 2\n" in draft.toml
    report = load_price_file(draft.profile)
    assert (report.rows_read, report.rejected.num_rows) == (1, 0)
    assert report.offers.column("price").to_pylist() == [1000]
    toml = tmp_path / "s.toml"
    toml.write_text(draft.toml, encoding="utf-8")
    assert read_profiles(toml)[0].columns == draft.profile.columns


def test_a_header_of_two_rows_in_a_csv(tmp_path: Path) -> None:
    price = tmp_path / "p.csv"
    price.write_text("Прайс\nБренд;Артикул;Цена;\n;;Опт;Розница\nMANN;W1;100;130\n"
                     "KNECHT;OC 90;;80\n", encoding="utf-8")
    draft = draft_profile(price)
    assert draft.line == 2 and draft.profile.skip_rows == 3
    report = load_price_file(draft.profile)
    assert report.offers.column("line").to_pylist() == [4]
    assert report.rejected.column("line").to_pylist() == [5]  # (no wholesale price: told)
    # a data row under a header with an empty column is no sub-header
    price.write_text("Бренд;Артикул;Цена;\nMANN;W1;100;x\n", encoding="utf-8")
    assert draft_profile(price).profile.skip_rows is None


def test_a_header_of_two_rows_in_a_csv_with_a_wrapped_cell(tmp_path: Path) -> None:
    # the header's wrapped cell spans lines 2 and 3: the sub-header row is on line 4, the
    # data after it (skip_rows counts lines)
    price = tmp_path / "p.csv"
    price.write_text('Прайс\nБренд;"Артикул\nпроизводителя";Цена;\n;;Опт;Розница\n'
                     "MANN;W1;100;130\nKNECHT;OC 90;;80\n", encoding="utf-8")
    draft = draft_profile(price)
    assert draft.line == 2 and draft.profile.skip_rows == 4
    assert "(lines 2 and 4)" in draft.toml
    report = load_price_file(draft.profile)
    assert report.offers.column("line").to_pylist() == [5]
    assert report.rejected.column("line").to_pylist() == [6]


def test_a_wrapped_header_cell_drafts_whole(tmp_path: Path) -> None:
    # Excel's wrapped header text: the draft's price was "Цена," (0 offers loaded with it)
    price = tmp_path / "p.csv"
    price.write_bytes('Бренд;Артикул;"Цена,\r\nруб.";"Кол-во,\r\nшт."\r\nMANN;W1;100;5\r\n'
                      .encode("cp1251"))
    draft = draft_profile(price)
    assert dict(draft.profile.columns) == {"brand": "Бренд", "article": "Артикул",
                                           "price": "Цена,\nруб.", "quantity": "Кол-во,\nшт."}
    toml = tmp_path / "s.toml"
    toml.write_text(draft.toml, encoding="utf-8")
    report = load_price_file(read_profiles(toml)[0])
    assert report.offers.column("line").to_pylist() == [4]
    assert report.offers.column("quantity").to_pylist() == [5]


@pytest.mark.parametrize("header", ["Цена, тг", "Цена ₸", "Цена, бел.р", "Цена, руб. РБ",
                                    "Цена, сум", "Цена, грн", "Цена UAH", "Цена KZT"])
def test_a_price_in_tenge_or_belarusian_roubles_is_left_out(header: str) -> None:
    assert "price" not in map_columns(["Бренд", "Артикул", header])


@pytest.mark.parametrize("header", ["Цена, руб", "Цена, руб.", "Цена, ₽", "Цена RUR", "Цена RUB",
                                    "Цена, р. с НДС", "Стоимость (руб)", "Цена в рублях"])
def test_a_price_in_roubles_is_the_price(header: str) -> None:
    assert map_columns(["Бренд", "Артикул", header])["price"] == 2


def test_an_oem_column_is_the_article_only_when_no_other_names_it(tmp_path: Path) -> None:
    """In an aftermarket price list an "OEM" column holds the car maker's numbers a part
    replaces: the column the supplier calls its number or code is the article; an OEM one only
    when no other names it, and one naming a brand ("OEM бренд") never."""
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Номер;OEM бренд;OEM номер;Наименование;Цена\n"
                     "MANN;W 920/21;TOYOTA;90915-YZZE1;Фильтр;512\n", encoding="utf-8")
    draft = draft_profile(price)
    assert dict(draft.profile.columns) == {"brand": "Бренд", "article": "Номер",
                                           "description": "Наименование", "price": "Цена"}
    assert ('# article: took "Номер" over "OEM номер", which names one too: map article = '
            '"OEM номер" if it is the one\n') in draft.toml
    report = load_price_file(draft.profile)
    assert report.offers.column("article").to_pylist() == ["W 920/21"]
    for other in ("Код", "Номер", "Код товара", "Item", "Code", "Артикул"):
        for oem in ("OEM", "OEM номер", "OE number", "Номер OEM", "oem_number"):
            assert map_columns([oem, other, "Цена"])["article"] == 1, (oem, other)
    for oem in ("OEM", "OEM номер", "OEM-номер", "OE-Nr.", "OEM No", "oem_part_number"):
        assert map_columns(["OEM бренд", oem, "Цена"])["article"] == 1, oem
    for brand in ("OEM бренд", "oem_brand", "OEM brand", "OEM производитель"):
        assert "article" not in map_columns([brand, "Цена"]), brand
    # nor is the car maker's brand the offer's, but beside an OEM article
    assert map_columns(["Производитель OEM", "Номер OEM", "Производитель", "Артикул", "Цена"]
                       ) == {"article": 3, "price": 4, "brand": 2}
    assert map_columns(["Производитель OEM", "Артикул", "Цена"]) == {"article": 1, "price": 2}
    assert map_columns(["Производитель OEM", "Номер OEM", "Цена"]) == {
        "article": 1, "price": 2, "brand": 0}


def test_a_cross_file_is_told_its_oem_number_not_its_oem_brand(realdata: Path) -> None:
    with pytest.raises(PriceFileError, match=r"line 1 names the article \('oem_part_number'\) "
                       r"but no price column"):
        draft_profile(realdata / "RealshowBelt+timing-belt-oem-cross-reference"
                      / "timing-belt-cross-reference.csv")


def test_a_wholesale_price_over_a_bare_one_beside_a_retail_one(tmp_path: Path) -> None:
    """"Цена" beside "Розничная цена" and "Оптовая цена": the one the supplier calls wholesale
    is its price to the shop; without a retail one, "Цена" is (the wholesale one may be for
    a quantity)."""
    assert map_columns(["Бренд", "Артикул", "Цена", "Розничная цена", "Оптовая цена"]
                       )["price"] == 4
    assert map_columns(["Артикул", "Цена, руб.", "Цена розн.", "Цена опт, руб."])["price"] == 3
    assert map_columns(["Артикул", "Цена", "Оптовая цена"])["price"] == 1
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Цена;Розничная цена;Оптовая цена\nMANN;W1;110;130;100\n",
                     encoding="utf-8")
    draft = draft_profile(price)
    assert '# price: took "Оптовая цена" over "Цена", which names one too' in draft.toml
    assert load_price_file(draft.profile).offers.column("price").to_pylist() == [100]


def test_a_minimum_order_sum_is_no_minimum_quantity(tmp_path: Path) -> None:
    assert map_columns(["Артикул", "Цена", "Мин. партия"])["min_quantity"] == 2
    for header in ("Мин. заказ, руб", "Мин. сумма заказа", "Min order value", "Мин. заказ, $"):
        assert "min_quantity" not in map_columns(["Артикул", "Цена", header]), header
    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Цена;Мин. заказ, руб\nMANN;W1;110;3000\n", encoding="utf-8")
    draft = draft_profile(price)
    assert "min_quantity" not in draft.profile.columns
    assert ("# \"Мин. заказ, руб\" names a sum, not a quantity: the supplier's min_order_sum "
            "below") in draft.toml


def test_a_directory_is_no_price_file(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from partsearch.loading import SupplierProfile

    with pytest.raises(PriceFileError, match="is a directory, not a price file"):
        draft_profile(tmp_path)
    with pytest.raises(PriceFileError, match="is a directory, not a price file"):
        load_price_file(SupplierProfile(code="C", name="C", file=tmp_path, brand="MANN",
                                        columns={"article": "Артикул", "price": "Цена"}))
    assert main(["profile", str(tmp_path)]) == 2
    assert "is a directory, not a price file" in capsys.readouterr().err


def test_a_draft_under_a_code_no_table_may_have_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``partsearch profile --code "ALFA "`` (or ``../x``) drafted a table that suppliers.toml
    then refused: the code is checked by the same rule, before the file is read."""
    from partsearch import ProfileError

    price = tmp_path / "p.csv"
    price.write_text("Бренд;Артикул;Цена\nMANN;W 1;100\n", encoding="utf-8")
    assert draft_profile(price, code="Альфа 2").profile.code == "Альфа 2"
    for code in ("ALFA ", "../x", ".hidden", "A" * 65):
        with pytest.raises(ProfileError, match=r"draft_profile: invalid supplier code"):
            draft_profile(tmp_path / "absent.csv", code=code)
    assert main(["profile", str(price), "--code", "AL/FA"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "invalid supplier code 'AL/FA': holds '/'" in err


def test_a_fifo_is_refused_at_once_by_the_draft_and_the_load(tmp_path: Path) -> None:
    """``partsearch profile fifo.csv`` and ``load_price_file`` of a FIFO waited for a writer
    for ever (a profile's ``file`` was refused, these two read it). A writer comes after 3 s
    here, so a read started by mistake ends rather than hangs the suite."""
    import os
    import threading
    import time

    from partsearch.loading import SupplierProfile

    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)

    def write_later() -> None:
        time.sleep(3)
        with open(fifo, "wb"):  # (blocks for good when nobody reads: a daemon thread)
            pass

    threading.Thread(target=write_later, daemon=True).start()
    started = time.perf_counter()
    with pytest.raises(PriceFileError, match="is not a regular file"):
        draft_profile(fifo)
    with pytest.raises(PriceFileError, match="is not a regular file"):
        load_price_file(SupplierProfile("A", "A", fifo, columns={"article": "a", "price": "p"}))
    assert time.perf_counter() - started < 2.5
