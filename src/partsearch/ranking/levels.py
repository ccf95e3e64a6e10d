"""Price levels: which sell price a customer sees, as markup rules on the supplier price.

A catalog's ``catalog.toml`` defines them (without one, :data:`DEFAULT_LEVELS` apply)::

    default_level = "guest"
    [levels.guest]
    rules = [ { max_price = 1000, percent = 45 }, { max_price = 10000, percent = 35 },
              { percent = 25 } ]
    [levels.wholesale]
    supplier_price = true   # may show the supplier price (default false; never for guest)
    rules = [ { supplier = "GAMMA", percent = 8 }, { brand = "BOSCH", percent = 9 },
              { percent = 12 } ]

A rule matches an offer when each condition it names holds (``supplier``, ``brand``,
``min_price`` <= supplier price < ``max_price``, prices in roubles); the first matching rule
wins. Each level must end with a rule that matches everything, and no rule may be one that
earlier rules match every offer of (it could never apply: see :func:`_refuse_shadowed`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from partsearch._money import MAX_KOPECKS, kopecks_of
from partsearch.errors import CatalogError

if TYPE_CHECKING:
    from partsearch.brands import BrandRegistry


@dataclass(frozen=True)
class MarkupRule:
    percent: float
    supplier: str | None = None
    brand: str | None = None
    min_kop: int | None = None
    max_kop: int | None = None

    @property
    def catch_all(self) -> bool:
        return self.supplier is None and self.brand is None and self.min_kop is None and \
            self.max_kop is None


@dataclass(frozen=True)
class PriceLevel:
    name: str
    rules: tuple[MarkupRule, ...]
    supplier_price: bool = False  # whether a search at this level may show the supplier price

    def apply(self, price_kop: np.ndarray, supplier: np.ndarray, brand: np.ndarray) -> np.ndarray:
        """Sell prices in kopecks (rounded up) for supplier prices in kopecks."""
        bands = self.bands
        if bands is not None:  # price conditions only: one lookup in a piecewise table
            edges, band_factors = bands
            factor: Any = band_factors[np.searchsorted(edges, price_kop, "right")]
        else:
            factors = self.factors
            factor = factors[-1]  # the last rule matches everything (checked at parse)
            for rule, f in zip(self.rules[-2::-1], factors[-2::-1], strict=True):
                mask: Any = True
                if rule.supplier is not None:
                    mask = mask & (supplier == rule.supplier)
                if rule.brand is not None:
                    mask = mask & (brand == rule.brand)
                if rule.min_kop is not None:
                    mask = mask & (price_kop >= rule.min_kop)
                if rule.max_kop is not None:
                    mask = mask & (price_kop < rule.max_kop)
                factor = np.where(mask, f, factor)  # last to first: the first match wins
        # percent in hundredths, so the markup is exact integer arithmetic, rounded up
        out: np.ndarray = -((-price_kop * factor) // 10_000)
        return out

    @cached_property
    def factors(self) -> tuple[int, ...]:
        """Each rule's factor in hundredths of a percent (10,000: no markup)."""
        return tuple(_factor(r.percent) for r in self.rules)

    @cached_property
    def bands(self) -> tuple[np.ndarray, np.ndarray] | None:
        """For levels whose rules test only the price: the price breakpoints and the factor of
        the first matching rule between each pair of them."""
        if any(r.supplier is not None or r.brand is not None for r in self.rules):
            return None
        edges = sorted({e for r in self.rules for e in (r.min_kop, r.max_kop) if e is not None})
        probes = [edges[0] - 1 if edges else 0, *edges]  # one price inside each band
        band_factors = []
        for price in probes:
            for rule, f in zip(self.rules, self.factors, strict=True):
                if (rule.min_kop is None or price >= rule.min_kop) and \
                        (rule.max_kop is None or price < rule.max_kop):
                    band_factors.append(f)
                    break
        return np.array(edges, dtype=np.int64), np.array(band_factors, dtype=np.int64)


DEFAULT_LEVELS: dict[str, Any] = {
    "guest": {"rules": [{"max_price": 1000, "percent": 45}, {"max_price": 10000, "percent": 35},
                        {"percent": 25}]},
    "registered": {"rules": [{"max_price": 1000, "percent": 35}, {"percent": 20}],
                   "supplier_price": True},
    "wholesale": {"rules": [{"percent": 10}], "supplier_price": True},
}


