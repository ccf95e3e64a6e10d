"""The engine: opens a catalog and answers searches in result blocks.

>>> from partsearch import Engine
>>> engine = Engine.open("catalog")                                   # doctest: +SKIP
>>> result = engine.search("W 920/21", brand="MANN")                  # doctest: +SKIP
>>> [o.supplier for o in result.requested.offers]                     # doctest: +SKIP
['BETA', 'ALFA']
>>> result.to_dict()["blocks"]["analogs"]["total"]                    # doctest: +SKIP
12

The catalog's state (cross snapshot, merged offers, supplier profiles, config) is one immutable
object; :meth:`Engine.reload` builds a new one and swaps it in with one assignment, so a search in
flight keeps the state it started with.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsIndex, Unpack

from partsearch._catalog import check_catalog
from partsearch._inputs import blank_text, lone_surrogate, no_text, shown, user_path
from partsearch.brands import BrandRegistry, blank_brand
from partsearch.errors import NormalizationError, PartsearchError, SearchError, SnapshotError
from partsearch.normalize import article_key, article_key_forms
from partsearch.ranking.order import Filters, check_sort, truth, whole_number
from partsearch.result import BrandChoice, SearchResult
from partsearch.search._config import CatalogConfig

if TYPE_CHECKING:
    import duckdb
    import numpy as np

    from partsearch._stamp import StaleKeys
    from partsearch.crosses import CrossIndex, CrossStep
    from partsearch.loading import SupplierProfile
    from partsearch.online import ConnectorFactory, LiveSuppliers
    from partsearch.ranking.order import SortSpec
    from partsearch.search._blocks import Query
    from partsearch.search._options import SearchOptions
    from partsearch.search._store import OfferStore


@dataclass(frozen=True)
class _State:
    index: CrossIndex | None
    store: OfferStore
    profiles: dict[str, SupplierProfile]
    config: CatalogConfig
    registry: BrandRegistry
    pickup: dict[str, frozenset[str]]  # supplier -> pickup points it delivers to (filters)
    # the notes of suppliers whose offers pointer is missing although versions are there
    # (:func:`_unpublished_notes`): told in every search, as a catalog without crosses is
    lost: tuple[str, ...] = ()

    @cached_property
    def filter_tables(self) -> dict[Any, Any]:
        """The compiled search's filter tables, per filter value (``_blocks._filter_tables``)."""
        return {}

    @cached_property
    def plans(self) -> dict[Any, Any]:
        """The compiled search's arguments per level, sort and filters object
        (``_blocks._plan``)."""
        return {}

    @cached_property
    def last_plan(self) -> list[tuple[Any, Any, Any, Any]]:
        """The previous search's level, sort, filters and plan, in a one-item list
        (``_blocks._plan``)."""
        return [(None, None, None, None)]

    @cached_property
    def plans_by_value(self) -> dict[Any, Any]:
        """The same per level, sort and filters value (``_blocks._plan``)."""
        return {}

    @cached_property
    def named_filters(self) -> dict[Filters, Filters]:
        """Filters with brands, each as the same filters with the brands' canonical names
        (:func:`_canonical_filters`)."""
        return {}

    @cached_property
    def filter_notes(self) -> dict[Filters, tuple[str, ...]]:
        """Per filters value, its notes (``_notes.filter_notes``)."""
        return {}

    @cached_property
    def segment_heads(self) -> dict[int, dict[int, tuple[Any, ...]]]:
        """Per second, the shown terms of each supplier file (``_blocks._heads``)."""
        return {}

    @cached_property
    def json_tables(self) -> Any:
        """What the compiled JSON answer reads of this state (``_json.json_tables``)."""
        from partsearch.search._json import json_tables

        return json_tables(self.index, self.store, self.config.stale_after_hours)

    @cached_property
    def article_tables(self) -> Any:
        """What the compiled brand finder of a search without a brand reads of this state
        (``_sole.article_tables``)."""
        from partsearch.search._sole import article_tables

        return article_tables(self.index, self.store)

    @cached_property
    def held_parts(self) -> frozenset[int]:
        """The parts with a cross the guard held back (``CrossIndex.held_parts``): a search of
        one shows the parts at their other ends (``_blocks._with_held``)."""
        return self.index.held_parts() if self.index is not None else frozenset()

    @cached_property
    def stale_keys(self) -> StaleKeys | None:
        """What of the catalog was keyed by other rules than this partsearch's, or with
        another brand registry than this state's (``_stamp``): worked out once per state, at
        open or reload."""
        from partsearch._stamp import stale_keys

        return stale_keys(None if self.index is None else self.index.manifest,
                          ((s.supplier, s.table.num_rows, s.table.schema.metadata)
                           for s in self.store.segments), self.registry)

    @cached_property
    def search_args(self) -> Any:
        """The arrays the compiled search reads, as one address table made once per state
        (``_blocks.search_args``; None when the compiled search cannot answer)."""
        from partsearch.search._blocks import search_args

        return search_args(self.index, self.store, self.registry)


