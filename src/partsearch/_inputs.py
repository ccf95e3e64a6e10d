"""A caller's values as an error message shows them, and a caller's path as the library reads it.

Messages quote what was given, so a caller sees what was wrong; quoted whole, a 100,000-character
article made a 200 kB message (and log line). :func:`shown` quotes a value cut short, saying how
long it was. :func:`user_path` is the one reading of a path argument (``Engine.open``,
``catalog_info``, ``CrossIndex.open``, ``read_profiles``, ...): what no file name can be raises
the function's own :class:`PartsearchError`, not the ``TypeError``, ``ValueError`` or
``OSError`` of ``pathlib`` or the OS.
"""

from __future__ import annotations

import contextlib
import errno
import os
import reprlib
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from partsearch.errors import PartsearchError

__all__ = ["SHOWN", "blank_text", "flag", "is_column", "lone_surrogate", "no_text", "shown",
           "trimmed", "user_path"]

#: the characters of a value a message quotes at most (then "…(N characters)")
SHOWN = 80

#: the items of a numpy array a message shows (a longer one by its shape and dtype)
_ARRAY_ITEMS = 20

_REPR = reprlib.Repr()
_REPR.maxstring = SHOWN  # (a list's text items cut too; its length reprlib's)
# (an object's repr is made whole by reprlib anyway, then cut in its middle, "0x7...a", "a""
# of a pyarrow array: it is kept whole here and cut at its end, saying the object's size)
_REPR.maxother = 1 << 30


def shown(value: object) -> str:
    """``repr(value)`` for a message, on one line, at most :data:`SHOWN` characters of it, then
    how long the value was: text and bytes by their length, a list, dict or other sized value
    by its items (``reprlib`` gives its first ones); a numpy array too long to show by its
    shape and dtype.

    >>> shown("W 920/21"), shown(None)
    ("'W 920/21'", 'None')
    >>> shown("-" * 100_000)[-22:], shown(["W 920/21"] * 1000)[-18:]
    ('--…(100000 characters)', ', ...](1000 items)')
    """
    if isinstance(value, str | bytes):
        text = repr(value[:SHOWN + 1])  # (a cut's repr: the work is the cut's, not the value's)
        if len(value) <= SHOWN and len(text) <= SHOWN + 2:
            return text
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{text[:SHOWN]}…({len(value)} {unit})"
    numpy = sys.modules.get("numpy")  # (no array to meet unless numpy was imported)
    if numpy is not None and isinstance(value, numpy.ndarray):
        # (a short one by numpy's own repr, on one line; reprlib cut a long one's in its
        # middle: "array([     0, ..., 99...99998, 999999],\n      shape=(1000000,))")
        text = _one_line(repr(value)) if value.size <= _ARRAY_ITEMS else ""
        if text and len(text) <= SHOWN + 2:
            return text
        return f"array of shape {value.shape}, {value.dtype}"[:SHOWN + 2]
    try:
        text = _one_line(_REPR.repr(value))
    except Exception:  # (an int of 5,000 digits: Python's own limit, a ValueError)
        return f"<{type(value).__name__} that has no repr>"
    # (reprlib gives a list's first 6 items, a dict's first 4, then "...")
    limit = _ITEMS_SHOWN.get(type(value))
    if len(text) <= SHOWN + 2 and (limit is None or len(value) <= limit):  # type: ignore[arg-type]
        return text
    try:  # (the value's size, not its repr's, which is cut already)
        items = len(value)  # type: ignore[arg-type]
        size = f"({items} item{'' if items == 1 else 's'})"
    except Exception:  # (no len: an object's long repr)
        size = ""
    return f"{text}{size}" if len(text) <= SHOWN + 2 else f"{text[:SHOWN]}…{size}"


#: the items of a container ``reprlib`` shows (then "...")
_ITEMS_SHOWN: dict[type, int] = {
    list: _REPR.maxlist, tuple: _REPR.maxtuple, dict: _REPR.maxdict, set: _REPR.maxset,
    frozenset: _REPR.maxfrozenset}


def _one_line(text: str) -> str:
    """``text`` on one line: each line break, with the indent around it, one space."""
    if "\n" not in text and "\r" not in text:
        return text
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def flag(value: object, what: str, error: type[PartsearchError]) -> bool:
    """``value`` as a bool, when it is one (Python's or numpy's); else ``error`` naming it
    (``what``): 1, "false" (which ``bool`` reads as true), "no" or None say nothing chosen.
    The one rule of every flag argument (a search's, a build's).

    >>> flag(False, "allow_empty", PartsearchError)
    False
    >>> flag("false", "allow_empty", PartsearchError)
    Traceback (most recent call last):
    partsearch.errors.PartsearchError: allow_empty must be True or False, not 'false'
    """
    if isinstance(value, bool):
        return value
    numpy = sys.modules.get("numpy")  # (no numpy bool to meet unless numpy was imported)
    if numpy is not None and isinstance(value, numpy.bool_):
        return bool(value)
    raise error(f"{what} must be True or False, not {shown(value)}")