def parse_levels(levels: Mapping[str, Any], where: str,
                 registry: BrandRegistry | None = None) -> dict[str, PriceLevel]:
    """The levels of a catalog config's ``levels`` table (``where`` names its file). A rule's
    brand is read through ``registry`` (the catalog's, with its ``brands.toml``; default the
    shipped one), so any spelling or alias of a brand names it. A malformed level or rule
    raises :class:`CatalogError` naming the file, the level and the rule."""
    out: dict[str, PriceLevel] = {}
    for name, body in levels.items():
        rules_raw = body.get("rules") if isinstance(body, Mapping) else None
        if not isinstance(rules_raw, list) or not rules_raw:
            raise CatalogError(f"price level {name!r} needs a non-empty 'rules' list", path=where)
        unknown = set(body) - {"rules", "supplier_price"}
        if unknown:
            raise CatalogError(f"price level {name!r}: unknown keys {sorted(unknown)}",
                               path=where)
        rules = [_rule(raw, f"level {name!r} rule {i + 1}", where, registry)
                 for i, raw in enumerate(rules_raw)]
        if not rules[-1].catch_all:
            raise CatalogError(f"price level {name!r} must end with a rule that matches every "
                               "offer (only 'percent')", path=where)
        _refuse_shadowed(rules, rules_raw, f"level {name!r}", where)
        out[name] = PriceLevel(name, tuple(rules), _supplier_price(name, body, where))
    return out


def _refuse_shadowed(rules: list[MarkupRule], raws: list[Any], what: str, where: str) -> None:
    """A rule every offer of which an earlier rule matches can never apply (the first match
    wins): a band with a larger ``max_price`` listed before a smaller one, or anything after a
    catch-all. Only earlier rules whose supplier and brand conditions each hold wherever the
    rule's do can cover it: a supplier or brand a rule does not name may be any other, so
    ``{ supplier = "S" }`` never covers ``{ brand = "B" }``. Those rules' price bands then
    cover it when together they leave no gap in its band (overlapping bands are fine). The
    catch-all a level must end with is the exception, unless an earlier catch-all shadows it:
    bands that leave it no price (``max_price = 1000``, then ``min_price = 1000``) are a level
    written whole, which it could not be without its catch-all."""
    for i, rule in enumerate(rules):
        if i == len(rules) - 1 and not any(e.catch_all for e in rules[:i]):
            continue
        low, high = _band(rule)
        covering = [(j, *_band(e)) for j, e in enumerate(rules[:i])
                    if e.supplier in (None, rule.supplier) and e.brand in (None, rule.brand)]
        covering = [(j, lo, hi) for j, lo, hi in covering if lo < high and hi > low]
        reached = low
        for _j, lo, hi in sorted(covering, key=lambda c: c[1]):
            if lo > reached:
                break
            reached = max(reached, hi)
        if low < high <= reached:
            by = [j for j, _lo, _hi in covering]
            each = [f"{j + 1} {_shown(raws[j])}" for j in by]
            names = ", ".join(each[:-1]) + " and " + each[-1] if len(by) > 1 else each[0]
            raise CatalogError(
                f"{what} rule {i + 1} {_shown(raws[i])} can never match: "
                f"{'rules' if len(by) > 1 else 'rule'} {names} "
                f"{'match' if len(by) > 1 else 'matches'} every offer it does, and the first "
                "match wins (list a narrower rule before a wider one)", path=where)


def _band(rule: MarkupRule) -> tuple[int, int]:
    """The supplier prices ``[low, high)`` a rule's price conditions allow, in kopecks within
    those an offer may have (1 to ``MAX_KOPECKS``: the loader refuses a zero price)."""
    low = 1 if rule.min_kop is None else max(rule.min_kop, 1)
    return low, MAX_KOPECKS + 1 if rule.max_kop is None else min(rule.max_kop, MAX_KOPECKS + 1)


def _shown(raw: Mapping[str, Any]) -> str:
    """A rule as written in catalog.toml, ``{ max_price = 1000, percent = 45 }``."""
    parts = (f"{k} = {json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)}"
             for k, v in raw.items())
    return "{ " + ", ".join(parts) + " }"


def _supplier_price(name: str, body: Mapping[str, Any], where: str) -> bool:
    """Whether the level may show the supplier price: only where the config says so (a level
    shown to retail buyers must never show it, whatever it is called, and a config that does
    not say is taken as such), never for ``guest``."""
    value = body.get("supplier_price", False)
    if not isinstance(value, bool):
        raise CatalogError(f"price level {name!r}: supplier_price must be true or false, not "
                           f"{value!r}", path=where)
    if value and name == "guest":
        raise CatalogError("price level 'guest': supplier_price = true, but the guest level "
                           "never shows the supplier price", path=where)
    return value


