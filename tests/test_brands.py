from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch import BrandRegistry, NormalizationError, PartsearchError, brand_key, brand_keys
from partsearch.errors import ProfileError


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("MANN-FILTER", "MANN-FILTER"),
        ("MANN", "MANN-FILTER"),
        ("Mann & Hummel", "MANN-FILTER"),
        ("mann filter", "MANN-FILTER"),
        ("FEBI", "FEBI BILSTEIN"),
        ("Febi Bilstein", "FEBI BILSTEIN"),
        ("LEMFÖRDER", "LEMFÖRDER"),
        ("LEMFORDER", "LEMFÖRDER"),
        ("KYB", "KAYABA"),
        ("VW", "VAG"),
        ("VOLKSWAGEN", "VAG"),
        ("AUDI", "VAG"),
        ("Seat", "VAG"),
        ("SKODA", "VAG"),
        ("MERCEDES", "MERCEDES-BENZ"),
        ("MB", "MERCEDES-BENZ"),
        ("Mercedes-Benz", "MERCEDES-BENZ"),
        ("GM", "GENERAL MOTORS"),
        ("General  Motors", "GENERAL MOTORS"),
        ("Trucktec", "TRUCKTEC AUTOMOTIVE"),
        ("METZGER AUTOTEILE", "METZGER"),
        ("CONTINENTAL CTAM", "CONTITECH"),
    ],
)
def test_aliases(spelling: str, canonical: str) -> None:
    assert brand_key(spelling) == canonical


def test_unknown_brand_passes_through_normalized() -> None:
    assert brand_key("  acme   parts ") == "ACME PARTS"


@pytest.mark.parametrize(
    ("spellings", "canonical"),
    [(["MEAT & DORIA", "MEAT&DORIA", "meat  &doria", "Meat &\u00a0Doria"], "MEAT&DORIA"),
     (["HERTH + BUSS JAKOPARTS", "HERTH+BUSS JAKOPARTS", "herth +buss  jakoparts"],
      "HERTH+BUSS JAKOPARTS"),
     # Ü written as one character, or as U and a combining diaeresis
     (["URO PARTS", "ÜRO Parts", "U\u0308RO PARTS", "üro parts"], "URO PARTS"),
     (["HI-Q", "Hi\u2013Q", "hi\u2014q", "HI\u2011Q", "HI\u2212Q", "HI - Q"], "HI-Q"),
     (["A . B", "A.B", "a. b", "A .B"], "A.B"),
     (["ÉCOLE AUTO", "ECOLE AUTO", "École  Auto", "ÈCOLE AUTO"], "ECOLE AUTO"),
     (["ACME (EU)", "ACME(EU)", "acme ( eu )", "Acme (EU)"], "ACME (EU)"),
     (["ACME, INC", "ACME ,INC", "ACME,INC"], "ACME, INC")],
)
def test_an_unknown_brands_spellings_meet(spellings: list[str], canonical: str) -> None:
    """A registered brand was matched whatever its case, accents, dashes and spacing, an
    unknown one kept them: MEAT & DORIA of a cross file and MEAT&DORIA of a price file were two
    brands, the price file's offers with no analogs. Brackets and commas stay set off."""
    assert {brand_key(s) for s in spellings} == {canonical}
    assert brand_keys(spellings).to_pylist() == [canonical] * len(spellings)


@pytest.mark.parametrize("apart", [["HI Q", "HIQ", "HI-Q"], ["TED-GUM", "TEDGUM"],
                                   ["DA SILVA", "DASILVA"]])
def test_letters_split_differently_meet_only_by_an_alias(apart: list[str],
                                                          tmp_path: Path) -> None:
    """What tells HI Q from HIQ is where the letters split, not how they are written: left to
    a catalog's brands.toml (README, Normalization)."""
    assert len({brand_key(s) for s in apart}) == len(apart)
    (tmp_path / "brands.toml").write_text(f'["{apart[-1]}"]\naliases = {apart[:-1]!r}\n'
                                          .replace("'", '"'), encoding="utf-8")
    from partsearch.brands import catalog_registry

    reg = catalog_registry(tmp_path)
    assert {reg.canonical(s) for s in apart} == {apart[-1]}


