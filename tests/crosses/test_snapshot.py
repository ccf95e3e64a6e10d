"""The snapshot writer's arrays, as the index maps them back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch.crosses import _snapshot
from partsearch.errors import SnapshotError

# sizes around the first slice's end (the first huge page of the file, less the header)
FIRST = (_snapshot._HUGE - 128) // 8


@pytest.mark.parametrize("size", [0, 5, FIRST - 1, FIRST, FIRST + 1, _snapshot._SLICE,
                                  2 * _snapshot._SLICE + 7])
def test_save_converts_slice_by_slice_to_the_asked_type(tmp_path: Path, size: int) -> None:
    values = np.arange(size, dtype=np.int32) * 3 - 1
    with _snapshot.Writer(tmp_path) as out:
        out.save("wide", values, np.int64)
        out.save("same", values, np.int32)
        wide, same = out.load("wide"), out.load("same")
        assert wide.dtype == np.int64 and same.dtype == np.int32
        assert np.array_equal(wide, values) and np.array_equal(same, values)
        assert set(out.files) == {"wide.npy", "same.npy"}
        np.save(tmp_path / "reference.npy", values.astype(np.int64))
        assert out.path("wide").read_bytes() == (tmp_path / "reference.npy").read_bytes()
        np.save(tmp_path / "reference.npy", values)
        assert out.path("same").read_bytes() == (tmp_path / "reference.npy").read_bytes()


@pytest.mark.parametrize("size", [0, 7, FIRST, FIRST + 1, 2 * _snapshot._SLICE + 7])
def test_save_without_a_type_writes_the_bytes_np_save_writes(tmp_path: Path, size: int) -> None:
    """Every array goes through the slices that end on 2 MiB boundaries (so the page cache
    holds the file in huge folios), an array of its own type too: the file is still exactly
    ``np.save``'s, for a 2-D array, a strided view and a bool array as well."""
    base = np.arange(2 * size, dtype=np.uint64) * np.uint64(2654435761)
    arrays = {"flat": base[:size], "strided": base[::2], "wide": base[:size - size % 2].reshape(
        -1, 2) if size else base[:0].reshape(0, 2), "flags": base[:size] % 3 == 0}
    with _snapshot.Writer(tmp_path) as out:
        for name, arr in arrays.items():
            out.save(name, arr)
        out.flush()
        for name, arr in arrays.items():
            np.save(tmp_path / f"{name}-reference.npy", arr)
            assert out.path(name).read_bytes() == \
                (tmp_path / f"{name}-reference.npy").read_bytes(), name


def _vm_flags(address: int) -> list[str]:
    """The kernel's flags of the mapping holding ``address`` (``/proc/self/smaps``)."""
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=1)[0]
        if "-" in head and not head.endswith(":"):
            lo, hi = (int(x, 16) for x in head.split("-"))
            inside = lo <= address < hi
        elif inside and head == "VmFlags:":
            return line.split()[1:]
    raise AssertionError(f"no mapping holds {address:#x}")


@pytest.mark.parametrize("size", [0, 3, 100_000])
def test_map_reads_what_was_saved(tmp_path: Path, size: int) -> None:
    values = np.arange(size, dtype=np.uint16).reshape(-1, 1)
    np.save(tmp_path / "a.npy", values)
    for huge in (False, True):
        got = _snapshot._map(tmp_path / "a.npy", huge)
        assert got.dtype == values.dtype and got.shape == values.shape
        assert np.array_equal(got, values) and not got.flags.writeable


def _huge_pages() -> bool:
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return Path("/proc/self/smaps").exists() and thp.exists() and "[never]" not in thp.read_text()


@pytest.mark.skipif(not _huge_pages(), reason="Linux with transparent huge pages only")
def test_searched_arrays_are_mapped_in_huge_pages(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.arange(1_000_000, dtype=np.int64))
    huge, small = _snapshot._map(path, True), _snapshot._map(path, False)
    assert "hg" in _vm_flags(huge.ctypes.data)
    assert "hg" not in _vm_flags(small.ctypes.data)
    assert {"part_hash", "part_class", "class_adj_to", "art_hash"} <= _snapshot.SEARCHED <= \
        set(_snapshot.ARRAYS)


def test_saves_run_behind_and_a_failed_one_raises_at_flush(tmp_path: Path) -> None:
    values = np.arange(100_000, dtype=np.int64)
    with _snapshot.Writer(tmp_path) as out:
        out.save("kept", values)
        assert np.array_equal(out.load("kept"), values)  # load waits for its own save
        out.save("other", values[::-1].copy())
        out.flush()
        assert {"kept.npy", "other.npy"} <= set(out.files)
        shutil.rmtree(out.tmp)  # the next write has nowhere to go
        out.save("lost", values)
        with pytest.raises(SnapshotError, match=r"lost\.npy: cannot write the cross snapshot: "
                                                r"\[Errno 2\] No such file"):
            out.flush()
        out.flush()  # a failure is reported once; nothing is left pending
    assert not out._saving


