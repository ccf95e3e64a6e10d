"""Cross files (CSV, Parquet, or a spreadsheet's first sheet) read in batches and normalized to
part hashes.

A batch is normalized with the foundation's vectorized functions into numbers (two part hashes, a
source id, a kind id per cross) beside the Arrow columns they came from; the build keeps the text
of new parts only, so memory grows with the number of parts, not with the text of every cross.
Several batches are normalized at once on worker threads (:func:`read_files`).
"""

from __future__ import annotations

import bisect
import csv
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from partsearch._blank import blank_byte
from partsearch._jit import njit
from partsearch.brands import BrandRegistry, brand_columns
from partsearch.errors import CrossFileError

REQUIRED = ("brand_a", "article_a", "brand_b", "article_b")
OPTIONAL = ("source", "kind")
BATCH_ROWS = 2_000_000  # Parquet batch
CSV_BLOCK_BYTES = 64 << 20  # CSV batch
MAX_REJECTS_KEPT = 20
DEFAULT_KIND = "cross"  # a record's kind when the file has no kind column


@dataclass
class Vocabulary:
    """Small string sets (sources, kinds) numbered in order of first appearance. With ``fold``,
    names are trimmed and compared ignoring case, each shown as first seen (trimmed): exported
    CSVs pad cells, and ``forum``, `` forum `` and ``Forum`` counted as three sources made one
    source's record look confirmed (the brands, already canonical, are not folded)."""

    names: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    fold: bool = False

    def encode(self, values: Any) -> np.ndarray:
        """Ids of a column of names (plain or dictionary-encoded Arrow)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        local = [self.encode_one(str(v)) for v in encoded.dictionary.to_pylist()]
        table = np.asarray(local, dtype=np.uint16)
        return table[encoded.indices.to_numpy(zero_copy_only=False)] if len(table) else \
            np.zeros(len(values), np.uint16)

    def encode_one(self, name: str) -> int:
        # (called once per distinct name of a batch, never per row)
        key = name.strip().casefold() if self.fold else name
        if key not in self.ids:
            if len(self.names) >= 65_535:
                raise CrossFileError("more than 65535 distinct sources or kinds")
            self.ids[key] = len(self.names)
            self.names.append(name.strip() if self.fold else name)
        return self.ids[key]


@dataclass(frozen=True)
class Layout:
    """How cross files are laid out: ``columns`` maps our names to their headers (a name, or
    several in order: each file reads the first of them it has, so files with different
    headers build together), ``brands`` gives a side a fixed brand where the files have no
    brand column (``{"brand_a": "MAHLE"}``), ``makers`` lists the columns of a wide table,
    each one maker's numbers crossed with side a (``{"gates_part_number": "GATES"}``: side
    b), ``split`` separates several numbers in one article cell (:func:`_split`), and with
    ``cell_brands`` a number may carry its maker in parentheses, ``583 0674 (TEREX)``
    (:func:`_cell_brands`)."""

    columns: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    brands: Mapping[str, str] = field(default_factory=dict)
    split: str | None = None
    makers: Mapping[str, str] = field(default_factory=dict)
    cell_brands: bool = False

    def __post_init__(self) -> None:
        # a misspelt or contradicted name would otherwise be dropped without a word, and the
        # build would read another column than the one asked for
        ours = self._ours()
        for name, theirs in self.columns.items():
            if name not in REQUIRED + OPTIONAL:
                raise CrossFileError(f"no column {name!r} to map; the columns are "
                                     f"{', '.join(REQUIRED + OPTIONAL)}")
            if name not in ours:
                why = "a fixed brand" if name in self.brands else "the maker columns"
                raise CrossFileError(f"column {name!r} is mapped but not read: that side's "
                                     f"{name.split('_')[0]} comes from {why}")
            if not _names(theirs) or not all(t.strip() for t in _names(theirs)):
                raise CrossFileError(f"column {name!r} is mapped to no header name")

    def _ours(self) -> list[str]:
        return [n for n in REQUIRED + OPTIONAL if n not in self.brands
                and not (self.makers and n in _SIDE_B)]

    def mapping(self) -> dict[str, tuple[str, ...]]:
        """Our names -> the files' headers that may hold them, first choice first, for every
        column read from the files: each one the files must have, but ``source`` and ``kind``
        unless mapped; a maker column as ``maker <i>``."""
        return {n: (n,) for n in self._ours()} | \
            {n: _names(theirs) for n, theirs in self.columns.items()} | \
            {f"{MAKER}{i}": (column,) for i, column in enumerate(self.makers)}

    def required(self) -> set[str]:
        """Our names of the mapped columns a file must have: a ``source`` or ``kind`` mapped
        to a header too (a name asked for and not found is a mistake, not a default)."""
        return set(self.mapping()) - (set(OPTIONAL) - set(self.columns)) - \
            ({"brand_a", "brand_b"} if self.cell_brands else set())


def _names(theirs: str | Sequence[str]) -> tuple[str, ...]:
    return (theirs,) if isinstance(theirs, str) else tuple(theirs)


_SIDE_B = ("brand_b", "article_b")
MAKER = "maker "  # (a maker column's name in a mapping: "maker 0", "maker 1", ...)


@dataclass
class Batch:
    """One batch of a cross file, normalized: every row with a brand and article on both sides.

    ``hash_a``/``hash_b`` are the part hashes (a row whose sides are equal is a self-cross),
    ``source``/``kind`` the vocabulary ids; ``brand_*`` (canonical), ``key_*`` (article keys)
    and ``article_*`` (as written) are the Arrow columns behind them, for the part dictionary.
    """

    hash_a: np.ndarray
    hash_b: np.ndarray
    source: np.ndarray
    kind: np.ndarray
    rows: int
    rejected: list[str]
    n_rejected: int
    brand_a: Any = None
    brand_b: Any = None
    key_a: Any = None
    key_b: Any = None
    article_a: Any = None
    article_b: Any = None
    read_share: float = 1.0  # how much of its file is read up to this batch's end (progress)
    # where the crosses kept come from: (the batch's first line or its rows' lines, each
    # cross's row when a row may give several, the crosses kept when some are not): lines()
    origin: Any = None

    def lines(self) -> np.ndarray:
        """The file line of each cross kept (an ndarray beside ``hash_a``)."""
        first, row, kept = self.origin if self.origin is not None else (1, None, None)
        at = np.arange(self.rows) if row is None else np.asarray(row, np.int64)
        at = at if kept is None else at[kept]
        return first + at if isinstance(first, int) else np.asarray(first)[at]


@dataclass
class _Normalized:
    """A batch as a worker thread leaves it: no shared vocabulary touched yet."""

    batch: Batch
    source: Any  # dictionary-encoded Arrow column, or the file's name
    kind: Any


def read_batches(path: Path, layout: Layout, registry: BrandRegistry, sources: Vocabulary,
                 kinds: Vocabulary) -> Iterator[Batch]:
    """Normalized batches of one cross file; raises :class:`CrossFileError` naming the file."""
    for item, _share in _pending_batches(path, layout, registry,
                                         lambda fn, *args: _Done(fn(*args))):
        yield _finish(item.result(), sources, kinds)


def read_files(paths: list[Path], layout: Layout, registry: BrandRegistry,
               sources: Vocabulary, kinds: Vocabulary, *, workers: int = 2,
               on_file: Any = None) -> Iterator[Batch]:
    """Normalized batches of several files in file order, normalized by ``workers`` threads
    (the kernels and Arrow release the GIL) while the caller consumes earlier batches.
    ``on_file(path)`` is called once a file's last batch has been yielded."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="partsearch-read") as pool:
        # (path, future, share of the file read); None marks a file's end
        pending: deque[tuple[Path, Any, float]] = deque()

        def drain(keep: int) -> Iterator[Batch]:
            while len(pending) > keep:
                path, item, share = pending.popleft()
                if item is None:
                    if on_file:
                        on_file(path)
                    continue
                batch = _finish(_result(path, item), sources, kinds)
                batch.read_share = share
                yield batch

        for path in paths:
            for item, share in _pending_batches(path, layout, registry, pool.submit):
                pending.append((path, item, share))
                yield from drain(workers)  # bounded read-ahead: memory stays a few batches
            pending.append((path, None, 1.0))
        yield from drain(0)