@pytest.mark.parametrize(
    ("spelling", "kept"),
    [("ЗМЗ", "ЗМЗ"), ("ЛАДА", "ЛАДА"), ("ВАЗ (LADA)", "ВАЗ (LADA)"),
     ("ВАЗ(LADA)", "ВАЗ (LADA)"), ("FENOX Россия", "FENOX РОССИЯ"),
     ("Ёж-Йод", "ЁЖ-ЙОД"), ("ёж – йод", "ЁЖ-ЙОД"), ("Е\u0308Ж-И\u0306ОД", "ЁЖ-ЙОД"),
     ('ООО "Ромашка"', 'ООО "РОМАШКА"')],
)
def test_a_cyrillic_brand_keeps_its_letters(spelling: str, kept: str) -> None:
    """Й and Ё are letters of their own, not И and Е with an accent: only a Latin letter's
    accents are folded. A quote is no punctuation the spacing touches (an opening one is not
    told from a closing one)."""
    assert brand_key(spelling) == kept
    assert brand_keys([spelling]).to_pylist() == [kept]


def test_registered_brands_keep_their_names(tmp_path: Path) -> None:
    """The registry's names are as its file writes them (LEMFÖRDER keeps its Ö), a catalog's
    too; any spelling of them still finds them."""
    reg = BrandRegistry.default()
    assert all(reg.canonical(name) == name for name in reg.brands)
    assert reg.canonical("Lemforder") == reg.canonical("LEMFÖRDER") == "LEMFÖRDER"
    assert reg.canonical("Ford Asia&Oceania") == "FORD"
    reg = _catalog_with(tmp_path, '["Meat & Doria"]\naliases = ["M&D"]\n')
    assert reg.canonical("MEAT&DORIA") == reg.canonical("m & d") == "MEAT & DORIA"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("BОSCH", "BOSCH"),  # Cyrillic О
        ("МАNN", "MANN-FILTER"),  # Cyrillic М, А: then the alias
        ("ТRW", "TRW"),  # Cyrillic Т
        ("bоsch", "BOSCH"),  # a lowercase Cyrillic о
        ("LEMFÖRDЕR", "LEMFÖRDER"),  # Ö is Latin too; Cyrillic Е
        ("acmе  parts", "ACME PARTS"),  # unknown: passes through in Latin
        # all-Cyrillic brands are kept as written, even when every letter looks Latin
        ("ЛАДА", "ЛАДА"),
        ("ВОСН", "ВОСН"),
        ("КАМАЗ", "KAMAZ"),
        ("ВАЗ", "LADA"),
    ],
)
def test_cyrillic_lookalikes_in_a_latin_brand_are_latin(spelling: str, canonical: str) -> None:
    """1C operators type BОSCH on a Russian layout: it was a brand of its own beside BOSCH."""
    reg = BrandRegistry.default()
    assert brand_key(spelling) == canonical
    assert brand_keys([spelling]).to_pylist() == [canonical]
    assert reg.get(spelling) == reg.get(canonical)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("МАНН", "MANN-FILTER"), ("Манн-Фильтр", "MANN-FILTER"), ("БОШ", "BOSCH"),
     ("Брембо", "BREMBO"), ("ЛУК", "LUK"), ("ИНА", "INA"), ("Лемфёрдер", "LEMFÖRDER"),
     ("Фенокс", "FENOX"), ("Тойота", "TOYOTA"), ("ЛЕКСУС", "TOYOTA"), ("Фольксваген", "VAG"),
     ("Шкода", "VAG"), ("Мерседес-Бенц", "MERCEDES-BENZ"), ("мерседес бенц", "MERCEDES-BENZ"),
     ("Хёндэ", "HYUNDAI"), ("ХЕНДЭ", "HYUNDAI"), ("Хундай", "HYUNDAI"), ("Мицубиси", "MITSUBISHI"),
     ("Дэу", "CHEVROLET"), ("Грейт Волл", "HAVAL"), ("МАН", "MAN"), ("Лукойл", "LUKOIL")],
)
def test_a_foreign_maker_written_in_cyrillic_is_its_brand(spelling: str, canonical: str) -> None:
    """Russian price files write foreign makers in Cyrillic: the shipped registry has their usual
    spellings (МАНН;W 920/21 was a brand МАНН beside MANN-FILTER, its offers with no analogs)."""
    assert brand_key(spelling) == canonical
    assert brand_keys([spelling, canonical]).to_pylist() == [canonical, canonical]


