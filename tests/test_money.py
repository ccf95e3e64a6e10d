"""Money as offers hold it: a price given as a number is read by the loader's rule for text."""

from __future__ import annotations

from decimal import Decimal, Inexact, Rounded, localcontext

from hypothesis import example, given
from hypothesis import strategies as st

from partsearch._money import MAX_KOPECKS, kopecks_of, number_kopecks, price_of, read_kopecks


def _kind(reason: str | None) -> str | None:
    """A reason without the value it quotes ("zero price '0.004'": "zero price")."""
    return None if reason is None else reason.split(" '")[0]


@given(st.decimals(min_value=Decimal(-10**13), max_value=Decimal(10**13), places=4,
                   allow_nan=False, allow_infinity=False).filter(lambda d: d or not d.is_signed()))
@example(Decimal("512.305"))
@example(Decimal("0.004"))
@example(Decimal("0.005"))
@example(Decimal("999999999999.995"))
@example(Decimal("-0.001"))
def test_a_decimal_is_the_price_its_fixed_text_is(price: Decimal) -> None:
    """A shop's ``Decimal`` gives the kopecks, or the reason, that its digits give a price
    file: half up (``512.305`` is 512.31, where the search's half-to-even made it 512.30).
    (``-0``, filtered, is a zero price as a number and a negative one as text.)"""
    kopecks, reason = number_kopecks(price)
    text_kopecks, text_reason = read_kopecks(f"{price:f}")
    assert (kopecks, _kind(reason)) == (text_kopecks, _kind(text_reason))


@given(st.floats(min_value=1e-6, max_value=1e13))
@example(512.305)
@example(1e3)
@example(0.005)
def test_a_json_number_is_the_price_its_shortest_text_is(price: float) -> None:
    """A float (JSON's number) by the digits that make it (``repr``), not its binary value:
    512.305 is 512.30499... in binary, and 512.31 as sent."""
    assert number_kopecks(price)[0] == read_kopecks(f"{Decimal(repr(price)):f}")[0]


def test_numbers_no_price_file_could_hold_are_refused_without_raising() -> None:
    assert number_kopecks(Decimal(MAX_KOPECKS).scaleb(-2)) == (MAX_KOPECKS, None)
    assert [number_kopecks(v)[1] for v in (Decimal("NaN"), float("inf"), Decimal("1e999999"),
                                           Decimal("1e-999999"), 10**5000, -(10**5000))] == [
        "bad price 'NaN'", "bad price 'inf'", "price too large '1E+999999'",
        "zero price '1E-999999'", "price too large: more than 999999999999.99",
        "negative price"]


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**12), places=3,
                   allow_nan=False, allow_infinity=False),
       st.integers(min_value=1, max_value=13), st.booleans())
@example(Decimal("99999.99"), 6, True)
@example(Decimal("999999999999.99"), 13, False)
def test_a_price_is_read_whatever_the_callers_decimal_context(
        price: Decimal, precision: int, inexact: bool) -> None:
    """A thread's or a task's own decimal context (a live search's tasks inherit their
    caller's) of fewer digits than a price holds, or trapping Inexact, made 99999.99 raise
    InvalidOperation (failing a supplier's whole answer) or round to 100000.0."""
    kopecks, reason = number_kopecks(price)
    roubles = None if kopecks is None else f"{kopecks // 100}.{kopecks % 100:02d}"
    with localcontext() as context:
        context.prec = precision
        if inexact:
            context.traps[Inexact] = context.traps[Rounded] = True
        assert number_kopecks(price) == (kopecks, reason)
        if kopecks is not None:
            assert str(price_of(kopecks)) == roubles
            assert kopecks_of(price_of(kopecks)) == kopecks