class Engine:
    """A catalog opened for searching; see the module docstring."""

    def __init__(self, catalog: Path, state: _State, seen: tuple[Any, ...] = (),
                 connectors: Mapping[str, ConnectorFactory] | None = None):
        self.catalog = catalog
        self._state = state
        self._seen = seen  # the catalog's fingerprint when the state was read
        # (reload's whole read-and-install, so two request threads' reloads never overlap:
        # the later one reads a catalog at least as new, installed after the earlier's, and
        # state and fingerprint change together; a search never takes it, reading _state once)
        self._reloading = threading.Lock()
        self._sql = threading.local()  # each thread's DuckDB connection over a state (sql())
        self._live: LiveSuppliers | None = None
        # (the first live searches of threads at once made one LiveSuppliers each, and so a
        # limit on requests in flight each)
        self._making_live = threading.Lock()
        self._connector_kinds = dict(connectors or {})

    def _pinned(self) -> Engine:
        """This engine held at its current state, whatever a reload installs meanwhile (a live
        search's file search and its placing of online offers read one state: a reload between
        the two mixed two cross indexes' analogs in one answer). It shares the engine's online
        suppliers and locks; it is never reloaded."""
        import copy

        return copy.copy(self)

    @classmethod
    def open(cls, catalog: str | Path, *,
             connectors: Mapping[str, ConnectorFactory] | None = None) -> Engine:
        """Open ``catalog`` (offers, cross snapshot, profiles, ``catalog.toml``); either the
        offers or the crosses may be missing, but a directory with none of a catalog's parts
        raises :class:`CatalogError`. ``connectors`` maps a shop's own ``api.kind`` to
        the factory of its connector (``partsearch.online.ConnectorFactory``), beside the
        shipped ``abcp``."""
        from partsearch.errors import CatalogError

        # (absolute once, so a later chdir reads the same catalog; not resolved through a
        # symlink, so a deploy that switches the catalog's symlink is followed by reload)
        root = Path(os.path.abspath(user_path(catalog, CatalogError, "Engine.open: catalog",
                                              "a directory's path")))
        check_catalog(root)
        if connectors is not None:
            _check_connectors(connectors)
        seen = _fingerprint(root)
        engine = cls(root, _load_state(root, None), seen, connectors)
        told = _stale_news(engine._state, None)
        if told is not None:  # (before any warm-up: an open it fails, as an error, starts none)
            told.warn(root, stacklevel=2)
        _warm_held(engine._state)
        if any(p.api for p in engine._state.profiles.values()):
            _warm_online(engine)
        return engine

    def reload(self) -> bool:
        """Pick up newly published offers, snapshots, profiles and config: True when it did,
        False when nothing was published since, keeping the state and its warm caches: a stat
        of each supplier's pointer and profile (~0.15 ms for ten suppliers, in a slow hour; a
        reload that reads everything again, ~6 ms at 10M crosses, then ~0.7 ms more on the next
        search), cheap enough to call every second. A merge of the same offers written to disk
        since (this engine's own after its open, or another engine's) is mapped in place of the
        engine's copy, and is no news: False. Its :class:`StaleKeysWarning` comes last, when
        the new state is installed and complete: made an error by a warnings filter, it is
        raised for a catalog that did change, and the next reload of nothing new is False.

        >>> engine.reload()                                              # doctest: +SKIP
        False
        """
        with self._reloading:  # (where two overlapped, the slower one installed the older
            # catalog over the newer, or its state beside the other's fingerprint: stale until
            # the catalog changed again)
            seen = _fingerprint(self.catalog)
            if seen == self._seen:
                return False
            # (a catalog gone, or a symlink switched through an empty folder, raises as open
            # does, where it was read as a catalog with nothing in it and every search was
            # not_found)
            check_catalog(self.catalog)
            state = _load_state(self.catalog, self._state)
            # (worked out before the state is installed, told after all of it is: raised by
            # an error filter in between, it left the state without its fingerprint, and the
            # next reload installed it again, True and silent)
            told = _stale_news(state, self._state)
            self._state = state
            _warm_held(state)
            # (the merges on disk, last in the fingerprint, hold offers already served: a
            # server that clears its caches or tells its clients on True had news of nothing)
            published, self._seen = seen[:-1] != self._seen[:-1], seen
            with self._making_live:  # (after a search's making of them from the old state)
                self._live = None
        if published and any(p.api for p in state.profiles.values()):
            _warm_online(self)
        if told is not None:
            told.warn(self.catalog, stacklevel=2)
        return published

    @property
    def index(self) -> CrossIndex | None:
        return self._state.index

    @property
    def profiles(self) -> dict[str, SupplierProfile]:
        return dict(self._state.profiles)

    def search(self, article: str, brand: str | None = None, *, level: str | None = None,
               sort: SortSpec | None = None, filters: Filters | None = None,
               show_all: bool | np.bool_ = False, analogs_offset: SupportsIndex = 0,
               analogs_limit: SupportsIndex = 20, show_supplier_price: bool | np.bool_ = False,
               now: datetime | None = None, oem_offset: SupportsIndex = 0,
               oem_limit: SupportsIndex = 20) -> SearchResult:
        """Search ``article`` (of ``brand``, or of the only brand that has it). Without a
        brand, a query nobody has whole that names its brand beside the article (``MANN W
        920/21``, ``0 986 424 815 Bosch``) is searched as that brand's article, and one typed
        with the keyboard left on Russian as its Latin keys read (``ЩС90``: ``OC90``); the
        result's ``article`` and ``brand`` say so.

        ``sort`` is ``(column, descending)`` with column one of ``code``, ``description``,
        ``quantity``, ``note``, ``delivery``, ``price`` (default ``("delivery", False)``);
        the result echoes it so a caller can keep it for the next search. ``show_all`` lists
        every requested offer; analogs come in pages of ``analogs_limit`` from
        ``analogs_offset``, OEM replacements in pages of their own (``oem_limit`` from
        ``oem_offset``). ``show_supplier_price`` adds the purchase price at a level whose
        ``catalog.toml`` table allows it (``supplier_price = true``; never ``guest``).
        """
        state, query, key, spelling, early = self._prepare(
            article, brand, level, sort, filters, show_all, analogs_offset, analogs_limit,
            show_supplier_price, now, oem_offset, oem_limit)
        result = early if early is not None else _blocks()[1](state, query, spelling, key)
        # (a catalog with a cross index and a search without filters: two identity tests)
        if (filters is not None or state.index is None or state.lost) \
                and (notes := _notes(state, filters)):
            return result._replace(notes=notes)
        return result

    def search_json(self, article: str, brand: str | None = None, *, level: str | None = None,
                    sort: SortSpec | None = None, filters: Filters | None = None,
                    show_all: bool | np.bool_ = False, analogs_offset: SupportsIndex = 0,
                    analogs_limit: SupportsIndex = 20,
                    show_supplier_price: bool | np.bool_ = False, now: datetime | None = None,
                    oem_offset: SupportsIndex = 0, oem_limit: SupportsIndex = 20) -> bytes:
        """:meth:`search`'s result as UTF-8 JSON, the bytes ``search(...).to_json()`` gives,
        for a web app to send as they are; the usual search writes them in its compiled call,
        without building the result's Python values (several times faster).

        >>> engine.search_json("W 920/21", brand="MANN")[:27]            # doctest: +SKIP
        b'{"article":"W 920/21","bran'
        """
        state, query, key, spelling, early = self._prepare(
            article, brand, level, sort, filters, show_all, analogs_offset, analogs_limit,
            show_supplier_price, now, oem_offset, oem_limit)
        if (filters is not None or state.index is None or state.lost) and _notes(state, filters):
            # (rare: the result's own JSON; a catalog without crosses takes it anyway)
            return self.search(article, brand, level=level, sort=sort, filters=filters,
                               show_all=show_all, analogs_offset=analogs_offset,
                               analogs_limit=analogs_limit,
                               show_supplier_price=show_supplier_price, now=now,
                               oem_offset=oem_offset, oem_limit=oem_limit).to_json()
        if early is not None:
            return early.to_json()
        return _blocks()[2](state, query, spelling, key)

    def _prepare(self, article: str, brand: str | None, level: str | None,
                 sort: SortSpec | None, filters: Filters | None, show_all: bool | np.bool_,
                 analogs_offset: SupportsIndex, analogs_limit: SupportsIndex,
                 show_supplier_price: bool | np.bool_, now: datetime | None,
                 oem_offset: SupportsIndex, oem_limit: SupportsIndex
                 ) -> tuple[_State, Query, str, str, SearchResult | None]:
        """A search's state, query, article key and brand spelling; or, when no brand was
        given and not exactly one has the article, its finished result (brands to choose
        from, or not found)."""
        Query = _blocks()[0]
        state = self._state
        # (an empty level is the default, a web form's empty box; only text or None is read
        # for its truth: a numpy array's raised ValueError)
        lvl = (level or state.config.default_level) if level.__class__ is str or level is None \
            else level
        try:
            known = lvl in state.config.levels
        except TypeError:  # (unhashable: a list)
            known = False
        if not known and isinstance(lvl, str) and blank_text(lvl):
            # (a web form's empty level box sent as " ": the default, as "" is)
            lvl, known = state.config.default_level, True
        if not known:
            raise SearchError(f"unknown price level {shown(lvl)}; the catalog has "
                              f"{', '.join(state.config.levels)}")
        if article.__class__ is not str and not isinstance(article, str):
            # (a number: the answer reads the article's text, and a spreadsheet's number was
            # never typed into a search box)
            raise SearchError(f"cannot search {shown(article)}: an article is text")
        # (a brand that starts with a letter or digit has one: the usual one is not looked at)
        if brand is not None and (brand.__class__ is not str or not brand
                                  or not brand[0].isalnum()):
            if not isinstance(brand, str):  # (the registry's NormalizationError, where
                # README and every other argument of a search say SearchError)
                raise SearchError(f"cannot search {shown(article)}: a brand is text, not "
                                  f"{shown(brand)}")
            brand = _brand(brand)
        if filters is not None and not isinstance(filters, Filters):
            raise SearchError(f"filters must be a partsearch.Filters, not {shown(filters)}")
        if now is not None and not isinstance(now, datetime):
            raise SearchError(f"now must be a datetime, not {shown(now)}")
        # (a web app's query string passed on, show_supplier_price="false", was true and
        # showed purchase prices)
        if show_all.__class__ is not bool:
            show_all = truth(show_all, "show_all")
        if show_supplier_price.__class__ is not bool:
            show_supplier_price = truth(show_supplier_price, "show_supplier_price")
        # Query's fields in order, built without the named tuple's keyword __new__
        query = tuple.__new__(Query, (
            article, brand, lvl, check_sort(sort),
            _NO_FILTERS if filters is None else
            _canonical_filters(state, filters) if filters.brands else filters, show_all,
            # (conditionals: the builtin max costs a third of a microsecond a call; a page is
            # at most _PAGE_MAX from at most _PAGE_MAX: the compiled ranking adds offset and
            # limit in int64, where a sum past 2**63 wrapped negative and wrote out of bounds)
            _page(analogs_offset, 0, "analogs_offset"), _page(analogs_limit, 1, "analogs_limit"),
            show_supplier_price and state.config.levels[lvl].supplier_price, now,
            _page(oem_offset, 0, "oem_offset"), _page(oem_limit, 1, "oem_limit")))
        try:
            key = article_key(article)
        except NormalizationError as exc:
            raise SearchError(f"cannot search {shown(article)}: {exc.message}") from exc
        if brand is not None:
            return state, query, key, brand, None
        return self._without_brand(state, query, key)

    def _without_brand(self, state: _State, query: Query, key: str, *, typed: bool = True
                       ) -> tuple[_State, Query, str, str, SearchResult | None]:
        """:meth:`_prepare` of a query without a brand (``typed``: as typed, not its
        Russian layout's reading)."""
        # most articles have one brand: found in one compiled call, without the offer counts
        # and descriptions of a brand choice
        sole = _blocks()[3](state, query.article, key)
        if sole is not None:
            return state, query, key, sole, None
        from partsearch.search._blocks import brand_choices

        choices = brand_choices(state, query.article, query.filters)
        if len(choices) == 1:  # one brand under two part hashes (its offers and crosses
            # keyed by another rule, e.g. before its Cyrillic setting changed): still one
            return state, query, key, choices[0].brand, None
        if not choices:
            return self._unknown(state, query, key, typed)
        named = query.filters.brands
        if named:
            # a brand filter that names some of the brands narrows the choice to them, and
            # settles it when it names one; one that names none of them leaves the choice
            # whole (the buyer still says which part is meant: its analogs of the filter's
            # brands are what the search then shows), each count then 0
            kept = [c for c in choices if c.brand in named]
            if len(kept) == 1:
                return state, query, key, kept[0].brand, None
            choices = kept or choices
        return state, query, key, "", _no_brand(state, query, choices)

    def _unknown(self, state: _State, query: Query, key: str, typed: bool = True
                 ) -> tuple[_State, Query, str, str, SearchResult | None]:
        """A query without a brand that nobody has whole, read as a buyer may have meant it:
        with the brand typed beside the article (``MANN W 920/21``), or typed with the keyboard
        left on the Russian layout (``ЩС90`` for ``OC90``); else not found, with the
        suggestions of both readings."""
        from partsearch.search._suggest import brand_in_query, latin_layout, unknown_brand_in_query

        read = brand_in_query(state, query.article)
        if read is not None:
            query = query._replace(article=read[0], brand=read[1])
            return state, query, article_key(read[0]), read[1], None
        latin = latin_layout(query.article)
        as_latin = None
        if latin != query.article:  # (no Cyrillic letter is left in it: one step deep)
            with suppress(NormalizationError):  # (punctuation only, as those keys read)
                as_latin = self._without_brand(state, query._replace(article=latin),
                                               article_key(latin), typed=False)
        if as_latin is not None and (as_latin[4] is None or as_latin[4].status != "not_found"):
            return as_latin
        unknown = _no_brand(state, query, [])
        if as_latin is not None and as_latin[4] is not None:
            unknown = unknown._replace(suggestions=tuple(dict.fromkeys(
                unknown.suggestions + as_latin[4].suggestions))[:5])
        if typed and not unknown.suggestions:
            # a brand misspelled or in Cyrillic beside an article the catalog has ("Bosh 0 986
            # 452 041") was "Nothing found." where --brand Bosh offers BOSCH; only when no
            # article is like the query, so a mistyped article ("OC 91") keeps its suggestions
            # and is not read as the brand "OC" of some maker's "91" (and as typed: "Манн W
            # 920/21" is not "Vfyy W 920/21")
            other = unknown_brand_in_query(state, query.article)
            if other is not None:
                query = query._replace(article=other[0], brand=other[1])
                return state, query, article_key(other[0]), other[1], None
        return state, query, key, "", unknown

    def brand_choices(self, article: str, filters: Filters | None = None
                      ) -> list[BrandChoice]:
        """The brands that have ``article`` in the cross index or in offers, with offer counts
        (of the offers ``filters`` keep) and the registry's description of each. An article
        that is not text or names nothing raises :class:`SearchError`, as :meth:`search` does."""
        from partsearch.search._blocks import brand_choices

        state = self._state
        if not isinstance(article, str):  # (as search: a number's text was never typed)
            raise SearchError(f"cannot search {shown(article)}: an article is text")
        try:  # (as search: a request that names nothing, not NormalizationError)
            article_key(article)
        except NormalizationError as exc:
            raise SearchError(f"cannot search {shown(article)}: {exc.message}") from exc
        if filters is not None and not isinstance(filters, Filters):
            raise SearchError(f"filters must be a partsearch.Filters, not {shown(filters)}")
        if filters is not None and filters.brands:
            filters = _canonical_filters(state, filters)
        return brand_choices(state, article, filters)

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """Ad-hoc SQL over this engine's catalog, run in the call: its answer as a DuckDB
        relation over the rows, held in memory (``.fetchall()``, ``.arrow()``, ``.pl()``):
        ``offers``, ``suppliers``, ``brands``, ``parts``, ``crosses`` and ``held_back``, read
        from the engine's own memory-mapped columns without copying them (see
        ``partsearch.search._sql``). For analysis, beside the search: each thread has its own
        in-memory DuckDB connection, made on its first call and kept until a reload. A query
        DuckDB cannot bind or run raises :class:`SearchError`, and so do a query without a
        statement and any statement but a ``SELECT`` (``COPY``, ``ATTACH``, ``CREATE``,
        ``DROP``, ``SET``, ...): a question never writes a file nor changes the relations.

        >>> engine.sql("select supplier, count(*) from offers group by 1 order by 1"
        ...            ).fetchall()                                     # doctest: +SKIP
        [('ALFA', 421), ('BETA', 276), ('DELTA', 158), ('GAMMA', 210)]
        """
        if not isinstance(query, str):  # (DuckDB's own word is a TypeError about its binding)
            raise SearchError(f"sql: a query is text, not {shown(query)}")
        # (a lone surrogate, from a JSON body: DuckDB's binding raised TypeError)
        if (at := lone_surrogate(query)) is not None:
            raise SearchError(f"sql: the query {no_text(query, at)}")
        import duckdb

        from partsearch.search._sql import connect, refused

        state, local = self._state, self._sql
        if getattr(local, "state", None) is not state:  # (a reload gives the next call anew)
            local.connection, local.state = connect(state), state
        try:
            if why := refused(local.connection, query):
                raise SearchError(f"sql: {why}")
            # (run now: DuckDB's relation runs when it is read, and a query that binds can
            # still fail then, a cast of a brand to a number, out of reach of this handler)
            relation: duckdb.DuckDBPyRelation = local.connection.sql(query).materialize()
            return relation
        except duckdb.Error as exc:  # (the query's own error: a name, a type, its syntax)
            said = str(exc)
            if len(said) > _SQL_SAID:  # (DuckDB quotes a token whole: 100,000 characters)
                said = f"{said[:_SQL_SAID]}…({len(said)} characters)"
            raise SearchError(f"sql: {said}") from exc

    def explain(self, brand_a: str, article_a: str, brand_b: str, article_b: str
                ) -> list[CrossStep]:
        """The chain of crosses that makes two parts interchangeable (``CrossStep`` list);
        empty when they are not linked in the cross index, or one is not in it. A brand or
        article that is not text or names nothing (empty, blank, no letters or digits) raises
        :class:`SearchError`, as :meth:`search` does: "not linked" would hide the mistake."""
        registry = self._state.registry
        for brand, article in ((brand_a, article_a), (brand_b, article_b)):
            if not isinstance(article, str):  # (article_key reads a number's text)
                raise SearchError(f"cannot explain {shown(article)}: an article is text")
            try:
                registry.canonical(brand)
            except NormalizationError as exc:
                raise SearchError(f"cannot explain: {exc.message} (article {shown(article)})"
                                  ) from None
            try:
                article_key(article)
            except NormalizationError as exc:
                raise SearchError(f"cannot explain: {exc.message} (brand {shown(brand)})"
                                  ) from None
        idx = self._state.index
        if idx is None:
            return []
        a, b = idx.lookup(brand_a, article_a), idx.lookup(brand_b, article_b)
        if a is None or b is None:
            return []
        return idx.explain(a, b) or []

    async def search_live(self, article: str, brand: str | None = None, *,
                          deadline_s: float | None = None,
                          on_update: Callable[[SearchResult], object] | None = None,
                          **options: Unpack[SearchOptions]) -> SearchResult:
        """The file-based result merged with online suppliers' answers that arrive before the
        deadline; see ``partsearch.search._live``."""
        from partsearch.search._live import search_live

        return await search_live(self, article, brand, deadline_s=deadline_s,
                                 on_update=on_update, **options)

    def iter_live(self, article: str, brand: str | None = None, *,
                  deadline_s: float | None = None, **options: Unpack[SearchOptions]
                  ) -> AsyncIterator[SearchResult]:
        """The live search as it goes: the file-based result at once, then an updated result as
        each online supplier's outcome arrives (``async for result in engine.iter_live(...)``);
        offers already in a result keep their place in the next."""
        from partsearch.search._live import iter_live

        return iter_live(self, article, brand, deadline_s=deadline_s, **options)

    def search_live_sync(self, article: str, brand: str | None = None, *,
                         deadline_s: float | None = None,
                         on_update: Callable[[SearchResult], object] | None = None,
                         **options: Unpack[SearchOptions]) -> SearchResult:
        """:meth:`search_live` for callers without an event loop."""
        import asyncio

        async def run() -> SearchResult:
            try:
                return await self.search_live(article, brand, deadline_s=deadline_s,
                                              on_update=on_update, **options)
            finally:
                # the client belongs to this call's loop; the suppliers' breakers and cached
                # answers are kept for the next call (a new loop makes a new client)
                if self._live is not None:
                    await self._live.aclose()

        return asyncio.run(run())

    def _live_suppliers(self) -> LiveSuppliers:
        """The online suppliers of the state, made on the first live search (and after a
        reload). A supplier whose connector cannot be built, is built with another code than
        the supplier's, is no connector, or has a ``deadline_s`` or ``max_concurrency`` a
        profile could not give (``online.live.limits_problem``), is reported ``failed`` with the
        reason by each live search, never raised into it."""
        live = self._live
        if live is None:
            with self._making_live:
                live = self._live
                if live is None:
                    live = self._live = self._make_live()
        return live

    def _make_live(self) -> LiveSuppliers:
        """The state's online suppliers, their connectors built (``_live_suppliers``)."""
        from partsearch.online import LiveSuppliers, connector_from_api
        from partsearch.online.live import is_connector, limits_problem

        connectors, unavailable = [], {}
        for p in self._state.profiles.values():
            if not p.api:
                continue
            try:
                conn = connector_from_api(p.code, p.api, kinds=self._connector_kinds,
                                          delivery_hours=p.delivery_hours)
            except PartsearchError as exc:
                unavailable[p.code] = exc.message
                continue
            except Exception as exc:  # a shop's factory: its text may quote anything
                unavailable[p.code] = f"connector not built: {type(exc).__name__}"
                continue
            code = getattr(conn, "code", None)
            if code != p.code:
                # its outcome and offers would go under another code than the profile's,
                # losing the supplier's terms (pickup points, level rules, minimum sum)
                unavailable[p.code] = (f"connector's code {shown(code)} is not the supplier's "
                                       f"{p.code!r}")
                continue
            # (LiveSuppliers refuses such a one, and so every live search raised; one whose
            # deadline_s is NaN held every search for good)
            if not is_connector(conn):
                unavailable[p.code] = (f"connector not built: a {type(conn).__name__} is no "
                                       f"connector (a code, deadline_s, max_concurrency and an "
                                       f"async search)")
                continue
            if (why := limits_problem(conn)) is not None:
                unavailable[p.code] = f"connector's {why}"
                continue
            connectors.append(conn)
        return LiveSuppliers(connectors, unavailable=unavailable)