@pytest.mark.parametrize(
    "spelling",
    # a look-alike of a Latin brand that is no spelling of it; another maker (Minsk's trucks)
    ["ВОСН", "АТЕ", "КУВ", "МАЗ"],
)
def test_a_cyrillic_word_that_is_no_foreign_makers_spelling_is_kept(spelling: str) -> None:
    assert brand_key(spelling) == spelling


@pytest.mark.parametrize(
    "spellings",
    [("Augustin Group", "AugustinGroup"),
     ("HERTH+BUSS JAKOPARTS", "HERTH + BUSS JAKOPARTS", "JAKOPARTS"),
     ("HERTH+BUSS ELPARTS", "ELPARTS")],
)
def test_one_makers_letters_split_differently_are_one_brand(spellings: tuple[str, ...]) -> None:
    """Two catalogues' spellings of one maker (TecDoc's brand list has AugustinGroup, the cross
    lists Augustin Group); a price file names Herth+Buss's range alone."""
    assert len({brand_key(s) for s in spellings}) == 1
    assert len(set(brand_keys(list(spellings)).to_pylist())) == 1


def test_herth_buss_ranges_and_stec_stay_apart() -> None:
    """Jakoparts and Elparts are two TecDoc brands of their own numbers; nothing says S-TEC
    and STec are one maker; G.U.D. and GUD, RPL QUALITY and RPLQuality have TecDoc ids of their
    own (the realdata test of its brand list: the registry merges none of its brands)."""
    assert brand_key("JAKOPARTS") != brand_key("ELPARTS")
    assert brand_key("S-TEC") != brand_key("STec")
    assert brand_key("G.U.D.") != brand_key("GUD")
    assert brand_key("RPL QUALITY") != brand_key("RPLQuality")


@pytest.mark.parametrize(
    ("spelling", "kept"),
    [("ВАЗ (LADA)", "ВАЗ (LADA)"), ("ГАЗ/GAZ", "ГАЗ/GAZ"), ("FENOX Россия", "FENOX РОССИЯ"),
     ("BОSCH Россия", "BOSCH РОССИЯ"), ("Hyundai/КИА", "HYUNDAI/КИА")],
)
def test_a_cyrillic_word_beside_a_latin_one_is_kept(spelling: str, kept: str) -> None:
    """The look-alike rule is a word's: the whole name's made ВАЗ (LADA) BAЗ (LADA) and
    FENOX Россия FENOX POCCИЯ, a Russian word half in Latin."""
    assert brand_key(spelling) == kept
    assert brand_keys([spelling]).to_pylist() == [kept]


def test_a_mixed_script_brand_is_suggested_as_the_latin_one() -> None:
    assert BrandRegistry.default().suggest("BОSH")[0] == "BOSCH"


def test_knecht_and_mahle_stay_apart() -> None:
    assert brand_key("KNECHT") != brand_key("MAHLE")


def test_oem_flag_and_cyrillic_rule() -> None:
    reg = BrandRegistry.default()
    assert reg.is_oem("VW") and reg.is_oem("TOYOTA") and not reg.is_oem("MANN")
    assert not reg.is_oem("ACME")
    assert reg.keeps_cyrillic("ЗМЗ") and not reg.keeps_cyrillic("BOSCH")


@pytest.mark.parametrize("bad", ["", "   ", "-", "\u2014", "?", "\u00ad", " - / ", "\u200b"])
def test_empty_brand_is_an_error(bad: str) -> None:
    """A brand of no letters or digits ("-", "?", a soft hyphen alone) was a brand of its own,
    offered in the brand choice."""
    why = "is empty" if not bad.strip() else "no letters or digits"  # (said as it is)
    with pytest.raises(NormalizationError, match=why):
        brand_key(bad)
    assert brand_keys([bad, "knecht"]).to_pylist() == [None, "KNECHT"]


def test_invisible_characters_leave_a_kept_brand() -> None:
    """A soft hyphen was dropped from MANN-\xadFILTER (an alias) and kept in an unknown brand."""
    assert brand_key("MANN-\u00adFILTER") == "MANN-FILTER"
    assert brand_key("AC\u00adME\u200b PARTS") == "ACME PARTS"
    assert brand_keys(["AC\u00adME"]).to_pylist() == ["ACME"]
    # nor does one split a word before its Cyrillic look-alikes are read: МА\xadNN (М, А
    # typed on a Russian layout) is MANN, a word with a Latin letter, not МА and NN (a
    # Cyrillic word kept as written, and an unknown brand МАNN)
    assert brand_key("МА\u00adNN") == brand_key("МА\u200bNN") == "MANN-FILTER"
    assert brand_keys(["ВО\u00adSCH"]).to_pylist() == ["BOSCH"]


