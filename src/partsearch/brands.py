"""Brand canonicalization: one maker, one name.

The same maker is spelled MANN / MANN-FILTER / Mann & Hummel. Matching is by explicit aliases from
an editable registry (``data/brands.toml``), never by fuzzy similarity: KNECHT and MAHLE are related
but not the same brand, and a fuzzy merge would put one's parts under the other. Fuzzy matching is
used only to *suggest* brands for a misspelled one. Cyrillic letters that look Latin are Latin in a
word that has a Latin letter (``BОSCH`` typed on a Russian layout is BOSCH). A brand the registry
does not know is kept readable, in one spelling for what its match ignores but the split of its
letters (``MEAT & DORIA`` and ``MEAT&DORIA`` are MEAT&DORIA; ``HI Q`` and ``HIQ`` are two).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from partsearch._inputs import shown, user_path
from partsearch._toml import read_toml
from partsearch.errors import NormalizationError, ProfileError
from partsearch.normalize import _LOOKALIKES, one_value

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Brand", "BrandRegistry", "brand_key", "brand_keys", "catalog_registry",
           "default_registry", "keep_cyrillic_flags"]

_SPACES = re.compile(r"\s+")
# invisible characters a brand is written with (a soft hyphen from a word processor, a
# zero-width space or joiner, a BOM): the aliases' match drops them, a kept brand too
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_NOT_ALNUM = re.compile(r"[\W_]+")
# A lone surrogate (text decoded with surrogateescape) is no character: Arrow cannot hold it, so
# a kept brand shows it as U+FFFD, the scalar form as the vectorized one. Neither is a match
# key character, so matching is the same either way.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Cyrillic letters that look Latin, folded as article_key folds them. 1C operators type BОSCH or
# МАNN on a Russian layout; in a word with a Latin letter such a letter can only be the Latin one.
# An all-Cyrillic word is kept as written (ЛАДА, КАМАЗ, even ВОСН, all of whose letters look
# Latin): it may be a real Cyrillic brand, and nothing in it tells a look-alike from a letter. So
# is one beside a Latin word (ВАЗ (LADA), ГАЗ/GAZ, FENOX Россия): the rule is a word's, not the
# name's, or those read BAЗ (LADA), ГAЗ/GAZ, FENOX POCCИЯ.
_LOOKALIKE_TRANS = str.maketrans(_LOOKALIKES)
_LOOKALIKE_SET = frozenset(_LOOKALIKES)
# The accents NFD takes off a Latin letter: part of its word (U + a combining acute is Ú), so a
# word reads alike written either way and after its accents are folded.
_ACCENTS = "\u0300-\u036f"
_WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{_ACCENTS}])*")


def _latin(ch: str) -> bool:
    """A Latin letter, or one NFD makes Latin (the Angstrom sign is an A with a ring)."""
    return "LATIN" in unicodedata.name(unicodedata.normalize("NFD", ch)[0], "")


def _latin_word(word: re.Match[str]) -> str:
    text = word.group()
    if any(_latin(ch) for ch in text):
        return text.translate(_LOOKALIKE_TRANS)
    return text


def _latin_lookalikes(name: str) -> str:
    """``name`` with the Cyrillic look-alikes of its words that have a Latin letter in Latin."""
    if name.isascii() or _LOOKALIKE_SET.isdisjoint(name):  # the usual brand: no scan
        return name
    return _WORD.sub(_latin_word, name)


@lru_cache(maxsize=65_536)  # brands repeat across searches and rows: normalize each once
def _match_key(name: str) -> str:
    """Spelling-blind key for alias matching: no case, accents, spaces or punctuation, and no
    Cyrillic look-alike in a word written in Latin."""
    # read as a kept brand is: with no invisible character (a soft hyphen splits no word) and
    # upper-cased first (a Greek iota subscript is an accent to NFKD, an iota upper-cased)
    if not name.isascii():
        name = _INVISIBLE.sub("", name)
    decomposed = unicodedata.normalize("NFKD", _latin_lookalikes(name).upper())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", bare.upper())


def blank_brand(name: object) -> bool:
    """A brand of no letters or digits (``""``, ``" "``, ``"-"``, a soft hyphen alone): no
    brand, as :meth:`BrandRegistry.canonical` says by its :class:`NormalizationError`."""
    return isinstance(name, str) and not _match_key(name)


# The dashes a word processor or another layout writes for a hyphen (Hi–Q is Hi-Q)
_DASHES = str.maketrans(dict.fromkeys(
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"))
_LATIN_ACCENTS = re.compile(rf"([^\W\d_])([{_ACCENTS}]+)")
# White space beside a punctuation mark or a symbol is not the brand's (MEAT & DORIA is
# MEAT&DORIA, HERTH + BUSS is HERTH+BUSS); a bracket is then set off from the word before it, a
# comma or closing bracket from the word after (TOYOTA (FAW)). Quotes are words here: an opening
# one is not told from a closing one (ООО "ЛАДА" keeps its space).
_QUOTES = "\"'\u201a\u201e\uff02\uff07"
_OPENS, _CLOSES = "([{", ")]},"
_SET_OFF = re.compile(r"[(\[{)\]},]")


def _punct(ch: str) -> bool:
    """A punctuation mark or a symbol (&, +, ., -, ®), not a quote (Pi, Pf: « », “ ”)."""
    category = unicodedata.category(ch)
    return category[0] in "PS" and category not in ("Pi", "Pf") and ch not in _QUOTES


def _space(run: re.Match[str]) -> str:
    text, start, end = run.string, run.start(), run.end()
    return "" if _punct(text[start - 1]) or _punct(text[end]) else " "


def _set_off(mark: re.Match[str]) -> str:
    text, at, ch = mark.string, mark.start(), mark.group()
    if ch in _OPENS and at > 0 and not (_punct(text[at - 1]) or text[at - 1].isspace()):
        return " " + ch
    if ch in _CLOSES and at + 1 < len(text) and not (_punct(text[at + 1])
                                                     or text[at + 1].isspace()):
        return ch + " "
    return ch


def _as_written(name: str) -> str:
    """A registry's brand as its file writes it: uppercase, trimmed, inner spaces collapsed,
    Cyrillic look-alikes in Latin in a word with a Latin letter (its accents and spacing are
    the file's: LEMFÖRDER, FORD ASIA & OCEANIA)."""
    if not name.isascii():
        name = _INVISIBLE.sub("", name)
    return _SPACES.sub(" ", _latin_lookalikes(name).strip()).upper()


def _fold_latin_accent(letter: re.Match[str]) -> str:
    base = letter.group(1)
    return base if _latin(base) else letter.group()


def _passthrough(name: str) -> str:
    """How an unknown brand is kept: readable, and one spelling for what differs only in case,
    the accents of Latin letters (ÜRO is URO; Й and Ё stay), dashes, white space beside
    punctuation and runs of white space; Cyrillic look-alikes in Latin in a word with a Latin
    letter. Its match key is the name's, so the registry reads it as it read the name."""
    name = _as_written(name)
    wide = not name.isascii()
    if wide:
        name = unicodedata.normalize("NFD", _SURROGATE.sub("\ufffd", name).translate(_DASHES))
        name = _LATIN_ACCENTS.sub(_fold_latin_accent, name)
    name = _SET_OFF.sub(_set_off, _SPACES.sub(_space, name))
    # composed after the spacing, which may bring a letter and its accent together
    return unicodedata.normalize("NFC", name) if wide else name


@dataclass(frozen=True, slots=True)
class Brand:
    """A canonical brand and what the registry knows of it.

    >>> mann = BrandRegistry.default().brands["MANN-FILTER"]
    >>> mann.name, mann.aliases[:2], mann.oem, mann.keep_cyrillic
    ('MANN-FILTER', ('MANN', 'MANN FILTER'), False, False)
    """

    name: str
    aliases: tuple[str, ...] = ()
    oem: bool = False
    keep_cyrillic: bool = False
    description: str = ""


@dataclass(frozen=True)
class BrandRegistry:
    """Canonical brands with aliases, the OEM flag and the keep-Cyrillic rule.

    >>> reg = BrandRegistry.default()
    >>> reg.canonical("Mann & Hummel"), reg.canonical("vw"), reg.canonical("  acme  parts ")
    ('MANN-FILTER', 'VAG', 'ACME PARTS')
    >>> reg.is_oem("VAG")
    True
    """

    brands: dict[str, Brand]
    _by_key: dict[str, str] = field(repr=False, compare=False)
    # facts() per spelling: a search or lookup asks about a small vocabulary of spellings
    _facts: dict[str, tuple[str, bool, bool]] = field(default_factory=dict, repr=False,
                                                      compare=False)

    @classmethod
    def from_brands(cls, brands: dict[str, Brand]) -> BrandRegistry:
        by_key: dict[str, str] = {}
        for brand in brands.values():
            for spelling in (brand.name, *brand.aliases):
                key = _match_key(spelling)
                if key:
                    by_key.setdefault(key, brand.name)
        # A canonical name always wins over another brand's alias.
        for brand in brands.values():
            by_key[_match_key(brand.name)] = brand.name
        return cls(brands=dict(brands), _by_key=by_key)

    @classmethod
    def default(cls) -> BrandRegistry:
        """The registry shipped with partsearch."""
        return default_registry()

    @classmethod
    def load(cls, path: str | Path, *, base: BrandRegistry | None = None) -> BrandRegistry:
        """Load a registry TOML; with ``base``, its tables add to ``base``.

        A table named as a ``base`` brand (matched as aliases are) adds its aliases to that
        brand and replaces only the keys it sets (``oem``, ``keep_cyrillic``, ``description``);
        any other table is a new brand. A spelling the file gives (a table's name or an alias)
        means the file's brand: it leaves whichever ``base`` brand had it as an alias, and a
        ``base`` brand it names as an alias becomes the file's brand's (with its aliases; the
        flags are the file brand's). An alias that is the name of another of the file's brands,
        or one given to two of them, is a :class:`ProfileError`.
        """
        path = user_path(path, ProfileError, "BrandRegistry.load: path", "a brands.toml's path")
        data, text = read_toml(path, "brand registry", ProfileError)
        brands = dict(base.brands) if base is not None else {}
        shipped = {_match_key(name): name for name in brands}
        # match key of a spelling this file gives -> (its brand, the spelling)
        claimed: dict[str, tuple[str, str]] = {}
        tables: dict[str, str] = {}  # brand -> the file's table of it, for an error's line
        for name, table in data.items():
            extended = brands.get(shipped.get(_match_key(name), ""))
            brand = _parse_brand(name, table, path, text, extended)
            brands[brand.name] = brand
            tables[brand.name] = name
            for spelling in (name, *table.get("aliases", [])):
                # (every spelling has a key: _parse_brand refuses one that has none)
                owner = claimed.setdefault(_match_key(spelling), (brand.name, spelling))[0]
                if owner != brand.name:
                    raise ProfileError(f"{spelling!r} is given to both {owner!r} and "
                                       f"{brand.name!r}", path=path,
                                       line=_table_line(text, name))
        names = {_match_key(name): name for name in brands}
        ours = {owner for owner, _spelling in claimed.values()}
        for key, (owner, spelling) in claimed.items():
            other = names.get(key, owner)
            if other in ours and other != owner:
                raise ProfileError(f"alias {spelling!r} of {owner!r} is the brand "
                                   f"{other!r}: one brand cannot be another's alias",
                                   path=path, line=_table_line(text, tables[owner]))
            if other != owner:
                # A ``base`` brand the file gives as an alias (HOLDEN, shipped since, in a
                # catalog's ``["GM"] aliases = ["HOLDEN"]`` that opened before): the file's
                # word wins, as for an alias; its spellings go with it, its flags are the
                # file brand's.
                folded = brands.pop(other)
                brands[owner] = replace(brands[owner], aliases=tuple(dict.fromkeys(
                    (*brands[owner].aliases, *folded.aliases))))
        for name, brand in brands.items():  # what the file gives moves to the file's brand
            kept = tuple(a for a in brand.aliases
                         if claimed.get(_match_key(a), (name,))[0] == name)
            if kept != brand.aliases:
                brands[name] = replace(brand, aliases=kept)
        return cls.from_brands(brands)

    @cached_property
    def key_fingerprint(self) -> str:
        """A short digest of what of this registry goes into a part's keys: the brand each
        spelling's match means and the brands that keep Cyrillic articles. Not a description,
        nor the OEM flag (a search reads it from the registry it opens with), nor an alias that
        means what another spelling already did. A catalog's cross snapshot and offers are
        stamped with it (``_stamp``); made once per registry (a catalog's is made once per
        open), ~0.5 ms for the shipped one."""
        keep = sorted(name for name, brand in self.brands.items() if brand.keep_cyrillic)
        text = json.dumps([sorted(self._by_key.items()), keep], ensure_ascii=False)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def canonical(self, name: str) -> str:
        """The canonical brand for a spelling; unknown brands pass through normalized."""
        if not isinstance(name, str):
            raise NormalizationError(f"not a brand: {shown(name)}")
        key = _match_key(name)
        found = self._by_key.get(key)
        if found is not None:
            return found
        if not key:  # "", "-", "?", a soft hyphen alone: no brand, as an empty cell is
            raise NormalizationError(f"brand {shown(name)} is empty" if not name.strip() else
                                     f"brand {shown(name)} has no letters or digits")
        return _passthrough(name)

    def facts(self, name: str) -> tuple[str, bool, bool]:
        """``(canonical(name), keeps_cyrillic, is_oem)`` of a spelling, remembered: each of the
        three normalizes the spelling again (~1 us together), and the spellings searched are a
        small vocabulary. Raises NormalizationError as :meth:`canonical` does.

        >>> BrandRegistry.default().facts("vw")
        ('VAG', False, True)
        """
        # anything but a str goes to canonical(), which says what is wrong with it
        found = self._facts.get(name) if isinstance(name, str) else None
        if found is None:
            canonical = self.canonical(name)
            found = (canonical, self.keeps_cyrillic(canonical), self.is_oem(canonical))
            if len(self._facts) >= 4096:
                self._facts.clear()
            self._facts[name] = found
        return found

    def get(self, name: str) -> Brand | None:
        """The registry entry for a brand spelling, or None for an unknown brand."""
        found = self._by_key.get(_match_key(name))
        return None if found is None else self.brands[found]

    def is_oem(self, name: str) -> bool:
        """True for car makers (original part numbers)."""
        brand = self.get(name)
        return brand is not None and brand.oem

    def keeps_cyrillic(self, name: str) -> bool:
        """True for makers that write real Cyrillic articles."""
        brand = self.get(name)
        return brand is not None and brand.keep_cyrillic

    def suggest(self, name: str, *, limit: int = 5, score_cutoff: float = 60.0) -> list[str]:
        """Closest known brands to a (misspelled) name, best first.

        >>> BrandRegistry.default().suggest("MAN FILTR")[0]
        'MANN-FILTER'
        """
        from rapidfuzz import fuzz, process

        if not isinstance(name, str):  # (as canonical: None raised AttributeError)
            raise NormalizationError(f"not a brand: {shown(name)}")
        query = _match_key(name)
        if not query:
            return []
        keys = list(self._by_key)
        hits = process.extract(
            query, keys, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=score_cutoff
        )
        out: list[str] = []
        for key, _score, _idx in hits:
            brand = self._by_key[key]
            if brand not in out:
                out.append(brand)
            if len(out) == limit:
                break
        return out


def _parse_brand(name: str, table: Any, path: Path, text: str,
                 extended: Brand | None = None) -> Brand:
    """A registry table as a brand; with ``extended``, what the table adds to that brand."""

    def error(problem: str) -> ProfileError:
        return ProfileError(f"brand {name!r}: {problem}", path=path, line=_table_line(text, name))

    if not isinstance(table, dict):
        raise error("must be a table")
    # A name or alias with no letter or digit matches no spelling, and its empty match key
    # would be the key of every such spelling: a ``[""]`` table took over another brand.
    if not _match_key(name):
        raise error("a brand's name needs a letter or a digit")
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise error("aliases must be a list of strings")
    nothing = [a for a in aliases if not _match_key(a)]
    if nothing:
        raise error(f"aliases {nothing} have no letter or digit (an alias with none matches "
                    "no spelling)")
    unknown = set(table) - {"aliases", "oem", "keep_cyrillic", "description"}
    if unknown:
        raise error(f"unknown keys {sorted(unknown)}")
    for flag in ("oem", "keep_cyrillic"):
        if not isinstance(table.get(flag, False), bool):
            raise error(f"{flag} must be true or false")
    if not isinstance(table.get("description", ""), str):
        raise error("description must be a string")
    if extended is None:
        extended = Brand(name=_as_written(name))
    return Brand(
        name=extended.name,
        aliases=tuple(dict.fromkeys((*extended.aliases, *aliases))),
        oem=table.get("oem", extended.oem),
        keep_cyrillic=table.get("keep_cyrillic", extended.keep_cyrillic),
        description=table.get("description", extended.description),
    )


def _table_line(text: str, name: str) -> int | None:
    """The line of a registry file's table ``name`` (``["ACME"]``, ``[ACME]``, or ``ACME = {``
    above the first header), for an error to name: tomllib gives no positions. None when it is
    written some other way (escapes, a dotted key)."""
    quoted = "|".join(re.escape(q) for q in (f'"{name}"', f"'{name}'", name) if q)
    header = re.search(rf"^[ \t]*\[[ \t]*(?:{quoted})[ \t]*\]", text, re.MULTILINE)
    if header is None:  # an inline table, before any header (past one it is that table's key)
        first = re.search(r"^[ \t]*\[", text, re.MULTILINE)
        top = text if first is None else text[:first.start()]
        header = re.search(rf"^[ \t]*(?:{quoted})[ \t]*=", top, re.MULTILINE)
    return None if header is None else text.count("\n", 0, header.start()) + 1


@lru_cache(maxsize=1)
def default_registry() -> BrandRegistry:
    """The shipped registry, parsed once per process."""
    source = resources.files("partsearch") / "data" / "brands.toml"
    with resources.as_file(source) as path:
        return BrandRegistry.load(path)


def catalog_registry(catalog: str | Path) -> BrandRegistry:
    """The registry a catalog uses: the shipped one with the catalog's own ``brands.toml``
    added (see :meth:`BrandRegistry.load`) when it has one."""
    from partsearch._catalog import BRANDS

    extra = Path(catalog) / BRANDS
    if extra.is_file():
        return BrandRegistry.load(extra, base=default_registry())
    return default_registry()


def registry_sources(catalog: str | Path | None) -> str:
    """A digest of the files :func:`catalog_registry` reads for ``catalog`` (the shipped
    ``brands.toml`` and the catalog's own, when it has one; the shipped one alone for None),
    their bytes as they are, not parsed: a snapshot built with them keeps it, so its open
    tells a registry unchanged since without parsing it (``_stamp``); another digest says
    only that the files differ (a description edited, say), and the open then compares what
    they key (``BrandRegistry.key_fingerprint``).

    >>> registry_sources(None) == registry_sources(None)
    True
    """
    from partsearch._catalog import BRANDS

    digest = hashlib.blake2b(digest_size=8)
    digest.update((resources.files("partsearch") / "data" / "brands.toml").read_bytes())
    extra = None if catalog is None else Path(catalog) / BRANDS
    if extra is not None and extra.is_file():
        digest.update(b"\0" + extra.read_bytes())
    return digest.hexdigest()


def brand_key(brand: str, registry: BrandRegistry | None = None) -> str:
    """The canonical brand for a spelling (see :class:`BrandRegistry`).

    >>> brand_key("FEBI"), brand_key("Lemförder"), brand_key("KYB")
    ('FEBI BILSTEIN', 'LEMFÖRDER', 'KAYABA')
    """
    return (registry or default_registry()).canonical(brand)


def brand_keys(values: Any, registry: BrandRegistry | None = None) -> pa.Array:
    """Vectorized :func:`brand_key`: null where the scalar would raise (an empty brand, an item
    of a list that is not a str). A typed column (Arrow, polars) of numbers is read as its text.

    Brands repeat heavily, so the column is dictionary-encoded and each distinct spelling is
    resolved once; the cost is per distinct brand, not per row.

    >>> brand_keys(["mann", "MANN", None]).to_pylist()
    ['MANN-FILTER', 'MANN-FILTER', None]

    One brand (text, bytes, a number, None) raises :class:`NormalizationError`, as
    :func:`~partsearch.normalize.article_keys` does.
    """
    one_value(values, "brand_keys", "brand_key")
    return brand_columns(values, registry)[0]


def brand_columns(values: Any, registry: BrandRegistry | None = None) -> tuple[pa.Array, Any]:
    """(:func:`brand_keys`, :func:`keep_cyrillic_flags` of them) from one dictionary encoding
    of ``values`` (a loaded column's encoding costs ~30 ms per 1M rows; a cross base has 400M
    brands)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    reg = registry or default_registry()
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else _to_arrow(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    encoded = pc.dictionary_encode(arr)
    names = [_safe_canonical(reg, s) for s in encoded.dictionary.to_pylist()]
    keys = pa.array(names, type=pa.large_string()).take(encoded.indices)
    return keys, _row_flags(reg, names, encoded.indices)


def keep_cyrillic_flags(brands: Any, registry: BrandRegistry | None = None) -> Any:
    """Per row of a column of canonical brands: does its maker keep Cyrillic articles? Resolved
    once per distinct brand; ``False`` for the whole column when none does (the usual case),
    else a boolean numpy array (False for nulls). Feeds ``article_keys(keep_cyrillic=...)``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    reg = registry or default_registry()
    encoded = pc.dictionary_encode(brands)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return _row_flags(reg, encoded.dictionary.to_pylist(), encoded.indices)


def _row_flags(reg: BrandRegistry, names: list[str | None], indices: Any) -> Any:
    """:func:`keep_cyrillic_flags` of the rows whose canonical brands are ``names`` at
    ``indices`` (null for a null brand)."""
    import numpy as np

    flags = np.array([name is not None and reg.keeps_cyrillic(name) for name in names]
                     + [False], dtype=np.bool_)
    if not flags.any():
        return False
    # nulls point at the trailing False
    return flags[indices.fill_null(len(flags) - 1).to_numpy(zero_copy_only=False)]


def _safe_canonical(reg: BrandRegistry, name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return reg.canonical(name)
    except NormalizationError:
        return None


def _to_arrow(values: Any) -> pa.Array:
    import pyarrow as pa

    try:
        import polars as pl

        if isinstance(values, pl.Series):
            return values.to_arrow()
    except ImportError:  # pragma: no cover - polars is a dependency
        pass
    # what the scalar form rejects (anything but a str: bytes Arrow would take) is null
    texts = [v if isinstance(v, str) else None for v in values]
    try:
        return pa.array(texts, type=pa.large_string())
    except UnicodeEncodeError:  # a lone surrogate: U+FFFD, as the scalar keeps it
        return pa.array([None if t is None else _SURROGATE.sub("\ufffd", t) for t in texts],
                        type=pa.large_string())
