"""A CSV price file read: its encoding told (UTF-8, cp1251, KOI8-R, cp866, UTF-16), its
delimiter and quote sniffed from its head, its records split by the compiled pass in
``_csv_kernel`` with each row's source line, and rows that cannot be split kept as rejects."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from partsearch.errors import PriceFileError
from partsearch.loading._header import (
    HEAD_LINES,
    check_positions,
    header_key,
    locate,
    named_headers,
)
from partsearch.loading._readers import RawRows, gather_raw

if TYPE_CHECKING:
    from partsearch.loading.profiles import SupplierProfile

__all__ = ["DELIMITERS", "QUOTES", "csv_text", "detect_format", "head_records", "read_csv",
           "split_head", "steadiness", "to_utf8", "utf16_codec"]

DELIMITERS = (";", "\t", ",", "|")
QUOTES = ('"', "'")


def to_utf8(data: bytes, encoding: str | None, label: str
             ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """The file as UTF-8 bytes (a uint8 array from cp1251): strict UTF-8 (BOM dropped), else
    cp1251, KOI8-R or cp866 (the one whose letters read most like Russian, see ``_encoding``;
    cp1251 unless another is clearly so), one codec call each; UTF-16 by its BOM, or without
    one by its NULs; the positions of the stray bytes, each replaced by "?" (the rows holding
    them are rejected): bytes that were not UTF-8 in a file that is UTF-8 but for them, or the
    byte cp1251 leaves undefined; and which encoding the file was read as.

    A file is taken for UTF-8 with stray bytes when its valid multi-byte characters outnumber
    its bad bytes eightfold: a cp1251 file's Cyrillic is almost never valid UTF-8 (a bad byte
    or two a letter), and reading a UTF-8 file with one stray byte as cp1251 had garbled every
    Cyrillic text in it. A file named UTF-8 that does not look so is refused at its first bad
    byte's line."""
    from partsearch.loading._encoding import SAMPLE, single_byte
    from partsearch.loading._transcode import utf8_errors

    named = _codec(encoding) if encoding is not None else None
    utf16 = utf16_codec(data)
    if utf16 is not None and named is not None and not named.startswith("utf16") \
            and b"\0" in data[:_UTF16_HEAD]:  # (a cp1251 file may open with "яю", no NUL)
        # (read as UTF-8 its NULs are valid: its header would just not be found)
        raise PriceFileError(f"the profile names encoding {encoding!r}, but the file is "
                             f"UTF-16 ({utf16[1]}); drop the profile's encoding (it is "
                             "detected)", path=label)
    if encoding is not None and named is not None and named not in ("utf8", "utf8sig"):
        return _decode_named(data, encoding, named, label)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif utf16 is not None and named is None:
        # Excel's "Unicode text": UTF-16 with its BOM (the codec reads the BOM's byte order),
        # or without one (a script's export), as its NULs tell
        codec, why = utf16
        try:
            return (data.decode(codec).encode("utf-8"), _NO_BYTES,
                    "UTF-16" if codec == "utf-16" else codec)
        except UnicodeDecodeError as exc:
            raise PriceFileError(f"not {codec} ({why}): {exc}", path=label) from exc
    try:
        data.decode("utf-8")
        return data, _NO_BYTES, UTF8
    except UnicodeDecodeError as exc:
        error = exc
    bad, multi = utf8_errors(data, give_up=256)
    if multi >= 8 * bad.size:
        text = np.frombuffer(data, dtype=np.uint8).copy()
        text[bad] = ord("?")
        return text, bad, UTF8
    if named is not None:
        from partsearch.loading._line_ends import line_at

        guess = single_byte(data[error.start:error.start + SAMPLE])
        byte = data[error.start]
        # (was Python's codec words: "'utf-8' codec can't decode byte 0xc1 in position 0")
        raise PriceFileError(f"the profile names encoding {encoding!r}, but the file is not "
                             f"UTF-8 (byte 0x{byte:02x} is no UTF-8 text; it reads as {guess}): "
                             f"drop the profile's encoding (it is detected) or make it "
                             f"\"{guess}\"", path=label,
                             line=line_at(data, error.start)) from error
    # (from its first bad byte: the head of a file is often all ASCII)
    guessed = single_byte(data[error.start:error.start + SAMPLE])
    if guessed != "cp1251":
        return _decode_named(data, guessed, guessed, label)
    try:
        return (*_from_cp1251(data), "cp1251")
    except UnicodeDecodeError as exc:
        raise PriceFileError("cannot detect the encoding (neither utf-8 nor cp1251)",
                             path=label) from exc


