"""Suggestions for an article nobody has: close article keys among the catalog's parts."""

from __future__ import annotations

from typing import Any


def similar_articles(store: Any, key: str, limit: int = 5) -> list[str]:
    """Articles of offers whose key is within a small edit distance of ``key``.

    Only offers sharing the key's first two characters are compared (a buyer rarely mistypes the
    start of a part number), which keeps this cheap on a large catalog.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    from rapidfuzz import fuzz, process

    candidates: set[str] = set()
    prefix = key[:2]
    for seg in store.segments:
        keys = seg.table.column("article_key")
        hit = pc.starts_with(keys, prefix) if prefix else None
        if hit is None:
            continue
        found = pc.unique(pc.filter(keys, hit))
        candidates.update(found.to_pylist() if isinstance(found, pa.Array) else [])
        if len(candidates) > 50_000:
            break
    matches = process.extract(key, list(candidates), scorer=fuzz.ratio, limit=limit,
                              score_cutoff=70)
    return [m[0] for m in matches if m[0] != key]
