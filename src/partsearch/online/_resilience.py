"""Resilience for online suppliers: a circuit breaker, a TTL cache of answers and a limit on
requests in flight.

A supplier that keeps failing is rested (its circuit opens) instead of costing every search its
full deadline; an answer asked for again within the TTL is served from memory; no more than
``max_concurrency`` of its requests are out at once, whichever thread or event loop sends them.
The breaker and the cache take a ``clock`` so tests can move time by hand.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, OrderedDict, deque
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
    was closed before it released (``loop.close()`` with the request pending: it never runs
    again) has its slot taken back by the next acquire or release that finds none free, and its
    own release, if its coroutine is closed later (by the garbage collector), is no second one.

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
        self._lock = threading.Lock()
        self._held: Counter[asyncio.AbstractEventLoop] = Counter()  # slots per holders' loop
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def taken(self) -> int:
        """The slots held now (a waiter handed one counts, though not woken yet)."""
        with self._lock:
            return self._held.total()

    def hold(self) -> _Held:
        """A slot for the ``async with`` block: waited for first come, first served."""
        return _Held(self)

    async def _acquire(self) -> asyncio.AbstractEventLoop:
        """Wait for a slot; the loop it is held in (its release's)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._waiters and self._free():
                self._held[loop] += 1
                return loop
            waiter = (loop, loop.create_future())
            self._waiters.append(waiter)
            # (slots of holders whose loop closed come back only here or at a release: with
            # someone always waiting, it would never be at this call's first test)
            self._hand_out()
        try:
            await waiter[1]
        except BaseException:  # (cancelled: its deadline, or the search abandoned)
            with self._lock:
                try:
                    self._waiters.remove(waiter)
                    handed = False
                except ValueError:  # (handed a slot already: pass it on)
                    handed = True
            if handed:
                self._release(loop)
            raise
        return loop

    def _free(self) -> bool:
        """Whether a slot is free, taking back those of holders whose loop is closed (under
        the lock)."""
        if self._held.total() < self.limit:
            return True
        for gone in [held for held in self._held if held.is_closed()]:
            del self._held[gone]
        return self._held.total() < self.limit

    def _hand_out(self) -> None:
        """Free slots to the longest waiters, each woken in its own loop (under the lock)."""
        while self._waiters and self._free():
            loop, future = self._waiters.popleft()
            try:
                loop.call_soon_threadsafe(_wake, future)
            except RuntimeError:  # (its loop is closed: it waits no more)
                continue
            self._held[loop] += 1

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """Give back a slot held in ``loop``: one of a closed loop's is taken back by
        ``_free`` (or was already)."""
        with self._lock:
            if not loop.is_closed() and self._held[loop] > 0:
                self._held[loop] -= 1
                if not self._held[loop]:
                    del self._held[loop]
            self._hand_out()


class _Held:
    """One holding of a slot (``Slots.hold``): released once, in the loop it was taken in."""

    __slots__ = ("_loop", "_slots")

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> None:
        self._loop = await self._slots._acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            self._slots._release(loop)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():  # (cancelled meanwhile: its waiter passes the slot on)
        future.set_result(None)
