"""Ask all online suppliers at once; yield each answer as it arrives; never wait past the deadline.

:class:`LiveSuppliers` owns, per supplier, a circuit breaker, a cache of recent answers and a
limit on requests in flight (across every thread and event loop asking), plus an
``httpx.AsyncClient`` per event loop (made on first use).
Nothing a connector does can escape as an exception: every supplier ends as one
:class:`SupplierOutcome`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import numbers
import re
import sys
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from partsearch._inputs import is_column, lone_surrogate, no_text, shown
from partsearch._limits import concurrency_problem, deadline_problem
from partsearch.brands import brand_key
from partsearch.errors import PartsearchError, SearchError, SupplierError
from partsearch.normalize import article_key
from partsearch.online._model import LiveOffer, SupplierOutcome, offer_problem, settled
from partsearch.online._resilience import CircuitBreaker, Slots, TTLCache
from partsearch.online.connector import Connector, SettledOffers

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = ["MAX_QUERY_CHARS", "LiveSuppliers", "check_deadline", "unsendable", "warm_up"]

_Answer = tuple[tuple[LiveOffer, ...], tuple[str, ...]]
# Defence in depth: a connector's message that quotes a URL must not leak its secrets.
_SECRETS = re.compile(
    r"((?:user)?(?:psw|pass(?:word)?|login|token|key|secret)=)[^&\s'\"]*", re.IGNORECASE
)


#: what an outcome says of a request its query's own text could not be sent in (``_unsent``)
_UNCOUNTED = "(not counted against the supplier)"


def _safe(message: str) -> str:
    return _SECRETS.sub(r"\1***", message)[:300]


# the loggers of the HTTP stack: httpx logs each request's URL (its query, with the
# credentials, ABCP's included) at INFO; httpcore's traces at DEBUG
_HTTP_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2",
                 "httpcore.proxy", "httpcore.socks")


class _RedactingFilter(logging.Filter):
    """Rewrites a record whose text names a credential parameter with its value masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # (a record that cannot be rendered is the handler's to report)
            return True
        safe = _SECRETS.sub(r"\1***", text)
        if safe != text:
            record.msg, record.args = safe, None
        return True


@lru_cache(maxsize=1)
def _redact_http_logs() -> None:
    """Install the filter on the HTTP stack's loggers, once per process (a logger's filters see
    only the records logged to it, not its children's, hence each by name)."""
    redacting = _RedactingFilter()
    for name in _HTTP_LOGGERS:
        logging.getLogger(name).addFilter(redacting)


def _offers_of(answer: object) -> tuple[LiveOffer, ...]:
    """A connector's answer as offers; a connector that returns anything but a list of
    :class:`LiveOffer` (None, a dict, raw rows) has failed, whatever it holds."""
    if not isinstance(answer, list | tuple):
        raise SupplierError(
            f"connector returned {type(answer).__name__}, not a list of offers")
    found = tuple(answer)
    bad = next((o for o in found if not isinstance(o, LiveOffer)), None)
    if bad is not None:
        raise SupplierError(f"connector returned a {type(bad).__name__} among its offers")
    return found


#: the longest article or brand sent to online suppliers, in characters: no part number nor
#: brand comes near it, and a URL of one far longer is refused by httpx (an ABCP query past
#: ~65,000 bytes: ``InvalidURL``) or by the supplier's server
MAX_QUERY_CHARS = 256


def unsendable(article: str, brand: str | None) -> str | None:
    """Why a live search's article and brand are no request to send a supplier, or None:
    longer than :data:`MAX_QUERY_CHARS` characters, or text UTF-8 cannot hold (a lone
    surrogate, as ``json.loads`` of a web request's body can give). Sent, each failed every
    supplier's request, and three such searches opened every supplier's circuit, for every
    buyer. Two tests a search (``len``, ``isascii``) unless the text is not ASCII.

    >>> unsendable("W 920/21", "MANN"), unsendable("W 920/21", "MANN" * 100)[-69:]
    (None, '(400 characters) is longer than the 256 characters sent to a supplier')
    """
    for what, text in (("article", article), ("brand", brand)):
        if text is None:
            continue
        if len(text) > MAX_QUERY_CHARS:
            return (f"{what} {shown(text)} is longer than the {MAX_QUERY_CHARS} characters "
                    f"sent to a supplier")
        if (at := lone_surrogate(text)) is not None:
            return f"{what} {shown(text)} {no_text(text, at)}"
    return None


