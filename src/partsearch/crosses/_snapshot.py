"""The snapshot directory: flat arrays written once, memory-mapped at open, published atomically.

    crosses/<version>/manifest.json   counts, brands, sources, kinds, and each file's size and
                                      checksum of its first and last 64 KiB
    crosses/<version>/*.npy           the arrays below (numpy format: memory-mappable, typed)
    crosses/<version>/held_back.csv   crosses kept out of the classes, with the reason

Parts are numbered by the rank of their hash (``part_hash`` sorted), so lookup is a binary
search. Classes are CSR (``class_off``, ``class_parts``, members ascending). The adjacency of
accepted crosses is CSR (``adj_off``, ``adj_to``, ``adj_edge``, ``adj_sup``) over the edge
arrays.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from partsearch._catalog import (
    CROSSES,
    collect_garbage,
    fsync_tree,
    new_version_name,
    write_pointer,
)
from partsearch.brands import BrandRegistry
from partsearch.errors import SnapshotError

FORMAT = 2  # 2: adj_sup, the support of each adjacency slot
MANIFEST = "manifest.json"
ARRAYS = ("part_hash", "part_brand", "article_off", "article_data", "art_hash", "art_order",
          "class_id", "class_off", "class_parts", "adj_off", "adj_to", "adj_edge", "adj_sup",
          "edge_a", "edge_b", "edge_kind", "edge_support", "edge_state", "edge_src_off",
          "edge_src")
_SAMPLE = 64 << 10


def write(catalog: Path, part_hash: np.ndarray, part_brand: np.ndarray, brands: list[str],
          articles: Any, edges: Any, state: np.ndarray, side: np.ndarray, sources: list[str],
          kinds: list[str], registry: BrandRegistry) -> Path:
    """Write a complete snapshot under a temporary name, then publish it; return its path."""
    import pyarrow as pa

    from partsearch._hashing import article_hashes
    from partsearch.crosses import _kernels as k
    from partsearch.normalize import article_keys

    area = catalog / CROSSES
    area.mkdir(parents=True, exist_ok=True)
    version = new_version_name()
    tmp = area / f".{version}.tmp"
    tmp.mkdir()
    try:
        n = part_hash.size
        part_brand = part_brand.astype(np.uint16)
        files: dict[str, dict[str, int]] = {}

        def save(name: str, arr: np.ndarray) -> None:
            # each array goes to disk as soon as it exists, so the writer never holds them all
            path = tmp / f"{name}.npy"
            np.save(path, np.ascontiguousarray(arr))
            files[path.name] = _fingerprint(path)

        if isinstance(articles, pa.ChunkedArray):
            articles = articles.combine_chunks()
        articles = articles.cast(pa.large_string())
        _v, offsets, data = articles.buffers()
        save("article_off", np.frombuffer(offsets, np.int64, n + 1, articles.offset * 8))
        save("article_data", np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8))
        flags = np.array([registry.keeps_cyrillic(b) for b in brands], dtype=bool)
        art_hash = np.empty(n, dtype=np.uint64)
        step = 5_000_000  # article keys in slices: their text copies stay small
        for lo in range(0, n, step):
            part = articles.slice(lo, step)
            keys = article_keys(part, keep_cyrillic=flags[part_brand[lo:lo + step]]
                                if flags.any() else False)
            art_hash[lo:lo + len(part)] = article_hashes(
                keys.fill_null("?") if keys.null_count else keys)
        del articles
        art_order = np.argsort(art_hash, kind="stable").astype(np.int32)
        save("art_hash", art_hash[art_order])
        save("art_order", art_order)
        del art_hash, art_order
        save("part_hash", part_hash)
        save("part_brand", part_brand)
        keep = state == 0
        class_id = k.union_find(n, edges.a, edges.b, keep).astype(np.int32)
        sizes = np.bincount(class_id)
        save("class_id", class_id)
        save("class_off", np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64))
        save("class_parts", np.argsort(class_id, kind="stable").astype(np.int32))
        del class_id
        adj_off, adj_to, adj_edge = k.csr(n, edges.a, edges.b, keep)
        save("adj_off", adj_off)
        save("adj_to", adj_to)
        del adj_off, adj_to
        # support beside each adjacency slot: a search's walk reads it in order
        save("adj_sup", np.minimum(edges.support[adj_edge], 32_767).astype(np.int16))
        save("adj_edge", adj_edge)
        del adj_edge
        edge_arrays = {"edge_a": edges.a, "edge_b": edges.b, "edge_kind": edges.kind,
                       "edge_support": edges.support, "edge_state": state,
                       "edge_src_off": edges.src_off, "edge_src": edges.src}
        for name, arr in edge_arrays.items():
            save(name, arr)
        files = {f"{name}.npy": files[f"{name}.npy"] for name in ARRAYS}
        _write_held_back(tmp, {**edge_arrays, "part_brand": part_brand,
                               "article_off": _reopen(tmp / "article_off.npy"),
                               "article_data": _reopen(tmp / "article_data.npy")},
                         side, brands, sources)
        manifest = {
            "format": FORMAT, "version": version, "parts": n, "classes": int(sizes.size),
            "largest_class": int(sizes.max()) if sizes.size else 0, "crosses": int(edges.a.size),
            "accepted": int(keep.sum()), "brands": brands, "sources": sources, "kinds": kinds,
            "files": files,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        fsync_tree(tmp)
        final = area / version
        tmp.rename(final)
        write_pointer(area, version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    collect_garbage(area)
    return final


def _reopen(path: Path) -> np.ndarray:
    """An array just saved, mapped back (small ones read: numpy cannot map an empty array)."""
    arr: np.ndarray = np.load(path, mmap_mode="r") if path.stat().st_size > _SAMPLE else \
        np.load(path)
    return arr


def _write_held_back(tmp: Path, arrays: dict[str, np.ndarray], side: np.ndarray,
                     brands: list[str], sources: list[str]) -> None:
    import polars as pl

    held = np.flatnonzero(arrays["edge_state"] != 0)
    a, b = arrays["edge_a"][held], arrays["edge_b"][held]

    def names(ids: np.ndarray) -> tuple[list[str], list[str]]:
        brand = [brands[i] for i in arrays["part_brand"][ids]]
        off, data = arrays["article_off"], arrays["article_data"]
        art = [bytes(data[off[i]:off[i + 1]]).decode() for i in ids]
        return brand, art

    (ba, aa), (bb, ab) = names(a), names(b)
    src_off, src = arrays["edge_src_off"], arrays["edge_src"]
    srcs = [",".join(sources[s] for s in src[src_off[e]:src_off[e + 1]]) for e in held]
    reason = np.where(arrays["edge_state"][held] == 2, "blacklisted",
                      "single-source bridge between groups")
    pl.DataFrame({"brand_a": ba, "article_a": aa, "brand_b": bb, "article_b": ab,
                  "sources": srcs, "reason": reason, "smaller_side": side[held]},
                 schema_overrides={"brand_a": pl.String, "article_a": pl.String,
                                   "brand_b": pl.String, "article_b": pl.String,
                                   "sources": pl.String, "reason": pl.String,
                                   "smaller_side": pl.Int64}).write_csv(tmp / "held_back.csv")


def _fingerprint(path: Path) -> dict[str, int]:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE)
        fh.seek(max(0, size - _SAMPLE))
        tail = fh.read(_SAMPLE)
    return {"bytes": size, "crc": zlib.crc32(head + tail)}


def read_counts(snapshot: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((snapshot / MANIFEST).read_text())
    return data


def open_arrays(snapshot: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The manifest and the memory-mapped arrays; refuses a missing or damaged file."""
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError("snapshot has no manifest (incomplete build?)",
                            path=snapshot) from exc
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"unreadable manifest: {exc}", path=snapshot / MANIFEST) from exc
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"snapshot format {manifest.get('format')!r}, expected {FORMAT}",
                            path=snapshot)
    arrays: dict[str, np.ndarray] = {}
    for name in ARRAYS:
        path = snapshot / f"{name}.npy"
        want = manifest["files"].get(path.name)
        try:
            got = _fingerprint(path)
        except FileNotFoundError as exc:
            raise SnapshotError("snapshot file is missing", path=path) from exc
        if want is None or got != want:
            raise SnapshotError(f"snapshot file is damaged (expected {want}, found {got})",
                                path=path)
        try:
            # small files are read whole (and numpy cannot map an empty array)
            if got["bytes"] > _SAMPLE:
                arrays[name] = np.load(path, mmap_mode="r")
            else:
                arrays[name] = np.load(path)
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"snapshot file is unreadable: {exc}", path=path) from exc
    return manifest, arrays
