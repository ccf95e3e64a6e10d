"""An HTML price file's charset: the one it declares, when its bytes bear it out."""

from __future__ import annotations

from pathlib import Path

import pytest

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._sheets import declared_charset
from partsearch.loading.draft import draft_profile

COLUMNS = {"brand": "Бренд", "article": "Артикул", "description": "Наименование",
           "price": "Цена"}


_KOI8 = ("<table><tr><td>Бренд</td><td>Артикул</td><td>Наименование</td><td>Цена</td></tr>"
         "<tr><td>MANN</td><td>W 712/75</td><td>Фильтр</td><td>350,50</td></tr></table>")


@pytest.mark.parametrize("meta", ['<meta charset="koi8-r">', "<META CHARSET=KOI8-R>",
                                  '<meta http-equiv="Content-Type" '
                                  'content="text/html; charset=koi8-r">'])
def test_a_declared_charset_is_read(tmp_path: Path, meta: str) -> None:
    """A short KOI8-R file, which its letters alone would leave cp1251, says what it is."""
    html = f"<html><head>{meta}</head><body>{_KOI8}</body></html>"
    path = tmp_path / "price.xls"
    path.write_bytes(html.encode("koi8-r"))
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.offers.column("description").to_pylist() == ["Фильтр"]
    assert report.encoding == "koi8-r"
    draft = draft_profile(path)
    assert draft.profile.encoding == "koi8-r" and draft.profile.columns["price"] == "Цена"
    # the profile's encoding wins over the file's word
    with pytest.raises(PriceFileError, match="missing column"):
        load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS, encoding="cp1251"))


def test_a_declaration_the_bytes_do_not_bear_out_is_passed_over(tmp_path: Path) -> None:
    """A UTF-8 file from a template still declaring windows-1251 is UTF-8."""
    path = tmp_path / "price.xls"
    path.write_bytes(f'<meta charset="windows-1251">{_KOI8}'.encode())
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.offers.column("description").to_pylist() == ["Фильтр"]
    assert report.encoding is None
    assert declared_charset(b'<meta charset="windows-1251">\xd4') == "cp1251"
    assert declared_charset(b'<meta charset="utf-8">\xd4') is None
    assert declared_charset(b'<meta charset="no-such">\xd4') is None
    assert declared_charset(b"<table>\xd4") is None


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252"])
def test_a_latin_declaration_of_a_russian_file_is_passed_over(tmp_path: Path,
                                                              charset: str) -> None:
    """A cp1251 file whose template still says iso-8859-1 was read in it, garbled
    (``Ôèëüòð``), where the letters' detection reads it right."""
    path = tmp_path / "price.xls"
    path.write_bytes(f'<meta charset="{charset}">{_KOI8}'.encode("cp1251"))
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.offers.column("description").to_pylist() == ["Фильтр"]
    assert declared_charset(f'<meta charset="{charset}">Ф'.encode("cp1251")) is None
    assert declared_charset('<meta charset="ibm866">Ф'.encode("cp866")) == "cp866"
