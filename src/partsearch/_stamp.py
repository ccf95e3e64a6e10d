"""The key rules' stamp: which rules (``normalize.KEY_RULES``) made the keys a catalog holds.

A build writes it in the cross snapshot's manifest (``key_rules``), a publish in the offers
file's schema metadata (``partsearch.key_rules``). A catalog loaded or built by a partsearch
whose rules differ (or before there was a stamp) keeps keys this one no longer makes: a part
whose brand or article the rules now read otherwise is not found by its number. Opening such
a catalog still works, most keys being the same; ``Engine.open``, its ``reload`` and
``CrossIndex.open`` warn (:class:`~partsearch.errors.StaleKeysWarning`) and ``partsearch
info`` says so, each once per open, never per search.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partsearch.errors import StaleKeysWarning
from partsearch.normalize import KEY_RULES

MANIFEST_KEY = "key_rules"
OFFERS_KEY = b"partsearch.key_rules"
_NAMED = 10  # suppliers a message names; the rest are counted


def offers_metadata() -> dict[bytes, bytes]:
    """The schema metadata a publish gives an offers file."""
    return {OFFERS_KEY: str(KEY_RULES).encode()}


def offers_current(metadata: Mapping[bytes, bytes] | None) -> bool:
    """Whether an offers file of this schema metadata was keyed by this partsearch's rules."""
    return (metadata or {}).get(OFFERS_KEY) == str(KEY_RULES).encode()


def snapshot_current(manifest: Mapping[str, Any]) -> bool:
    """Whether a cross snapshot of this manifest was keyed by this partsearch's rules."""
    return manifest.get(MANIFEST_KEY) == KEY_RULES


@dataclass(frozen=True, slots=True)
class StaleKeys:
    """What of a catalog was keyed by other rules: its cross snapshot (``crosses``), the
    offers of ``suppliers``; ``message`` says so and what to do."""

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
               offers: Iterable[tuple[str, int, Mapping[bytes, bytes] | None]]
               ) -> StaleKeys | None:
    """The parts of a catalog keyed by other rules, from its snapshot's ``manifest`` (None
    without one) and its offers files' (supplier, rows, schema metadata); None when all are
    this partsearch's (a file of no rows has no keys to miss)."""
    crosses = manifest is not None and not snapshot_current(manifest)
    suppliers = tuple(sorted(code for code, rows, meta in offers
                             if rows and not offers_current(meta)))
    if not crosses and not suppliers:
        return None
    what = ["the cross snapshot"] if crosses else []
    if suppliers:
        named = ", ".join(suppliers[:_NAMED]) + (
            f" and {len(suppliers) - _NAMED} more" if len(suppliers) > _NAMED else "")
        what.append(f"the offers of {named}")
    todo = [*(["load the price files again"] if suppliers else []),
            *(["rebuild the crosses"] if crosses else [])]
    return StaleKeys(crosses, suppliers, (
        f"{' and '.join(what)} {'were' if suppliers else 'was'} "
        f"keyed by another partsearch release's rules (this one's: key rules {KEY_RULES}), "
        f"so a part whose brand or article this release keys otherwise (an unknown brand "
        f"such as LESJÖFORS or MEAT & DORIA) is not found by its own number; "
        f"{' and '.join(todo)}"))
