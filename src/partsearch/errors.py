"""The exception tree: every error partsearch raises on purpose is a :class:`PartsearchError`.

Errors of the libraries below (pyarrow, polars, duckdb, httpx, OS errors) are caught at the
boundary of the layer that called them and re-raised as one of these, with the file, the line and
the problem named, so a caller needs one ``except PartsearchError``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CatalogError",
    "CrossFileError",
    "NormalizationError",
    "PartsearchError",
    "PartsearchWarning",
    "PriceFileError",
    "ProfileError",
    "SearchError",
    "SnapshotError",
    "StaleKeysWarning",
    "SupplierError",
]


class PartsearchError(Exception):
    """Base of every error partsearch raises on purpose.

    ``path`` and ``line`` name where the problem is, when it is in a file (``line`` is 1-based).

    >>> from partsearch import article_key
    >>> try:
    ...     article_key("--")
    ... except PartsearchError as exc:
    ...     print(type(exc).__name__, exc.message, exc.path, exc.line)
    NormalizationError article '--' has no letters or digits None None
    >>> str(PartsearchError("no price column", path="alfa.csv", line=3))
    'alfa.csv:3: no price column'
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return where + self.message



class NormalizationError(PartsearchError, ValueError):
    """An article or brand that cannot be normalized (empty, punctuation only)."""


class ProfileError(PartsearchError):
    """A supplier profile (``suppliers.toml``) or catalog config that is missing or malformed."""


class PriceFileError(PartsearchError):
    """A price file that cannot be read at all: encoding, missing columns, empty, corrupt."""


class CrossFileError(PartsearchError):
    """A cross file that cannot be read: missing columns, unreadable format."""


class SnapshotError(PartsearchError):
    """A cross snapshot that is missing, incomplete or damaged."""


class CatalogError(PartsearchError):
    """A catalog directory that cannot be opened or written."""


class SearchError(PartsearchError):
    """A search request that cannot be answered as asked (bad level, bad sort, bad filter)."""


class SupplierError(PartsearchError):
    """An online supplier that failed to answer properly (recorded, never raised into a search)."""


class PartsearchWarning(UserWarning):
    """Base of every warning partsearch gives: something a user should know that stops
    nothing. A deploy check that must stop on one makes them errors:

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", PartsearchWarning)
    ...     try:
    ...         warnings.warn(StaleKeysWarning("catalog: offers keyed by other rules"))
    ...     except PartsearchWarning as w:
    ...         print(type(w).__name__, w)
    StaleKeysWarning catalog: offers keyed by other rules
    """


class StaleKeysWarning(PartsearchWarning):
    """A catalog whose cross snapshot or offers were keyed by other rules than this
    partsearch's (an older release), or with another brand registry than the catalog's now
    (its ``brands.toml`` given an alias or a brand since, or another release's shipped
    registry): it opens and searches, but a part whose keys changed is not found by its
    number until the price files are loaded again and the crosses rebuilt. Given by
    ``Engine.open``, a ``reload`` that picks such a file up, and ``CrossIndex.open``."""