def _decode_named(data: bytes, encoding: str, named: str, label: str
                  ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """The file as UTF-8 bytes from single-byte ``encoding`` (``named``: its codec's name, as
    :func:`_codec` gives it), which a profile named or the file's letters told."""
    try:
        _refuse_utf8(data, encoding, label)
        if named == "cp1251":
            return (*_from_cp1251(data), "cp1251")
        return data.decode(encoding).encode("utf-8"), _NO_BYTES, encoding
    except UnicodeDecodeError as exc:
        raise PriceFileError(f"not {encoding}: {exc}", path=label) from exc
    except LookupError as exc:  # (a profile made in Python, not read from a TOML file)
        raise PriceFileError(f"unknown encoding {encoding!r}", path=label) from exc


def utf16_codec(data: bytes) -> tuple[str, str] | None:
    """The codec of ``data`` when it is UTF-16, and what tells so: its BOM, or its NULs."""
    from partsearch.loading._encoding import utf16_order

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "as its BOM says"
    order = utf16_order(data[:_UTF16_HEAD])
    return None if order is None else (order, "no BOM, but a NUL every other byte")


_UTF16_HEAD = 4096  # of a file's bytes, where its NULs would show it UTF-16


def csv_text(data: bytes, encoding: str | None, label: str, quote: str | None = None
             ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """:func:`to_utf8`, with a DOS end-of-file mark (``\\x1a``, an old exporter's last byte)
    dropped: a row of its own otherwise, rejected on every load; and a classic Mac file's line
    ends (``_line_ends.mac_lines``; its cells' quotes are ``quote``, '"' when not given), a CR
    alone, read as LF (the same length: the same lines), where its whole text was one line,
    its header not found."""
    from partsearch.loading._line_ends import lone_cr_to_lf, mac_lines

    text, stray, charset = to_utf8(data, encoding, label)
    end = len(text)
    while end and text[end - 1] == 0x1A:
        end -= 1
    if end < len(text):
        text = text[:end]
    buf = np.frombuffer(text, dtype=np.uint8) if isinstance(text, bytes) else text
    if mac_lines(buf, quote):
        text = lone_cr_to_lf(buf)
    return text, stray, charset


def _codec(encoding: str) -> str:
    """The codec ``encoding`` names, as Python names it, without dashes: ``utf-8``, ``UTF8``,
    ``utf_8`` and ``U8`` are all ``utf8``, ``windows-1251`` and ``1251`` are ``cp1251`` (a
    profile may spell its encoding any way Python reads; an alias of UTF-8 taken for another
    encoding had a UTF-8 file refused as "UTF-8 named otherwise"); one Python does not know as
    written, lower-cased (the decoding then names it unknown)."""
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, ValueError):  # (ValueError: a name holding "\0")
        name = encoding.lower()
    return name.replace("-", "")


def _refuse_utf8(data: bytes, encoding: str, label: str) -> None:
    """Raise when a file a profile names in a single-byte ``encoding`` (cp1251) is UTF-8, as its
    head tells (its multi-byte characters outnumber its bad bytes eightfold, as when the
    encoding is detected; a cp1251 text's Cyrillic is almost never valid UTF-8): read so, every
    Cyrillic text would be garbled, its header not found ("missing column(s)") or its
    descriptions published as "РџСЂР°Р№СЃ". Names the line of its first such character."""
    from partsearch.loading._line_ends import line_at
    from partsearch.loading._transcode import utf8_errors

    head = data[:_SNIFF].removeprefix(b"\xef\xbb\xbf")
    bad, multi = utf8_errors(head, give_up=256)
    if not multi or multi < 8 * bad.size:
        return
    at = int(np.argmax(np.frombuffer(head, dtype=np.uint8) >= 0x80))  # (multi: there is one)
    start = max(head.rfind(b"\n", 0, at), head.rfind(b"\r", 0, at)) + 1
    text = re.split(b"[\r\n]", head[start:start + 120])[0]
    raise PriceFileError(
        f"the profile names encoding {encoding!r}, but the file is UTF-8: read as "
        f"{encoding} this line is {text.decode(encoding, 'replace')[:40]!r}, as UTF-8 "
        f"{text.decode('utf-8', 'replace')[:40]!r}; drop the profile's encoding (it is "
        "detected) or make it \"utf-8\"", path=label, line=line_at(head, at))


_SNIFF = 1 << 20  # of a file's bytes, enough to tell UTF-8 by


def _from_cp1251(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """cp1251 as UTF-8, and where its stray bytes are (as "?"): a byte cp1251 leaves undefined
    rejects the rows holding it, as a stray byte does in UTF-8, when such bytes are rare (one
    in eight of the file's non-ASCII bytes at most, as for UTF-8's stray bytes; its Cyrillic
    text makes the rest); more, and the file is not cp1251 (UnicodeDecodeError at the
    first)."""
    from partsearch.loading._transcode import cp1251_strays

    text, strays = cp1251_strays(data)
    if strays.size and 8 * strays.size > np.count_nonzero(
            np.frombuffer(data, dtype=np.uint8) >= 0x80):
        first = data.index(b"\x98")
        raise UnicodeDecodeError("cp1251", data, first, first + 1,
                                 "character maps to <undefined>")
    return text, strays


_NO_BYTES = np.zeros(0, dtype=np.int64)
UTF8 = "UTF-8"


def stray_reason(charset: str) -> str:
    """Why a row holding a stray byte is rejected: ``not valid UTF-8 (its bad bytes shown
    as ?)``, or cp1251."""
    return f"not valid {charset} (its bad bytes shown as ?)"


def split_head(lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    """The fields of each head line, where the header row is looked for. A line the csv
    module refuses (a quoted value the head's line split cut at a carriage return) is split at
    the delimiter: it is a data row, and the records themselves are split quote-aware."""
    out = []
    for ln in lines:
        try:
            out.append(next(csv.reader([ln], delimiter=delimiter, quotechar=quote), []))
        except csv.Error:
            out.append(ln.split(delimiter))
    return out


def head_records(lines: list[str], delimiter: str, quote: str
                 ) -> tuple[list[list[str]], list[int]]:
    """:func:`split_head`'s rows, each line's the record that starts on it, and how many lines
    each spans: a quoted field holding a line break (a header cell whose text Excel wraps,
    ``"Цена,\\nруб."``) is one cell, as the records below the header are split, so long as its
    quote closes within :data:`_RECORD_LINES` lines, followed by a delimiter or the line's
    end, no cell holding a line break holds the delimiter (a wrapped header cell never does;
    a stray quote's swallowed row does), and most records after it fit its width, trailing
    empty fields aside (1C's trailing ``;``), or there are none; else it is taken for a stray
    quote's, and the line alone is the row, as :func:`split_head` gives it: a stray quote in
    a header swallows no data row. The lines after such a record give their own rows still:
    the header is looked for on every line."""
    rows = split_head(lines, delimiter, quote)
    spans = [1] * len(lines)
    for i, ln in enumerate(lines):
        # (a line of closed quotes, most, has an even number of them: no scan)
        if ln.count(quote) % 2 == 0 or (span := _record_span(lines, i, delimiter, quote,
                                                             len(rows[i]))) == 1:
            continue
        try:
            record = next(csv.reader([x + "\n" for x in lines[i:i + span]],
                                     delimiter=delimiter, quotechar=quote))
        except (csv.Error, StopIteration):  # (a NUL byte)
            continue
        if any("\n" in cell and delimiter in cell for cell in record) or not _fit(
                record, lines[i + span:], delimiter, quote):
            continue
        rows[i], spans[i] = record, span
    return rows, spans


def _fit(record: list[str], after: list[str], delim: str, quote: str) -> bool:
    """Whether a multi-line head ``record`` is as wide as most records ``after`` it (or there
    are none), each ignoring its trailing empty fields: two rows are as wide when one may be
    cut or padded with empty fields to the other (1C ends each row, its header's or not, in
    ``;``; a header's last cell may be left to a sub-header row, a row's last cells empty)."""
    try:
        rows = list(csv.reader([ln + "\n" for ln in after], delimiter=delim, quotechar=quote))
    except csv.Error:  # (a NUL byte)
        rows = split_head(after, delim, quote)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    least, most = _filled(record), len(record)
    return not rows or 2 * sum(max(least, _filled(row)) <= min(most, len(row))
                               for row in rows) >= len(rows)


def _filled(row: list[str]) -> int:
    """A row's fields up to its last one holding text."""
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _records(lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    """The head's records (:func:`head_records`), each once: the lines a record holding a
    quoted line break spans give no rows of their own."""
    rows, spans = head_records(lines, delimiter, quote)
    out, i = [], 0
    while i < len(rows):
        out.append(rows[i])
        i += spans[i]
    return out


_RECORD_LINES = 10  # of a head record's lines at most: a header cell's wrapped text


def _record_span(lines: list[str], i: int, delim: str, quote: str, width: int) -> int:
    """How many lines the record starting on line ``i`` spans (:func:`head_records`), 1 when
    its quoted line break is likely a stray quote's: the quote closes followed by more text,
    or a line inside it holds ``width`` - 1 delimiters (a row swallowed; ``width``: the
    fields of line ``i`` alone), as the split tells a stray quote."""
    in_quotes, opened = False, i
    for k in range(i, min(len(lines), i + _RECORD_LINES)):
        ln, j, at_field_start, inside = lines[k], 0, not in_quotes, 0
        while j < len(ln):
            c = ln[j]
            if in_quotes and c == quote:
                if ln[j + 1:j + 2] == quote:
                    j += 2
                    continue
                in_quotes = False
                # (a space after it is sloppy)
                if opened < k and ln[j + 1:j + 2] not in ("", delim, " "):
                    return 1
            elif in_quotes and c == delim and opened < k:
                inside += 1
                if 0 < width - 1 <= inside:
                    return 1
            elif not in_quotes and c == quote and at_field_start:
                in_quotes, opened = True, k
            at_field_start = not in_quotes and c == delim
            j += 1
        if not in_quotes:
            return k - i + 1
    return 1


def detect_format(lines: list[str], delimiters: Sequence[str] = DELIMITERS
                  ) -> tuple[str, str]:
    """(delimiter, quote) of the pairs of ``delimiters`` and :data:`QUOTES` that splits the
    head's ``lines`` the steadiest: the most records (a quoted field's line break, a wrapped
    header cell's, inside one: :func:`head_records`) into one number of fields; on a tie '"',
    then the delimiter listed first. A quote other than '"' that splits no line otherwise
    than no quote does is none of the file's: it wins no pair (a stray '"' in a '"'-quoted
    file's head makes '"' unsteady, and "'" would reject each of its quoted fields)."""
    def score(dq: tuple[str, str]) -> tuple[int, int]:
        if dq[1] != '"' and all(r == ln.split(dq[0]) for r, ln in zip(
                split_head(lines, *dq), lines, strict=True) if ln):
            return (-1, 0)
        return steadiness(_records(lines, *dq))
    return max(((d, q) for q in QUOTES for d in delimiters), key=score)


def steadiness(rows: list[list[str]]) -> tuple[int, int]:
    """How many rows have the commonest number of fields (above one), and that number."""
    widths = [len(row) for row in rows if any(cell.strip() for cell in row)]
    common = max(set(widths), key=lambda w: (widths.count(w), w), default=0)
    return (widths.count(common), common) if common > 1 else (0, 0)


def read_csv(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    """:func:`_split_csv`; a file it cannot read that is no text (a gzip saved as ``.csv``, a
    corrupted download) is named for what it is, where it was "missing column(s)" with its
    garbled bytes for a header. Looked at on failure only: a file read pays nothing."""
    try:
        return _split_csv(data, profile, label)
    except PriceFileError as exc:
        from partsearch.loading._binary import not_text

        kind = not_text(data, utf16=utf16_codec(data) is not None)
        if kind is None or exc.message.startswith("not a text file"):  # (said already)
            raise
        raise PriceFileError(f"not a text file: {kind} (a price file is CSV, XLSX, XLS, ODS, "
                             "HTML or a zip of them)", path=label) from exc


def _split_csv(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    from partsearch.loading import _csv_kernel as kern

    text, stray, charset = csv_text(data, profile.encoding, label, profile.quote)
    # a NUL byte (none in a text): a crash's zeroed run fails the file, a stray one rejects its
    # row; looked for at memory speed (the file's own bytes where ``text`` is a cp1251 copy)
    nuls = _NO_BYTES
    if (text if isinstance(text, bytes) else data).find(b"\0") >= 0:
        from partsearch.loading._binary import nul_bytes

        nuls = nul_bytes(data, text, label)
    first = bytes(text[: 1 << 16])  # the file's head: the header is looked for here
    head = [ln.decode("utf-8", "replace").rstrip("\r")
            for ln in first.split(b"\n")[:HEAD_LINES]]
    line_of = list(range(1, len(head) + 1))
    delims = [profile.delimiter] if profile.delimiter else list(DELIMITERS)
    # a quote not given is the file's own, as `partsearch profile` finds it: a "'"-quoted
    # file read with '"' splits each quoted ";" apart and rejects every row
    steadiest, found = detect_format(head, delims)
    quote = profile.quote or found
    if not named_headers(profile) and not profile.delimiter:
        delims = [_guess_delimiter(head)]
    errors: dict[str, PriceFileError] = {}
    for delim in delims:
        # a header is one record, a cell's wrapped text in it (columns by position: lines)
        rows, spans = head_records(head, delim, quote) if named_headers(profile) else (
            split_head(head, delim, quote), [1] * len(head))
        try:
            idx, cols = locate(rows, profile, label, line_of)
            break
        except PriceFileError as exc:
            errors[delim] = exc
    else:
        # what is missing as the file splits: its closest header is the file's own
        raise errors.get(steadiest, errors[delims[0]])
    header = rows[idx] if idx is not None and named_headers(profile) else None
    width = None if header is None else len(header)
    check_positions(cols, width, label)
    # (the header's last line, the data's first line after it)
    last = None if idx is None else idx + spans[idx] - 1
    start = _after_line(text, first, last) if last is not None else 0
    used = sorted(set(cols.values()))
    # a header ending in unnamed columns (``Бренд;Артикул;Цена;;;``, a 1C export's): its rows
    # may stop before them (``least`` fields), as such a file's rows do
    least = width if header is None else max(
        [i + 1 for i, cell in enumerate(header) if header_key(cell)] + [max(used) + 1])
    slot_of_col = np.full(max(used) + 1, -1, np.int64)
    for s, c in enumerate(used):
        slot_of_col[c] = s
    buf = np.frombuffer(text, dtype=np.uint8)

    def records(width: int) -> tuple[Any, ...]:
        records: tuple[Any, ...] = kern.split_records(
            buf, start, ord(delim), ord(quote), (last + 2) if last is not None else 1,
            slot_of_col, len(used), width=width, min_width=width if least is None else least)
        return records

    # a file without a header row: its rows' commonest width, guessed from its head for the
    # split (which needs it to tell a stray quote), and split again in the rare file whose
    # rows say otherwise
    if width is not None:
        guess, split_as = width, records(width)
    else:
        # the head split record by record (a description spanning two lines is one row's,
        # not two pieces of another width) and line by line (a stray quote at its start
        # swallows no rows): of two guesses, the one whose split gives more rows that width
        body = head[0 if last is None else last + 1:]
        whole, lines = _head_width(body, delim, quote), steadiness(
            split_head(body, delim, quote))[1] or -1
        guess, split_as = whole, records(whole)
        if lines != whole:
            other = records(lines)
            if np.count_nonzero(other[3] == lines) > np.count_nonzero(split_as[3] == whole):
                guess, split_as = lines, other
    rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n = split_as
    if width is None:
        width = _commonest(rec_fields, max(used) + 1)
        if width != guess:
            # a wrong guess cuts right records into pieces, whose widths are no evidence:
            # the rows' width is the commonest of the records split whole, as ever
            width = _commonest(records(-1)[3], max(used) + 1)
        if width <= max(used):
            raise PriceFileError(f"rows have {width} fields, fewer than the mapped columns",
                                 path=label)
        if width != guess:
            rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n = records(width)
            rec_fields = rec_fields[:n]
        least = width
    assert least is not None
    good = (rec_fields >= least) & (rec_fields <= width)
    split = good.copy()  # (the rows whose fields split right, UTF-8 or not)
    if stray.size:
        rec_start, rec_end = rec_start[:n], rec_end[:n]
        good &= np.searchsorted(stray, rec_start) == np.searchsorted(stray, rec_end)
    nul = np.zeros(0, bool)
    if nuls.size:
        rec_start, rec_end = rec_start[:n], rec_end[:n]
        nul = np.searchsorted(nuls, rec_start) != np.searchsorted(nuls, rec_end)
        good &= ~nul
    bad = np.flatnonzero(~good)
    def column(col: int) -> pa.Array:
        slot = int(slot_of_col[col])
        return gather_raw(out, f_start[:n, slot][good], f_end[:n, slot][good])

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # the gather kernel releases the GIL
        columns = dict(zip(cols, pool.map(column, cols.values()), strict=True))
    from partsearch.loading._binary import NUL_REASON

    nul_bad = nul[bad].tolist() if nul.size else [False] * bad.size
    bad_reason = pa.array([NUL_REASON if has_nul else stray_reason(charset) if ok else
                           f"expected {width} fields; {_UNCLOSED}" if k == kern.UNCLOSED else
                           f"expected {least if k < least else width} fields, found {int(k)}"
                           for k, ok, has_nul in zip(rec_fields[bad].tolist(),
                                                     split[bad].tolist(), nul_bad, strict=True)],
                          type=pa.large_string())
    bad_raw = gather_raw(buf, rec_start[:n][bad], rec_end[:n][bad])
    if nuls.size:  # (shown as a stray byte is)
        import pyarrow.compute as pc

        bad_raw = pc.replace_substring(bad_raw, "\0", "?")
    return RawRows(
        path=label, columns=columns, line=rec_line[:n][good], raw_buf=buf,
        raw_start=rec_start[:n][good], raw_end=rec_end[:n][good], bad_line=rec_line[:n][bad],
        bad_raw=bad_raw, bad_reason=bad_reason,
        encoding=detected_encoding(profile, charset))


def detected_encoding(profile: SupplierProfile, charset: str) -> str | None:
    """The encoding a text file was read as, when detected: its profile names none, and it is
    not UTF-8."""
    return None if profile.encoding is not None or charset == UTF8 else charset


_UNCLOSED = "a quote opened here is not closed on this line"


def _head_width(lines: list[str], delim: str, quote: str) -> int:
    """The commonest width of the head's records (-1: none above one field), split as the
    kernel splits them: a quoted field holding a line break is one record's, where splitting
    line by line gives two pieces, and a file whose every description spans two lines would be
    guessed the pieces' width."""
    try:
        rows = list(csv.reader([ln + "\n" for ln in lines], delimiter=delim, quotechar=quote))
    except csv.Error:  # (a NUL byte)
        rows = split_head(lines, delim, quote)
    return steadiness(rows)[1] or -1


def _commonest(fields: np.ndarray, default: int) -> int:
    """The commonest of the records' field counts (cut records, :data:`UNCLOSED`, left out)."""
    whole = fields[fields >= 0]
    return int(np.bincount(whole).argmax()) if whole.size else default


def _after_line(text: bytes | np.ndarray, head: bytes, idx: int) -> int:
    """Byte offset just after the 0-based line ``idx`` (the header) of ``text``, looked for in
    its ``head`` (in the whole text only when the line ends past the head)."""
    pos = _newline(head, idx)
    if pos < 0 and len(head) < len(text):
        pos = _newline(bytes(text), idx)
    return len(text) if pos < 0 else pos + 1


def _newline(data: bytes, idx: int) -> int:
    """Position of the ``idx``-th newline of ``data`` (0-based), -1 when it has fewer."""
    pos = -1
    for _ in range(idx + 1):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            return -1
    return pos


def _guess_delimiter(lines: list[str]) -> str:
    """The candidate that splits the most lines into the same (largest) number of fields."""
    def score(d: str) -> tuple[int, int]:
        counts = [ln.count(d) for ln in lines if ln.strip()]
        if not counts or max(counts) == 0:
            return (0, 0)
        mode = max(set(counts), key=counts.count)
        return (counts.count(mode) if mode else 0, mode)
    return max(DELIMITERS, key=score)
