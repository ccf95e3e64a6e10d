"""The merged store kept on disk: written by the first engine to open a set of supplier files,
mapped by the next, never used when damaged, and nothing when it cannot be written."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from partsearch.search._merged import MERGED, key, merges, wait, write_merged
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
    assert sorted(p.name for p in where.iterdir()) == ["articles.arrow", "offers.arrow",
                                                       "segments.json"]
    (found,) = merges(catalog / "offers")
    assert found.path == where and found.files == tuple(
        (s.supplier, s.version) for s in first.segments)
    assert found.sizes.tolist() == [s.table.num_rows for s in first.segments]
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


def test_a_compacting_reload_writes_its_merge_and_the_next_engines_map_it(
        catalog: Path) -> None:
    from partsearch.loading import publish_offers, read_offers

    first = load_store(catalog)
    wait()
    supplier = first.segments[0].supplier
    publish_offers(catalog, supplier, read_offers(catalog, supplier).slice(0, 5))
    reloaded = load_store(catalog, first)
    # most of a supplier replaced: compacted into a base of its own, written for the others
    assert reloaded.delta.size == 0 and not reloaded.base.on_disk
    assert reloaded.base.hash.flags.writeable
    wait()
    root = catalog / "offers" / MERGED
    assert sorted(p.name for p in root.iterdir()) == sorted([key(first.segments),
                                                             key(reloaded.segments)])
    fresh = load_store(catalog)
    assert fresh.delta.size == 0 and fresh.base.on_disk and not fresh.base.hash.flags.writeable
    # (the same offers; equal hashes may come in another order: a reload puts the old first)
    assert _rows(fresh) == _rows(reloaded)
    again = load_store(catalog, first)  # a reload once the merge of its files is on disk
    assert again.delta.size == 0 and again.base.on_disk
    assert _rows(again) == _rows(fresh)


def _publish_small(catalog: Path, supplier: str = "ZETA") -> None:
    """A new supplier offering ten of another's offers: a delta, far below compaction."""
    from partsearch.loading import publish_offers, read_offers

    donor = sorted(p.name for p in (catalog / "offers").iterdir() if p.name != MERGED)[-1]
    publish_offers(catalog, supplier, read_offers(catalog, donor).slice(0, 10))


def test_an_engine_opening_after_a_publish_maps_the_older_merge(catalog: Path) -> None:
    first = load_store(catalog)
    wait()
    _publish_small(catalog)
    opened = load_store(catalog)
    wait()
    assert opened.base.on_disk and opened.delta.size == 10
    assert (opened.base.segmap >= 0).all()  # no file of the merge replaced
    assert _rows(opened) == _rows(_merge(opened.segments))
    # nothing merged afresh, so nothing written: the merge on disk is still the first's
    assert [p.name for p in (catalog / "offers" / MERGED).iterdir()] == [key(first.segments)]


def test_a_reload_gives_its_own_base_up_for_a_merge_on_disk(catalog: Path) -> None:
    first = load_store(catalog)  # merged by this engine: its own memory
    wait()
    assert first.base.hash.flags.writeable and not first.base.on_disk
    _publish_small(catalog)
    reloaded = load_store(catalog, first)
    assert reloaded.base.on_disk and not reloaded.base.hash.flags.writeable
    assert reloaded.delta.size == 10
    assert _rows(reloaded) == _rows(_merge(reloaded.segments))
    # an engine on the merge on disk keeps it, its delta already merged
    _publish_small(catalog, "ETA")
    again = load_store(catalog, reloaded)
    assert again.base.hash is reloaded.base.hash and again.delta.size == 20
    assert _rows(again) == _rows(_merge(again.segments))


def test_the_base_leaving_the_least_to_merge_is_taken(catalog: Path) -> None:
    load_store(catalog)
    wait()
    _publish_small(catalog)
    newer = _merge(load_store(catalog).segments)  # as a compaction whose merge is not written
    _publish_small(catalog, "ETA")
    # the engine's own newer base leaves ETA alone to merge, the merge on disk ZETA too: kept
    reloaded = load_store(catalog, newer)
    assert reloaded.base.hash is newer.base.hash and reloaded.delta.size == 10
    assert _rows(reloaded) == _rows(_merge(reloaded.segments))
    # once that base is on disk (as another engine's compacting reload writes it), it is taken
    write_merged(catalog / "offers", newer.segments, {"offers.arrow": newer.base.offers(),
                                                      "articles.arrow": newer.base.articles()})
    opened = load_store(catalog)
    assert opened.base.on_disk and opened.delta.size == 10
    assert _rows(opened) == _rows(reloaded)


def test_a_reload_with_nothing_published_takes_the_merge_of_its_files_once_written(
        catalog: Path) -> None:
    load_store(catalog)
    wait()
    _publish_small(catalog)
    opened = load_store(catalog)  # the first merge and a delta
    assert not opened.shared and load_store(catalog, opened) is opened  # nothing to take yet
    whole = _merge(opened.segments)  # as another engine's compacting reload writes it
    write_merged(catalog / "offers", whole.segments, {"offers.arrow": whole.base.offers(),
                                                      "articles.arrow": whole.base.articles()})
    again = load_store(catalog, opened)
    assert again.shared and again.delta.size == 0 and _rows(again) == _rows(opened)
    assert load_store(catalog, again) is again


def test_a_merge_past_the_compaction_rule_is_not_taken(catalog: Path) -> None:
    from partsearch.loading import publish_offers, read_offers

    first = load_store(catalog)
    wait()
    big = max(first.segments, key=lambda s: s.table.num_rows).supplier
    publish_offers(catalog, big, read_offers(catalog, big).slice(0, 5))
    opened = load_store(catalog)
    assert not opened.base.on_disk and opened.delta.size == 0  # merged afresh
    wait()


def test_one_engine_at_a_time_writes_a_merge(catalog: Path) -> None:
    import os
    import time

    store = load_store(catalog)
    wait()
    root = catalog / "offers" / MERGED
    shutil.rmtree(root)
    root.mkdir()
    files = {"offers.arrow": store.base.offers(), "articles.arrow": store.base.articles()}
    lock = root / f".{key(store.segments)}.writing"
    lock.touch()  # another engine is writing it
    write_merged(catalog / "offers", store.segments, files)
    assert sorted(p.name for p in root.iterdir()) == [lock.name]
    old = time.time() - 3600  # a writer that stopped long ago
    os.utime(lock, (old, old))
    write_merged(catalog / "offers", store.segments, files)
    assert sorted(p.name for p in root.iterdir()) == [key(store.segments)]
    # a writer that finds the merge whole (written meanwhile) leaves it as it is
    write_merged(catalog / "offers", store.segments, files)
    assert sorted(p.name for p in root.iterdir()) == [key(store.segments)]


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
