"""CircuitBreaker and TTLCache with a hand-moved clock; Slots against a reference."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import threading
from collections import deque

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from partsearch.online import CircuitBreaker, TTLCache
from partsearch.online._resilience import Slots


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


# --- Slots: one limit on requests in flight across threads and event loops -----------------

_OPS = st.lists(st.one_of(
    st.tuples(st.just("acquire"), st.integers(0, 2)),   # a request on loop i
    st.tuples(st.just("release"), st.integers(0, 30)),  # the k-th request (mod their number)
    st.tuples(st.just("cancel"), st.integers(0, 30)),   # its deadline: waiting or in flight
    st.tuples(st.just("settle"), st.just(0)),           # let every loop run
    st.tuples(st.just("close"), st.integers(0, 2)),     # loop.close(), its requests pending
    st.tuples(st.just("collect"), st.integers(0, 2)),   # a closed loop's requests' coroutines
), max_size=40)                                         # closed (the garbage collector's part)


class _SlotsModel:
    """A reference: holders and a FIFO queue, in one place, no loops. A request is a holder
    from the moment it is granted a slot (the real one: when it is woken); a closed loop's
    holders and waiters vanish, its slots free for the next acquire or release."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.holders: list[int] = []
        self.waiters: deque[int] = deque()
        self.loop_of: dict[int, int] = {}
        self.closed: set[int] = set()

    def _alive(self, request: int) -> bool:
        return self.loop_of[request] not in self.closed

    def _hand_out(self) -> None:
        while self.waiters and sum(map(self._alive, self.holders)) < self.limit:
            request = self.waiters.popleft()
            if self._alive(request):
                self.holders.append(request)

    def acquire(self, request: int, loop: int) -> None:
        self.loop_of[request] = loop
        if not self.waiters and sum(map(self._alive, self.holders)) < self.limit:
            self.holders.append(request)
        else:
            self.waiters.append(request)
            self._hand_out()

    def leave(self, request: int) -> None:
        """Released, or cancelled: waiting or holding."""
        if request in self.waiters:
            self.waiters.remove(request)
        elif request in self.holders:
            self.holders.remove(request)
            self._hand_out()


@settings(max_examples=500, deadline=None)
@given(limit=st.integers(1, 3), ops=_OPS)
# a waiter handed the slot, cancelled before it woke: the slot passes on
@example(limit=1, ops=[("acquire", 0), ("acquire", 1), ("acquire", 2), ("release", 0),
                       ("cancel", 1), ("settle", 0)])
# a closed loop's slot, with someone already waiting: the next acquire hands it out
@example(limit=1, ops=[("acquire", 0), ("acquire", 1), ("close", 0), ("acquire", 1),
                       ("settle", 0)])
# a closed loop's holder collected after its slot was taken back: no second release
@example(limit=1, ops=[("acquire", 0), ("close", 0), ("acquire", 1), ("settle", 0),
                       ("collect", 0), ("acquire", 2), ("settle", 0)])
def test_slots_follow_a_fifo_reference_across_loops(limit: int, ops: list[tuple[str, int]]
                                                    ) -> None:
    """Three event loops (run in turn, as threads would at once) share one Slots: after every
    step no more than ``limit`` hold a slot, and once the loops have run, exactly the model's
    requests hold one; cancelled requests (waiting, in flight, or handed a slot and not yet
    woken) take none with them, and at the end every slot is back."""
    slots = Slots(limit)
    model = _SlotsModel(limit)
    loops = [asyncio.new_event_loop() for _ in range(3)]
    holding: set[int] = set()
    tasks: list[asyncio.Task[None]] = []
    gates: list[asyncio.Future[None]] = []

    async def request(i: int, gate: asyncio.Future[None]) -> None:
        async with slots.hold():
            holding.add(i)
            try:
                await gate
            finally:
                holding.discard(i)

    def settle() -> None:
        async def turns() -> None:
            for _ in range(3):
                await asyncio.sleep(0)

        for _ in range(4):  # (a slot freed in one loop wakes a waiter in another)
            for loop in loops:
                if not loop.is_closed():
                    loop.run_until_complete(turns())

    def open_(i: int) -> bool:
        return not loops[model.loop_of[i]].is_closed()

    try:
        for op, arg in ops:
            if op == "acquire" and not loops[arg].is_closed():
                i = len(tasks)
                gates.append(loops[arg].create_future())
                tasks.append(loops[arg].create_task(request(i, gates[i])))
                loops[arg].run_until_complete(asyncio.sleep(0))  # (it asks now, in op order)
                model.acquire(i, arg)
            elif op in ("release", "cancel") and tasks:
                i = arg % len(tasks)
                if open_(i) and not tasks[i].done() and not gates[i].done():
                    (gates[i].set_result(None) if op == "release" else tasks[i].cancel())
                    model.leave(i)
            elif op == "settle":
                settle()
                assert {i for i in holding if open_(i)} == set(
                    filter(model._alive, model.holders))
            elif op == "close" and not loops[arg].is_closed():
                settle()
                loops[arg].close()
                model.closed.add(arg)
            elif op == "collect" and loops[arg].is_closed():
                # (their exits run now, in no loop: a holder's is no second release of a slot
                # taken back, nor a waiter's)
                for i, task in enumerate(tasks):
                    if model.loop_of[i] == arg and not task.done():
                        task.get_coro().close()  # type: ignore[union-attr]
                        task._log_destroy_pending = False  # type: ignore[attr-defined]
            assert len({i for i in holding if open_(i)}) <= slots.taken <= limit
        for i, task in enumerate(tasks):
            if open_(i):
                task.cancel()
        settle()
        assert not {i for i in holding if open_(i)}

        async def all_at_once() -> None:  # (every slot back: none waits)
            for _ in range(limit):
                await asyncio.wait_for(slots.hold().__aenter__(), 1.0)

        asyncio.run(all_at_once())
        assert slots.taken == limit
    finally:
        for loop in loops:
            loop.close()
        for task in tasks:  # (what a closed loop left pending: closed quietly)
            if not task.done():
                task.get_coro().close()  # type: ignore[union-attr]
                task._log_destroy_pending = False  # type: ignore[attr-defined]


