"""The real supplier files in ../shared/realdata (skipped when absent)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from partsearch.loading import SupplierProfile, load_price_file


def test_alexquasar_csv(realdata: Path) -> None:
    # UTF-8, ';' delimited, with "'" quoting a list of crosses that holds ';'.
    profile = SupplierProfile(
        code="AQ", name="AlexQuasar sample",
        file=realdata / "AlexQuasar+supplierPriceLoader" / "loadFile.csv", quote="'",
        columns={"brand": "Бренд", "article": "Артикул", "description": "Описание",
                 "price": "Цена, руб.", "quantity": "Наличие",
                 "delivery_days": "Срок поставки, дн.", "multiplicity": "Кратность отгрузки"})
    report = load_price_file(profile)
    assert report.rows_read == 10 and report.rejected.num_rows == 0
    rows = report.offers.to_pylist()
    first = rows[0]
    assert (first["brand"], first["article"], first["line"]) == ("555", "SA1712L", 2)
    assert first["description"] == "Рычаг подвески | перед лев |"
    assert first["price"] == Decimal("1343.68")
    assert (first["quantity"], first["quantity_exact"]) == (5, False)  # ">5"
    assert rows[1]["quantity"] == 1  # "<6": fewer than six, at least one
    assert rows[2]["quantity"] == 4  # "4-7"
    assert rows[3]["quantity"] == 2 and rows[3]["quantity_exact"]
    assert first["delivery_hours"] == 0


def test_alexquasar_csv_without_its_quote(realdata: Path) -> None:
    # the profile says no quote: the file's "'" is found, as `partsearch profile` finds it
    profile = SupplierProfile(
        code="AQ", name="AlexQuasar sample",
        file=realdata / "AlexQuasar+supplierPriceLoader" / "loadFile.csv",
        columns={"brand": "Бренд", "article": "Артикул", "price": "Цена, руб."})
    report = load_price_file(profile)
    assert (report.rows_read, report.offers.num_rows) == (10, 10)


def test_aioabcpapi_xlsx(realdata: Path) -> None:
    # Three preamble rows (title, date, blank); numeric articles stored as numbers.
    profile = SupplierProfile(
        code="BL", name="aioabcpapi sample",
        file=realdata / "bl4ckm45k+aioabcpapi" / "some_price.xlsx",
        columns={"brand": "Бренд", "article": "Артикул", "description": "Продукт",
                 "quantity": "Остаток, шт.", "price": "Цена, р. с НДС"})
    report = load_price_file(profile)
    assert report.rows_read == report.offers.num_rows + report.rejected.num_rows
    assert report.offers.num_rows == 159
    first = report.offers.slice(0, 1).to_pylist()[0]
    assert (first["brand"], first["article"], first["article_key"]) == (
        "MOBIL", "155093", "155093")
    assert first["description"] == "GARGOYLE ARCTIC 300, 208L"
    assert first["price"] == Decimal("160992.00")
    # its sheet row: the sheet has no row 1, so the first data row is row 6 in Excel
    assert (first["quantity"], first["line"]) == (3, 6)