def test_suggest_misspelled() -> None:
    reg = BrandRegistry.default()
    assert reg.suggest("MAN FILTR")[0] == "MANN-FILTER"
    assert "FEBI BILSTEIN" in reg.suggest("FEBBI")
    assert reg.suggest("") == []


def test_registry_file_is_editable(tmp_path: Path) -> None:
    extra = tmp_path / "brands.toml"
    extra.write_text('["ACME"]\naliases = ["ACME CORP"]\noem = true\n', encoding="utf-8")
    reg = BrandRegistry.load(extra, base=BrandRegistry.default())
    assert reg.canonical("acme corp") == "ACME"
    assert reg.is_oem("ACME")
    assert reg.canonical("MANN") == "MANN-FILTER"


def test_bad_registry_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "brands.toml"
    bad.write_text('["ACME"]\naliases = "ACME CORP"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"brands\.toml"):
        BrandRegistry.load(bad)


def test_a_registry_toml_cannot_parse_names_its_line(tmp_path: Path) -> None:
    """tomllib's "(at line N, column M)" is the error's line, where it was None."""
    bad = tmp_path / "brands.toml"
    for text, line in (('["ACME"]\naliases = ["X1"\n', 2), ('["ACME"]\n\noem = tru\n', 3)):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ProfileError, match="cannot read brand registry") as err:
            BrandRegistry.load(bad)
        assert (err.value.path, err.value.line) == (str(bad), line)
        assert str(err.value).startswith(f"{bad}:{line}: ")
    # a comment saved in cp1251 (TOML is UTF-8): its line and byte, as catalog.toml's
    bad.write_bytes('["ACME"]\n# бренд\n'.encode("cp1251"))
    with pytest.raises(ProfileError, match=r"not UTF-8 \(byte 0xe1\); save it as UTF-8") as err:
        BrandRegistry.load(bad)
    assert err.value.line == 2


def _scalar_or_none(name: object) -> str | None:
    try:
        return brand_key(name)  # type: ignore[arg-type]
    except NormalizationError:
        return None


# Latin brands typed with Cyrillic look-alikes (BОSCH), all-Cyrillic ones (ЛАДА, ВОСН), mixed
_MIXED = "BOSCHMANTRWFÖbosch АВЕКМНОРСТХУІЈЅаекмнорсуіјѕЛДЗЖ-& "
# and what an unknown brand's spellings differ by: accents (composed or combining, on Latin and
# Cyrillic letters: Й, Ё), dashes, punctuation and white space around it, brackets, quotes
_SPELLED = "AEOUaeouÜüÉéÅàñçÅKßØİıИЙЕЁОСйёӦ1\u0301\u0308\u0306\u0591 -–—‑−&+./,()\"'_\u00a0\u00ad"
_mixed_names = st.sampled_from(["BОSCH", "МАNN", "ТRW", "ВОСН", "ЛАДА", "ВАЗ", "КАМАЗ"]) | \
    st.text(alphabet=_MIXED, max_size=8) | st.text(alphabet=_SPELLED, max_size=10)
# lone surrogates (text decoded with surrogateescape) and what is not text at all
_names = st.text(alphabet=st.one_of(st.characters(), st.sampled_from("\ud800\udc80\udfff")),
                 max_size=12) | _mixed_names
_values = st.one_of(_names, st.none(), st.integers(), st.floats(), st.booleans(), st.binary())


@given(st.lists(_values, max_size=30))
def test_vectorized_equals_scalar(values: list[object]) -> None:
    expected = [None if v is None else _scalar_or_none(v) for v in values]
    assert brand_keys(values).to_pylist() == expected
    # an Arrow column is UTF-8: no lone surrogate in it
    names = [v for v in values if isinstance(v, str) and not re.search("[\ud800-\udfff]", v)]
    assert brand_keys(pa.array(names, pa.string())).to_pylist() == [
        _scalar_or_none(n) for n in names]


def test_lone_surrogate_and_non_text_in_a_list() -> None:
    """Arrow cannot hold a lone surrogate (brand_keys raised UnicodeEncodeError) and a list's
    5 is no brand (ArrowTypeError; bytes were even read as text): U+FFFD and null, as the
    scalar form keeps and rejects them."""
    assert brand_key("ab\ud800") == "AB\ufffd"
    assert brand_keys(["ab\ud800", 5, b"MANN", "mann"]).to_pylist() == [
        "AB\ufffd", None, None, "MANN-FILTER"]
    with pytest.raises(NormalizationError):
        brand_key(5)  # type: ignore[arg-type]