def rows_hint(paths: list[Path]) -> int:
    """The number of crosses in ``paths`` where the files say it cheaply (Parquet metadata),
    else 0; an unreadable file counts 0 here and is reported when it is read."""
    import pyarrow.parquet as pq

    rows = 0
    for path in paths:
        if path.suffix.lower() in (".parquet", ".pq"):
            try:
                rows += pq.ParquetFile(path).metadata.num_rows
            except (OSError, ValueError):
                continue
    return rows


class _Done:
    """A result computed in the calling thread, shaped like a future."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


def _result(path: Path, item: Any) -> Any:
    with _errors(path):
        return item.result()


def _finish(item: _Normalized, sources: Vocabulary, kinds: Vocabulary) -> Batch:
    batch = item.batch

    def ids(vocabulary: Vocabulary, names: Any) -> np.ndarray:
        # a column of names, or one name for the whole batch
        if isinstance(names, str):
            return np.full(batch.hash_a.size, vocabulary.encode_one(names), np.uint16)
        return vocabulary.encode(names)

    batch.source, batch.kind = ids(sources, item.source), ids(kinds, item.kind)
    return batch


def _pending_batches(path: Path, layout: Layout, registry: BrandRegistry, submit: Any
                     ) -> Iterator[tuple[Any, float]]:
    """One future per batch of ``path`` (normalized by ``submit``), then one for the rows that
    did not split into the header's columns; each with the share of the file read by then."""
    bad_rows: list[str] = []
    with _errors(path):
        for table, first_line, resolved, share in _raw_batches(path, layout, bad_rows):
            yield submit(_normalize, path, table, first_line, resolved, registry, layout), share
        if bad_rows:  # skipped and counted; no parts
            empty = np.zeros(0, np.uint64)
            yield _Done(_Normalized(Batch(empty, empty, empty, empty, len(bad_rows),
                                          bad_rows[:MAX_REJECTS_KEPT], len(bad_rows)),
                                    path.stem, DEFAULT_KIND)), 1.0


