"""What a price file that is not text is, told from its head: a compressed export saved under
the ``.csv`` name, a PDF price list, a corrupted download. Read as CSV such a file fails as
"missing column(s)" with kilobytes of garbled bytes for its closest header; this names it
instead. Looked at only once a text file's read has failed: an ordinary file pays nothing."""

from __future__ import annotations

import numpy as np

__all__ = ["NUL_REASON", "not_text", "nul_bytes"]

#: leading bytes -> what a file opening so is
_MAGIC = (
    (b"\x1f\x8b", "gzip data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "rar archive"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"%PDF-", "pdf document"),
    (b"\x89PNG\r\n\x1a\n", "png image"),
    (b"\xff\xd8\xff", "jpeg image"),
    (b"GIF8", "gif image"),
)
_HEAD = 4096  # of a file's bytes, where its control bytes are counted

# C0 control bytes a text never holds: all but tab, line ends, form feed and the DOS
# end-of-file mark (an old exporter's last byte)
_CONTROL = np.ones(256, dtype=bool)
_CONTROL[0x20:] = False
_CONTROL[[9, 10, 11, 12, 13, 26]] = False


def not_text(data: bytes, utf16: bool = False) -> str | None:
    """What ``data`` is when it is no text (``gzip data``, ``binary data at byte 17``), else
    None. Binary: a known magic number, or control bytes making one in 64 of its head, two at
    least (a stray NUL in a text whose header is missing leaves it a text). ``utf16``: the
    file reads as UTF-16, whose NULs are its text's."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"BZh") and data[4:10] == b"1AY&SY":
        return "bzip2 data"
    if utf16:
        return None
    head = np.frombuffer(data[:_HEAD], dtype=np.uint8)
    control = np.flatnonzero(_CONTROL[head])
    if control.size and control.size >= max(2, head.size // 64):
        return f"binary data at byte {int(control[0])}"
    return None


#: zero bytes in a row that make a stretch of a text file binary: a copy cut short by a crash
#: leaves its lost blocks zeroed (4 KiB and more), where a stray NUL or two is an exporter's slip
NUL_RUN = 16
#: why a row holding a NUL byte (a stray one) is rejected
NUL_REASON = "NUL bytes in the row (a damaged file?)"


def nul_bytes(data: bytes, text: bytes | np.ndarray, label: str) -> np.ndarray:
    """Where the UTF-8 ``text`` of a price file (read from its bytes ``data``) holds NUL bytes,
    none in a text, looked for once the file is known to hold one (``bytes.find``: at memory
    speed, no mask). A run of :data:`NUL_RUN` or more (a crash's zeroed blocks, where whole
    rows were) raises :class:`PriceFileError` naming its byte and line: the rows there are
    gone, and publishing the rest would drop them without a word."""
    from partsearch.errors import PriceFileError
    from partsearch.loading._line_ends import line_at

    raw = text if isinstance(text, bytes) else text.tobytes()
    buf = np.frombuffer(raw, dtype=np.uint8)
    run = b"\0" * NUL_RUN
    at = raw.find(run)
    if at >= 0:
        after = np.flatnonzero(buf[at:at + (1 << 26)])
        length = int(after[0]) if after.size else buf.size - at
        byte = data.find(run)  # (in the file's own bytes: cp1251's are fewer than UTF-8's)
        byte = at if byte < 0 else byte
        raise PriceFileError(
            f"not a text file: binary data at byte {byte} ({length} zero bytes in a row, as a "
            "copy cut short by a crash leaves: the rows there are lost; get the file again)",
            path=label, line=line_at(raw, at))
    return np.flatnonzero(buf == 0)
