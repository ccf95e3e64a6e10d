"""partsearch: an auto-parts search and cross-reference engine.

>>> import partsearch
>>> partsearch.article_key("W 920/21"), partsearch.brand_key("Mann & Hummel")
('W92021', 'MANN-FILTER')

The public names below are imported lazily, so ``import partsearch`` stays fast for a web app:
polars, duckdb, numba and httpx load only when the part that needs them is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from partsearch.errors import (
    CatalogError,
    CrossFileError,
    NormalizationError,
    PartsearchError,
    PartsearchWarning,
    PriceFileError,
    ProfileError,
    SearchError,
    SnapshotError,
    StaleKeysWarning,
    SupplierError,
)

__version__ = "0.1.0"

# name -> module that defines it; resolved on first attribute access.
_LAZY: dict[str, str] = {
    "article_key": "partsearch.normalize",
    "article_keys": "partsearch.normalize",
    "display_article": "partsearch.normalize",
    "brand_key": "partsearch.brands",
    "brand_keys": "partsearch.brands",
    "Brand": "partsearch.brands",
    "BrandRegistry": "partsearch.brands",
    "Engine": "partsearch.search.engine",
    "Filters": "partsearch.ranking.order",
    "SearchResult": "partsearch.result",
    "Block": "partsearch.result",
    "Offer": "partsearch.result",
    "BrandChoice": "partsearch.result",
    "SupplierCrossPart": "partsearch.result",
    "FilterItem": "partsearch.result",
    "SupplierOutcome": "partsearch.online._model",
    "SortSpec": "partsearch.ranking.order",
    "SearchOptions": "partsearch.search._options",
    "CrossIndex": "partsearch.crosses.index",
    "CrossStep": "partsearch.crosses.index",
    "build_index": "partsearch.crosses.build",
    "load_suppliers": "partsearch.loading.load",
    "catalog_info": "partsearch.info",
    "CatalogInfo": "partsearch.info",
    "read_profiles": "partsearch.loading.profiles",
    "draft_profile": "partsearch.loading.draft",
    "ProfileDraft": "partsearch.loading.draft",
    "SupplierProfile": "partsearch.loading.profiles",
}

__all__ = [
    "Block",
    "Brand",
    "BrandChoice",
    "BrandRegistry",
    "CatalogError",
    "CatalogInfo",
    "CrossFileError",
    "CrossIndex",
    "CrossStep",
    "Engine",
    "FilterItem",
    "Filters",
    "NormalizationError",
    "Offer",
    "PartsearchError",
    "PartsearchWarning",
    "PriceFileError",
    "ProfileDraft",
    "ProfileError",
    "SearchError",
    "SearchOptions",
    "SearchResult",
    "SnapshotError",
    "SortSpec",
    "StaleKeysWarning",
    "SupplierCrossPart",
    "SupplierError",
    "SupplierOutcome",
    "SupplierProfile",
    "__version__",
    "article_key",
    "article_keys",
    "brand_key",
    "brand_keys",
    "build_index",
    "catalog_info",
    "display_article",
    "draft_profile",
    "load_suppliers",
    "read_profiles",
]

if TYPE_CHECKING:
    from partsearch.brands import Brand, BrandRegistry, brand_key, brand_keys
    from partsearch.crosses.build import build_index
    from partsearch.crosses.index import CrossIndex, CrossStep
    from partsearch.info import CatalogInfo, catalog_info
    from partsearch.loading.draft import ProfileDraft, draft_profile
    from partsearch.loading.load import load_suppliers
    from partsearch.loading.profiles import SupplierProfile, read_profiles
    from partsearch.normalize import article_key, article_keys, display_article
    from partsearch.online._model import SupplierOutcome
    from partsearch.ranking.order import Filters, SortSpec
    from partsearch.result import (
        Block,
        BrandChoice,
        FilterItem,
        Offer,
        SearchResult,
        SupplierCrossPart,
    )
    from partsearch.search._options import SearchOptions
    from partsearch.search.engine import Engine


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'partsearch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