class _errors:
    """Map the errors of the libraries below to :class:`CrossFileError` naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, _tb: Any) -> None:
        if exc is None or isinstance(exc, CrossFileError):
            return
        if isinstance(exc, OSError | ValueError) or type(exc).__module__.startswith("pyarrow"):
            hint = "; the file was taken for UTF-8 (what was sampled of it is): if it is " \
                "cp1251, convert it (iconv -f cp1251 -t utf-8)" if "invalid UTF8" in str(exc) \
                else ""
            raise CrossFileError(f"cannot read cross file: {exc}{hint}", path=self.path) \
                from exc


def _raw_batches(path: Path, layout: Layout, bad_rows: list[str]
                 ) -> Iterator[tuple[Any, int | np.ndarray, dict[str, str], float]]:
    """The file's batches as Arrow tables, each with its first line, the columns resolved,
    and the share of the file read by its end (rows of a Parquet file, bytes of a CSV)."""
    import pyarrow as pa

    kind = _kind(path)
    if kind == "sheet":
        for table, line, resolved in _sheet_batches(path, layout):  # XLSX, ODS, legacy XLS
            yield table, line, resolved, 1.0
        return
    if kind == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        resolved = _resolve_columns(path, pf.schema_arrow.names, layout)
        wanted = list(dict.fromkeys(resolved.values()))
        row, rows = 1, max(pf.metadata.num_rows, 1)
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            yield pa.Table.from_batches([batch]), row, resolved, \
                min((row - 1 + batch.num_rows) / rows, 1.0)
            row += batch.num_rows
        return
    import pyarrow.csv as pcsv

    from partsearch.crosses import _exact

    sample, encoding, delimiter, header = _csv_header(path)
    resolved = _resolve_columns(path, header, layout, sample=sample)
    _refuse_nul(path)
    wanted = list(dict.fromkeys(resolved.values()))
    # the columns not read, asked for as bytes (a copy, no check) to be looked at for a line
    # break too: a stray quote there, never closed, would swallow the lines after it unseen.
    # Arrow asks for columns by name and gives the first of a name the header repeats (the
    # empty names of trailing unnamed columns, ``;;``): a later one is named apart to be asked
    # for too (the first of a name is the one read, as on the exact read)
    names = [h if h not in header[:i] else f"{h}\x00{i}" for i, h in enumerate(header)]
    unread = [h for h in names if h not in wanted]
    if unread and not _has_quote(path):
        # (a copy of every cell: on a wide file, 26 columns not read, the read took 3x as
        # long; a file without a quote, whose records cannot span lines, is spared it)
        unread = []
    # the rejected rows the exact read reads again: whose text spans lines, or that split into
    # more fields than the header names (the extra ones may be blank, ``MANN;W 1;KNECHT;OC 1;;;``
    # as 1C and script exports pad their rows: no columns, which Arrow cannot be told)
    again: list[int] = []
    rejected: list[int] = []  # the file line of each of ``bad_rows``
    skipped: list[int] = []  # the lines Arrow skipped: rejected or blank

    def skip(row: Any) -> str:
        # a row that does not split into the header's fields: counted, named, skipped; a
        # line of delimiters and blanks, no row (below)
        skipped.append(row.number)
        text = row.text or ""
        if not text.replace(delimiter, "").strip(" \t\r"):
            return "skip"
        rejected.append(row.number)
        bad_rows.append(f"{path}:{row.number}: expected {row.expected_columns} fields, found "
                        f"{row.actual_columns}: {text[:80]}")
        # (a record that spans lines; Arrow may give a CRLF file's swallowed line break as its
        # "\r" alone, and the line after it was lost inside the rejected row's text)
        if "\n" in text or "\r" in text.rstrip("\r") or row.actual_columns > row.expected_columns:
            again.append(len(bad_rows))
            # Arrow stopped at once: it calls this for every row of a block it parses (a
            # padded file's each, at ~15 us a call: 30 s for 2M rows, the exact read's 3 s)
            return "error"
        return "skip"

    # how much of the file a batch ends at: its lines at the first megabyte's bytes per line,
    # and at most the file's position (Arrow reads up to 32 blocks ahead of the batches)
    size = max(path.stat().st_size, 1)
    line_bytes = len(sample) / max(sample.count(b"\n"), 1)
    read_options = pcsv.ReadOptions(block_size=CSV_BLOCK_BYTES, encoding=encoding,
                                    # single-threaded parsing numbers the rows we skip by
                                    # their file lines
                                    use_threads=False)
    if names != header or _spelled(sample, encoding, delimiter) not in (header, None):
        # a header cell with spaces around its name (``article_a ``), matched without them:
        # the columns named as matched (Arrow would look for the name as the file spells it)
        read_options.column_names, read_options.skip_rows = names, 1
    line = 2  # (the first line of the next batch)
    told = {"delimiter": delimiter}  # (a rejected row is shown as the file writes it)
    undecodable = _Undecodable(skip)
    with pa.OSFile(str(path)) as source:
        try:
            with undecodable:
                reader = pcsv.open_csv(
                    source,
                    read_options=read_options,
                    # an empty line kept as a row of empty cells, so that every line of the file
                    # is a row of a batch or a rejected one, and the rows are numbered by line
                    parse_options=pcsv.ParseOptions(delimiter=delimiter,
                                                    invalid_row_handler=skip,
                                                    ignore_empty_lines=False),
                    convert_options=pcsv.ConvertOptions(
                        column_types={h: pa.binary() if h in unread else pa.string()
                                      for h in names},
                        include_columns=wanted + unread,
                        strings_can_be_null=False),
                )
            while True:
                with undecodable:  # (around Arrow's reading alone: no yield inside)
                    batch = next(reader, None)
                if batch is None:
                    if not again:  # (a block of rejected rows alone gives no batch)
                        return
                    break
                table = pa.Table.from_batches([batch])
                if again or _exact.spans_lines(table):
                    break
                # (Arrow's reader may parse a block ahead: rows rejected past this batch too)
                table, lines, line = _number_lines(
                    table, line, skipped[bisect.bisect_left(skipped, line):],
                    resolved["article_a"],
                    # (the cells not fetched: a row blank in those read looked at in the file)
                    None if unread or len(wanted) == len(header) else
                    lambda at: _exact.blank_lines(path, delimiter, at))
                if table.num_rows:
                    yield table.select(wanted).replace_schema_metadata(told), lines, resolved, \
                        min((line - 1) * line_bytes, source.tell()) / size
        except pa.ArrowInvalid as exc:
            # a row not UTF-8 in a file taken for UTF-8: Arrow's own words ("Row #83552:
            # Expected 6 columns, got 4", "CSV conversion error") name no line or encoding
            if encoding == "utf8" and (undecodable.seen or "invalid UTF8" in str(exc)):
                _refuse_not_utf8(path, delimiter, header, exc)
            if not again and "out of sync with chunker" not in str(exc):
                raise
    # a record spans lines (a quoted line break, or a stray quote that swallowed the lines
    # after it, up to the end of Arrow's block or beyond), or a row has more fields than the
    # header: the rest of the file, from this batch's first record on, read exactly (as fast)
    del bad_rows[bisect.bisect_left(rejected, line):]
    for rest, lines, share in _exact.batches(path, encoding, delimiter, header, wanted,
                                              line, bad_rows):
        yield rest.replace_schema_metadata(told), lines, resolved, share


def _number_lines(table: Any, start: int, skipped: list[int], article: str,
                  blank_lines: Any = None) -> tuple[Any, int | np.ndarray, int]:
    """Arrow's batch from file line ``start`` on, its rows numbered by line: the lines Arrow
    skipped from there on (``skipped``) left out, the rows of blank lines dropped. Returns
    the batch, its first line or each row's line, and the line after its last row."""
    n = table.num_rows
    lines: int | np.ndarray = start
    after = start + n
    if skipped and skipped[0] < start + n:  # (rare: a batch commonly keeps its first line)
        at = np.arange(start, start + n + len(skipped))
        gone = np.asarray(skipped, np.int64) - start
        lines = np.delete(at, gone[gone < at.size])[:n]
        after = int(lines[-1]) + 1 if n else start
    # a blank line (empty, or delimiters and blanks only: an empty sheet row exported) is no
    # row, as the exact read has it: looked for among the rows whose article_a is blank at
    # its start, a few
    maybe = _blank_cells(table.column(article), start_only=True)
    if maybe.size:
        blank = np.ones(maybe.size, bool)
        for col in table.columns:
            blank[~np.isin(np.arange(maybe.size),
                           _blank_cells(col.take(maybe), start_only=False))] = False
        at = np.arange(start, start + n) if isinstance(lines, int) else lines
        if blank.any() and blank_lines is not None:  # (blank in the cells read, a few)
            blank[blank] = blank_lines(at[maybe[blank]])
        if blank.any():
            keep = np.ones(n, bool)
            keep[maybe[blank]] = False
            table, lines = table.filter(keep), at[keep]
    return table, lines, after