def _check_connectors(connectors: object) -> None:
    """Refuse ``connectors`` that are no mapping of text to callables, as ``Engine.open`` reads
    them, naming the first wrong entry (the whole mapping, quoted cut short, ended before it)."""
    from partsearch.errors import CatalogError

    if not isinstance(connectors, Mapping):
        raise CatalogError(f"Engine.open: connectors must map each api kind (text) to a "
                           f"connector factory (a callable), not {shown(connectors)}")
    for kind, factory in connectors.items():
        if not isinstance(kind, str):
            raise CatalogError(f"Engine.open: connectors: api kind {shown(kind)} is no text (a "
                               f"profile's api.kind)")
        if not callable(factory):
            raise CatalogError(f"Engine.open: connectors: api kind {shown(kind)} maps to "
                               f"{shown(factory)}, which is no callable")


_NO_FILTERS = Filters()
_SQL_SAID = 400  # (the characters of DuckDB's word on a query that sql's error quotes at most)
_PAGE_MAX = 1 << 40  # (more offers than any catalog holds)


def _page(value: SupportsIndex, low: int, name: str = "a page's offset or limit") -> int:
    """A page's offset (``low`` 0) or limit (1) within ``low`` .. :data:`_PAGE_MAX`; what is
    not a whole number (a bool, a float, text, None) raises :class:`SearchError` naming it."""
    if value.__class__ is not int:  # (2.5 reached the compiled ranking, "20" a TypeError)
        value = whole_number(value, name)
    return low if value < low else value if value < _PAGE_MAX else _PAGE_MAX


