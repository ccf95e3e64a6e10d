"""Reading the catalog's TOML files (``suppliers.toml``, ``brands.toml``, ``catalog.toml``)
with one error rule: the file, the line where the parser or the decoder stopped, the problem."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from partsearch.errors import PartsearchError

__all__ = ["read_toml"]


def read_toml(path: Path, what: str, error: type[PartsearchError]) -> tuple[dict[str, Any], str]:
    """``(the data, the text)`` of the TOML file ``path``, UTF-8 with or without a BOM;
    ``error`` ("cannot read ``what``: ...") naming the line of a syntax error or of a byte
    that is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:  # (the OS's words without the path again: the error names it)
        raise error(f"cannot read {what}: {exc.strerror or exc}", path=path) from exc
    # (Windows Notepad saves "UTF-8 with BOM": tomllib failed it "Invalid statement (at line
    # 1, column 1)", where nothing shows; the BOM is no part of the text, as a price file's is not)
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # (TOML is UTF-8: a cp1251 comment, say)
        raise error(f"cannot read {what}: not UTF-8 (byte 0x{data[exc.start]:02x}); save it "
                    f"as UTF-8", path=path, line=data.count(b"\n", 0, exc.start) + 1) from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:  # (line None, where the parser names it)
        raise error(f"cannot read {what}: {exc}", path=path, line=_line(exc, text)) from exc


def _line(exc: Exception, text: str) -> int | None:
    """The line of a ``tomllib.TOMLDecodeError`` in ``text``: its message ends "(at line N,
    column M)", or "(at end of document)", the last line (Python 3.11 gives no attribute)."""
    if m := re.search(r"\(at line (\d+), column \d+\)$", str(exc)):
        return int(m.group(1))
    if str(exc).endswith("(at end of document)"):
        return len(text.splitlines()) or 1
    return None
