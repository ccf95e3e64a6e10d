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
    PriceFileError,
    ProfileError,
    SearchError,
    SnapshotError,
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
}

__all__ = [
    "Brand",
    "BrandRegistry",
    "CatalogError",
    "CrossFileError",
    "NormalizationError",
    "PartsearchError",
    "PriceFileError",
    "ProfileError",
    "SearchError",
    "SnapshotError",
    "SupplierError",
    "__version__",
    "article_key",
    "article_keys",
    "brand_key",
    "brand_keys",
    "display_article",
]

if TYPE_CHECKING:
    from partsearch.brands import Brand, BrandRegistry, brand_key, brand_keys
    from partsearch.normalize import article_key, article_keys, display_article


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'partsearch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
