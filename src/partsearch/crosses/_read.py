"""Cross files (CSV or Parquet) read in batches and normalized to part hashes.

A batch is normalized with the foundation's vectorized functions; what comes out is numbers
(two part hashes, a source id, a kind id per cross) plus the distinct parts seen, so memory grows
with the number of parts, not with the text of every cross.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partsearch.brands import BrandRegistry, brand_keys, keep_cyrillic_flags
from partsearch.errors import CrossFileError

REQUIRED = ("brand_a", "article_a", "brand_b", "article_b")
OPTIONAL = ("source", "kind")
BATCH_ROWS = 2_000_000
MAX_REJECTS_KEPT = 20


@dataclass
class Vocabulary:
    """Small string sets (sources, kinds) numbered in order of first appearance."""

    names: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def encode(self, values: Any) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(values)
        local = [self._id(str(v)) for v in encoded.dictionary.to_pylist()]
        table = np.asarray(local, dtype=np.uint16)
        indices = encoded.indices
        if isinstance(indices, pa.ChunkedArray):
            indices = indices.combine_chunks()
        return table[indices.to_numpy(zero_copy_only=False)] if len(table) else \
            np.zeros(len(values), np.uint16)

    def _id(self, name: str) -> int:
        if name not in self.ids:
            if len(self.names) >= 65_535:
                raise CrossFileError("more than 65535 distinct sources or kinds")
            self.ids[name] = len(self.names)
            self.names.append(name)
        return self.ids[name]


@dataclass
class Batch:
    hash_a: np.ndarray
    hash_b: np.ndarray
    source: np.ndarray
    kind: np.ndarray
    parts: Any  # polars frame h (u64), brand (u16 id), loc (u64: file, row, side); or None
    rows: int
    rejected: list[str]
    n_rejected: int
    self_crosses: int


def read_batches(path: Path, columns: Mapping[str, str] | None, registry: BrandRegistry,
                 sources: Vocabulary, kinds: Vocabulary, *, brands: Vocabulary | None = None,
                 file_index: int = 0) -> Iterator[Batch]:
    """Normalized batches of one cross file; raises :class:`CrossFileError` naming the file.

    With ``brands``, each batch also lists its distinct parts as (hash, brand id, location):
    the location (file, row, side) is where the article is written, read back once at the
    end (:func:`fetch_articles`), so no article text is held while the files are read.
    """
    mapping = {name: name for name in REQUIRED + OPTIONAL} | dict(columns or {})
    bad_rows: list[str] = []
    offset = 0
    try:
        for table, first_line, resolved in _raw_batches(path, mapping, bad_rows):
            yield _normalize(path, table, first_line, resolved, registry, sources, kinds,
                             brands, (file_index << 40) | (offset << 1))
            offset += table.num_rows
        if bad_rows:  # rows that did not split into the header's columns, skipped and counted
            empty = np.zeros(0, np.uint64)
            yield Batch(empty, empty, np.zeros(0, np.uint16), np.zeros(0, np.uint16),
                        None, len(bad_rows), bad_rows[:MAX_REJECTS_KEPT], len(bad_rows), 0)
    except CrossFileError:
        raise
    except (OSError, ValueError) as exc:
        raise CrossFileError(f"cannot read cross file: {exc}", path=path) from exc
    except Exception as exc:  # pyarrow's ArrowInvalid and friends, mapped at the boundary
        if type(exc).__module__.startswith("pyarrow"):
            raise CrossFileError(f"cannot read cross file: {exc}", path=path) from exc
        raise


def _raw_batches(path: Path, mapping: Mapping[str, str], bad_rows: list[str]
                 ) -> Iterator[tuple[Any, int, dict[str, str]]]:
    import pyarrow as pa

    if not path.exists():
        raise CrossFileError("cross file not found", path=path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        resolved = _resolve_columns(path, pf.schema_arrow.names, mapping)
        wanted = list(dict.fromkeys(resolved.values()))
        row = 1
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            yield pa.Table.from_batches([batch]), row, resolved
            row += batch.num_rows
        return
    import pyarrow.csv as pcsv

    with open(path, "rb") as fh:
        sample = fh.read(1 << 20)
    first = sample.split(b"\n", 1)[0]
    if not first.strip():
        raise CrossFileError("empty cross file (no header)", path=path, line=1)
    encoding = _sniff_encoding(sample)
    text = first.decode("utf-8-sig" if encoding == "utf8" else encoding,
                        errors="replace").rstrip("\r\n")
    delimiter = max((";", ",", "\t", "|"), key=text.count)
    header = [h.strip().strip('"') for h in text.split(delimiter)]
    resolved = _resolve_columns(path, header, mapping)

    def skip(row: Any) -> str:
        # a row that does not split into the header's fields: counted, named, skipped
        where = f"{path}:{row.number}" if row.number is not None else str(path)
        bad_rows.append(f"{where}: expected {row.expected_columns} fields, found "
                        f"{row.actual_columns}: {(row.text or '')[:80]}")
        return "skip"

    reader = pcsv.open_csv(
        path,
        # single-threaded parsing keeps physical row numbers for the rows we skip
        read_options=pcsv.ReadOptions(block_size=64 << 20, encoding=encoding, use_threads=False),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=skip),
        convert_options=pcsv.ConvertOptions(
            column_types={h: pa.string() for h in header},
            include_columns=list(dict.fromkeys(resolved.values())), strings_can_be_null=False),
    )
    line = 2
    for batch in reader:
        yield pa.Table.from_batches([batch]), line, resolved
        line += batch.num_rows


def _sniff_encoding(sample: bytes) -> str:
    """UTF-8 when the first megabyte decodes as UTF-8 (a cut character at its end is fine),
    else cp1251, the other encoding Russian cross files come in."""
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf8"


def _resolve_columns(path: Path, header: list[str], mapping: Mapping[str, str]
                     ) -> dict[str, str]:
    """Our column names -> the file's, matched ignoring case and surrounding spaces."""
    by_key = {h.strip().lower(): h for h in header}
    resolved = {ours: by_key[theirs.strip().lower()] for ours, theirs in mapping.items()
                if theirs.strip().lower() in by_key}
    missing = [mapping[c] for c in REQUIRED if c not in resolved]
    if missing:
        raise CrossFileError(f"missing column(s) {', '.join(map(repr, missing))}; "
                             f"the file has {', '.join(map(repr, header))}", path=path, line=1)
    return resolved