def _blank_cells(col: Any, *, start_only: bool) -> np.ndarray:
    """The rows of a text or bytes column whose cell is empty or blanks only (spaces, tabs,
    carriage returns), or, ``start_only``, empty or starting with a blank."""
    import pyarrow as pa

    from partsearch._arrow import string_buffers

    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    offsets, data = string_buffers(col.view(pa.string()) if pa.types.is_binary(col.type)
                                   else col)
    out = np.empty(_blank_rows(offsets, data, start_only, np.empty(0, np.int64)), np.int64)
    if out.size:
        _blank_rows(offsets, data, start_only, out)
    return out


@njit(cache=True, nogil=True)
def _blank_rows(offsets: Any, data: Any, start_only: Any, out: Any) -> Any:
    # (a count first, then, when any, the rows: the common column has none, ~1 ms a million)
    k = 0
    for row in range(offsets.shape[0] - 1):
        blank = True
        for i in range(offsets[row], offsets[row + 1] if not start_only
                       else min(offsets[row] + 1, offsets[row + 1])):
            if not blank_byte(data[i]):
                blank = False
                break
        if blank:
            if k < out.shape[0]:
                out[k] = row
            k += 1
    return k


class _Undecodable:
    """While entered, swallows (and notes, ``seen``) the UnicodeDecodeError Arrow meets
    decoding a rejected row's text for ``handler`` (its ``invalid_row_handler``): a row not
    UTF-8, which Arrow reports as "Exception ignored ..." on stderr before failing the read
    with its own words; the read tells it (:func:`_refuse_not_utf8`). Any other such report
    goes on to the hook there was."""

    def __init__(self, handler: Any) -> None:
        self.handler, self.seen, self.previous = handler, False, sys.unraisablehook

    def __enter__(self) -> None:
        self.previous, sys.unraisablehook = sys.unraisablehook, self._hook

    def __exit__(self, *_exc: object) -> None:
        if sys.unraisablehook == self._hook:
            sys.unraisablehook = self.previous

    def _hook(self, report: Any) -> None:
        if report.object is self.handler and isinstance(report.exc_value, UnicodeDecodeError):
            self.seen = True
            return
        self.previous(report)