def _brand(brand: str) -> str | None:
    """A search's brand that is empty, blank or of no letters or digits (a web form's empty
    brand box, a "-"): no brand, so the search finds the article's brand or offers the
    choice."""
    return None if blank_brand(brand) else brand


_warming: list[threading.Thread] = []  # the process's warm-up thread, once started
_warming_lock = threading.Lock()


def _warm_online(engine: Engine | None = None) -> threading.Thread:
    """Start, once per process, a thread importing the HTTP stack (``online.live.warm_up``)
    and making a live search's file search and placing once on ``engine``'s catalog
    (``_live.warm``), so that a catalog's first live search spends its deadline on neither;
    the thread (a later call, ``engine`` or not, returns the first's)."""

    def run() -> None:
        # (an optimisation only: nothing it meets may reach threading's excepthook, which
        # would print a traceback into the opening program's output). In the live search's
        # order: a search made at once after the open then waits on the warm-up's imports and
        # kernel loads instead of contending with the warm-up for the interpreter
        if engine is not None:
            with suppress(Exception):
                from partsearch.search._live import warm

                warm(engine)
        with suppress(Exception):
            from partsearch.online.live import warm_up

            warm_up()

    with _warming_lock:
        if not _warming:
            _warming.append(threading.Thread(target=run, name="partsearch-online-warm-up",
                                             daemon=True))
            _join_at_fork()
            _warming[0].start()
        return _warming[0]


