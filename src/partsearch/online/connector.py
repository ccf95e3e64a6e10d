"""The connector protocol: how partsearch asks one online supplier.

A connector knows one supplier's API. :class:`~partsearch.online.LiveSuppliers` owns the HTTP
client, the deadline, the circuit breaker, the cache and the concurrency limit; a connector only
turns (article, brand) into a request and the answer into :class:`LiveOffer` objects. Anything that
goes wrong is raised as :class:`~partsearch.errors.SupplierError` with a short reason that never
contains credentials (the URL of a request usually does: do not put it in the message).

A shop writes its own connector as any class with these attributes and method::

    import httpx
    from partsearch.errors import SupplierError
    from partsearch.normalize import article_key
    from partsearch.brands import brand_key
    from partsearch.online import LiveOffer, LiveSuppliers
    from decimal import Decimal

    class MyShopConnector:
        deadline_s = 2.0
        max_concurrency = 4

        def __init__(self, code):
            self.code = code  # the supplier's code: its offers' ``supplier``

        async def search(self, client, article, brand):
            try:
                r = await client.get("https://api.myshop.example/find", params={"q": article},
                                     headers={"X-Token": TOKEN})
            except httpx.HTTPError as exc:
                raise SupplierError(f"network error: {type(exc).__name__}") from None
            if r.status_code != 200:
                raise SupplierError(f"HTTP {r.status_code}")
            return [LiveOffer(supplier=self.code, brand=brand_key(row["maker"]),
                              brand_raw=row["maker"], article=row["code"],
                              article_key=article_key(row["code"]), description=row["name"],
                              price=Decimal(str(row["price"])), quantity=row["qty"],
                              quantity_exact=True, delivery_hours=24)
                    for row in r.json()]

    live = LiveSuppliers([MyShopConnector("MYSHOP")])

or, for an engine, a profile ``[MYSHOP]`` with ``api = { kind = "myshop", ... }`` and
``Engine.open(catalog, connectors={"myshop": lambda code, api, env: MyShopConnector(code)})``
(a connector built with another code than the one given is a ``failed`` supplier).

To report items dropped as malformed, return an :class:`OfferList` (a ``list`` with a
``rejected`` tuple of reasons) instead of a plain list; they end up in
:attr:`SupplierOutcome.rejected`. Anything but a list of :class:`LiveOffer` (None, a dict) makes
the outcome ``failed``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from partsearch.online._model import LiveOffer

if TYPE_CHECKING:
    import httpx

__all__ = ["Connector", "OfferList"]


class OfferList(list[LiveOffer]):
    """The offers of one answer plus the reasons malformed items were dropped.

    >>> OfferList([], rejected=["item 3: no number"]).rejected
    ('item 3: no number',)
    """

    rejected: tuple[str, ...]

    def __init__(self, offers: Iterable[LiveOffer] = (), rejected: Iterable[str] = ()) -> None:
        super().__init__(offers)
        self.rejected = tuple(rejected)


class SettledOffers(OfferList):
    """An answer whose every offer its connector has checked (``_model.offer_problem``) and
    settled (``_model.settled``) as it read it, naming the answer's own item in a rejection
    (the ABCP connector's), so :class:`~partsearch.online.LiveSuppliers` does not check each
    again: twice was a third of an ABCP answer's time on the event loop (5000 items: 186 ms,
    121 ms once). A list is mutable: only while it holds exactly the offers it was made with
    is it taken as settled (:meth:`untouched`); one added to it later is checked as a shop's.
    """

    def __init__(self, offers: Iterable[LiveOffer] = (), rejected: Iterable[str] = ()) -> None:
        super().__init__(offers, rejected)
        self._made = tuple(self)

    def untouched(self) -> bool:
        """Whether it holds exactly the offers it was made with, each the very object."""
        return len(self) == len(self._made) and all(map(operator.is_, self, self._made))


@runtime_checkable
class Connector(Protocol):
    """One online supplier's API (see the module docstring for a sample implementation).

    ``code`` is our supplier code; ``deadline_s`` how long a search waits for it by default
    (a positive number of seconds, at most 60); ``max_concurrency`` how many requests to it may
    be in flight at once (a whole number >= 1): ``LiveSuppliers`` refuses other values.
    """

    code: str
    deadline_s: float
    max_concurrency: int

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        """Offers for ``article`` (of ``brand``, or any brand); raise ``SupplierError`` on failure.

        The request must not hold its own long timeout expectations: the caller cancels it at the
        deadline. Nor may it block the event loop (``time.sleep``, a synchronous client): every
        other supplier of the search and its deadline wait on it, and each timeout that passes
        meanwhile counts against its supplier's circuit (the blocking one's included); blocking
        code goes to ``await asyncio.to_thread(...)``.
        """
        ...
