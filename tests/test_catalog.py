from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from partsearch._catalog import (
    collect_garbage,
    companion,
    new_version_name,
    read_pointer,
    write_pointer,
)
from partsearch.errors import CatalogError


def test_pointer_round_trip(tmp_path: Path) -> None:
    assert read_pointer(tmp_path) is None
    v = new_version_name(".arrow")
    (tmp_path / v).write_bytes(b"x")
    write_pointer(tmp_path, v)
    assert read_pointer(tmp_path) == v


def test_cannot_publish_missing_version(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        write_pointer(tmp_path, "nope")


def test_version_names_sort_by_time() -> None:
    a = new_version_name()
    time.sleep(0.002)
    b = new_version_name()
    assert a < b


@pytest.mark.parametrize("keep", [0, 1, 2, 5, 7])
def test_garbage_keeps_current_and_newest(tmp_path: Path, keep: int) -> None:
    names = []
    for i in range(5):
        name = f"v2026010{i}-aa"
        (tmp_path / name).mkdir()
        old = time.time() - 3600
        os.utime(tmp_path / name, (old, old))
        names.append(name)
    write_pointer(tmp_path, names[0])
    removed = collect_garbage(tmp_path, keep=keep, grace_s=60)
    kept = names[max(5 - keep, 1):]  # the newest ``keep``, besides the current names[0]
    assert sorted(removed) == names[1:max(5 - keep, 1)]
    assert read_pointer(tmp_path) == names[0]
    assert {p.name for p in tmp_path.iterdir()} == {"CURRENT", names[0], *kept}


def test_garbage_takes_a_version_with_its_companions(tmp_path: Path) -> None:
    names = sorted(new_version_name(".arrow") for _ in range(4))
    old = time.time() - 3600
    for name in names:
        for path in (tmp_path / name, tmp_path / companion(name, "articles")):
            path.write_bytes(b"x")
            os.utime(path, (old, old))
    write_pointer(tmp_path, names[0])
    removed = collect_garbage(tmp_path, keep=2, grace_s=60)
    assert sorted(removed) == sorted([*names[1:2], companion(names[1], "articles")])
    left = {p.name for p in tmp_path.iterdir()}
    kept = [names[0], *names[2:]]
    assert left == {"CURRENT", *kept, *(companion(n, "articles") for n in kept)}


def test_write_atomic_under_a_file_is_a_catalog_error(tmp_path: Path) -> None:
    from partsearch._catalog import write_atomic

    (tmp_path / "plain").write_text("a file, not a folder")
    with pytest.raises(CatalogError, match="cannot write"):
        write_atomic(tmp_path / "plain" / "x.json", b"{}")
