"""Damaged price files: whatever bytes a file holds, its load gives a report or a
PriceFileError naming it; never another error, and never a crash of the process (the readers
below, calamine above all, allocate what a file declares: a damaged 6 KB XLS once asked for
14 GB and aborted the load).

Seeds of every format (a legacy XLS three ways: BIFF8, BIFF5, a small one in the mini
stream) are mutated (bytes changed, cut, inserted), as a disk, a mail gateway or
a supplier's exporter damages them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, load_price_file

_COLUMNS = {"brand": "Бренд", "article": "Артикул", "price": "Цена"}
_TABLE = [["Бренд", "Артикул", "Цена"], ["MANN", "W 712", "100,50"], ["KNECHT", "OC 90", "90"]]


def _xlsx() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Прайс")
    for r, row in enumerate(_TABLE):
        sheet.write_row(r + 2, 1, row)
    book.close()
    return out.getvalue()


def _zip_csv() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("msk.csv", "\n".join(";".join(r) for r in _TABLE).encode("cp1251"))
        zf.writestr("readme.txt", "Прайс обновляется ежедневно")
    return out.getvalue()


def _seeds() -> list[bytes]:
    from test_loading_readers import _ods
    from test_loading_xls import _xls, _xls_in_mini_stream

    cells = {(r + 2, c + 1): v for r, row in enumerate(_TABLE) for c, v in enumerate(row)}
    return [_xlsx(), _xls({"Прайс": dict(cells)}), _xls({"Прайс": dict(cells)}, biff5=True),
            _xls_in_mini_stream({"Прайс": dict(cells)}),
            _ods(dict(cells)), _zip_csv(),
            "\n".join(";".join(r) for r in _TABLE).encode("cp1251"),
            ("<table>" + "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>"
                                 for r in _TABLE) + "</table>").encode()]


_SEEDS = _seeds()
# where a file declares its sizes (its header, near the start) is damaged most often, and
# with large numbers as often as with any bytes
_EDIT = st.tuples(st.sampled_from(["set", "set", "cut", "insert"]),
                  st.floats(0, 1).map(lambda x: x ** 3),
                  st.one_of(st.binary(min_size=1, max_size=8),
                            st.sampled_from([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x10"])))


def _damage(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, raw in edits:
        at = int(where * len(out))
        if kind == "set":
            out[at:at + len(raw)] = raw
        elif kind == "cut":
            del out[at:]
        else:
            out[at:at] = raw
    return bytes(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(range(len(_SEEDS))), edits=st.lists(_EDIT, min_size=1, max_size=6))
def test_a_damaged_file_gives_a_report_or_a_price_file_error(
        tmp_path: Path, seed: int, edits: list[tuple[str, float, bytes]]) -> None:
    path = tmp_path / "price.bin"
    path.write_bytes(_damage(_SEEDS[seed], edits))
    try:
        report = load_price_file(SupplierProfile(code="T", name="T", file=path,
                                                 columns=_COLUMNS))
    except PriceFileError as exc:
        assert str(path) in str(exc)
        return
    assert report.rows_read == report.offers.num_rows + report.rejected.num_rows


@pytest.mark.parametrize("seed", range(len(_SEEDS)))
def test_every_seed_loads_whole(tmp_path: Path, seed: int) -> None:
    """(So that the damaged ones start from files that load.)"""
    path = tmp_path / "price.bin"
    path.write_bytes(_SEEDS[seed])
    report = load_price_file(SupplierProfile(code="T", name="T", file=path, columns=_COLUMNS))
    assert report.offers.column("article").to_pylist() == ["W 712", "OC 90"]