def _notes(state: _State, filters: Filters | None) -> tuple[str, ...]:
    """The result's notes: :data:`NO_CROSS_INDEX` in a catalog without one, those of offers
    not published (``_State.lost``), then those on
    ``filters`` (``_notes.filter_notes``): none to look for unless they name a brand or a
    pickup point. One rule for :meth:`Engine.search` and :meth:`Engine.search_json` (whose
    answer with notes is the result's own JSON)."""
    notes = (NO_CROSS_INDEX if state.index is None else ()) + state.lost
    if filters is None or not (filters.brands or filters.pickup_point):
        return notes
    from partsearch.search._notes import filter_notes

    return notes + filter_notes(state, filters)


#: the note of every search of a catalog without a published cross snapshot (none built, or
#: ``crosses/CURRENT`` gone): its results have no analogs nor OEM replacements, which would
#: otherwise read as a part that has none
NO_CROSS_INDEX = ("no cross index in this catalog (none built, or crosses/CURRENT missing): "
                  "no analogs or OEM replacements; `partsearch crosses build` builds one",)


_held_warming: list[threading.Thread] = []  # the threads of _warm_held, until they end


def _warm_held(state: _State) -> None:
    """Start a thread finding the index's parts with guard-held crosses
    (``CrossIndex.held_parts``, ~0.1-0.3 s at 200M crosses): every search looks one up, and
    the first search after an open or reload would pay it."""
    index = state.index
    if index is None or index.held_ready:
        return

    def run() -> None:
        with suppress(Exception):  # (an optimisation: a search meets any error itself)
            index.held_parts()

    thread = threading.Thread(target=run, name="partsearch-held-back", daemon=True)
    with _warming_lock:
        _held_warming[:] = [t for t in _held_warming if t.is_alive()]
        _join_at_fork()
        _held_warming.append(thread)
        thread.start()