def _refuse_not_utf8(path: Path, delimiter: str, header: list[str], exc: Exception) -> None:
    """Raise :class:`CrossFileError` naming the line and column of the first byte of ``path``
    that is not UTF-8 (a failure path: one decoding pass), if any."""
    import codecs

    with open(path, "rb") as fh:
        offset, tail = 0, b""
        while True:
            more = fh.read(16 << 20)
            chunk = tail + more
            try:
                used = codecs.utf_8_decode(chunk, "strict", not more)[1]
            except UnicodeDecodeError as bad:
                at = offset + bad.start
                break
            if not more:
                return
            offset, tail = offset + used, chunk[used:]
        fh.seek(0)
        before = fh.read(at)
        byte = fh.read(1)[0]
    line_start = before.rfind(b"\n") + 1
    # the cell: delimiters before the byte on its line, those inside quotes aside
    cell, quoted = 0, False
    for c in before[line_start:]:
        if c == 34:
            quoted = not quoted
        elif c == ord(delimiter) and not quoted:
            cell += 1
    column = repr(header[cell]) if cell < len(header) else f"#{cell + 1}"
    raise CrossFileError(
        f"column {column} holds text that is not valid UTF-8 (byte 0x{byte:02x}); the file "
        "was taken for UTF-8 (what was sampled of it is): if it is cp1251, convert it "
        "(iconv -f cp1251 -t utf-8)", path=path, line=before.count(b"\n") + 1) from exc


def _refuse_nul(path: Path) -> None:
    """Raise naming the byte and line of a NUL byte in text file ``path``, if any (a search at
    memory speed, ending at the first): Arrow reads one as text, and a run of them, a crash's
    zeroed blocks where whole rows were, was one rejected row, the rows lost without a word."""
    import mmap

    from partsearch.loading._binary import NUL_RUN, zero_run, zeroed

    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            at = mm.find(b"\0")
            if at < 0:
                return
            run = zero_run(mm, at)  # (counted at memory speed: a byte a Python step was not)
            line = mm[:at].count(b"\n") + 1
    what = zeroed(at, run) if run >= NUL_RUN else (
        f"a NUL byte at byte {at}, which no text holds (a damaged copy?): remove it or get the "
        "file again")
    raise CrossFileError(what, path=path, line=line)


def _has_quote(path: Path) -> bool:
    """Whether ``path`` holds a double quote (a search at memory speed, ending at the first)."""
    import mmap

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b'"') >= 0


def _spelled(sample: bytes, encoding: str, delimiter: str) -> list[str] | None:
    """The header's names as Arrow reads them (None: it cannot)."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        names: list[str] = pcsv.read_csv(
            io.BytesIO(sample.split(b"\n", 1)[0] + b"\n"),
            read_options=pcsv.ReadOptions(encoding=encoding),
            parse_options=pcsv.ParseOptions(delimiter=delimiter)).column_names
        return names
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None


def _kind(path: Path) -> str:
    """``sheet`` (XLSX, ODS, a legacy XLS: by their first bytes), ``parquet`` (by its suffix)
    or ``csv``."""
    if not path.exists():
        raise CrossFileError("cross file not found", path=path)
    if not path.is_file():  # (a FIFO's read waited for a writer forever)
        from partsearch.loading.profiles import NOT_REGULAR

        raise CrossFileError("is a directory, not a cross file" if path.is_dir() else
                             NOT_REGULAR, path=path)
    with open(path, "rb") as fh:
        magic = fh.read(64)
    if magic[:4] == b"PK\x03\x04" or magic[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "sheet"
    # (read as CSV, a JSON export failed "missing column(s) ...; the file has '['")
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson") or re.match(
            rb"[\[{]\s*([\[{\"]|$)", magic.removeprefix(b"\xef\xbb\xbf").lstrip()):
        raise CrossFileError(
            "JSON is not a cross file format partsearch reads: CSV (, ; tab or |), Parquet, "
            "or a spreadsheet (XLSX, XLS, ODS), with columns brand_a, article_a, brand_b, "
            "article_b; save it as one of those", path=path)
    return "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"


def _csv_header(path: Path) -> tuple[bytes, str, str, list[str]]:
    """A CSV file's first megabyte, encoding, delimiter and header."""
    with open(path, "rb") as fh:
        sample = fh.read(1 << 20)
    # (a line ends at LF, CRLF or CR alone, as Arrow reads the rest: split at LF alone, a
    # classic Mac file's header ran on through the file, and a CR in a gzip's bytes read as
    # a first line raised csv's "new-line character seen in unquoted field")
    first = re.split(rb"\r\n?|\n", sample, maxsplit=1)[0]
    if not first.strip():
        raise CrossFileError("empty cross file (no header)", path=path, line=1)
    encoding = _sniff_encoding(path, sample)
    text = first.decode("utf-8-sig" if encoding == "utf8" else encoding,
                        errors="replace")
    # a quoted name may hold a delimiter (``"Brand;maker"``): counted and split as Arrow
    # reads the header, quotes and all, or its columns would not be found by their names
    unquoted = re.sub(r'"[^"]*"', "", text)
    delimiter = max((";", ",", "\t", "|"), key=unquoted.count)
    cells = next(csv.reader([text], delimiter=delimiter))
    return sample, encoding, delimiter, [h.strip().strip('"') for h in cells]


def check_columns(path: Path, layout: Layout) -> None:
    """Raise as reading ``path`` would if it lacks a column, reading only its header (a
    Parquet file's schema): a build of several files finds a mistake in the last before it
    reads the first. A spreadsheet, whose header is found by reading the sheet, is checked
    when it is read."""
    with _errors(path):
        kind = _kind(path)
        if kind == "sheet":
            return
        if kind == "parquet":
            import pyarrow.parquet as pq

            _resolve_columns(path, pq.ParquetFile(path).schema_arrow.names, layout)
            return
        sample, _encoding, _delimiter, header = _csv_header(path)
        _resolve_columns(path, header, layout, sample=sample)


