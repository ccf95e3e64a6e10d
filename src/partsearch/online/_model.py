"""What an online supplier answers: offers (:class:`LiveOffer`) and per-supplier outcomes.

Both are frozen and JSON-friendly: ``to_dict()`` turns ``Decimal`` prices into strings (exact,
unlike floats) and tuples into lists, so an outcome can go straight into an HTTP response.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from partsearch._inputs import shown
from partsearch._limits import MAX_HOURS, MAX_MULTIPLICITY, MAX_QUANTITY
from partsearch._money import number_kopecks, price_of
from partsearch.brands import brand_key
from partsearch.errors import NormalizationError
from partsearch.normalize import article_key

__all__ = ["LiveOffer", "OutcomeStatus", "SupplierOutcome", "offer_problem", "settled"]

#: an offer's true-or-false fields
_FLAGS = ("quantity_exact", "on_order", "returnable")
#: an integer ``item_key`` is taken as its text within int64's range (a numpy key's)
_KEY_LOW, _KEY_HIGH = -(2**63), 2**63 - 1

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
    written, ``article_key`` its match form (:func:`settled`: made from ``article`` as each
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


def _is_bool(value: object) -> bool:
    """Whether ``value`` is true or false as the search's options take one: Python's bool or
    numpy's (a shop's connector reading a DataFrame gives ``np.True_``)."""
    if isinstance(value, bool):
        return True
    numpy = sys.modules.get("numpy")  # (no numpy bool to meet unless numpy was imported)
    return numpy is not None and isinstance(value, numpy.bool_)


def _brand_problem(value: object, what: str) -> str | None:
    """Why ``value`` is no brand (None: it is one): not text, or text of no letters or
    digits, in :func:`~partsearch.brands.brand_key`'s words (``brand '-' has no letters or
    digits``), as an ABCP item's or a price file's row's brand is refused."""
    if not isinstance(value, str):
        return f"bad {what} {type(value).__name__}"
    try:
        brand_key(value)
    except NormalizationError as exc:
        return exc.message[:80]
    return None


