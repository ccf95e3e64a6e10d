"""`make demo`: a real search over the bundled fixtures (filled in by the search layer)."""

from __future__ import annotations

import partsearch


def main() -> int:
    for raw in ("W 920/21", "ВК820/1", "155093.0"):
        print(f"{raw!r:>14} -> {partsearch.article_key(raw)}")
    for raw in ("Mann & Hummel", "VW", "kyb"):
        print(f"{raw!r:>14} -> {partsearch.brand_key(raw)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
