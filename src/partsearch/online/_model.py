"""What an online supplier answers: offers (:class:`LiveOffer`) and per-supplier outcomes.

Both are frozen and JSON-friendly: ``to_dict()`` turns ``Decimal`` prices into strings (exact,
unlike floats) and tuples into lists, so an outcome can go straight into an HTTP response.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from partsearch._limits import MAX_HOURS, MAX_MULTIPLICITY, MAX_QUANTITY
from partsearch._money import MAX_KOPECKS
from partsearch.errors import NormalizationError
from partsearch.normalize import article_key

__all__ = ["LiveOffer", "OutcomeStatus", "SupplierOutcome", "keyed", "offer_problem"]

_MAX_PRICE = Decimal(MAX_KOPECKS).scaleb(-2)

OutcomeStatus = Literal["answered", "timed_out", "failed", "skipped"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, LiveOffer):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class LiveOffer:
    """One offer from an online supplier, normalized to our terms.

    ``brand`` is canonical (``brand_key``), ``brand_raw`` as the supplier wrote it; ``article`` as
    written, ``article_key`` its match form (:func:`keyed`: made from ``article`` as each
    answer arrives, whatever the connector gave). ``quantity`` is ``None`` when the part is on
    order; ``quantity_exact`` is false for ``+``/``++``/``+++``-style counts. ``probability`` is the
    supplier's delivery probability in 0..1, when it gives one. ``updated`` is when the supplier
    last updated the offer, ISO 8601 (without an offset: UTC); a live search shows it as the
    offer's ``price_file_time`` (UTC), with its age (None: the answer's time, age 0).

    >>> o = LiveOffer(supplier="abc", brand="MANN-FILTER", brand_raw="MANN", article="W 920/21",
    ...               article_key="W92021", description="", price=Decimal("512.30"))
    >>> o.to_dict()["price"]
    '512.30'
    """

    supplier: str
    brand: str
    brand_raw: str
    article: str
    article_key: str
    description: str
    price: Decimal
    quantity: int | None = None
    quantity_exact: bool = False
    on_order: bool = False
    multiplicity: int = 1
    delivery_hours: int = 0
    delivery_hours_max: int | None = None
    returnable: bool = True
    item_key: str | None = None
    updated: str | None = None
    probability: float | None = None
    supplier_class: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (price as a decimal string)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _whole(value: object, low: int, high: int, what: str) -> str | None:
    """Why ``value`` is no whole number within ``low..high`` (None: it is one). A huge one is
    not quoted: Python refuses to print an integer of more than 4300 digits."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return f"bad {what} {type(value).__name__}"
    number = int(value)
    if number > high:
        return f"{what} too large: more than {high}"
    return f"bad {what} {number}" if number < low else None


def offer_problem(offer: LiveOffer) -> str | None:
    """Why ``offer`` cannot be placed (None: it can): a value a price file's row could not
    carry (a quantity of more than 15 digits, a delivery past int32 hours, a price past
    ``MAX_KOPECKS``). The search places offers in int64 and int32 columns, where such a value
    raised ``OverflowError`` into the search; each connector's offers are checked as they
    arrive (:class:`~partsearch.online.LiveSuppliers`), and the ABCP connector rejects such
    rows itself, naming the item of its answer.

    >>> from dataclasses import replace
    >>> o = LiveOffer(supplier="abc", brand="MANN-FILTER", brand_raw="MANN", article="W 920/21",
    ...               article_key="W92021", description="", price=Decimal("512.30"))
    >>> offer_problem(o), offer_problem(replace(o, quantity=10**30))
    (None, 'quantity too large: more than 999999999999999')
    """
    article = offer.article
    if not isinstance(article, str):
        return f"bad article {type(article).__name__}"
    try:
        article_key(article)
    except NormalizationError:  # (the loader's reason for such a row)
        return f"empty article {article!r}"[:80]
    if offer.description is not None and not isinstance(offer.description, str):
        return f"bad description {type(offer.description).__name__}"
    probability = offer.probability
    if probability is not None and (
            isinstance(probability, bool) or not isinstance(probability, numbers.Real)
            or not 0 <= probability <= 1):  # (NaN is neither: refused too)
        return f"bad probability {probability!r}: not within 0..1"[:80]
    price = offer.price
    if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
        return f"bad price {price!r}"[:80]
    if price > _MAX_PRICE:
        return f"price too large: more than {_MAX_PRICE}"
    # (value, lowest, highest, its name); a quantity or a guarantee may be None: not given
    checks = ((offer.quantity, 0, MAX_QUANTITY, "quantity"),
              (offer.multiplicity, 1, MAX_MULTIPLICITY, "multiplicity"),
              (offer.delivery_hours, 0, MAX_HOURS, "delivery"),
              (offer.delivery_hours_max, 0, MAX_HOURS, "guaranteed delivery"))
    for i, (value, low, high, what) in enumerate(checks):
        if value is None and i in (0, 3):
            continue
        problem = _whole(value, low, high, what)
        if problem is not None:
            return problem
    return None


def keyed(offer: LiveOffer) -> LiveOffer:
    """``offer`` keyed by its ``article``, as the file search keys a price file's row
    (:func:`~partsearch.normalize.article_key`; the brand's Cyrillic setting is the search's
    to apply), and with no description as an empty one: a shop's connector that gave another
    key (``w92021``, ``W 920/21``, a typo) put the searched part among its own crosses. Its
    ``article`` must have a key (:func:`offer_problem` says so first).

    >>> o = LiveOffer(supplier="abc", brand="MANN-FILTER", brand_raw="MANN", article="W 920/21",
    ...               article_key="w92021", description=None, price=Decimal("512.30"))
    >>> keyed(o).article_key, keyed(o).description
    ('W92021', '')
    """
    key = article_key(offer.article)
    if key == offer.article_key and offer.description is not None:
        return offer
    return replace(offer, article_key=key, description=offer.description or "")


@dataclass(frozen=True, slots=True)
class SupplierOutcome:
    """How one supplier's part of a live search ended.

    ``status``: ``answered`` (offers, possibly none), ``timed_out`` (no answer by the deadline),
    ``failed`` (error, bad HTTP status, malformed answer: ``error`` says why, never with
    credentials), ``skipped`` (circuit open: the supplier failed repeatedly and is rested).
    ``rejected`` lists reasons for malformed items dropped from an otherwise good answer.
    ``offer_count`` is how many offers the answer had: a search result's outcomes keep the count
    and leave the offers out (their prices are the supplier's, which a buyer must not see).

    >>> SupplierOutcome("abc", "timed_out", seconds=3.0).to_dict()["status"]
    'timed_out'
    """

    supplier: str
    status: OutcomeStatus
    offers: tuple[LiveOffer, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    from_cache: bool = False
    rejected: tuple[str, ...] = field(default=())
    if TYPE_CHECKING:
        # an int once made: the generated __init__ takes None for the number of ``offers``
        offer_count: int = 0

        def __init__(self, supplier: str, status: OutcomeStatus,
                     offers: tuple[LiveOffer, ...] = (), error: str | None = None,
                     seconds: float = 0.0, from_cache: bool = False,
                     rejected: tuple[str, ...] = (), offer_count: int | None = None) -> None: ...
    else:
        offer_count: int | None = None  # None: the number of ``offers``

    def __post_init__(self) -> None:
        if self.offer_count is None:
            object.__setattr__(self, "offer_count", len(self.offers))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (offers as dicts)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}
