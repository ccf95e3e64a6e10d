"""Loading: supplier profiles and price files → the columnar offers table of a catalog.

>>> from partsearch.loading import load_suppliers, read_offers
>>> reports = load_suppliers("suppliers.toml", "catalog")  # doctest: +SKIP
>>> read_offers("catalog").num_rows  # doctest: +SKIP
1065
"""

from __future__ import annotations

from partsearch._memory import keep_freed_memory
from partsearch.loading._schema import OFFERS_SCHEMA, REJECTED_SCHEMA
from partsearch.loading.draft import ProfileDraft, draft_profile
from partsearch.loading.load import (
    LoadReport,
    load_price_file,
    load_suppliers,
    publish_offers,
    read_offers,
    read_registered_profiles,
    register_profiles,
)
from partsearch.loading.profiles import SupplierProfile, read_profiles

__all__ = [
    "OFFERS_SCHEMA",
    "REJECTED_SCHEMA",
    "LoadReport",
    "ProfileDraft",
    "SupplierProfile",
    "draft_profile",
    "keep_freed_memory",
    "load_price_file",
    "load_suppliers",
    "publish_offers",
    "read_offers",
    "read_profiles",
    "read_registered_profiles",
    "register_profiles",
]