def _normalize(path: Path, table: Any, first_line: int, mapping: Mapping[str, str],
               registry: BrandRegistry, sources: Vocabulary, kinds: Vocabulary,
               brands: Vocabulary | None, loc_base: int) -> Batch:
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    from partsearch._hashing import part_hashes
    from partsearch.normalize import article_keys

    n = table.num_rows
    cols = {c: table.column(mapping[c]).combine_chunks() for c in REQUIRED + OPTIONAL
            if c in mapping and mapping[c] in table.column_names}
    brand_a, brand_b = (brand_keys(cols[c], registry) for c in ("brand_a", "brand_b"))
    key_a = article_keys(cols["article_a"], keep_cyrillic=keep_cyrillic_flags(brand_a, registry))
    key_b = article_keys(cols["article_b"], keep_cyrillic=keep_cyrillic_flags(brand_b, registry))
    valid = pc.and_(pc.and_(brand_a.is_valid(), key_a.is_valid()),
                    pc.and_(brand_b.is_valid(), key_b.is_valid()))
    valid_np = valid.to_numpy(zero_copy_only=False)
    n_bad = int(n - valid_np.sum())
    rejected: list[str] = []
    if n_bad:
        for i in np.flatnonzero(~valid_np)[:MAX_REJECTS_KEPT]:
            side = "a" if not (brand_a[i].is_valid and key_a[i].is_valid) else "b"
            raw = ";".join(str(cols[c][int(i)].as_py()) for c in REQUIRED)
            rejected.append(f"{path}:{first_line + int(i)}: no brand or article on side "
                            f"{side}: {raw}")
    brand_a, brand_b = brand_a.filter(valid), brand_b.filter(valid)
    key_a, key_b = key_a.filter(valid), key_b.filter(valid)
    ha, hb = part_hashes(brand_a, key_a), part_hashes(brand_b, key_b)
    m = len(ha)
    src = sources.encode(cols["source"].filter(valid)) if "source" in cols else \
        np.full(m, sources.encode(pa.array([path.stem]))[0], np.uint16)
    knd = kinds.encode(cols["kind"].filter(valid)) if "kind" in cols else \
        np.full(m, kinds.encode(pa.array(["cross"]))[0], np.uint16)
    same = ha == hb  # a part crossed to itself says nothing
    keep = ~same
    parts = None
    if brands is not None:
        # a part is displayed as first written: interleave the sides in file order, keep firsts
        rows = np.flatnonzero(valid_np).astype(np.uint64) << np.uint64(1)
        order = np.empty(2 * m, dtype=np.int64)
        order[0::2], order[1::2] = np.arange(m), np.arange(m, 2 * m)
        parts = pl.DataFrame({
            "h": np.concatenate([ha, hb]),
            "brand": np.concatenate([brands.encode(brand_a), brands.encode(brand_b)]),
            "loc": np.concatenate([rows, rows | np.uint64(1)]) + np.uint64(loc_base),
        })[order].unique(subset="h", keep="first", maintain_order=True)
    return Batch(ha[keep], hb[keep], src[keep], knd[keep], parts, n, rejected, n_bad,
                 int(same.sum()))


def fetch_articles(paths: list[Path], columns: Mapping[str, str] | None,
                   locs: np.ndarray) -> Any:
    """The article text (trimmed) at each location, in the order of ``locs``: one more pass
    over the files, reading only what the part dictionary needs."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mapping = {name: name for name in REQUIRED + OPTIONAL} | dict(columns or {})
    order = np.argsort(locs, kind="stable")
    ordered = locs[order]
    files = (ordered >> np.uint64(40)).astype(np.int64)
    rows = ((ordered >> np.uint64(1)) & np.uint64((1 << 39) - 1)).astype(np.int64)
    sides = (ordered & np.uint64(1)).astype(bool)
    chunks: list[Any] = []
    for f, path in enumerate(paths):
        lo, hi = np.searchsorted(files, f, "left"), np.searchsorted(files, f, "right")
        if lo == hi:
            continue
        offset = 0
        for table, _line, resolved in _raw_batches(path, mapping, []):
            n = table.num_rows
            a, b = np.searchsorted(rows[lo:hi], [offset, offset + n]) + lo
            if a < b:
                take = pa.array(rows[a:b] - offset)
                col_a = table.column(resolved["article_a"]).take(take)
                col_b = table.column(resolved["article_b"]).take(take)
                chunks.append(pc.utf8_trim_whitespace(
                    pc.if_else(pa.array(sides[a:b]), col_b, col_a)).cast(pa.large_string()))
            offset += n
    found = pa.chunked_array(chunks, type=pa.large_string()).combine_chunks() if chunks else \
        pa.array([], type=pa.large_string())
    if len(found) != locs.size:
        raise CrossFileError("a cross file changed while the index was being built")
    inverse = np.empty(locs.size, dtype=np.int64)
    inverse[order] = np.arange(locs.size)
    return found.take(pa.array(inverse))