def _sheet_batches(path: Path, layout: Layout
                   ) -> Iterator[tuple[Any, int, dict[str, str]]]:
    """A spreadsheet's first sheet as one batch. Its header is the first of its first 20 rows
    that names every column read (a sheet may open with a title); lines are sheet rows."""
    import pyarrow as pa

    from partsearch.errors import PriceFileError
    from partsearch.loading._sheets import sheet_cells

    try:
        frame = sheet_cells(path.read_bytes(), 0, str(path))
    except PriceFileError as exc:
        raise CrossFileError(exc.message, path=path) from exc
    lines = frame.get_column("__line").to_list()
    heads = [["" if cell is None else str(cell).strip() for cell in row]
             for row in frame.drop("__line").head(20).rows()]
    if not heads:
        raise CrossFileError("empty spreadsheet (no header)", path=path, line=1)
    at = next((i for i, head in enumerate(heads) if not _match(head, layout)[1]), 0)
    header = heads[at]
    resolved = _resolve_columns(path, header, layout, line=lines[at])  # (raises at row 1)
    position = {name.lower(): i for i, name in reversed(list(enumerate(header)))}
    body = frame.slice(at + 1)
    if body.height:
        yield pa.table({theirs: body.get_column(f"c{position[theirs.lower()]}").to_arrow()
                        for theirs in dict.fromkeys(resolved.values())}), lines[at + 1], resolved


