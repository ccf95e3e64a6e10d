"""The snapshot writer's arrays, as the index maps them back."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from partsearch.crosses import _snapshot


@pytest.mark.parametrize("size", [0, 5, _snapshot._SLICE, 2 * _snapshot._SLICE + 7])
def test_save_converts_slice_by_slice_to_the_asked_type(tmp_path: Path, size: int) -> None:
    values = np.arange(size, dtype=np.int32) * 3 - 1
    with _snapshot.Writer(tmp_path) as out:
        out.save("wide", values, np.int64)
        out.save("same", values, np.int32)
        wide, same = out.load("wide"), out.load("same")
        assert wide.dtype == np.int64 and same.dtype == np.int32
        assert np.array_equal(wide, values) and np.array_equal(same, values)
        assert set(out.files) == {"wide.npy", "same.npy"}


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
        with pytest.raises(FileNotFoundError):
            out.flush()
        out.flush()  # a failure is reported once; nothing is left pending
    assert not out._saving
