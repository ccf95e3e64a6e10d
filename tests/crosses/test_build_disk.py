"""A cross build into a catalog that cannot take it (a full disk, a read-only mount): a
SnapshotError naming the file or folder and the OS's words, the previous snapshot current and
no temporary folder left."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from partsearch import PartsearchError, SnapshotError
from partsearch._catalog import read_pointer, write_error
from partsearch.cli import main
from partsearch.crosses import CrossIndex, _snapshot, build_index

NO_SPACE = os.strerror(errno.ENOSPC)


def _crosses(tmp_path: Path, rows: int = 40) -> Path:
    path = tmp_path / "crosses.csv"
    path.write_text("brand_a,article_a,brand_b,article_b,source\n" + "".join(
        f"MANN,W {i}/1,VAG,06A{i:07d},tecdoc\n" for i in range(rows)), encoding="utf-8")
    return path


def _leftovers(catalog: Path) -> list[str]:
    return [p.name for p in (catalog / "crosses").iterdir() if p.name.startswith(".")]


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path, str | None]:
    """A catalog with a snapshot published, the cross file, and the current version."""
    catalog, crosses = tmp_path / "c", _crosses(tmp_path)
    build_index([crosses], catalog)
    return catalog, crosses, read_pointer(catalog / "crosses")


@pytest.mark.parametrize("failure", [
    OSError(errno.ENOSPC, NO_SPACE),
    OSError("3993 requested and 496 written"),  # numpy's tofile on a full disk: no errno
])
def test_a_full_disk_is_told_naming_the_file(
        built: tuple[Path, Path, str | None], monkeypatch: pytest.MonkeyPatch,
        failure: OSError) -> None:
    catalog, crosses, before = built

    def write(*_args: Any) -> None:
        raise failure

    monkeypatch.setattr(_snapshot.AppendFile, "write", write)
    monkeypatch.setattr("partsearch._catalog._free_bytes", lambda _path: 0)
    with pytest.raises(SnapshotError, match=rf"\.npy: cannot write the cross snapshot: "
                                            rf"\[Errno 28\] {NO_SPACE}"):
        build_index([crosses], catalog)
    assert read_pointer(catalog / "crosses") == before
    assert not _leftovers(catalog)
    assert CrossIndex.open(catalog).lookup("MANN", "W 1/1") is not None


def test_a_scratch_write_that_fails_names_the_temporary_folder(
        built: tuple[Path, Path, str | None], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The build's own scratch files (written with ``tofile``, which names no file) and the
    publish's writes fail at the Writer's boundary, which names its folder; the CLI prints
    it and exits 2."""
    catalog, crosses, before = built

    def read(*_args: Any) -> None:
        raise OSError(errno.ENOSPC, NO_SPACE)

    monkeypatch.setattr("partsearch.crosses.build._read", read)
    assert main(["crosses", "build", str(crosses), "--out", str(catalog)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"partsearch: error: {catalog / 'crosses'}/.v")
    assert f".tmp: cannot write the cross snapshot: [Errno 28] {NO_SPACE}" in err
    assert read_pointer(catalog / "crosses") == before
    assert not _leftovers(catalog)


def test_a_short_write_with_room_left_is_not_called_a_full_disk(tmp_path: Path) -> None:
    said = str(write_error("cannot write", OSError("7 requested and 3 written"), tmp_path))
    assert said.endswith("cannot write: a short write: 7 requested and 3 written")
    assert NO_SPACE not in said


def test_an_error_not_of_the_snapshot_passes_unchanged(
        built: tuple[Path, Path, str | None], monkeypatch: pytest.MonkeyPatch) -> None:
    catalog, crosses, _before = built

    def read(*_args: Any) -> None:
        raise FileNotFoundError(errno.ENOENT, "gone", str(crosses))

    monkeypatch.setattr("partsearch.crosses.build._read", read)
    with pytest.raises(FileNotFoundError):
        build_index([crosses], catalog)
    assert not _leftovers(catalog)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs at ``tmp_path/disk`` (root only: skipped where mounting is refused)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _failure(*args: Any) -> str:
    """What ``build_index(*args)`` raises, as text."""
    with pytest.raises(SnapshotError) as failure:
        build_index(*args)
    return str(failure.value)


def test_a_real_full_disk_and_a_read_only_one(small_disk: Path, tmp_path: Path) -> None:
    catalog = small_disk / "c"
    build_index([_crosses(tmp_path)], catalog)
    before = read_pointer(catalog / "crosses")
    said = _failure([_crosses(tmp_path, 6000)], catalog)
    assert said.startswith(f"{catalog / 'crosses'}/.v")
    assert f": cannot write the cross snapshot: [Errno 28] {NO_SPACE}" in said
    assert read_pointer(catalog / "crosses") == before
    assert not _leftovers(catalog)
    # (no collection first: the failed build's files, open, made the mount busy until one)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    said = _failure([_crosses(tmp_path)], catalog)
    assert ".tmp: cannot write the cross snapshot: [Errno 30] Read-only file system" in said
    assert read_pointer(catalog / "crosses") == before


def _open_files() -> set[tuple[str, str]]:
    """This process's open descriptors, each with what it names."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # (the listing's own, closed by now)
            out.add((fd, os.readlink(f"/proc/self/fd/{fd}")))
    return out


def _full_disk(*_args: Any) -> None:
    raise OSError(errno.ENOSPC, NO_SPACE)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="no /proc to count files in")
@pytest.mark.parametrize("where", ["no cross read", "a scratch file", "held_back.csv"])
def test_a_failed_build_lets_go_of_its_files_at_once(
        built: tuple[Path, Path, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        where: str) -> None:
    """Its scratch files and the arrays it mapped back stayed open, their folder deleted and
    the disk's space not freed, as long as the error lived (a cycle through it: until the
    garbage collector ran): here the error is held, as a caller logging it does, and no
    collection runs."""
    catalog, _crosses_file, before = built
    crosses = _crosses(tmp_path, 10_000)  # (arrays past 64 KiB: mapped back, not read)
    if where == "no cross read":
        crosses.write_text("brand_a,article_a,brand_b,article_b\nMANN,--,KNECHT,--\n", "utf-8")
    elif where == "a scratch file":
        monkeypatch.setattr("partsearch.crosses._parts.PartTable._record", _full_disk)
    else:
        monkeypatch.setattr(_snapshot, "write_held_back", _full_disk)
    gc.collect()
    gc.disable()
    try:
        files = _open_files()
        with pytest.raises(PartsearchError) as failure:
            build_index([crosses], catalog)
        left = _open_files() - files
    finally:
        gc.enable()
    assert failure.value is not None and not left
    assert read_pointer(catalog / "crosses") == before and not _leftovers(catalog)