_fork_hook: list[bool] = []  # whether _finish_warming runs before a fork (registered once)


def _join_at_fork() -> None:
    """Have :func:`_finish_warming` run before every fork (once; under ``_warming_lock``)."""
    if not _fork_hook and hasattr(os, "register_at_fork"):  # (not on Windows: no fork)
        os.register_at_fork(before=_finish_warming)
        _fork_hook.append(True)


def _finish_warming() -> None:
    """Before a fork, wait for the warm-up: a child forked while it held numba's compiler lock
    (or an import's) inherits that lock held by no thread, and its first search waits forever
    (a pre-forking web server's workers, ``gunicorn --preload``, fork just after the open).
    The warm-up only imports and computes: it ends, in 0.1-0.3 s with numba's cache; so does
    the search of an index's held-back crosses (:func:`_warm_held`), whose lock a child would
    inherit held too."""
    for thread in (*_warming, *_held_warming):
        if thread is not threading.current_thread():
            thread.join()


@lru_cache(maxsize=1)
def _blocks() -> tuple[type[Query], Callable[[Any, Query, str, str], SearchResult],
                       Callable[[Any, Query, str, str], bytes],
                       Callable[[Any, str, str], str | None]]:
    """The search's block builders (as values, as JSON) and the sole brand finder of a search
    without a brand, imported on first search (they pull in numpy and numba) and then kept:
    an import statement per search costs about a microsecond."""
    from partsearch.search._blocks import Query, answer, answer_json
    from partsearch.search._sole import sole_brand

    return Query, answer, answer_json, sole_brand


