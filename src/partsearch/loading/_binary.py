"""What a price file that is not text is, told from its head: a compressed export saved under
the ``.csv`` name, a PDF price list, a corrupted download. Read as CSV such a file fails as
"missing column(s)" with kilobytes of garbled bytes for its closest header; this names it
instead. Looked at only once a text file's read has failed: an ordinary file pays nothing."""

from __future__ import annotations

import mmap

import numpy as np

__all__ = ["NUL_REASON", "NUL_RUN", "not_text", "nul_bytes", "zero_run", "zeroed"]

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


def zero_run(data: bytes | mmap.mmap, at: int) -> int:
    """How many zero bytes in a row ``data`` holds from ``at`` (counted up to 64 MiB)."""
    window = np.frombuffer(data, np.uint8, count=min(len(data) - at, 1 << 26), offset=at)
    nonzero = np.flatnonzero(window)
    return int(nonzero[0]) if nonzero.size else window.size


def zeroed(byte: int, length: int) -> str:
    """The words for a run of ``length`` zero bytes at ``byte`` of a text file (a price or
    cross file): a crash's zeroed blocks, where whole rows were."""
    return (f"not a text file: binary data at byte {byte} ({length} zero bytes in a row, as a "
            "copy cut short by a crash leaves: the rows there are lost; get the file again)")


def nul_bytes(data: bytes, text: bytes | np.ndarray, label: str) -> np.ndarray:
    """Where the UTF-8 ``text`` of a price file (read from its bytes ``data``) holds NUL bytes,
    none in a text; called once the file is known to hold one. A run of :data:`NUL_RUN` or
    more (a crash's zeroed blocks, where whole rows were) raises :class:`PriceFileError` naming
    its byte and line: the rows there are gone, and publishing the rest would drop them
    without a word."""
    from partsearch.errors import PriceFileError
    from partsearch.loading._line_ends import line_at

    raw = text if isinstance(text, bytes) else text.tobytes()
    run = b"\0" * NUL_RUN
    at = raw.find(run)
    if at >= 0:
        byte = data.find(run)  # (in the file's own bytes: cp1251's are fewer than UTF-8's)
        raise PriceFileError(zeroed(at if byte < 0 else byte, zero_run(raw, at)), path=label,
                             line=line_at(raw, at))
    return np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0)