@given(st.text(max_size=20) | _mixed_names)
def test_brand_key_idempotent_and_total(name: str) -> None:
    try:
        key = brand_key(name)
    except PartsearchError:
        return
    assert brand_key(key) == key


@given(_names)
def test_a_kept_brand_is_stable_and_found_as_its_spelling(name: str) -> None:
    """An unknown brand's kept form is kept as it is (a catalog keys it again on every load),
    and it has its spelling's match key: the registry reads it as it read the spelling."""
    from partsearch.brands import _match_key, _passthrough

    if not _match_key(name):
        return
    kept = _passthrough(name)
    assert _passthrough(kept) == kept
    assert _match_key(kept) == _match_key(name)


_LATIN_ACCENT = st.sampled_from(["", "", "\u0301", "\u0308", "\u030a", "\u0327", "\u030c"])
_DASH = st.sampled_from("-\u2010\u2011\u2013\u2014\u2212\uff0d")
_GAP = st.sampled_from(["", "", " ", "  ", "\u00a0", "\t"])


@given(st.text(alphabet="ACEGIKMNOPRSTUZacegikmnoprstuz ЙЁЛДЖйёлдж1-&+./()", min_size=1,
               max_size=12), st.data())
def test_spellings_differing_in_case_accents_dashes_or_spacing_meet(
        base: str, data: st.DataObject) -> None:
    """``base`` written another way, character by character: in another case, a Latin letter
    with an accent, a hyphen as another dash, white space around punctuation and in runs."""
    if not any(ch.isalnum() for ch in base):
        return
    spelled = [data.draw(_GAP)]
    for ch in base:
        if ch.isascii() and ch.isalpha():
            spelled.append(data.draw(st.sampled_from([ch.upper(), ch.lower()]))
                           + data.draw(_LATIN_ACCENT))
        elif ch.isalpha() or ch.isdigit():
            spelled.append(data.draw(st.sampled_from([ch.upper(), ch.lower()])))
        elif ch == " ":
            spelled.append(data.draw(st.sampled_from([" ", "  ", "\u00a0", " \t"])))
        else:
            spelled.append(data.draw(_GAP) + (data.draw(_DASH) if ch == "-" else ch)
                           + data.draw(_GAP))
    spelled.append(data.draw(_GAP))
    variant = "".join(spelled)
    assert brand_key(variant) == brand_key(base), variant
    assert brand_keys([variant, base]).to_pylist() == [brand_key(base)] * 2


def test_real_brand_spellings_meet(realdata: Path) -> None:
    oe = realdata / "autonahariya-a11y+tecdoc-data" / "oe_crosses_flat.csv"
    mann = realdata / "Motorlink+TECDOC-REPO" / "mann_filter_oe_numbers_flat.csv"
    oe_rows = csv.DictReader(oe.open(encoding="utf-8"))
    oe_brands = {r["oem_brand"] for r in oe_rows if r["oem_brand"].strip()}
    mann_rows = list(csv.DictReader(mann.open(encoding="utf-8")))
    vag_group = {brand_key(b) for b in ("VW", "AUDI", "SKODA", "SEAT")}
    assert vag_group & {brand_key(b) for b in oe_brands} == {"VAG"}
    assert "VAG" in {brand_key(r["oem_brand"]) for r in mann_rows if r["oem_brand"].strip()}
    assert {brand_key(r["shop_manufacturer"]) for r in mann_rows} == {"MANN-FILTER"}
    assert {brand_key(r["td_brand"]) for r in mann_rows} == {"MANN-FILTER"}