_INT64_MAX = 2**63 - 1


def _rule(raw: Any, what: str, where: str, registry: BrandRegistry | None) -> MarkupRule:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{what}: must be a table such as {{ percent = 20 }}, not {raw!r}",
                           path=where)
    unknown = set(raw) - {"percent", "supplier", "brand", "min_price", "max_price"}
    # (say only what is wrong: a misspelt 'suplier' beside a 'percent' lacks no percent)
    problems = [] if "percent" in raw else ["needs 'percent'"]
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    if problems:
        raise CatalogError(f"{what}: {', '.join(problems)}", path=where)
    percent = _number(raw["percent"], "percent", what, where)
    if percent <= -100:  # (a sell price of zero or below)
        raise CatalogError(f"{what}: percent must be above -100, not {raw['percent']!r}",
                           path=where)
    if _factor(percent) < 1:  # (above -100, but zero in the hundredths the markup keeps)
        raise CatalogError(f"{what}: percent {raw['percent']!r} makes every price 0.00 (a "
                           "percent is kept to hundredths: -99.99 is the deepest discount)",
                           path=where)
    low, high = (None if raw.get(k) is None else _number(raw[k], k, what, where)
                 for k in ("min_price", "max_price"))
    for key, value in (("min_price", low), ("max_price", high)):
        if value is not None and value < 0:
            raise CatalogError(f"{what}: {key} must not be negative, not {raw[key]!r}",
                               path=where)
    if low is not None and high is not None and \
            _hundredths(low, ROUND_CEILING) >= _hundredths(high, ROUND_CEILING):
        # (prices are whole kopecks: 10.001 to 10.009 holds none, and matched nothing unsaid)
        raise CatalogError(f"{what}: min_price {raw['min_price']!r} must be below max_price "
                           f"{raw['max_price']!r} by a kopeck at least (else it matches no "
                           f"offer)", path=where)
    top = MAX_KOPECKS if high is None else \
        min(MAX_KOPECKS, max(_hundredths(high, ROUND_CEILING) - 1, 0))
    if top * _factor(percent) > _INT64_MAX:
        # (the ranking marks int64 kopecks up by the factor: past this it wraps negative)
        raise CatalogError(f"{what}: percent {raw['percent']!r} on prices up to "
                           f"{top / 100:,.2f} goes past the largest price the engine keeps; "
                           f"give the rule a max_price or a smaller percent", path=where)
    return MarkupRule(percent=percent, supplier=_text(raw.get("supplier"), "supplier", what, where),
                      brand=_brand(_text(raw.get("brand"), "brand", what, where), registry),
                      min_kop=_kop(low), max_kop=_kop(high))


def _factor(percent: float) -> int:
    """A markup of ``percent`` in hundredths of a percent (10,000: no markup); the compiled
    ranking multiplies int64 kopecks by it, so finer percents are rounded to hundredths."""
    return _hundredths(percent) + 10_000


def _hundredths(value: float, rounding: str = ROUND_HALF_UP) -> int:
    """``value`` (a percent, or a price in roubles) in hundredths, rounded as given from the
    number written (a float's shortest text, the number the TOML file holds):
    ``round(value * 100)`` rounded the binary float half even, so 1.005 % was 1.00 % and
    2.675 % 2.68 %, where every price of the library rounds half up.

    >>> _hundredths(1.005), _hundredths(2.675), _hundredths(-0.005), _hundredths(33.333)
    (101, 268, -1, 3333)
    >>> _hundredths(10.001, ROUND_CEILING), _hundredths(10.0, ROUND_CEILING)
    (1001, 1000)
    """
    return kopecks_of(Decimal(repr(float(value))), rounding)


def _number(value: Any, key: str, what: str, where: str) -> float:
    # (bool is an int to Python; TOML's inf and nan are floats, and no price)
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value):
        raise CatalogError(f"{what}: {key} must be a number, not {value!r}", path=where)
    return float(value)


def _text(value: Any, key: str, what: str, where: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise CatalogError(f"{what}: {key} must be a non-empty string, not {value!r}",
                           path=where)
    return value


def _kop(value: float | None) -> int | None:
    # (a price in whole kopecks is at least (below) a bound exactly when it is at least (below)
    # the bound's kopecks rounded up: min_price = 10.001 does not match 10.00, max_price =
    # 10.005 does; rounded to nearest, either was wrong one way)
    return None if value is None else _hundredths(value, ROUND_CEILING)


def _brand(value: str | None, registry: BrandRegistry | None) -> str | None:
    from partsearch.brands import brand_key

    return None if value is None else brand_key(value, registry)
