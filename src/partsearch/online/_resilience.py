"""Resilience for online suppliers: a circuit breaker and a TTL cache of answers.

A supplier that keeps failing is rested (its circuit opens) instead of costing every search its
full deadline; an answer asked for again within the TTL is served from memory. Both take a
``clock`` so tests can move time by hand.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Literal, TypeVar

__all__ = ["CircuitBreaker", "TTLCache"]

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