def test_real_short_spellings_meet(realdata: Path) -> None:
    """A maker a cross base names by its company (TRUCKTEC AUTOMOTIVE, METZGER AUTOTEILE) is
    the maker a price file or the catalogue's brand list names by its brand (Trucktec,
    METZGER): one brand, or a search splits it in two."""
    oe = realdata / "autonahariya-a11y+tecdoc-data" / "oe_crosses_flat.csv"
    listed = realdata / "vintikcomua+littleshop" / "db" / "TecDocBrand.csv"
    crossed = {r["aftermarket_brand"] for r in csv.DictReader(oe.open(encoding="utf-8"))}
    names = {row[1] for row in csv.reader(listed.open(encoding="utf-8"), delimiter=";")}
    assert {"TRUCKTEC AUTOMOTIVE", "METZGER AUTOTEILE"} <= crossed and "METZGER" in names
    assert brand_key("Trucktec") == brand_key("TRUCKTEC AUTOMOTIVE")
    assert brand_key("METZGER") == brand_key("METZGER AUTOTEILE")
    assert brand_key("CONTINENTAL CTAM") == brand_key("ContiTech")
    assert brand_key("TRUCKTECHNIC") != brand_key("TRUCKTEC")  # (another maker)


def test_real_spellings_of_unknown_makers_meet(realdata: Path) -> None:
    """The TecDoc cross file writes MEAT & DORIA, HERTH+BUSS JAKOPARTS and ÜRO Parts, a price
    file MEAT&DORIA, HERTH + BUSS JAKOPARTS and URO PARTS: each pair was two brands. The first
    and last are no registered brand (their spellings meet by the unknown brand's rule);
    HERTH+BUSS JAKOPARTS is since registered (its JAKOPARTS alias)."""
    oe = realdata / "autonahariya-a11y+tecdoc-data" / "oe_crosses_flat.csv"
    crossed = {r["aftermarket_brand"] for r in csv.DictReader(oe.open(encoding="utf-8"))}
    pairs = {"MEAT & DORIA": "MEAT&DORIA", "HERTH+BUSS JAKOPARTS": "HERTH + BUSS JAKOPARTS",
             "ÜRO Parts": "URO PARTS"}
    assert set(pairs) <= crossed
    reg = BrandRegistry.default()
    for cross_file, price_file in pairs.items():
        assert (reg.get(cross_file) is None) == (cross_file != "HERTH+BUSS JAKOPARTS")
        assert brand_key(cross_file) == brand_key(price_file)


def test_real_catalogue_brands_stay_apart(realdata: Path) -> None:
    """1,144 brands of a parts catalogue, one id each: the registry merges none of them (its
    aliases are explicit; KNECHT and MAHLE, GATES and its Australian range GATES-AU, stay
    apart). The list repeats a few names under two ids, which do meet."""
    path = realdata / "vintikcomua+littleshop" / "db" / "TecDocBrand.csv"
    names = [row[1] for row in csv.reader(path.open(encoding="utf-8"), delimiter=";")]
    assert len(names) > 1_000 and {"KNECHT", "MAHLE", "GATES", "GATES-AU"} <= set(names)
    spellings: dict[str, set[str]] = {}
    for name in names:
        spellings.setdefault(brand_key(name), set()).add(" ".join(name.upper().split()))
    assert {key: found for key, found in spellings.items() if len(found) > 1} == {}


def test_keep_cyrillic_flags_per_row() -> None:
    import pyarrow as pa

    from partsearch.brands import keep_cyrillic_flags

    assert keep_cyrillic_flags(pa.array(["MANN-FILTER", "BOSCH", None])) is False
    flags = keep_cyrillic_flags(pa.array(["ЗМЗ", "BOSCH", None, "ЗМЗ"]))
    assert flags.tolist() == [True, False, False, True]


def test_catalog_registry_extends_the_shipped_one(tmp_path: Path) -> None:
    from partsearch.brands import catalog_registry

    assert catalog_registry(tmp_path).canonical("Mann & Hummel") == "MANN-FILTER"
    (tmp_path / "brands.toml").write_text('["ACME"]\naliases = ["ACME PARTS LTD"]\n',
                                          encoding="utf-8")
    reg = catalog_registry(tmp_path)
    assert reg.canonical("acme parts ltd") == "ACME"
    assert reg.canonical("Mann & Hummel") == "MANN-FILTER"


@given(st.lists(st.sampled_from(["змз", "ЗМЗ", "mann", "Bosch", "", " ", "--", "ваз"])
                | st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
                | _mixed_names,
                max_size=20))
def test_brand_columns_encode_once_as_keys_then_flags(names: list[str]) -> None:
    import numpy as np

    from partsearch.brands import brand_columns, keep_cyrillic_flags

    column = pa.array(names, pa.large_string())
    keys, keep = brand_columns(column)
    assert keys.to_pylist() == brand_keys(column).to_pylist()
    assert np.array_equal(np.asarray(keep), np.asarray(keep_cyrillic_flags(keys)))



