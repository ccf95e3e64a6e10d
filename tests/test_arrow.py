"""Arrow helpers (``partsearch._arrow``): an IPC file written through a mapping is the same
file as one written as usual."""

from __future__ import annotations

import errno
import mmap
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from partsearch._arrow import write_file


def _tables() -> dict[str, pa.Table]:
    rng = np.random.default_rng(3)
    big = 600_000  # columns of several 2 MiB pages
    flags = rng.random(big) < 0.5
    return {
        "store": pa.table({"hash": np.sort(rng.integers(0, 2**63, big, dtype=np.uint64)),
                           "seg": rng.integers(0, 9, big, dtype=np.int32),
                           "exact": pa.array(flags.view(np.uint8))}),
        "text": pa.table({"article": ["W 920/21", "OC 90", "Фильтр", ""] * 1000}),
        "empty": pa.table({"hash": pa.array([], pa.uint64())}),
    }


@pytest.mark.parametrize("name", ["store", "text", "empty"])
def test_a_file_written_for_huge_pages_is_the_usual_file(tmp_path: Path, name: str) -> None:
    table = _tables()[name]
    write_file(tmp_path / "usual.arrow", table)
    write_file(tmp_path / "huge.arrow", table, huge=True)
    assert (tmp_path / "huge.arrow").read_bytes() == (tmp_path / "usual.arrow").read_bytes()
    assert pa.ipc.open_file(pa.memory_map(str(tmp_path / "huge.arrow"))).read_all() == table


def test_where_blocks_cannot_be_reserved_it_is_written_as_usual(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.EOPNOTSUPP, "not supported")

    monkeypatch.setattr(os, "posix_fallocate", unsupported, raising=False)
    table = _tables()["text"]
    write_file(tmp_path / "usual.arrow", table)
    write_file(tmp_path / "huge.arrow", table, huge=True)
    assert (tmp_path / "huge.arrow").read_bytes() == (tmp_path / "usual.arrow").read_bytes()


@pytest.mark.skipif(not (hasattr(mmap, "MADV_HUGEPAGE") and hasattr(os, "posix_fallocate")),
                    reason="written as usual where there are no huge pages to advise")
def test_a_full_disk_is_an_os_error_before_any_byte_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write through a mapping of a file whose blocks are not there would be a fault (SIGBUS)
    that kills the process: the blocks are reserved first, and a full disk raises."""
    def full(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    with pytest.raises(OSError) as caught:
        write_file(tmp_path / "huge.arrow", _tables()["store"], huge=True)
    assert caught.value.errno == errno.ENOSPC
    with pytest.raises(IsADirectoryError):
        write_file(tmp_path, _tables()["text"], huge=True)
