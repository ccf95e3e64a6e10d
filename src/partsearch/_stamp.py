"""The key rules' stamp: which rules made the keys a catalog holds.

Two things make a part's keys: the code's rules (``normalize.KEY_RULES``) and the brand registry
the load or build read brands with (the shipped one with the catalog's ``brands.toml``: its
``BrandRegistry.key_fingerprint``). A build writes both in the cross snapshot's manifest
(``key_rules``, ``brand_registry``), a load in the offers file's schema metadata
(``partsearch.key_rules``, ``partsearch.brand_registry``). A catalog loaded or built by a
partsearch whose rules differ (or before there was a stamp), or with a registry that has changed
since (an edited ``brands.toml``, another release's shipped one), keeps keys this one no longer
makes: a part whose brand or article is now read otherwise is not found by its number. Opening
such a catalog still works, most keys being the same; ``Engine.open``, its ``reload`` and
``CrossIndex.open`` warn (:class:`~partsearch.errors.StaleKeysWarning`) and ``partsearch info``
says so, each once per open, never per search.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from partsearch.errors import StaleKeysWarning
from partsearch.normalize import KEY_RULES

if TYPE_CHECKING:
    from partsearch.brands import BrandRegistry

MANIFEST_KEY = "key_rules"
MANIFEST_BRANDS = "brand_registry"
MANIFEST_SOURCES = "brand_sources"
OFFERS_KEY = b"partsearch.key_rules"
OFFERS_BRANDS = b"partsearch.brand_registry"
_NAMED = 10  # suppliers a message names; the rest are counted

# why keys are stale: the code's rules differ (or there is no stamp), or the same rules read
# brands with another registry
_Why = Literal["rules", "brands"]


def snapshot_stamp(registry: BrandRegistry, sources: str | None = None) -> dict[str, Any]:
    """What a build keying brands with ``registry`` writes in the snapshot's manifest; with
    ``sources``, the digest of the files it was read from (``brands.registry_sources``),
    taken before they were read."""
    stamp = {MANIFEST_KEY: KEY_RULES, MANIFEST_BRANDS: registry.key_fingerprint}
    return stamp if sources is None else stamp | {MANIFEST_SOURCES: sources}


def snapshot_unchanged(manifest: Mapping[str, Any], sources: str) -> bool:
    """Whether a snapshot was keyed by these rules and a registry read from files whose
    digest is still ``sources``: current, with no registry parsed. False says nothing
    (a snapshot of no digest, a file edited since, a description say): compare what the
    registry keys then (:func:`stale_keys`)."""
    return manifest.get(MANIFEST_KEY) == KEY_RULES and manifest.get(MANIFEST_SOURCES) == sources


def offers_metadata(registry: BrandRegistry) -> dict[bytes, bytes]:
    """The schema metadata of offers keyed with ``registry`` (a load's table, its file)."""
    return {OFFERS_KEY: str(KEY_RULES).encode(),
            OFFERS_BRANDS: registry.key_fingerprint.encode()}


def offers_stamp(metadata: Mapping[bytes, bytes] | None) -> dict[bytes, bytes] | None:
    """The stamp a table of offers carries (``load_price_file``'s, or one read back from an
    offers file), as given, to be published with it; None when it carries none."""
    meta = metadata or {}
    if OFFERS_KEY not in meta:
        return None
    return {k: meta[k] for k in (OFFERS_KEY, OFFERS_BRANDS) if k in meta}


def _why(rules: object, brands: object, registry: str | None) -> _Why | None:
    if rules != KEY_RULES:
        return "rules"
    # (a stamp of no registry, from before it had one, is another registry's)
    return "brands" if registry is not None and brands != registry else None


def _snapshot_why(manifest: Mapping[str, Any], registry: str | None) -> _Why | None:
    return _why(manifest.get(MANIFEST_KEY), manifest.get(MANIFEST_BRANDS), registry)


def _offers_why(metadata: Mapping[bytes, bytes] | None, registry: str | None) -> _Why | None:
    meta = metadata or {}
    rules = meta.get(OFFERS_KEY)
    brands = meta.get(OFFERS_BRANDS)
    return _why(KEY_RULES if rules == str(KEY_RULES).encode() else rules,
                None if brands is None else brands.decode("utf-8", "replace"), registry)


@dataclass(frozen=True, slots=True)
class StaleKeys:
    """What of a catalog was keyed by other rules or another brand registry: its cross
    snapshot (``crosses``), the offers of ``suppliers``; ``message`` says so, why, and what to
    do."""

    crosses: bool
    suppliers: tuple[str, ...]
    message: str

    def news(self, before: StaleKeys | None) -> bool:
        """Whether this names something ``before`` (a previous state's) did not."""
        return before is None or (self.crosses and not before.crosses) or \
            not set(self.suppliers) <= set(before.suppliers)

    def warn(self, catalog: Path | str, stacklevel: int) -> None:
        warnings.warn(StaleKeysWarning(f"{catalog}: {self.message}"), stacklevel=stacklevel + 1)


def stale_keys(manifest: Mapping[str, Any] | None,
               offers: Iterable[tuple[str, int, Mapping[bytes, bytes] | None]],
               registry: BrandRegistry | None) -> StaleKeys | None:
    """The parts of a catalog keyed by other rules or another brand registry than
    ``registry`` (the one it opens with; None: the rules alone, as when its ``brands.toml``
    cannot be read), from its snapshot's ``manifest`` (None without one) and its offers files'
    (supplier, rows, schema metadata); None when all are current (a file of no rows has no
    keys to miss)."""
    fingerprint = None if registry is None else registry.key_fingerprint
    crosses = None if manifest is None else _snapshot_why(manifest, fingerprint)
    why = {code: _offers_why(meta, fingerprint) for code, rows, meta in offers if rows}
    suppliers = tuple(sorted(code for code, reason in why.items() if reason is not None))
    if crosses is None and not suppliers:
        return None
    told = [_keyed(crosses == reason, [s for s in suppliers if why[s] == reason], reason)
            for reason in ("rules", "brands")]
    if crosses == "rules" or "rules" in why.values():
        missed = ("a part whose brand or article this release keys otherwise (an unknown brand "
                  "such as LESJÖFORS or MEAT & DORIA, or a spelling the registry now folds)")
    else:
        missed = ("a part whose brand the registry now reads otherwise (a spelling given as an "
                  "alias since, or a brand added)")
    todo = [*(["load the price files again"] if suppliers else []),
            *(["rebuild the crosses"] if crosses else [])]
    return StaleKeys(crosses is not None, suppliers, (
        f"{' and '.join(t for t in told if t)}, so {missed} is not found by its own number; "
        f"{' and '.join(todo)}"))


def _keyed(crosses: bool, suppliers: list[str], why: _Why) -> str:
    """``... was keyed by ...`` of the snapshot (``crosses``) and the offers of ``suppliers``
    stale for ``why``; "" when none is."""
    what = ["the cross snapshot"] if crosses else []
    if suppliers:
        named = ", ".join(suppliers[:_NAMED]) + (
            f" and {len(suppliers) - _NAMED} more" if len(suppliers) > _NAMED else "")
        what.append(f"the offers of {named}")
    if not what:
        return ""
    by = (f"by another partsearch release's rules (this one's: key rules {KEY_RULES})"
          if why == "rules" else "with another brand registry than the catalog's now (its "
          "brands.toml edited since, or another release's shipped one)")
    return f"{' and '.join(what)} {'were' if suppliers else 'was'} keyed {by}"
