"""How many price files a load reads at once: two (the machine's cores), as long as their
estimated memory fits in half of the machine's; a file too large for that loads alone.

A load holds ~13x its CSV's bytes at its peak (a 53 MB, 1M-row cp1251 file: 0.85 GB) and ~57x
a spreadsheet's, whose bytes are compressed (a 7.5 MB, 200K-row XLSX: 0.43 GB, its sheet's XML
ten times that, inflated and parsed in two parts at once); a zip's members count as they
unpack.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}


def peak_bytes(path: Path | None) -> int:
    """A generous estimate of the memory a load of ``path`` holds at its peak (0 when it cannot
    be read: its load reports that). A zip counts its members as they unpack."""
    if path is None:
        return 0
    try:
        size = path.stat().st_size
    except OSError:
        return 0
    if path.suffix.lower() == ".zip":
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                return sum(_per_byte(Path(m.filename)) * m.file_size
                           for m in archive.infolist())
        except (OSError, zipfile.BadZipFile):
            pass
    return _per_byte(path) * size


def _per_byte(path: Path) -> int:
    return 60 if path.suffix.lower() in _SPREADSHEETS else 16


def machine_bytes() -> int:
    """The machine's memory (4 GiB where the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return 4 << 30


class MemoryBudget:
    """Bytes that concurrent loads hold between them: :meth:`hold` waits until its share is
    free; a share larger than the whole waits for all of it (the load runs alone)."""

    def __init__(self, total: int) -> None:
        self._total = max(total, 1)
        self._free = self._total
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, want: int) -> Iterator[None]:
        want = min(max(want, 0), self._total)
        with self._changed:
            self._changed.wait_for(lambda: self._free >= want)
            self._free -= want
        try:
            yield
        finally:
            with self._changed:
                self._free += want
                self._changed.notify_all()