def is_column(values: object) -> bool:
    """Whether ``values`` is a column of values (a list, a tuple, an Arrow array, a numpy
    array, a polars Series, any iterable), not one value whose iteration gives its
    characters or bytes (text, bytes, a path): what a vectorized call or a list argument
    refuses, naming its one-value form.

    >>> is_column(["W 920/21"]), is_column("W 920/21"), is_column(None)
    (True, False, False)
    """
    return isinstance(values, Iterable) and not isinstance(
        values, str | bytes | bytearray | os.PathLike)


def lone_surrogate(text: str, *, path: bool = False) -> int | None:
    """Where ``text`` holds its first lone surrogate, which is no character (``json.loads`` of
    a web request gives one for ``"\\ud800"``), or None. A ``path`` is read as the OS reads a
    file name: ``"\\udcff"`` there is a byte that is not UTF-8 (``os.fsdecode``), not one.

    >>> lone_surrogate("W 920/21"), lone_surrogate("W\\ud80092")
    (None, 1)
    >>> lone_surrogate("a\\udcff", path=True), lone_surrogate("a\\udcff")
    (None, 1)
    """
    if text.isascii():  # (the usual text: one test)
        return None
    try:
        os.fsencode(text) if path else text.encode()
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def no_text(text: str, at: int) -> str:
    """What a message says of ``text``'s lone surrogate at ``at`` (:func:`lone_surrogate`)."""
    return f"holds {text[at]!r} at character {at}, a lone surrogate, which is no text"


def trimmed(text: str) -> str:
    """``text`` without the white space and invisible format characters (a zero-width space, a
    BOM, a soft hyphen) at its ends, as a web form's box or a hand-written profile pads a name:
    what a blank text (:func:`blank_text`) is made of.

    >>> trimmed(" Г\u00a0"), trimmed("\u200bM 1\ufeff")
    ('Г', 'M 1')
    """
    text = text.strip()
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def blank_text(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, or white space and invisible format characters
    (a zero-width space, a BOM, a soft hyphen) only, all :func:`trimmed` takes. A blank
    option is none chosen.

    >>> blank_text(" \u200b"), blank_text(" Г ")
    (True, False)
    """
    return not trimmed(text)


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def _not_utf8(text: str) -> str | None:
    """What is wrong with a path whose name, or whose folder's (a relative name is read in the
    current directory), holds a byte that is not UTF-8 (``os.fsdecode``'s ``"\\udcff"`` for
    0xFF: a cp1251 name copied from a Windows share), or None. Arrow, DuckDB, fastexcel and
    the catalog's own records take a file's name as text, and each failed its own way deep
    inside (a load that had published its profiles, then a raw UnicodeEncodeError)."""
    full = text
    with contextlib.suppress(OSError):  # (a current directory deleted: the name as given)
        full = os.path.abspath(text)
    if lone_surrogate(full) is None:
        return None
    name, at = next((part, at) for part in Path(full).parts
                    if (at := lone_surrogate(part)) is not None)
    return (f"the name {shown(name)} in its path holds the byte 0x{ord(name[at]) & 0xFF:02X}, "
            f"which is not UTF-8; partsearch opens files by UTF-8 names (rename it)")


def user_path(value: object, error: type[PartsearchError], what: str,
              kind: str = "a path") -> Path:
    """``value``, a path a caller gave (text or ``os.PathLike``), as a ``Path``; else ``error``
    naming ``what`` (``"catalog_info: catalog"``), the path (shortened) and the problem: not a
    path (None, bytes, a number), empty text (not ``Path("")``, which is ``Path(".")``), a NUL
    or a character no file name can hold (a lone surrogate), a byte that is not UTF-8 in its
    name or its folder's, a name longer than the file system takes. What a file that is not
    there or cannot be read means is the caller's to say."""
    text: object = None
    if isinstance(value, str | os.PathLike):
        # (an os.PathLike whose __fspath__ fails, or gives bytes, is none: pathlib's TypeError)
        with contextlib.suppress(Exception):
            text = os.fspath(value)
    if not isinstance(text, str):
        raise error(f"{what} must be {kind} (str or os.PathLike), not {shown(value)}")
    # (an empty text is refused; Path("") is Path("."), which no check can tell from the
    # current directory a caller meant: it stays the current directory)
    if not text:
        raise error(f"{what} is empty, where {kind} was wanted (the current directory is '.')")
    if "\x00" in text:
        raise error(f"{what} {shown(text)}: a path cannot hold a NUL character")
    if (at := lone_surrogate(text, path=True)) is not None:
        raise error(f"{what} {shown(text)} {no_text(text, at)}")
    if (problem := _not_utf8(text)) is not None:
        raise error(f"{what} {shown(text)}: {problem}")
    # (the file system says how long a name may be, not a count of UTF-8 bytes: NTFS, exFAT,
    # vfat, SMB and HFS+ count UTF-16 units, so a 200-letter Cyrillic name of 400 bytes is
    # theirs to take, and pathconf's NAME_MAX says 255 for them too, in their units)
    try:
        os.stat(text)
    except OSError as exc:  # (one not there, or unreadable: the caller's to tell)
        if exc.errno == errno.ENAMETOOLONG:
            raise error(f"{what} {shown(text)}: file name too long (a name longer than its file "
                        f"system takes, or a path longer than the system's)") from None
    return Path(text)
