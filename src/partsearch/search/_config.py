"""``catalog.toml``: price levels, the default level, the stale-price limit, popular brands.

    default_level = "guest"
    stale_after_hours = 72
    popular_brands = ["MANN-FILTER", "BOSCH", "KNECHT"]
    [levels.guest]
    rules = [ { max_price = 1000, percent = 45 }, { percent = 30 } ]

Everything is optional; see ``ranking/levels.py`` for the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from partsearch._catalog import CONFIG
from partsearch._toml import read_toml
from partsearch.brands import BrandRegistry, brand_key, catalog_registry
from partsearch.errors import CatalogError
from partsearch.ranking.levels import DEFAULT_LEVELS, PriceLevel, parse_levels


@dataclass(frozen=True)
class CatalogConfig:
    levels: dict[str, PriceLevel]
    default_level: str
    stale_after_hours: float
    popular_brands: frozenset[str]
    registry: BrandRegistry

    @classmethod
    def load(cls, catalog: Path) -> CatalogConfig:
        path = catalog / CONFIG
        raw: dict[str, object] = {}
        if path.exists():
            raw = read_toml(path, "catalog config", CatalogError)[0]
        unknown = set(raw) - {"levels", "default_level", "stale_after_hours", "popular_brands"}
        if unknown:
            raise CatalogError(f"unknown keys {sorted(unknown)}", path=path)
        registry = catalog_registry(catalog)
        levels_raw = raw.get("levels", DEFAULT_LEVELS)
        if not isinstance(levels_raw, dict) or not levels_raw:
            raise CatalogError("'levels' must be a table of levels", path=path)
        levels = parse_levels(levels_raw, str(path), registry)
        fallback = "guest" if "guest" in levels else next(iter(levels))
        default = raw.get("default_level", fallback)
        if not isinstance(default, str) or default not in levels:
            raise CatalogError(f"default_level {default!r} is not a level", path=path)
        stale = raw.get("stale_after_hours", 72)
        if isinstance(stale, bool) or not isinstance(stale, int | float) or \
                not math.isfinite(stale):
            raise CatalogError(f"stale_after_hours must be a number, not {stale!r}", path=path)
        if stale <= 0:  # (an offer is stale past it: at 0 or below, every file's offer is)
            raise CatalogError(f"stale_after_hours must be above 0, not {stale!r}: at {stale!r} "
                               "every price file's offers are stale (for offers that never are, "
                               "give a large number such as 8760, a year)", path=path)
        popular = raw.get("popular_brands", [])
        if not isinstance(popular, list) or \
                not all(isinstance(b, str) and b.strip() for b in popular):
            raise CatalogError("popular_brands must be a list of brand names", path=path)
        return cls(levels, default, float(stale),
                   frozenset(brand_key(b, registry) for b in popular), registry)
