"""Blank bytes, as the price loader's and the cross reader's CSV splitting tell them: a line of
nothing but delimiters and blanks (``;;;;``, an empty sheet row as Excel exports it) is spacing to
both. A module of its own, so that the cross reader, which a web worker imports to open the
index, does not import the loading package for it."""

from __future__ import annotations

from typing import Any

from partsearch._jit import njit


@njit(cache=True, nogil=True)
def blank_byte(c: Any) -> Any:
    """A space, a tab or a carriage return."""
    return c == 32 or c == 9 or c == 13


@njit(cache=True, nogil=True)
def blank_through(buf: Any, start: Any, end: Any, delim: Any) -> Any:
    """Whether ``buf[start:end]`` holds delimiters and blanks only."""
    for i in range(start, end):  # noqa: SIM110 (numba: no generators)
        if buf[i] != delim and not blank_byte(buf[i]):
            return False
    return True