def _sniff_encoding(path: Path, sample: bytes) -> str:
    """UTF-8 when the text read of the file decodes as UTF-8, else cp1251, the other encoding
    Russian cross files come in. The text read is the first megabyte (``sample``), and when
    that is all ASCII, which both encodings read alike, the last megabyte and 16 places
    between: a file sorted by brand has its Cyrillic brands last, and taking a cp1251 file
    for UTF-8 fails its build at the first of them."""
    import codecs

    pieces = [sample]
    if max(sample, default=0) < 0x80:
        size = path.stat().st_size
        step = max(size // 17, 1)
        places = [(at, 1 << 16) for at in range(len(sample) + step, size, step)][:16]
        with open(path, "rb") as fh:
            for at, length in [*places, (size - (1 << 20), 1 << 20)]:
                fh.seek(max(at, len(sample)))
                pieces.append(fh.read(length).lstrip(bytes(range(0x80, 0xC0))))  # (a cut char)
    for piece in pieces:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(piece, final=False)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf8"


def _resolve_columns(path: Path, header: list[str], layout: Layout, *,
                     line: int = 1, sample: bytes = b"") -> dict[str, str]:
    """Our column names -> the file's, matched ignoring case and surrounding spaces. A CSV
    file's ``sample`` (its head) tells, when its header is not found, whether it is text at all:
    a gzip saved as .csv is named so, where its garbled bytes were quoted as a header."""
    resolved, missing = _match(header, layout)
    if missing:
        from partsearch.loading._binary import not_text
        from partsearch.loading._csv import utf16_codec
        from partsearch.loading._header import excerpt

        if utf16_codec(sample) is not None:
            raise CrossFileError("UTF-16 text: save the cross file as UTF-8 or cp1251",
                                 path=path)
        kind = not_text(sample) if sample else None
        if kind is not None:
            raise CrossFileError(f"not a text file: {kind} (a cross file is CSV, Parquet, "
                                 "XLSX, XLS or ODS)", path=path)
        raise CrossFileError(f"missing column(s) {', '.join(missing)}; "
                             f"the file has {excerpt(header)}", path=path, line=line)
    return resolved


def _match(header: list[str], layout: Layout) -> tuple[dict[str, str], list[str]]:
    """Our names -> the header's of the columns it has (case and surrounding spaces aside; of
    several names for one column, the first the header has), and the required columns it
    lacks, as the names tried (``'aftermarket_brand' or 'shop_manufacturer' (brand_a)``, the
    field named where it was mapped)."""
    by_key = {h.strip().lower(): h for h in reversed(header)}  # (the first of a name)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    required = layout.required()
    for ours, names in layout.mapping().items():
        found = next((by_key[t.strip().lower()] for t in names if t.strip().lower() in by_key),
                     None)
        if found is not None:
            resolved[ours] = found
        elif ours in required:
            tried = " or ".join(map(repr, names))
            missing.append(f"{tried} ({ours})" if ours in layout.columns else tried)
    return resolved, missing


def _ascii(col: Any) -> bool:
    """Whether a string column's text is all ASCII (so valid UTF-8): one vectorized pass over
    its bytes (of a dictionary's entries), ~20x quicker than Arrow's full check. Other columns:
    True (no text to check)."""
    import pyarrow as pa

    from partsearch._arrow import string_buffers

    if pa.types.is_dictionary(col.type):
        return _ascii(col.dictionary)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return True
    offsets, data = string_buffers(col)
    return bool(offsets[-1] == offsets[0] or data[offsets[0]:offsets[-1]].max() < 0x80)


def _line(first_line: int | np.ndarray, row: int) -> int:
    """The file line of a batch's row: its first line and the rows after it, or, where the
    rows are not consecutive lines (:mod:`._exact`), each row's line."""
    return first_line + row if isinstance(first_line, int) else int(first_line[row])


def _check_utf8(path: Path, name: str, col: Any, first_line: int | np.ndarray) -> None:
    """Raise naming the first row of ``col`` whose text is not UTF-8, if any: Arrow's check
    of the whole column, then, when it fails, a bisection of it to the row."""
    import pyarrow as pa

    try:
        col.validate(full=True)
        return
    except pa.ArrowInvalid:
        if pa.types.is_dictionary(col.type):  # (a bad entry no row of this batch uses is fine)
            _check_utf8(path, name, col.dictionary.take(col.indices), first_line)
            return
    lo, hi = 0, len(col)  # col[lo:hi] holds a bad value
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            col.slice(lo, mid - lo).validate(full=True)
            lo = mid
        except pa.ArrowInvalid:
            hi = mid
    raise CrossFileError(f"column {name!r} holds text that is not valid UTF-8",
                         path=path, line=_line(first_line, lo))


def _split(cols: dict[str, Any], separator: str) -> tuple[dict[str, Any], np.ndarray]:
    """Rows whose article cells hold several numbers (``separator`` between them, spaces around
    them dropped) as one cross per pair: each number of side a with each of side b. Returns
    the columns, a row per cross, and each cross's row in the batch. A side left without a
    number (empty, or separators only) keeps one null, which the caller rejects."""
    row = np.arange(len(cols["article_a"]))
    for side in ("article_a", "article_b"):
        numbers, parent = _numbers(cols[side], separator)
        cols = {c: numbers if c == side else col.take(parent) for c, col in cols.items()}
        row = row[parent]
    return cols, row


def _wide(cols: dict[str, Any], makers: list[tuple[Any, str]]
          ) -> tuple[dict[str, Any], np.ndarray]:
    """A wide table's rows as crosses: side a with each maker column's cell (side b, the
    maker's brand), where the cell holds anything (a maker without a number for the part is
    no cross). Returns the columns and each cross's row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces, rows = [], []
    for column, brand in makers:
        text = (column.dictionary_decode() if pa.types.is_dictionary(column.type)
                else column).cast(pa.string())
        filled = pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0)
        at = np.flatnonzero(filled.fill_null(False).to_numpy(zero_copy_only=False))
        pieces.append({c: col.take(at) for c, col in cols.items()}
                      | {"brand_b": pa.repeat(pa.scalar(brand, pa.string()), at.size),
                         "article_b": text.take(at)})
        rows.append(at)
    joined = {c: pa.concat_arrays([p[c].cast(pieces[0][c].type) for p in pieces])
              for c in pieces[0]}
    return joined, np.concatenate(rows)


# a number, then its maker in parentheses at the end, which may hold one more pair of them
_CELL_BRAND = r"^(?P<number>.*?)\s*\((?P<brand>(?:[^()]|\([^()]*\))+)\)\s*$"


def _cell_brands(cols: dict[str, Any]) -> dict[str, Any]:
    """Numbers written with their maker in parentheses at the end, as catalogue exports list
    OE numbers (``583 0674 (TEREX)``, ``17801-31131 (TOYOTA (FAW))``), as that maker's: the
    maker, when it holds a letter (``WK 3002 (10)`` is MANN's number as it is), wins over the
    side's brand; a side without a brand column has only these. A cell wholly in parentheses
    that holds a digit (``(20.01.007.65R)`` beside RENAULT in a TecDoc export, which the same
    rows list as 200100765R) names no maker: it is the side's number as written, where it was
    read as a maker with no number and the row rejected. One without (``(TOYOTA)``) is a
    maker with no number, rejected, not the side's brand's number "TOYOTA": TecDoc's numbers
    all hold a digit."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = dict(cols)
    for side in ("a", "b"):
        text = out[f"article_{side}"]
        if pa.types.is_dictionary(text.type):
            text = text.dictionary_decode()
        found = pc.extract_regex(text, _CELL_BRAND)
        brand = pc.struct_field(found, "brand")
        whole = pc.and_(pc.equal(pc.struct_field(found, "number"), ""),
                        pc.match_substring_regex(brand, r"\d"))  # (a number, printed so)
        named = pc.and_(found.is_valid(), pc.and_not(pc.match_substring_regex(brand, r"\pL"),
                                                     whole)).fill_null(False)
        out[f"article_{side}"] = pc.if_else(named, pc.struct_field(found, "number"), text)
        given = out.get(f"brand_{side}", pa.nulls(len(text), pa.string()))
        out[f"brand_{side}"] = pc.if_else(named, brand, given.cast(pa.string()))
    return out


def _numbers(col: Any, separator: str) -> tuple[Any, np.ndarray]:
    """The numbers of each cell of ``col``, flattened, and the row each came from."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    lists = pc.split_pattern(col, separator)
    numbers = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    kept = pc.greater(pc.binary_length(numbers), 0)
    numbers, parent = numbers.filter(kept), parent[kept.to_numpy(zero_copy_only=False)]
    has = np.zeros(len(col), dtype=bool)
    has[parent] = True
    bare = np.flatnonzero(~has)
    if bare.size:
        order = np.argsort(np.concatenate([parent, bare]), kind="stable")
        numbers = pa.concat_arrays([numbers, pa.nulls(bare.size, numbers.type)]).take(order)
        parent = np.concatenate([parent, bare])[order]
    return numbers, parent


def _text(path: Path, ours: str, theirs: str, col: Any) -> Any:
    """``col`` as text, as a CSV file's cells are read: a Parquet file may store numbers
    (``155093``, ``1457433315.0``), which the rest of the read takes for text. Articles go
    through the normalizer's number rules (a whole float is its integer), the other columns
    through Arrow's cast."""
    import pyarrow as pa

    from partsearch.normalize import _to_text_series

    kind = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return col
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    if ours.startswith(("article_", MAKER)) and (pa.types.is_integer(kind)
                                                 or pa.types.is_floating(kind)):
        return _to_text_series(col).to_arrow()
    try:
        return col.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as exc:
        raise CrossFileError(f"column {theirs!r} holds {kind}, not text or numbers",
                             path=path) from exc


def _normalize(path: Path, table: Any, first_line: int | np.ndarray, mapping: Mapping[str, str],
               registry: BrandRegistry, layout: Layout = Layout()) -> _Normalized:
    import pyarrow as pa
    import pyarrow.compute as pc

    from partsearch._hashing import part_hashes
    from partsearch.normalize import article_keys

    read = {c: _text(path, c, theirs, table.column(theirs).combine_chunks())
            for c, theirs in mapping.items() if theirs in table.column_names}
    # the article normalizer reads bytes as UTF-8 unchecked and stops at one that is not: a
    # Parquet file (Arrow's CSV reader checks) could file "W 7\xff13" under W7. The brands,
    # sources and kinds are decoded to Python text, which fails by itself: only then looked at
    for c, col in read.items():
        if c.startswith(("article_", MAKER)) and not _ascii(col):
            _check_utf8(path, mapping[c], col, first_line)
    cols = {c: read[c] for c in REQUIRED + OPTIONAL if c in read}
    cols |= {c: pa.repeat(pa.scalar(brand, pa.string()), table.num_rows)
             for c, brand in layout.brands.items()}
    row = None  # each cross's row of the batch, when one row may give several
    if layout.makers:
        cols, row = _wide(cols, [(read[f"{MAKER}{i}"], brand)
                                 for i, brand in enumerate(layout.makers.values())])
    if layout.split:
        cols, split_row = _split(cols, layout.split)
        row = split_row if row is None else row[split_row]
    if layout.cell_brands:
        cols = _cell_brands(cols)
    try:
        (brand_a, keep_a), (brand_b, keep_b) = (brand_columns(cols[c], registry)
                                                for c in ("brand_a", "brand_b"))
    except UnicodeDecodeError:
        for c in ("brand_a", "brand_b"):
            if c in read:  # (a fixed brand is a Python string, valid)
                _check_utf8(path, mapping[c], read[c], first_line)
        raise
    key_a = article_keys(cols["article_a"], keep_cyrillic=keep_a)
    key_b = article_keys(cols["article_b"], keep_cyrillic=keep_b)
    valid = pc.and_(pc.and_(brand_a.is_valid(), key_a.is_valid()),
                    pc.and_(brand_b.is_valid(), key_b.is_valid()))
    valid_np = valid.to_numpy(zero_copy_only=False)
    n_bad = int(valid_np.size - valid_np.sum())  # crosses: with split, a row may give several
    rejected: list[str] = []
    sep = (table.schema.metadata or {}).get(b"delimiter", b";").decode()
    if n_bad:
        for i in np.flatnonzero(~valid_np)[:MAX_REJECTS_KEPT]:
            side = "a" if not (brand_a[i].is_valid and key_a[i].is_valid) else "b"
            # (the four cells read, an empty one empty: "MAHLE;None;LAND ROVER;None" read
            # as if the file said None)
            raw = sep.join("" if (v := cols[c][int(i)].as_py()) is None else str(v)
                           for c in REQUIRED)
            line = _line(first_line, int(i if row is None else row[i]))
            rejected.append(f"{path}:{line}: no brand or article on side "
                            f"{side}: {raw}")

    def ok(col: Any) -> Any:
        return col.filter(valid) if n_bad else col

    brand_a, brand_b, key_a, key_b = ok(brand_a), ok(brand_b), ok(key_a), ok(key_b)
    batch = Batch(part_hashes(brand_a, key_a), part_hashes(brand_b, key_b), np.zeros(0),
                  np.zeros(0), valid_np.size, rejected, n_bad, brand_a, brand_b, key_a, key_b,
                  ok(cols["article_a"]), ok(cols["article_b"]),
                  origin=(first_line, row, valid_np if n_bad else None))

    def names(c: str, default: str) -> Any:
        if c not in cols:
            return default
        encoded = pc.dictionary_encode(ok(cols[c]))
        try:  # (the few names, decoded on the main thread: checked here, where the rows are)
            encoded.dictionary.validate(full=True)
        except pa.ArrowInvalid:
            _check_utf8(path, mapping[c], read[c], first_line)  # raises at a row's bad name
            # a file's own dictionary kept an entry no row uses: the rows' names alone
            encoded = pc.dictionary_encode(encoded.dictionary.take(encoded.indices))
        # an empty or blank cell is a name left out, as a missing one is: the default, as
        # where the file has no such column (on the few distinct names, not on every row)
        words, indices = encoded.dictionary, encoded.indices
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(words)), 0)
        if pc.any(blank).as_py():
            words = pc.if_else(blank, pa.scalar(default, words.type), words)
        if indices.null_count:
            indices = indices.fill_null(len(words))
            words = pa.concat_arrays([words, pa.array([default], words.type)])
        return pa.DictionaryArray.from_arrays(indices, words)

    return _Normalized(batch, names("source", path.stem), names("kind", DEFAULT_KIND))
