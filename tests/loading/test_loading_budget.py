"""The memory budget that lets two price files load at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from partsearch.loading._budget import MemoryBudget, peak_bytes


def _second_waits(budget: MemoryBudget, first: int, second: int) -> bool:
    """Whether ``hold(second)`` waits while another thread holds ``first``."""
    held, release, got = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with budget.hold(first):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)

    def taker() -> None:
        with budget.hold(second):
            got.set()

    other = threading.Thread(target=taker)
    other.start()
    waited = not got.wait(0.2)
    release.set()
    thread.join(5)
    other.join(5)
    assert got.is_set()  # and it gets its share once the first is done
    return waited


def test_two_loads_that_fit_run_together() -> None:
    assert not _second_waits(MemoryBudget(100), 40, 60)


def test_a_load_that_does_not_fit_waits() -> None:
    assert _second_waits(MemoryBudget(100), 40, 61)


def test_a_load_larger_than_the_budget_runs_alone() -> None:
    assert _second_waits(MemoryBudget(100), 1, 500)  # waits for the whole budget
    assert _second_waits(MemoryBudget(100), 500, 1)  # and holds all of it


def test_peak_estimate_by_format(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"x" * 100)
    (tmp_path / "a.xlsx").write_bytes(b"x" * 100)
    assert peak_bytes(tmp_path / "a.csv") == 1600
    assert peak_bytes(tmp_path / "a.xlsx") == 6000
    assert peak_bytes(tmp_path / "missing.csv") == 0
    assert peak_bytes(None) == 0


def test_a_zip_counts_its_members_unpacked(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", "x" * 10_000)  # compresses to a few dozen bytes
        archive.writestr("b.xlsx", b"y" * 100)
    assert peak_bytes(path) == 16 * 10_000 + 60 * 100
    path.write_bytes(b"PK not really a zip")
    assert peak_bytes(path) == 16 * path.stat().st_size


def test_a_file_whose_load_could_not_fit_twice_over_is_refused_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A zip bomb (here 32 MiB of one byte, packed into ~32 KiB) declares what it unpacks to:
    a load that would hold twice the machine's memory is refused before a byte is read."""
    import zipfile

    from partsearch.errors import PriceFileError
    from partsearch.loading import SupplierProfile, load, load_price_file

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("price.csv", b"Brand;Article;Price\n" + b"A" * (32 << 20))
    assert path.stat().st_size < 1 << 20
    profile = SupplierProfile(code="T", name="T", file=path,
                              columns={"brand": "Brand", "article": "Article", "price": "Price"})
    monkeypatch.setattr(load, "machine_bytes", lambda: 128 << 20)  # 32 MiB x 16 > 2 x 128 MiB
    with pytest.raises(PriceFileError, match="too large to load here") as err:
        load_price_file(profile)
    assert str(path) in str(err.value)
    monkeypatch.setattr(load, "machine_bytes", lambda: 1 << 30)
    assert load_price_file(profile).rows_read == 1  # (one long line: a row, rejected)