def _catalog_with(tmp_path: Path, toml: str) -> BrandRegistry:
    from partsearch.brands import catalog_registry

    (tmp_path / "brands.toml").write_text(toml, encoding="utf-8")
    return catalog_registry(tmp_path)


def test_catalog_table_of_a_shipped_brand_adds_to_it(tmp_path: Path) -> None:
    """It replaced the shipped brand: MANN was no longer MANN-FILTER, VAG no longer OEM."""
    shipped = BrandRegistry.default()
    reg = _catalog_with(tmp_path, '["MANN-FILTER"]\naliases = ["MANN AG"]\n\n'
                                  '["vag"]\naliases = ["VW GROUP"]\n')
    assert reg.canonical("MANN AG") == reg.canonical("MANN") == "MANN-FILTER"
    assert reg.canonical("Mann & Hummel") == "MANN-FILTER"
    mann = reg.brands["MANN-FILTER"]
    assert mann.aliases == (*shipped.brands["MANN-FILTER"].aliases, "MANN AG")
    assert mann.description == shipped.brands["MANN-FILTER"].description
    assert reg.canonical("vw group") == reg.canonical("AUDI") == "VAG" and reg.is_oem("VW GROUP")
    assert "VAG" in reg.brands and "vag" not in reg.brands


def test_catalog_table_sets_a_shipped_brands_flags_explicitly(tmp_path: Path) -> None:
    reg = _catalog_with(tmp_path, '["VAG"]\noem = false\n\n["LEMFORDER"]\nkeep_cyrillic = true\n'
                                  'description = "ours"\n')
    assert not reg.is_oem("VW") and reg.canonical("SKODA") == "VAG"
    assert reg.keeps_cyrillic("LEMFÖRDER") and reg.get("ZF LEMFORDER") == reg.brands["LEMFÖRDER"]
    assert reg.brands["LEMFÖRDER"].description == "ours" and reg.is_oem("TOYOTA")


def test_catalog_alias_of_a_shipped_brand_moves_to_the_catalogs_brand(tmp_path: Path) -> None:
    """The catalog's word wins: its alias leaves the shipped brand that had it (a new brand's
    or an extended shipped brand's alike), and so does a shipped alias it names a table."""
    reg = _catalog_with(tmp_path, '["ACME FILTERS"]\naliases = ["MANN HUMMEL"]\n\n'
                                  '["KNECHT"]\naliases = ["MAHLE ORIGINAL"]\n\n["KYB"]\n')
    assert reg.canonical("Mann Hummel") == "ACME FILTERS"
    assert reg.canonical("MANN") == "MANN-FILTER"
    assert "MANN HUMMEL" not in reg.brands["MANN-FILTER"].aliases
    assert reg.canonical("MAHLE ORIGINAL") == "KNECHT" and reg.canonical("MAHLE") == "MAHLE"
    assert "MAHLE ORIGINAL" not in reg.brands["MAHLE"].aliases
    assert reg.canonical("kyb") == "KYB" and "KYB" not in reg.brands["KAYABA"].aliases
    assert BrandRegistry.default().canonical("Mann Hummel") == "MANN-FILTER"  # shipped: as was


def test_catalog_alias_naming_a_shipped_brand_folds_it_into_the_catalogs(
        tmp_path: Path) -> None:
    """A catalog that says HOLDEN is GM opened before HOLDEN was a shipped brand: the shipped
    registry growing must not make it a ProfileError. The catalog's word wins, as for an alias:
    the shipped brand and its spellings become the catalog brand's, with its flags."""
    reg = _catalog_with(tmp_path, '["GM"]\naliases = ["Holden", "BUICK"]\n\n'
                                  '["ACME"]\naliases = ["BOSCH"]\noem = false\n')
    assert reg.canonical("HOLDEN") == reg.canonical("buick (sgm)") == "GM"
    assert "HOLDEN" not in reg.brands and "BUICK" not in reg.brands
    assert reg.brands["GM"].aliases == ("Holden", "BUICK", "BUICK (SGM)")
    assert not reg.is_oem("HOLDEN") and not reg.is_oem("BUICK")  # the catalog brand's flag
    assert reg.canonical("ROBERT BOSCH") == reg.canonical("Bosch") == "ACME"
    assert BrandRegistry.default().is_oem("HOLDEN")  # shipped: as was