def _canonical_filters(state: _State, filters: Filters) -> Filters:
    """``filters`` with each brand as the catalog's registry names it (``Mann & Hummel``,
    an alias of the catalog's ``brands.toml``: the canonical brand the offers and the index
    hold), remembered per state: the same filters keep one object, which the search's plans
    are remembered by (``_blocks._plan``)."""
    memo = state.named_filters
    named = memo.get(filters)
    if named is None:
        canonical = state.registry.canonical
        try:
            brands = frozenset(canonical(b) for b in filters.brands or ())
        except NormalizationError as exc:
            raise SearchError(f"cannot filter by brand: {exc.message}") from exc
        if len(memo) >= 256:
            memo.clear()
        named = memo[filters] = replace(filters, brands=brands)
    return named


def _no_brand(state: _State, query: Any, choices: list[BrandChoice]) -> SearchResult:
    from partsearch.search._blocks import empty_result

    if choices:
        return empty_result(query, "choose_brand", brands=tuple(choices))
    from partsearch.search._suggest import similar_articles

    return empty_result(query, "not_found", suggestions=tuple(
        similar_articles(state.store, *article_key_forms(query.article))))


def _fingerprint(catalog: Path) -> tuple[Any, ...]:
    """What a reload reads that a publish, a build, a registration, a merge or an edit
    changes: the pointers, profiles and config files (each as its inode, time and size: a
    publish replaces a pointer with a new file, so two publishes within the clock's tick
    still differ), and the merges on disk by name. Taken before the state is read: a change
    while it is read makes the next reload read again."""
    import os

    from partsearch._catalog import BRANDS, CONFIG, CROSSES, OFFERS, POINTER, SUPPLIERS

    def stat(path: Path) -> tuple[Any, ...]:
        try:
            st = os.stat(path)
        except OSError:  # (absent: the catalog lacks it, or a writer just replaced it)
            return (path.name,)
        return (path.name, st.st_ino, st.st_mtime_ns, st.st_size)

    def listing(path: Path) -> list[str]:
        try:
            return sorted(n for n in os.listdir(path) if not n.startswith("."))
        except OSError:
            return []

    offers = catalog / OFFERS
    return (stat(catalog / CONFIG), stat(catalog / BRANDS), stat(catalog / CROSSES / POINTER),
            tuple(stat(catalog / SUPPLIERS / n) for n in listing(catalog / SUPPLIERS)),
            tuple((n, stat(offers / n / POINTER)) for n in listing(offers)),
            tuple(listing(offers / ".merged")))


