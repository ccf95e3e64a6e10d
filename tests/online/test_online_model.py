"""An online offer's one rule: what passes ``offer_problem`` settles to a JSON-ready offer."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from decimal import Decimal, Inexact, localcontext

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from partsearch._limits import MAX_HOURS, MAX_MULTIPLICITY, MAX_QUANTITY
from partsearch.online import LiveOffer
from partsearch.online._model import offer_problem, settled

#: a value of any kind a shop's connector might put in any field
_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.decimals(), st.fractions(),
    st.text(max_size=4), st.datetimes(), st.dates(), st.times(),
    st.integers(-(2**63), 2**63 - 1).map(np.int64), st.floats(0, 1).map(np.float32),
    st.just(np.True_), st.lists(st.integers(), max_size=2))


_USUAL = st.builds(
    LiveOffer, supplier=st.just("abc"), brand=st.just("MANN-FILTER"),
    brand_raw=st.sampled_from(["MANN", "Mann"]),
    article=st.sampled_from(["W 920/21", "w92021"]), article_key=st.just("W92021"),
    description=st.none() | st.text(max_size=3),
    price=st.decimals(places=3, min_value="0.005", max_value=10**12),
    quantity=st.none() | st.integers(0, MAX_QUANTITY), quantity_exact=st.booleans(),
    on_order=st.booleans(), multiplicity=st.integers(1, MAX_MULTIPLICITY),
    delivery_hours=st.integers(0, MAX_HOURS),
    delivery_hours_max=st.none() | st.integers(0, MAX_HOURS),
    returnable=st.booleans(), item_key=st.none() | st.text(max_size=3),
    updated=st.none() | st.text(max_size=3), probability=st.none() | st.floats(0, 1),
    supplier_class=st.none() | st.text(max_size=3))
#: a usual offer with a few of its fields holding anything
_OFFERS = st.builds(
    lambda offer, odd: replace(offer, **odd), _USUAL,
    st.dictionaries(st.sampled_from([f.name for f in fields(LiveOffer)][1:]), _ANY, max_size=3))


@given(_OFFERS, st.booleans())
def test_an_offer_that_passes_settles_to_json(offer: LiveOffer, hostile: bool) -> None:
    """Whatever a field holds, ``offer_problem`` says why or passes it (a signalling NaN
    probability raised, failing the answer); a passed offer settles, under any decimal
    context, to one that passes again, settles to itself, has no quantity on order and is
    JSON (an ``np.int64`` item_key, a ``datetime`` updated passed and were not)."""
    with localcontext() as context:
        if hostile:  # (a caller's: a live search's tasks inherit it)
            context.prec = 6
            context.traps[Inexact] = True
        problem = offer_problem(offer)
        if problem is None:
            done = settled(offer)
    event("rejected" if problem else "passed")
    if problem is not None:
        assert isinstance(problem, str) and problem
        return
    assert offer_problem(done) is None and settled(done) == done
    assert done.quantity is None or not done.on_order
    data = json.loads(json.dumps(done.to_dict(), allow_nan=False))
    assert Decimal(data["price"]) == done.price
