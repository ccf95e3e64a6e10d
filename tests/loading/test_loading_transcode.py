"""The compiled cp1251 transcoder against Python's codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch.loading._transcode import cp1251_to_utf8


@given(st.binary(max_size=200))
def test_same_as_codec(data: bytes) -> None:
    try:
        expected = data.decode("cp1251").encode("utf-8")
    except UnicodeDecodeError as exc:
        with pytest.raises(UnicodeDecodeError) as ours:
            cp1251_to_utf8(data)
        assert ours.value.start == exc.start  # the first undefined byte, in either half
        return
    assert cp1251_to_utf8(data).tobytes() == expected


def test_russian_price_line() -> None:
    line = "Фильтр масляный;1 234,50;под заказ\n"
    assert cp1251_to_utf8(line.encode("cp1251")).tobytes() == line.encode("utf-8")
