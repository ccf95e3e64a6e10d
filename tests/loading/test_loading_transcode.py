"""The compiled cp1251 transcoder against Python's codec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch.loading._transcode import cp1251_strays, cp1251_to_utf8, utf8_errors


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


@given(st.binary(max_size=200))
def test_strays_are_marked_where_the_codec_would_fail(data: bytes) -> None:
    text, marks = cp1251_strays(data)
    assert text.tobytes() == data.replace(b"\x98", b"?").decode("cp1251").encode("utf-8")
    # each mark is the "?" of a stray: the UTF-8 of what came before it, then one byte
    stray = [i for i, b in enumerate(data) if b == 0x98]
    assert marks.tolist() == [len(data[:i].replace(b"\x98", b"?").decode("cp1251").encode())
                              for i in stray]


def test_russian_price_line() -> None:
    line = "Фильтр масляный;1 234,50;под заказ\n"
    assert cp1251_to_utf8(line.encode("cp1251")).tobytes() == line.encode("utf-8")


def _flagged(data: bytes) -> list[int]:
    """The reference: every byte of every error range Python's strict decoder reports."""
    out: list[int] = []
    rest = 0
    while True:
        try:
            data[rest:].decode("utf-8")
            return out
        except UnicodeDecodeError as exc:
            out.extend(range(rest + exc.start, rest + exc.end))
            rest += exc.end


@given(st.lists(st.one_of(st.binary(max_size=4), st.text(max_size=3).map(str.encode)),
                max_size=40).map(b"".join))
def test_utf8_errors_flag_the_bytes_the_codec_does(data: bytes) -> None:
    bad, multi = utf8_errors(data)
    assert bad.tolist() == _flagged(data)
    valid = bytes(b for i, b in enumerate(data) if i not in set(bad.tolist()))
    assert multi == sum(1 for ch in valid.decode("utf-8") if ord(ch) >= 0x80)


def test_utf8_errors_beyond_the_first_buffer() -> None:
    data = "Фильтр".encode("cp1251") * 400  # every letter a bad byte: 2,400 of them
    bad, multi = utf8_errors(data)
    assert bad.tolist() == _flagged(data) and len(bad) == 2400 and multi == 0


def test_give_up_tells_cp1251_in_its_first_line_and_reads_utf8_to_the_end() -> None:
    line = "Фильтр масляный;1 234,50\n"
    bad, multi = utf8_errors(line.encode("cp1251") * 10_000, give_up=256)
    assert len(bad) == 256 and bad.max() < 20 * len(line) and 8 * len(bad) > multi
    data = line.encode() * 10_000 + b"\xff"
    bad, multi = utf8_errors(data, give_up=256)
    assert bad.tolist() == [len(data) - 1] and multi == 14 * 10_000
