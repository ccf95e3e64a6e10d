"""A price file's encoding when its profile names none: cp1251, KOI8-R or cp866 by its letters;
UTF-16 by its BOM or its NULs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._encoding import single_byte, utf16_order
from partsearch.loading.draft import draft_profile

COLS = {"brand": "Бренд", "article": "Артикул", "price": "Цена", "description": "Наименование"}
LATIN = {"brand": "Brand", "article": "Article", "price": "Price", "description": "Name"}
KINDS = ("Фильтр масляный", "Фильтр топливный тонкой очистки", "Колодки тормозные передние",
         "Амортизатор газовый задний", "Ремень ГРМ", "Ролик натяжной ремня ГРМ",
         "Диск тормозной вентилируемый", "Свеча зажигания", "Насос водяной (помпа)",
         "Подшипник ступицы передней", "Шаровая опора", "Наконечник рулевой тяги",
         "Сайлентблок рычага", "Прокладка ГБЦ", "Сальник коленвала", "Щетка стеклоочистителя",
         "Масло моторное 5W-30 синтетическое", "Тормозная жидкость DOT-4", "Пыльник ШРУСа",
         "Втулка стабилизатора", "Бачок расширительный", "Фара левая", "Бампер передний")
BRANDS = ("ЛАДА", "АВТОВАЗ", "ГАЗ", "УАЗ", "КАМАЗ", "ЗМЗ", "ЯМЗ", "ТРЕК", "ЛУЗАР", "ФЕНОКС",
          "БЕЛМАГ", "ПЕКАР", "СОАТЭ", "ДААЗ", "ОСВАР", "БРТ", "КЗАТЭ", "ЭЛТРА", "ЩЕКИНО",
          "ХОРС", "ФИНВЕЙЛ", "СТАРТВОЛЬТ")


def _rows(caps: bool = False) -> str:
    return "".join(f"{b};A{i};{(k.upper() if caps else k)};{100 + i}\n"
                   for i, (b, k) in enumerate(zip(BRANDS, KINDS, strict=False)))


def _load(path: Path, **kw: Any) -> Any:
    kw.setdefault("columns", COLS)
    return load_price_file(SupplierProfile(code="T", name="T", file=path, **kw))


@pytest.mark.parametrize("codec", ["koi8-r", "cp866"])
@pytest.mark.parametrize("header", ["Бренд;Артикул;Наименование;Цена", "Brand;Article;Name;Price"],
                         ids=["cyrillic", "latin"])
def test_a_koi8_or_dos_file_is_read_in_its_encoding(tmp_path: Path, codec: str,
                                                    header: str) -> None:
    """Read as cp1251, ЛАДА came out МБДБ (KOI8) or ‹Ђ„Ђ (cp866) without a word."""
    path = tmp_path / "p.csv"
    path.write_bytes(f"{header}\nMANN;W712/75;Фильтр масляный;100\n"
                     "ЛАДА;21080-1012005;Фильтр масляный ВАЗ;200\n".encode(codec))
    report = _load(path, columns=COLS if header.startswith("Б") else LATIN)
    assert report.offers.column("brand_raw").to_pylist() == ["MANN", "ЛАДА"]
    assert report.offers.column("description").to_pylist() == [
        "Фильтр масляный", "Фильтр масляный ВАЗ"]


@pytest.mark.parametrize("caps", [False, True])
def test_a_cp1251_file_stays_cp1251_in_capitals_and_short(tmp_path: Path, caps: bool) -> None:
    """KOI8 reads cp1251's capitals as lower case letters: case tells nothing, the letters do;
    a file of a few words is too short to leave the default."""
    path = tmp_path / "p.csv"
    path.write_bytes(("Бренд;Артикул;Наименование;Цена\n" + _rows(caps)).encode("cp1251"))
    report = _load(path)
    assert report.offers.column("brand_raw").to_pylist()[:2] == ["ЛАДА", "АВТОВАЗ"]
    assert report.offers.column("description").to_pylist()[0] == (
        "ФИЛЬТР МАСЛЯНЫЙ" if caps else "Фильтр масляный")
    for text in ("ЛАДА", "ФИЛЬТР МАСЛЯНЫЙ", "Фильтр масляный"):
        for codec in ("cp1251", "koi8-r", "cp866"):
            assert single_byte(text.encode(codec)) == "cp1251"


@pytest.mark.parametrize("caps", [False, True])
def test_each_part_name_and_brand_keeps_to_its_encoding(caps: bool) -> None:
    """A price file is repetitive: one name written over and over must not tip cp1251 over."""
    for word in KINDS + BRANDS:
        line = f"X;1;{word.upper() if caps else word};1\n" * 500
        assert single_byte(line.encode("cp1251")) == "cp1251", word
    for codec in ("cp1251", "koi8-r", "cp866"):
        assert single_byte(_rows(caps).encode(codec)) == codec


def test_the_draft_names_a_detected_koi8_encoding(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(("Бренд;Артикул;Наименование;Цена\n" + _rows()).encode("koi8-r"))
    draft = draft_profile(path, code="K")
    assert 'encoding = "koi8-r"' in draft.toml and draft.profile.encoding == "koi8-r"
    assert _load(path, encoding=draft.profile.encoding).offers.num_rows == len(BRANDS)
    path.write_bytes(("Бренд;Артикул;Наименование;Цена\n" + _rows()).encode("cp1251"))
    assert "encoding" not in draft_profile(path, code="K").toml


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_bom_is_read_by_its_nuls(tmp_path: Path, codec: str) -> None:
    """Read as UTF-8 (its NULs are valid), its header was "missing" as '\\x11\\x04@\\x04...'."""
    path = tmp_path / "p.txt"
    path.write_bytes("Бренд\tАртикул\tНаименование\tЦена\r\nMANN\tW712/75\tФильтр\t100\r\n"
                     "ЛАДА\t2108\tФильтр масляный\t200\r\n".encode(codec))
    report = _load(path)
    assert report.offers.column("brand_raw").to_pylist() == ["MANN", "ЛАДА"]
    assert utf16_order(path.read_bytes()) == codec
    assert draft_profile(path).profile.encoding == codec


def test_stray_nuls_or_nuls_on_both_sides_are_no_utf16(tmp_path: Path) -> None:
    assert utf16_order("Бренд;Артикул".encode("cp1251")) is None
    assert utf16_order(b"\0\0\0\0abcd\0\0\0\0" * 4) is None
    assert utf16_order("MANN\tW712".encode("utf-16-le")) == "utf-16-le"
    path = tmp_path / "p.csv"
    text = "Бренд;Артикул;Наименование;Цена\n" + "MANN;W712/75;Фильтр;100\n" * 20
    path.write_bytes(text.replace("MANN", "MA\0N", 3).encode("cp1251"))  # (a stray NUL here)
    assert _load(path).offers.column("description").to_pylist()[-1] == "Фильтр"


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\xff\xfe",
                                     "\ufeff\r\n".encode("utf-16-le")])
def test_a_file_of_only_a_bom_is_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(PriceFileError, match="empty file"):
        _load(path)


@pytest.mark.parametrize("bom", [True, False])
def test_a_utf16_file_named_utf8_is_refused_as_utf16(tmp_path: Path, bom: bool) -> None:
    """It said "not utf-8: 'utf-8' codec can't decode byte 0xff in position 0" (or, without
    a BOM, that its columns were missing)."""
    path = tmp_path / "p.txt"
    path.write_bytes(("\ufeff" if bom else "").encode("utf-16-le") + (
        "Бренд\tАртикул\tНаименование\tЦена\r\nMANN\tW712/75\tФильтр\t100\r\n"
        .encode("utf-16-le")))
    with pytest.raises(PriceFileError, match="but the file is UTF-16") as err:
        _load(path, encoding="utf-8")
    assert str(path) in str(err.value)
    with pytest.raises(PriceFileError, match="but the file is UTF-16"):
        _load(path, encoding="cp1251")
    assert _load(path, encoding="utf-16" if bom else "utf-16-le").offers.num_rows == 1


@pytest.mark.parametrize("cell", ["Spark plug «Super»", "Plug — Iridium", "Plug №5"])
def test_a_cp1251_file_of_latin_names_with_quotes_or_dashes_stays_cp1251(tmp_path: Path,
                                                                        cell: str) -> None:
    """Its only Cyrillic is its header; row after row, cp866 read the lone «, » or — as л, ╗,
    Ч, letters, and took the file, its header garbled: 'missing column(s)'."""
    path = tmp_path / "p.csv"
    path.write_bytes(("Бренд;Артикул;Наименование;Цена\r\n"
                      + "".join(f"BOSCH;{i};{cell};100\r\n" for i in range(40))).encode("cp1251"))
    report = _load(path)
    assert report.offers.num_rows == 40
    assert report.offers.column("description").to_pylist()[0] == cell


def test_the_load_names_a_detected_encoding(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The draft named a detected KOI8-R; the load's report, summary and record did not."""
    import json

    from partsearch.cli import main

    path = tmp_path / "p.csv"
    for codec, named, told in [("koi8-r", None, "koi8-r"), ("cp1251", None, "cp1251"),
                               ("utf-8", None, None), ("koi8-r", "koi8-r", None)]:
        path.write_bytes(("Бренд;Артикул;Наименование;Цена\n" + _rows()).encode(codec))
        assert _load(path, encoding=named).encoding == told, (codec, named)
    path.write_bytes(("Бренд;Артикул;Наименование;Цена\n" + _rows()).encode("koi8-r"))
    (tmp_path / "s.toml").write_text(
        '[K]\nfile = "p.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
        'price = "Цена" }\n', encoding="utf-8")
    assert main(["load", str(tmp_path / "s.toml"), "--out", str(tmp_path / "cat")]) == 0
    assert ", read as koi8-r (detected)" in capsys.readouterr().out
    record = json.loads((tmp_path / "cat" / "loads" / "K.json").read_text("utf-8"))
    assert record["encoding"] == "koi8-r"