@pytest.mark.parametrize(
    ("toml", "message"),
    [('["ACME"]\naliases = ["Bosch"]\n\n["BOSCH"]\n',
      r"'BOSCH' is given to both 'ACME' and 'BOSCH'"),
     ('["ACME"]\naliases = ["AC ME"]\n\n["ACME2"]\naliases = ["ac-me"]\n',
      r"'ac-me' is given to both 'ACME' and 'ACME2'"),
     ('["ACME"]\noem = "yes"\n', r"oem must be true or false"),
     ('["BOSCH"]\ndescription = 5\n', r"description must be a string")],
)
def test_catalog_registry_conflicts_are_errors_naming_the_file(tmp_path: Path, toml: str,
                                                               message: str) -> None:
    with pytest.raises(ProfileError, match=message) as err:
        _catalog_with(tmp_path, toml)
    assert "brands.toml" in str(err.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [('[""]\noem = false\n["ACME"]\naliases = ["-"]\n',
      r"brands\.toml:1: brand '': a brand's name needs a letter or a digit"),
     ('["ACME"]\noem = true\n\n[" - "]\n', r"brands\.toml:4: brand ' - ': a brand's name needs"),
     ('["ACME"]\ndescription = "Own brand"\naliases = ["", "  ", "-", "ACME CORP"]\n',
      r"brands\.toml:1: brand 'ACME': aliases \['', '  ', '-'\] have no letter or digit"),
     # every table error names its line, found by the table's header
     ("oem = 1\n[ACME]\nalias = ['A']\n", r"brands\.toml:1: brand 'oem': must be a table"),
     ("[ACME]\nalias = ['A']\n", r"brands\.toml:1: brand 'ACME': unknown keys \['alias'\]"),
     ("['X']\noem = true\n['ACME']\naliases = ['X']\n",
      r"brands\.toml:3: 'X' is given to both 'X' and 'ACME'")],
)
def test_a_blank_brand_or_alias_is_an_error_naming_the_file_line_and_brand(
        tmp_path: Path, toml: str, message: str) -> None:
    """An empty table name (``[""]``) was accepted and took over another brand's entry."""
    with pytest.raises(ProfileError, match=message):
        _catalog_with(tmp_path, toml)


# Names in the OE column that are not (only) car makers: a placeholder, and three that TecDoc's
# catalogue also gives aftermarket makers (its AMC is no American Motors); flagged OEM, their
# aftermarket parts' analogs would be shown as OEM replacements.
NOT_OEM_IN_OE_COLUMN = {"GENERIC", "AMC", "EATON", "HITACHI"}


def test_real_oe_makers_are_oem_brands(realdata: Path) -> None:
    """Every maker of TecDoc's OE numbers is an OEM brand (144 of 203 were unknown, so
    searching GMC or HOLDEN showed no OEM replacements), and a joint venture's cars are their
    make's (VW (FAW) is VAG, FORD MOTOR COMPANY is FORD)."""
    path = realdata / "autonahariya-a11y+tecdoc-data" / "oe_crosses_flat.csv"
    makers = {r["oem_brand"] for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert len(makers) == 203 and makers >= NOT_OEM_IN_OE_COLUMN
    reg = BrandRegistry.default()
    assert {m for m in makers if not reg.is_oem(m)} == NOT_OEM_IN_OE_COLUMN
    assert {brand_key(m) for m in ("VW (FAW)", "AUDI (FAW)", "VW (SVW)", "SKODA (SVW)")} == {
        "VAG"}
    assert brand_key("FORD MOTOR COMPANY") == brand_key("FORD (CHANGAN)") == "FORD"
    assert brand_key("TOYOTA (FAW)") == "TOYOTA" and brand_key("CITROËN (DF-PSA)") == "CITROEN"
    # distinct makers stay apart: GM's makes, a maker's sub-brands, a truck maker of a car name
    apart = ["GMC", "BUICK", "CADILLAC", "HOLDEN", "PONTIAC", "GENERAL MOTORS", "CHEVROLET",
             "SCION", "GENESIS", "DS", "RENAULT TRUCKS", "RENAULT", "BAIC WEIWANG", "BAIC"]
    assert len({brand_key(m) for m in apart}) == len(apart)


def test_a_registry_saved_with_a_bom_is_read(tmp_path: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM" failed "Invalid statement (at line 1, column 1)"."""
    path = tmp_path / "brands.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'["Meat & Doria"]\naliases = ["M&D"]\n')
    assert BrandRegistry.load(path).canonical("m & d") == "MEAT & DORIA"
