"""The merged store kept on disk: written by the first engine to open a set of supplier files,
mapped by the next, never used when damaged, and nothing when it cannot be written."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from partsearch.search._merged import MERGED, key, wait
from partsearch.search._store import OfferStore, _merge, flatten, load_store

_ARRAYS = ("hash", "seg", "row", "price", "delivery", "quantity", "exact", "on_order",
           "multiplicity", "min_quantity", "article_hash", "article_seg", "article_row",
           "segmap", "sizes", "fence", "present")


@pytest.fixture()
def catalog(world_catalog: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(world_catalog, copy, ignore=shutil.ignore_patterns(MERGED))
    return copy


def _same(a: OfferStore, b: OfferStore) -> None:
    for name in _ARRAYS:
        assert np.array_equal(getattr(a.base, name), getattr(b.base, name)), name
    assert a.delta.size == b.delta.size == 0


def test_the_first_open_writes_the_merge_and_the_next_maps_it(catalog: Path) -> None:
    first = load_store(catalog)
    wait()  # (written on a thread of its own)
    where = catalog / "offers" / MERGED / key(first.segments)
    assert sorted(p.name for p in where.iterdir()) == ["articles.arrow", "offers.arrow"]
    second = load_store(catalog)
    _same(second, _merge(first.segments))
    assert not second.base.hash.flags.writeable  # mapped from the file, not merged again
    assert first.base.hash.flags.writeable


def test_a_damaged_merge_is_not_used_and_is_written_again(catalog: Path) -> None:
    first = load_store(catalog)
    wait()
    where = catalog / "offers" / MERGED / key(first.segments)
    table = pa.ipc.open_file(pa.py_buffer((where / "offers.arrow").read_bytes())).read_all()
    row = table.column("row").to_numpy().copy()
    row[-1] = 10**9  # past the end of its file
    (where / "offers.arrow").unlink()  # (the first store maps it: a new file, not the same)
    with pa.OSFile(str(where / "offers.arrow"), "wb") as sink, \
            pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table.set_column(2, "row", pa.array(row)))
    again = load_store(catalog)
    wait()
    assert again.base.hash.flags.writeable  # merged, not mapped
    _same(again, first)
    _same(load_store(catalog), first)  # the merge written again is whole
    assert not load_store(catalog).base.hash.flags.writeable


def test_a_catalog_that_cannot_take_the_merge_still_opens(catalog: Path) -> None:
    (catalog / "offers" / MERGED).write_text("not a directory")
    store = load_store(catalog)
    wait()
    _same(store, _merge(store.segments))


def test_a_reload_writes_no_merge_and_maps_one_another_engine_wrote(catalog: Path) -> None:
    from partsearch.loading import publish_offers, read_offers

    first = load_store(catalog)
    wait()
    supplier = first.segments[0].supplier
    publish_offers(catalog, supplier, read_offers(catalog, supplier).slice(0, 5))
    reloaded = load_store(catalog, first)
    root = catalog / "offers" / MERGED
    assert [p.name for p in root.iterdir()] == [key(first.segments)]
    fresh = load_store(catalog)
    wait()
    assert sorted(p.name for p in root.iterdir()) == sorted([key(first.segments),
                                                             key(fresh.segments)])
    # (the same offers; equal hashes may come in another order: a reload puts the old first)
    assert _rows(fresh) == _rows(reloaded)
    assert reloaded.base.hash.flags.writeable  # merged by the reload (compacted): none to map
    # a reload once the merge of its files is on disk maps it: one level, shared
    again = load_store(catalog, first)
    assert again.delta.size == 0 and not again.base.hash.flags.writeable
    assert _rows(again) == _rows(fresh)


def _rows(store: OfferStore) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    flat = flatten(store)
    return (sorted(zip(flat.hash.tolist(), store.codes[flat.seg].tolist(), flat.row.tolist(),
                       flat.price.tolist(), strict=True)),
            sorted(zip(flat.article_hash.tolist(), store.codes[flat.article_seg].tolist(),
                       flat.article_row.tolist(), strict=True)))


def test_a_merge_of_another_format_is_not_mapped(catalog: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from partsearch.search import _merged

    load_store(catalog)
    wait()
    assert not load_store(catalog).base.hash.flags.writeable
    monkeypatch.setattr(_merged, "FORMAT", _merged.FORMAT + 1)  # what a new code would write
    assert load_store(catalog).base.hash.flags.writeable
    wait()