def _probability_problem(value: object) -> str | None:
    """Why ``value`` is no probability (None: it is one, or none is given): a number of any
    kind (a float, a ``Decimal``, a numpy float) within 0..1; not a bool, NaN nor text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        return f"bad probability {shown(value)}: not a number"[:80]
    try:
        number = float(value)
    except OverflowError:  # (an int past a float's range)
        number = math.inf
    except ValueError:  # (a signalling NaN, Decimal("sNaN"): no number, as NaN is none)
        number = math.nan
    if not 0 <= number <= 1:  # (NaN is neither: refused too)
        return f"bad probability {shown(value)}: not within 0..1"[:80]
    return None


def offer_problem(offer: LiveOffer) -> str | None:
    """Why ``offer`` cannot be placed (None: it can). Each connector's offers are checked so
    as they arrive (:class:`~partsearch.online.LiveSuppliers`), a shop's own as ABCP's: a brand
    or article that is none (not text, no letters or digits: the search's brand lookup raised
    on ``None`` and placed ``"-"`` as a supplier's cross), a price that is none to the kopeck
    (:func:`~partsearch._money.number_kopecks`: ``0.004`` was shown as 0.00), a true-or-false
    field that is not a bool (``"false"`` was shown as returnable), a probability that is no
    number within 0..1, a value a price file's row could not carry (a quantity of more
    than 15 digits, a delivery past int32 hours), which overflowed the search's columns, and
    an ``item_key``, ``updated`` or ``supplier_class`` that is no text nor has one reading as
    text (``_text_problem``), which made the outcome no JSON. It raises for no value, nor by
    the caller's decimal context. The ABCP connector rejects such items itself, naming the
    item of its answer, and is not checked again.

    >>> from dataclasses import replace
    >>> o = LiveOffer(supplier="abc", brand="MANN-FILTER", brand_raw="MANN", article="W 920/21",
    ...               article_key="W92021", description="", price=Decimal("512.30"))
    >>> offer_problem(o), offer_problem(replace(o, quantity=10**30))
    (None, 'quantity too large: more than 999999999999999')
    >>> offer_problem(replace(o, brand_raw="-")), offer_problem(replace(o, returnable="no"))
    ("brand '-' has no letters or digits", "bad returnable 'no': not True or False")
    """
    article = offer.article
    if not isinstance(article, str):
        return f"bad article {type(article).__name__}"
    try:
        article_key(article)
    except NormalizationError:  # (the loader's reason for such a row)
        return f"empty article {article!r}"[:80]
    # brand_raw first: the search reads it (by the catalog's registry, its aliases)
    problem = _brand_problem(offer.brand_raw, "brand_raw") or _brand_problem(
        offer.brand, "brand")
    if problem is not None:
        return problem
    if offer.description is not None and not isinstance(offer.description, str):
        return f"bad description {type(offer.description).__name__}"
    price = offer.price
    if not isinstance(price, Decimal):  # (a float is no exact price: Decimal(str(x)) is)
        return f"bad price {shown(price)}"[:80]
    problem = number_kopecks(price)[1] or _probability_problem(offer.probability)
    if problem is not None:
        return problem
    for name in _FLAGS:
        flag = getattr(offer, name)
        if not _is_bool(flag):
            return f"bad {name} {shown(flag)}: not True or False"[:80]
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
    return _text_problem(offer)


def _text_problem(offer: LiveOffer) -> str | None:
    """Why ``offer``'s ``item_key``, ``updated`` or ``supplier_class`` is none (None: each is
    one, or not given): text, or a value of one reading as text (:func:`settled` writes it), an
    integer ``item_key`` (numpy's too) and a ``date`` or ``datetime`` ``updated`` (ISO 8601).
    Anything else passed the check and made the outcome's ``to_dict()`` no JSON."""
    key = offer.item_key
    if key is not None and not isinstance(key, str):
        problem = _whole(key, _KEY_LOW, _KEY_HIGH, "item_key")
        if problem is not None:
            return problem
    updated = offer.updated
    if updated is not None and not isinstance(updated, str | date):
        return f"bad updated {type(updated).__name__}"
    kind = offer.supplier_class
    if kind is not None and not isinstance(kind, str):
        return f"bad supplier_class {type(kind).__name__}"
    return None


def settled(offer: LiveOffer) -> LiveOffer:
    """``offer`` in the search's terms, as a price file's row is loaded: keyed by its
    ``article`` (:func:`~partsearch.normalize.article_key`; the brand's Cyrillic setting is the
    search's to apply), its price to the kopeck, half up (``512.305`` is 512.31: the level's
    rules then apply to it, as to a file's), a guarantee shorter than the expected delivery
    none, no description an empty one, an offer on order of no quantity (a file's row on order
    has none: ``5`` with ``on_order`` passed the search's in-stock filter as 5 in stock), and
    numpy's numbers and bools Python's, an integer ``item_key`` its text, a ``datetime``
    ``updated`` its ISO 8601 text (JSON-ready). A shop's connector that gave another key
    (``w92021``, ``W 920/21``, a typo) put the searched part among its own crosses. ``offer``
    must have no :func:`offer_problem`.

    >>> o = LiveOffer(supplier="abc", brand="MANN-FILTER", brand_raw="MANN", article="W 920/21",
    ...               article_key="w92021", description=None, price=Decimal("512.305"),
    ...               delivery_hours=48, delivery_hours_max=24, quantity=5, on_order=True)
    >>> s = settled(o)
    >>> s.article_key, s.description, s.price, s.delivery_hours_max, s.quantity
    ('W92021', '', Decimal('512.31'), None, None)
    """
    kopecks = number_kopecks(offer.price)[0]
    assert kopecks is not None  # (offer_problem said so first)
    delivery = int(offer.delivery_hours)
    guarantee = offer.delivery_hours_max
    on_order = bool(offer.on_order)
    quantity = offer.quantity
    key, updated = offer.item_key, offer.updated
    # (made anew, not dataclasses.replace: half the time, each answer's every offer)
    return LiveOffer(
        supplier=offer.supplier, brand=offer.brand, brand_raw=offer.brand_raw,
        article=offer.article, article_key=article_key(offer.article),
        description=offer.description or "", price=price_of(kopecks),
        quantity=None if quantity is None or on_order else int(quantity),
        quantity_exact=bool(offer.quantity_exact) and not on_order, on_order=on_order,
        multiplicity=int(offer.multiplicity), delivery_hours=delivery,
        # (as the loader reads a file's guarantee: one shorter than the expected time is none)
        delivery_hours_max=None if guarantee is None or guarantee < delivery else int(guarantee),
        returnable=bool(offer.returnable),
        item_key=key if key is None or isinstance(key, str) else str(int(key)),
        updated=updated if updated is None or isinstance(updated, str) else updated.isoformat(),
        probability=None if offer.probability is None else float(offer.probability),
        supplier_class=offer.supplier_class)


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
