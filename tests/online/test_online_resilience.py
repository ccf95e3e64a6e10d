"""CircuitBreaker and TTLCache with a hand-moved clock."""

from __future__ import annotations

import pytest

from partsearch.online import CircuitBreaker, TTLCache


def _state(cb: CircuitBreaker) -> str:
    return cb.state  # a call, so mypy does not narrow the property between asserts


def test_breaker_full_cycle() -> None:
    now = [0.0]
    cb = CircuitBreaker(failure_threshold=3, reset_after_s=30.0, clock=lambda: now[0])
    cb.record_failure()
    cb.record_failure()
    cb.record_success()  # success resets the count: failures must be consecutive
    cb.record_failure()
    cb.record_failure()
    assert _state(cb) == "closed" and cb.allow()
    cb.record_failure()
    assert _state(cb) == "open" and not cb.allow()
    now[0] = 29.9
    assert not cb.allow()
    now[0] = 30.0
    assert _state(cb) == "half_open"
    assert cb.allow() and not cb.allow()  # exactly one probe
    cb.record_success()
    assert _state(cb) == "closed" and cb.allow()


def test_failed_probe_reopens_for_a_full_period() -> None:
    now = [0.0]
    cb = CircuitBreaker(failure_threshold=1, reset_after_s=5.0, clock=lambda: now[0])
    cb.record_failure()
    now[0] = 5.0
    assert cb.allow()
    cb.record_failure()
    assert _state(cb) == "open"
    now[0] = 9.9
    assert not cb.allow()
    now[0] = 10.0
    assert cb.allow()


def test_released_probe_lets_the_next_caller_probe() -> None:
    now = [0.0]
    cb = CircuitBreaker(failure_threshold=1, reset_after_s=1.0, clock=lambda: now[0])
    cb.record_failure()
    now[0] = 1.0
    assert cb.allow() and not cb.allow()
    cb.release()
    assert cb.allow()


def test_breaker_rejects_a_zero_threshold() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)


def test_cache_ttl_and_eviction() -> None:
    now = [0.0]
    cache: TTLCache[int] = TTLCache(ttl_s=10.0, max_entries=2, clock=lambda: now[0])
    cache.put(("a", "", "1"), 1)
    cache.put(("a", "", "2"), 2)
    cache.put(("a", "", "3"), 3)  # evicts the oldest
    assert cache.get(("a", "", "1")) is None and cache.get(("a", "", "3")) == 3
    assert len(cache) == 2
    now[0] = 10.0
    assert cache.get(("a", "", "2")) is None and len(cache) == 1
    cache.clear()
    assert len(cache) == 0


def test_cache_disabled_with_zero_ttl() -> None:
    cache: TTLCache[int] = TTLCache(ttl_s=0)
    cache.put(("a", "", "1"), 1)
    assert cache.get(("a", "", "1")) is None