def _unsent(exc: BaseException, article: str, brand: str | None) -> bool:
    """Whether a connector's exception (or the one it was raised from) says its request could
    not carry the query's own text: a ``UnicodeEncodeError`` whose characters are the article's
    or the brand's. Not the supplier's failure, so not counted against its circuit: another
    buyer's query goes out. What reaches a connector is text (``unsendable``: no lone
    surrogate), which the shipped ABCP connector sends percent-encoded as UTF-8, so this is a
    shop's own connector's: one that puts the query in a header (ASCII to httpx) or in a
    narrower charset (cp1251) than a buyer typed. A ``UnicodeEncodeError`` of other text (the
    connector's own: its token, its suffix) or an ``httpx.InvalidURL`` (a misconfigured URL,
    one the connector made too long) fails every search the same way: the supplier's, counted,
    so its circuit opens and an operator sees it."""
    query = article + (brand or "")
    for cause in (exc, exc.__cause__):
        if isinstance(cause, UnicodeEncodeError) and isinstance(cause.object, str):
            bad = cause.object[cause.start:cause.end]
            return bool(bad) and all(c in query for c in bad)
    return False


def _unmade(exc: BaseException) -> bool:
    """Whether a connector's exception is httpx's or the codec's refusal to make a request
    (no request went out): worth naming as such, not as an "unexpected" error."""
    httpx = sys.modules.get("httpx")  # (no InvalidURL to meet unless httpx was imported)
    return isinstance(exc, UnicodeEncodeError) or (
        httpx is not None and isinstance(exc, httpx.InvalidURL))


def is_connector(conn: object) -> bool:
    """Whether ``conn`` has what :class:`Connector` names (a code that is text, deadline_s,
    max_concurrency and a search): one without raised AttributeError in the first search."""
    return isinstance(conn, Connector) and isinstance(conn.code, str)


def limits_problem(conn: Connector) -> str | None:
    """Why a connector's ``deadline_s`` or ``max_concurrency`` is none a profile's ``api`` table
    could give (one rule: :func:`partsearch._limits.deadline_problem`), or None. A shop's own
    connector with 1e9 was waited for for good when it never answered, with NaN even past a
    search's own deadline (``min(nan, 1.0)`` is NaN); a ``max_concurrency`` of 0 was taken
    for 1.

    >>> class Slow:
    ...     code, deadline_s, max_concurrency = "x", 1e9, 1
    >>> limits_problem(Slow())
    'deadline_s must be a positive number of seconds, at most 60, not 1000000000.0'
    """
    for key, problem in (("deadline_s", deadline_problem),
                         ("max_concurrency", concurrency_problem)):
        value = getattr(conn, key)
        if (why := problem(value)) is not None:
            return f"{key} {why}, not {shown(value)}"
    return None


def check_deadline(deadline_s: object) -> float | None:
    """A search deadline as float seconds (None: none), refused when it is not a finite
    number of seconds above zero: a zero or negative one would cancel every request before
    it is sent (and count that as the suppliers' timeouts), a NaN would silently cap nothing.
    A numpy number is one (``np.int64(3)`` capped the suppliers before this check)."""
    if deadline_s is None:
        return None
    seconds = math.nan
    if isinstance(deadline_s, numbers.Real) and not isinstance(deadline_s, bool):
        with contextlib.suppress(OverflowError):  # (10**400 seconds: no deadline either)
            seconds = float(deadline_s)
    if not 0 < seconds < math.inf:
        raise SearchError(f"deadline_s must be a positive number of seconds, not "
                          f"{shown(deadline_s)}")
    return seconds


def warm_up() -> None:
    """Import the HTTP stack and build the TLS context ahead of the first live search, which
    would otherwise spend ~0.1-0.3 s on them (``Engine.open`` runs this in a thread when the
    catalog has online suppliers). Failing here costs nothing: the search meets it again."""
    try:
        import anyio
        import httpx

        _redact_http_logs()
        httpx.AsyncClient(verify=_tls_context())  # (imports the transport: httpcore, h11)
        asyncio.run(anyio.sleep(0))  # (imports anyio's asyncio backend, which httpcore uses)
    except Exception:  # (an optimisation only)
        pass