def test_slots_hold_their_limit_across_threads_under_cancellations() -> None:
    """Threads each running loops of requests, a third cancelled by a short deadline while
    waiting or in flight: never more than the limit in flight, the limit reached, every slot
    back at the end."""
    limit, lock = 3, threading.Lock()
    slots = Slots(limit)
    in_flight, peak, done = [0], [0], [0]

    async def request(hold_s: float) -> None:
        async with slots.hold():
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            try:
                await asyncio.sleep(hold_s)
            finally:
                with lock:
                    in_flight[0] -= 1
        with lock:
            done[0] += 1

    def thread(seed: int) -> None:
        rng = random.Random(seed)

        async def main() -> None:
            async def one() -> None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(request(rng.uniform(0, 0.004)),
                                           rng.choice((0.001, 0.003, 1.0)))

            await asyncio.gather(*(one() for _ in range(40)))

        for _ in range(3):
            asyncio.run(main())

    threads = [threading.Thread(target=thread, args=(seed,)) for seed in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == limit and in_flight[0] == 0 and slots.taken == 0
    assert done[0] > 6 * 3 * 40 // 3  # (most got through: none starved for good)


def test_a_slot_held_in_a_loop_closed_before_it_ran_again_comes_back() -> None:
    """``loop.close()`` with a request still holding its slot (it will never run again to
    give it back): the next request that finds none free takes it back."""
    slots = Slots(1)
    loop = asyncio.new_event_loop()

    async def hold() -> None:
        async with slots.hold():
            await asyncio.Event().wait()

    task = loop.create_task(hold())
    loop.run_until_complete(asyncio.sleep(0.01))
    assert slots.taken == 1
    loop.close()
    asyncio.run(asyncio.wait_for(slots.hold().__aenter__(), 1.0))
    assert slots.taken == 1
    # the garbage collector closes the stranded coroutine: its exit gives nothing back twice
    task.get_coro().close()  # type: ignore[union-attr]
    task._log_destroy_pending = False  # type: ignore[attr-defined]
    assert slots.taken == 1


class _CollectingLoop(asyncio.SelectorEventLoop):
    """A loop whose ``is_closed``, once armed, first runs a garbage collection: one the
    allocator may start at any point of any thread, pinned here where ``Slots`` asks it under
    its lock (taking back stranded holders' slots)."""

    armed = False

    def is_closed(self) -> bool:
        if self.armed:
            self.armed = False
            gc.collect()
        return super().is_closed()


def test_a_holder_collected_while_its_thread_holds_the_slots_lock_does_not_deadlock() -> None:
    """A request stranded in a closed loop is closed by the garbage collector, in whichever
    thread the collection runs: here one inside ``Slots`` under its lock. Its exit gave its slot
    back under that same non-reentrant lock and waited on itself for good (and every thread
    after it); now the exit is queued and the lock's holder gives it back."""
    slots = Slots(2)
    exits: list[str] = []

    async def hold(name: str) -> None:
        async with slots.hold():
            try:
                await asyncio.Event().wait()
            finally:
                exits.append(name)

    gc.disable()  # (only the armed collection may close the stranded request)
    holder = _CollectingLoop()
    try:
        stranded = asyncio.new_event_loop()
        task = stranded.create_task(hold("stranded"))
        stranded.run_until_complete(asyncio.sleep(0))
        task._log_destroy_pending = False  # type: ignore[attr-defined]
        stranded.close()
        del task  # (a cycle with the future it waits on: garbage, never run again)
        holding = holder.create_task(hold("holder"))
        holder.run_until_complete(asyncio.sleep(0))
        assert slots.taken == 2 and not exits
        holder.armed = True
        thread = threading.Thread(target=lambda: asyncio.run(
            asyncio.wait_for(slots.hold().__aenter__(), 2.0)), daemon=True)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the collecting thread waits on its own lock"
        assert exits == ["stranded"]  # (closed in that collection, under the lock)
        assert slots.taken == 2  # (the holder's, and the third's: the stranded one's back)
        holding.cancel()
        holder.run_until_complete(asyncio.sleep(0))
        assert slots.taken == 1
    finally:
        gc.enable()
        holder.close()


def test_slots_refuse_a_limit_below_one() -> None:
    with pytest.raises(ValueError):
        Slots(0)
