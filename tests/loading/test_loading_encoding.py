"""A price file's encoding when its profile names none: cp1251, KOI8-R or cp866 by its letters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._encoding import single_byte
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