def _stale_news(state: _State, before: _State | None) -> StaleKeys | None:
    """What ``state`` holds keyed by other rules or another brand registry (``_stamp``), for
    ``Engine.open`` or ``reload`` to warn of; None when it is nothing, or nothing ``before``
    (the state a reload replaces) did not name."""
    stale = state.stale_keys
    if stale is not None and stale.news(None if before is None else before.stale_keys):
        return stale
    return None


def _load_state(catalog: Path, previous: _State | None) -> _State:
    from partsearch.crosses import CrossIndex
    from partsearch.loading import read_registered_profiles
    from partsearch.search._store import load_store

    config = CatalogConfig.load(catalog)
    registry = config.registry
    index: CrossIndex | None
    try:
        index = CrossIndex._open(catalog, registry)  # (its stale keys: _stale_news's)
    except SnapshotError as exc:
        if "no cross snapshot" not in exc.message:
            raise
        index = None
    if index is not None and previous is not None and previous.index is not None:
        index.keep_held(previous.index)  # (the same snapshot's, reopened: not found again)
    store = load_store(catalog, previous.store if previous else None)
    profiles = _in_force(read_registered_profiles(catalog) if (catalog / "suppliers").is_dir()
                         else {}, store)
    pickup = {s.supplier: frozenset(s.terms.get("pickup_points") or ()) for s in store.segments}
    pickup.update({c: frozenset(p.pickup_points) for c, p in profiles.items()})
    return _State(index, store, profiles, config, registry, pickup, _unpublished_notes(catalog))


def _unpublished_notes(catalog: Path) -> tuple[str, ...]:
    """A note per supplier whose ``offers/<CODE>/CURRENT`` is missing although its versions
    are on disk: its offers are served by nothing, which a search would show as a supplier
    without the part. A stat of each area's pointer (``load_store`` makes the same)."""
    from partsearch._catalog import OFFERS, missing_pointer, unpublished

    area = catalog / OFFERS
    if not area.is_dir():
        return ()
    return tuple(missing_pointer(sub, versions, f"no offers of {sub.name} are",
                                 f"`partsearch load --supplier {sub.name}` publishes them anew")
                 for sub in sorted(area.iterdir())
                 if not sub.name.startswith(".") and (versions := unpublished(sub)))


def _in_force(profiles: dict[str, SupplierProfile], store: Any) -> dict[str, SupplierProfile]:
    """``profiles`` with each price-file supplier's terms as its published offers carry them
    (pickup points, minimum sum, returns, prepayment, restrictions, stock accuracy). A load
    publishes the offers, then registers the profile: a reload reading between the two, or a
    load killed there, left new offers under the old profile's pickup points (a filter on the
    new point found nothing, ``sql``'s suppliers disagreed with its offers) until the next load."""
    from partsearch._money import price_of

    out = dict(profiles)
    for seg in store.segments:
        profile, t = out.get(seg.supplier), seg.terms
        if profile is None or profile.is_online or not seg.table.num_rows:
            continue
        out[seg.supplier] = replace(
            profile, pickup_points=t["pickup_points"], min_order_sum=price_of(t["min_order_kop"]),
            returnable=t["returnable"], prepayment=t["prepayment"],
            restrictions=t["restrictions"], stock_accuracy=t["stock_accuracy"])
    return out