def _default_client() -> httpx.AsyncClient:
    import httpx

    # Deadlines are enforced by cancelling; the client's own timeout is only a backstop.
    return httpx.AsyncClient(
        verify=_tls_context(),
        timeout=httpx.Timeout(30.0, connect=10.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        follow_redirects=False,
    )


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``),
    made once per process: loading the bundle takes 20-40 ms, and a client is made per event
    loop (``Engine.search_live_sync`` runs a loop per call)."""
    import httpx

    return httpx.create_ssl_context()


class _Bound(NamedTuple):
    """What belongs to one event loop."""

    client: httpx.AsyncClient


class LiveSuppliers:
    """The online suppliers of a shop, asked concurrently under one deadline.

    One instance serves event loops one after another (``asyncio.run`` per call) or at once in
    threads: its breakers, cache and limits on requests in flight are shared, while each loop
    gets its own HTTP client. Close a loop's client with :meth:`aclose` before the loop ends.
    ``unavailable`` names suppliers whose connector could not be built, with the reason; each
    ask reports them ``failed``.

    >>> import asyncio
    >>> from partsearch.online import AbcpConnector
    >>> live = LiveSuppliers([AbcpConnector("abc", "http://127.0.0.1:9", "me", "pw",
    ...                                     deadline_s=0.5)])
    >>> async def main():
    ...     try:
    ...         return [o.status for o in await live.ask_all("W 920/21", "MANN")]
    ...     finally:
    ...         await live.aclose()
    >>> asyncio.run(main())
    ['failed']
    """

    def __init__(
        self,
        connectors: Iterable[Connector],
        *,
        failure_threshold: int = 3,
        reset_after_s: float = 30.0,
        cache_ttl_s: float = 60.0,
        cache_max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        client_factory: Callable[[], httpx.AsyncClient] = _default_client,
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        # suppliers whose connector could not be built (a variable unset, an unknown kind):
        # each ask reports them failed with the reason, never raises
        self.unavailable = {code: _safe(reason) for code, reason in (unavailable or {}).items()}
        self.connectors: dict[str, Connector] = {}
        if not is_column(connectors):
            raise SupplierError(f"LiveSuppliers: connectors must be a list of connectors, not "
                                f"{shown(connectors)}")
        for i, conn in enumerate(connectors):
            # (a connector's attributes, as Connector names them: 1 raised AttributeError)
            if not is_connector(conn):
                raise SupplierError(f"LiveSuppliers: connector {i} is no connector (a code, "
                                    f"deadline_s, max_concurrency and an async search): "
                                    f"{shown(conn)}")
            if (why := limits_problem(conn)) is not None:
                raise SupplierError(f"LiveSuppliers: connector {i} ({shown(conn.code)}): {why}")
            if conn.code in self.connectors:
                raise SupplierError(f"LiveSuppliers: two connectors share the supplier code "
                                    f"{shown(conn.code)}")
            self.connectors[conn.code] = conn
        self.breakers = {
            code: CircuitBreaker(failure_threshold, reset_after_s, clock)
            for code in self.connectors
        }
        self.cache: TTLCache[_Answer] = TTLCache(cache_ttl_s, cache_max_entries, clock)
        # one limit per supplier for every loop and thread asking it (a semaphore per loop let
        # twelve threads put twelve requests in flight to a supplier of max_concurrency 4)
        self._slots = {code: Slots(int(c.max_concurrency))
                       for code, c in self.connectors.items()}
        self._client_factory = client_factory
        # each event loop's HTTP client (which may not cross loops, and threads
        # may each run a loop over one instance: Engine.search_live_sync); an entry goes with
        # its loop
        self._bound: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Bound] = (
            weakref.WeakKeyDictionary())

    def _bind_loop(self) -> _Bound:
        loop = asyncio.get_running_loop()
        bound = self._bound.get(loop)
        if bound is None:
            _redact_http_logs()
            bound = self._bound[loop] = _Bound(self._client_factory())
        return bound

    async def aclose(self) -> None:
        """Close this event loop's HTTP client (a later :meth:`ask` on it makes a new one)."""
        bound = self._bound.pop(asyncio.get_running_loop(), None)
        if bound is not None:
            await bound.client.aclose()

    async def _run(
        self, conn: Connector, bound: _Bound, article: str, brand: str | None, sent: set[str]
    ) -> tuple[str, str | None, _Answer]:
        """One supplier's request: ("answered", None, answer), ("failed", reason, empty), or
        ("unsent", reason, empty) when its request could not carry the query's own text
        (:func:`_unsent`). ``sent`` gets the supplier's code once the request has a slot and
        goes out."""
        try:
            async with self._slots[conn.code].hold():
                sent.add(conn.code)
                offers = await conn.search(bound.client, article, brand)
            found = _offers_of(offers)
            rejected = tuple(str(r) for r in getattr(offers, "rejected", ()))
            # an offer under another code would be placed with another supplier's terms (or
            # none), one with a value no price file's row could carry would overflow the
            # search's columns, one with no brand raised in the search's brand lookup (and
            # was cached, so every search of the part raised): malformed, as an item without
            # a price is
            # (ABCP's offers were each checked and settled as its answer was read: only
            # their supplier is left to check)
            done = isinstance(offers, SettledOffers) and offers.untouched()
            problems = [f"supplier {o.supplier!r}, not {conn.code!r}"
                        if o.supplier != conn.code else None if done else offer_problem(o)
                        for o in found]
            if any(problems):
                rejected += tuple(_safe(f"item {i}: {p}")
                                  for i, p in enumerate(problems) if p is not None)
                found = tuple(o for o, p in zip(found, problems, strict=True) if p is None)
            # each part keyed by its article, as the file search keys a row: the connector's
            # own key is not trusted (one unlike its article's made the searched part a
            # cross); its price to the kopeck, half up, before a level's rules see it
            if not done:
                found = tuple(settled(o) for o in found)
            # a row sent again whole (the same itemKey, every field equal) is one offer, shown
            # once; a shop's offer that cannot be hashed (a list in it) is kept as it came
            with contextlib.suppress(TypeError):
                found = tuple(dict.fromkeys(found))
        except SupplierError as exc:
            if _unsent(exc, article, brand):
                return "unsent", _safe(f"{exc.message} {_UNCOUNTED}"), ((), ())
            return "failed", _safe(exc.message), ((), ())
        except PartsearchError as exc:
            return "failed", _safe(f"{type(exc).__name__}: {exc.message}"), ((), ())
        except Exception as exc:
            # Unknown exceptions may quote anything (URLs, headers): name the type only.
            if _unsent(exc, article, brand):
                return "unsent", (f"the request could not be made: {type(exc).__name__} of "
                                  f"the query's text {_UNCOUNTED}"), ((), ())
            if _unmade(exc):
                return "failed", f"the request could not be made: {type(exc).__name__}", (
                    (), ())
            return "failed", f"unexpected {type(exc).__name__}", ((), ())
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this request was cancelled: its deadline, or the search's caller gone
            # a cancellation this request was not asked for (a task of the connector's own,
            # cancelled by whoever tore down what it waited on): the supplier's failure, which
            # would otherwise end the search and lose its file offers
            return "failed", "unexpected CancelledError", ((), ())
        return "answered", None, (found, rejected)

    async def ask(
        self, article: str, brand: str | None, *, deadline_s: float | None = None
    ) -> AsyncGenerator[SupplierOutcome, None]:
        """Yield each supplier's :class:`SupplierOutcome` as it arrives.

        Each supplier waits at most its own ``deadline_s``; a per-search ``deadline_s`` (a finite
        number of seconds above zero, else :class:`SearchError`) caps them all. At a supplier's
        deadline its request is cancelled and ``timed_out`` yielded; only a request that went
        out counts as the supplier's failure (one still waiting for a slot does not). Cached
        answers (``from_cache=True``) and open circuits (``skipped``) are yielded first. Break out
        early with ``contextlib.aclosing`` so pending requests are cancelled at once. An
        article or brand that is not text raises :class:`SearchError`, as in the search, and
        so does one no supplier can be sent (:func:`unsendable`: longer than
        :data:`MAX_QUERY_CHARS`, a lone surrogate), before any supplier is asked.
        """
        deadline_s = check_deadline(deadline_s)
        # (as Engine.search: None raised AttributeError, a number asked for its text)
        if not isinstance(article, str):
            raise SearchError(f"cannot search {shown(article)}: an article is text")
        if brand is not None and not isinstance(brand, str):
            raise SearchError(f"cannot search {shown(article)} of brand {shown(brand)}: a brand "
                              "is text")
        if (why := unsendable(article, brand)) is not None:
            raise SearchError(f"cannot ask the suppliers: {why}")
        loop = asyncio.get_running_loop()
        # the first ask builds the HTTP client (TLS context, connection pool): our set-up, not
        # the suppliers' time, so their deadlines start after it
        bound = self._bind_loop()
        start = loop.time()
        try:
            a_key = article_key(article)
        except PartsearchError:
            a_key = article.strip().upper()
        try:
            b_key = brand_key(brand) if brand else ""
        except PartsearchError:
            b_key = ""
        # task -> (supplier, due time, whether this ask holds the breaker's half-open probe)
        tasks: dict[asyncio.Task[tuple[str, str | None, _Answer]], tuple[str, float, bool]] = {}
        sent: set[str] = set()  # the suppliers whose request went out (see _run)
        try:
            for code, reason in self.unavailable.items():
                yield SupplierOutcome(code, "failed", error=reason)
            for code, conn in self.connectors.items():
                hit = self.cache.get((code, b_key, a_key))
                if hit is not None:
                    yield SupplierOutcome(code, "answered", hit[0], None, 0.0, True, hit[1])
                    continue
                probe = self.breakers[code].state == "half_open"
                if not self.breakers[code].allow():
                    yield SupplierOutcome(code, "skipped", error="circuit open")
                    continue
                limit = conn.deadline_s if deadline_s is None else min(conn.deadline_s, deadline_s)
                task = asyncio.create_task(self._run(conn, bound, article, brand, sent))
                tasks[task] = (code, start + max(limit, 0.0), probe)
            while tasks:
                now = loop.time()
                for task in [t for t, (_, due, _) in tasks.items() if due <= now and not t.done()]:
                    code, _, probe = tasks.pop(task)
                    task.cancel()  # not awaited: its cleanup must not delay the search
                    if code in sent:
                        self.breakers[code].record_failure()
                    elif probe:  # (no request, no verdict: the next caller probes)
                        self.breakers[code].release()
                    yield SupplierOutcome(
                        code, "timed_out", error="no answer by the deadline", seconds=now - start
                    )
                if not tasks:
                    break
                timeout = max(min(due for _, due, _ in tasks.values()) - loop.time(), 0.0)
                done, _ = await asyncio.wait(
                    tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    code, _, probe = tasks.pop(task)
                    yield self._finish(code, task.result(), loop.time() - start, b_key, a_key,
                                       probe)
        finally:
            # The caller stopped listening: abandon the rest without counting them as failures.
            for task, (code, _, probe) in tasks.items():
                task.cancel()
                if probe:
                    self.breakers[code].release()

    def _finish(
        self,
        code: str,
        result: tuple[str, str | None, _Answer],
        seconds: float,
        b_key: str,
        a_key: str,
        probe: bool,
    ) -> SupplierOutcome:
        status, error, (offers, rejected) = result
        if status == "answered":
            self.breakers[code].record_success()
            self.cache.put((code, b_key, a_key), (offers, rejected))
            return SupplierOutcome(code, "answered", offers, None, seconds, False, rejected)
        if status == "unsent":  # (the query's fault: no word on the supplier either way)
            if probe:
                self.breakers[code].release()
        else:
            self.breakers[code].record_failure()
        return SupplierOutcome(code, "failed", error=error, seconds=seconds)

    async def ask_all(
        self, article: str, brand: str | None, *, deadline_s: float | None = None
    ) -> list[SupplierOutcome]:
        """All outcomes of :meth:`ask`, in arrival order."""
        return [o async for o in self.ask(article, brand, deadline_s=deadline_s)]