@pytest.mark.parametrize("slots", [1, 3, 1 << 24])
def test_class_adjacency_is_written_run_by_run_as_one_piece(tmp_path: Path, slots: int) -> None:
    """The build's class-local arrays, written a run of classes at a time, equal the kernel's
    answer for all classes at once, whatever the run length."""
    from partsearch.crosses import _kernels as k
    from partsearch.crosses.build import _write_class_adjacency

    rng = np.random.default_rng(slots)
    n = 40
    a, b = rng.integers(0, n, 60), rng.integers(0, n, 60)
    a, b = a[a != b], b[a != b]
    keep = np.ones(a.size, dtype=bool)
    off, to, eid = k.csr(n, a, b, keep)
    sup = (eid % 5 + 1).astype(np.int16)
    _roots, labels = np.unique(k.union_find(n, a, b, keep), return_inverse=True)
    class_off, class_parts = k.group_members(labels, int(labels.max()) + 1)
    part_hash = np.arange(n, dtype=np.uint64) * np.uint64(977)
    with _snapshot.Writer(tmp_path) as out:
        for name, arr in (("class_off", class_off), ("class_parts", class_parts),
                          ("adj_off", off), ("adj_to", to.astype(np.int32)), ("adj_sup", sup),
                          ("part_hash", part_hash)):
            out.save(name, arr)
        _write_class_adjacency(out, slots)
        got = [np.asarray(out.load(name)) for name in
               ("class_adj_off", "class_adj_to", "class_adj_sup", "class_hash")]
    whole = k.class_adjacency(class_off, class_parts, off, to, sup, part_hash, 0,
                              class_off.size - 1)
    assert got[0].tolist() == [*whole[0].tolist(), to.size]
    for g, w in zip(got[1:], whole[1:], strict=True):
        assert g.dtype == w.dtype and g.tolist() == w.tolist()


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from([0, 1, 2]),
                          st.lists(st.integers(0, 2), min_size=1, max_size=3)), max_size=30))
def test_held_back_csv_names_every_held_cross_as_the_reference_does(
        edges: list[tuple[int, int, int, list[int]]]) -> None:
    """``held_back.csv``, built column by column, is the file a loop over the held crosses
    writes: each side's brand and article as written (non-ASCII too), every source, the
    reason and the smaller side."""
    import csv
    import tempfile

    articles = ["W 712/75", "ОС-1 «тест»", "", "0 986 452 041", "x,y\"z"]
    data = "".join(articles).encode()
    lengths = [len(t.encode()) for t in articles]
    arrays = {
        "edge_a": np.array([e[0] for e in edges], np.int32),
        "edge_b": np.array([e[1] for e in edges], np.int32),
        "edge_state": np.array([e[2] for e in edges], np.uint8),
        "edge_src_off": np.cumsum([0] + [len(e[3]) for e in edges]).astype(np.int64),
        "edge_src": np.array([s for e in edges for s in e[3]], np.uint16),
        "part_brand": np.array([1, 0, 2, 1, 0], np.uint16),
        "article_start": np.cumsum([0, *lengths[:-1]]).astype(np.int64),
        "article_len": np.array(lengths, np.uint32),
        "article_data": np.frombuffer(data, np.uint8),
    }
    side = np.arange(len(edges), dtype=np.int32) * 7
    brands, sources = ["MANN-FILTER", "BOSCH", "ЛУЗАР"], ["tecdoc", "forum", "supplier-x"]
    with tempfile.TemporaryDirectory() as tmp:
        _snapshot.write_held_back(Path(tmp), arrays, side, brands, sources)
        with open(Path(tmp) / "held_back.csv", encoding="utf-8", newline="") as f:
            got = list(csv.reader(f))
    want = [["brand_a", "article_a", "brand_b", "article_b", "sources", "reason",
             "smaller_side"]]
    for e, (a, b, state, srcs) in enumerate(edges):
        if state:
            want.append([brands[arrays["part_brand"][a]], articles[a],
                         brands[arrays["part_brand"][b]], articles[b],
                         ",".join(sources[s] for s in srcs),
                         "blacklisted" if state == 2 else "single-source bridge between groups",
                         str(side[e])])
    assert got == want


def test_every_file_of_a_build_has_the_checksum_of_all_of_it(tmp_path: Path) -> None:
    """Whether written by the writer thread, appended run by run, or written elsewhere and
    read back, each file's recorded ``all`` is the checksum of its bytes (what ``crosses
    verify`` compares)."""
    import json
    import zlib

    from partsearch.crosses import build_index

    path = tmp_path / "x.csv"
    path.write_text("brand_a,article_a,brand_b,article_b\n"
                    + "".join(f"MANN,W {i},BOSCH,0 451 {i:06d}\n" for i in range(2000)),
                    encoding="utf-8")
    report = build_index([path], tmp_path / "c")
    manifest = json.loads((report.snapshot / "manifest.json").read_text())
    files, checks = manifest["files"], manifest["checks"]
    assert set(files) == set(checks) == {f"{name}.npy" for name in _snapshot.ARRAYS} | {
        "held_back.csv"}
    for name, want in checks.items():
        assert want["all"] == zlib.crc32((report.snapshot / name).read_bytes()), name
        # what partsearch before the checks compared at open, each entry whole: it opens this
        assert files[name] == _snapshot._fingerprint(report.snapshot / name, pages=False)
    assert _snapshot.verify(report.snapshot) == (
        27, sum((report.snapshot / name).stat().st_size for name in files), [])
