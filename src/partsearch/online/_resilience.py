"""Resilience for online suppliers: a circuit breaker, a TTL cache of answers and a limit on
requests in flight.

A supplier that keeps failing is rested (its circuit opens) instead of costing every search its
full deadline; an answer asked for again within the TTL is served from memory; no more than
``max_concurrency`` of its requests are out at once, whichever thread or event loop sends them.
The breaker and the cache take a ``clock`` so tests can move time by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Literal, TypeVar

__all__ = ["CircuitBreaker", "Slots", "TTLCache"]

V = TypeVar("V")
CircuitState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed -> open after ``failure_threshold`` consecutive failures -> half-open after
    ``reset_after_s`` (one probe goes through) -> closed on success, open again on failure.

    >>> now = [0.0]
    >>> cb = CircuitBreaker(failure_threshold=2, reset_after_s=10, clock=lambda: now[0])
    >>> cb.record_failure(); cb.record_failure(); cb.allow()
    False
    >>> now[0] = 10.0; cb.allow(), cb.allow()   # one probe only
    (True, False)
    >>> cb.record_success(); cb.state
    'closed'
    """

    def __init__(
        self,
        failure_threshold: int = 3,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        """``closed``, ``open`` or ``half_open`` (reset time passed; a probe may go or is out)."""
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self.reset_after_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a request may go now; in half-open state only the first caller gets through."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        """An answer came: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        """A failure or timeout: open at the threshold, or at once after a failed probe."""
        self._failures += 1
        if self._probing or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._probing = False

    def release(self) -> None:
        """The probe was abandoned without a verdict (cancelled): let the next caller probe."""
        self._probing = False


class TTLCache(Generic[V]):
    """Answers kept for ``ttl_s`` seconds, at most ``max_entries`` (oldest written dropped first).

    Keys are ``(supplier, brand_key or "", article_key)``.

    >>> now = [0.0]
    >>> c: TTLCache[str] = TTLCache(ttl_s=5, clock=lambda: now[0])
    >>> c.put(("abc", "", "W92021"), "offers"); c.get(("abc", "", "W92021"))
    'offers'
    >>> now[0] = 5.0; c.get(("abc", "", "W92021")) is None
    True
    """

    def __init__(
        self,
        ttl_s: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[tuple[str, str, str], tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: tuple[str, str, str]) -> V | None:
        """The value if present and fresh, else ``None`` (stale entries are dropped)."""
        hit = self._data.get(key)
        if hit is None:
            return None
        expires, value = hit
        if self._clock() >= expires:
            self._data.pop(key, None)  # (another thread may have dropped it first)
            return None
        return value

    def put(self, key: tuple[str, str, str], value: V) -> None:
        """Store ``value``; evicts the oldest entries beyond ``max_entries``."""
        if self.ttl_s <= 0 or self.max_entries <= 0:
            return
        self._data.pop(key, None)
        self._data[key] = (self._clock() + self.ttl_s, value)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()


class Slots:
    """At most ``limit`` holders at once across every thread and event loop: an
    ``asyncio.Semaphore`` serves one loop, and ``Engine.search_live_sync`` runs a loop per call,
    so twelve threads each put their requests in flight to a supplier with a limit of four.
    ``async with slots.hold():`` holds one.

    A freed slot goes to the longest waiter, whatever its loop (woken with
    ``call_soon_threadsafe``). A waiter cancelled (its deadline) leaves holding nothing: one
    still queued leaves the queue, one already handed a slot passes it on. A holder whose loop
    can never run it again, closed (``loop.close()`` with the request pending) or collected (a
    loop dropped unclosed: loops are held weakly), has its slot taken back by the next acquire
    or release that finds none free; its own release, if its coroutine is closed later, is no
    second one (each holding is given back once, by identity).

    A holder's or a waiter's exit may run in the garbage collector's finalizer, in whichever
    thread and at whichever point the collection starts, this object's lock held by that very
    thread included: so an exit never waits for the lock. It queues its holding, lock-free,
    and whoever holds the lock (itself, if free) gives it back before unlocking.

    >>> async def main(slots):
    ...     async with slots.hold():
    ...         return slots.taken
    >>> slots = Slots(2); asyncio.run(main(slots)), slots.taken
    (1, 0)
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        # (every field below but _returned is read and written only under _lock)
        self._lock = threading.Lock()
        self._held: set[_Holding] = set()
        self._waiters: deque[_Holding] = deque()
        # holdings given back, waiting for the lock (deque.append is atomic: no lock needed)
        self._returned: deque[_Holding] = deque()

    @property
    def taken(self) -> int:
        """The slots held now (a waiter handed one counts, though not woken yet; so does a
        stranded holder, until its slot is taken back)."""
        self._lock.acquire()
        try:
            return len(self._held)
        finally:
            self._unlock()

    def hold(self) -> _Held:
        """A slot for the ``async with`` block: waited for first come, first served."""
        return _Held(self)

    async def _acquire(self) -> _Holding:
        """Wait for a slot; the holding to give back (:meth:`_give_back`)."""
        loop = asyncio.get_running_loop()
        holding = _Holding(loop)
        self._lock.acquire()
        try:
            if not self._waiters and self._free():
                self._held.add(holding)
                return holding
            waiter = holding.future = loop.create_future()
            self._waiters.append(holding)
            # (slots of stranded holders come back only here or at a release: with someone
            # always waiting, it would never be at this call's first test)
            self._hand_out()
        finally:
            self._unlock()
        try:
            await waiter
        except BaseException:  # (cancelled: its deadline, the search abandoned, or closed)
            self._give_back(holding)  # (queued: leaves the queue, or passes its slot on)
            raise
        return holding

    def _give_back(self, holding: _Holding) -> None:
        """A holding's or a waiter's exit: safe in a finalizer, the lock held or not."""
        self._returned.append(holding)
        if self._lock.acquire(blocking=False):
            self._unlock()
        # (else its holder, this thread's own frame below a garbage collection included,
        # takes it at its _unlock)

    def _unlock(self) -> None:
        """Give back the holdings returned meanwhile, then release the lock; again if one came
        between the last look and the release and the lock is free (else its holder's)."""
        while True:
            try:
                if self._returned:
                    while self._returned:
                        holding = self._returned.popleft()
                        if holding in self._held:
                            self._held.remove(holding)
                        else:  # (still queued; or handed nothing, or taken back: no-op)
                            with contextlib.suppress(ValueError):
                                self._waiters.remove(holding)
                    self._hand_out()
            finally:
                self._lock.release()
            if not self._returned or not self._lock.acquire(blocking=False):
                return

    def _free(self) -> bool:
        """Whether a slot is free, taking back those of stranded holders (under the lock)."""
        if len(self._held) < self.limit:
            return True
        self._held -= {h for h in self._held if h.stranded()}
        return len(self._held) < self.limit

    def _hand_out(self) -> None:
        """Free slots to the longest waiters, each woken in its own loop (under the lock)."""
        while self._waiters and self._free():
            holding = self._waiters.popleft()
            future, holding.future = holding.future, None
            loop = holding.loop()
            if future is None or future.done() or loop is None:
                continue  # (cancelled: its exit is queued, and finds it in neither place)
            try:
                loop.call_soon_threadsafe(_wake, future)
            except RuntimeError:  # (its loop is closed: it waits no more)
                continue
            self._held.add(holding)


class _Holding:
    """One request's place: a waiter's (its future), then a holder's. Its loop is held weakly,
    so a loop dropped unclosed with a request pending is collected and its slot comes back."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)
        self.future: asyncio.Future[None] | None = None

    def stranded(self) -> bool:
        """Whether its loop can never run it again: closed, or collected."""
        loop = self.loop()
        return loop is None or loop.is_closed()


class _Held:
    """One holding of a slot (``Slots.hold``): given back once, when the block exits."""

    __slots__ = ("_holding", "_slots")

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._holding: _Holding | None = None

    async def __aenter__(self) -> None:
        self._holding = await self._slots._acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        holding, self._holding = self._holding, None
        if holding is not None:
            self._slots._give_back(holding)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():  # (cancelled meanwhile: its waiter passes the slot on)
        future.set_result(None)
