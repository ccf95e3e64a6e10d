"""numba's disk caches dropped when a module that compiles kernels changes (``_jit``)."""

from __future__ import annotations

from pathlib import Path

from partsearch._jit import drop_stale_caches


def _caches(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*.nb[ic]"))


def _cache(root: Path, *names: str) -> None:
    for name in names:
        (root / "sub" / "__pycache__").mkdir(parents=True, exist_ok=True)
        (root / "sub" / "__pycache__" / name).write_bytes(b"compiled")


def test_a_changed_kernel_module_drops_every_cache(tmp_path: Path) -> None:
    """A caller's cache holds its callees compiled in: one changed module stales them all."""
    (tmp_path / "sub").mkdir()
    callee, caller = tmp_path / "sub" / "kern.py", tmp_path / "user.py"
    callee.write_text("@njit\ndef f(x):\n    return x + 1\n")
    caller.write_text("@njit\ndef g(x):\n    return f(x)\n")
    (tmp_path / "plain.py").write_text("VALUE = 1\n")
    assert drop_stale_caches(tmp_path)  # no stamp yet: whatever was there goes
    _cache(tmp_path, "user.g-1.py311.nbi", "user.g-1.py311.1.nbc")
    assert not drop_stale_caches(tmp_path)  # nothing changed: kept
    (tmp_path / "plain.py").write_text("VALUE = 2\n")  # no kernel in it
    assert not drop_stale_caches(tmp_path)
    assert _caches(tmp_path) == ["user.g-1.py311.1.nbc", "user.g-1.py311.nbi"]
    callee.write_text("@njit\ndef f(x):\n    return x + 2\n")
    assert drop_stale_caches(tmp_path)
    assert _caches(tmp_path) == []
    _cache(tmp_path, "user.g-1.py311.nbi")
    assert not drop_stale_caches(tmp_path)  # the new stamp holds


def test_a_tree_that_cannot_be_written_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "k.py").write_text("@njit\ndef f():\n    return 1\n")
    (tmp_path / "__pycache__").write_text("a file where the folder would be")
    assert not drop_stale_caches(tmp_path)


def test_caches_kept_in_numba_cache_dir_are_dropped_too(tmp_path: Path) -> None:
    """With ``NUMBA_CACHE_DIR`` set numba keeps every cache there, a folder per source folder
    (``<name>_<sha1 of its path>``), none beside the sources: a changed kernel module drops
    those, of its own tree only."""
    from numba.core.caching import UserProvidedCacheLocator

    tree, store = tmp_path / "tree", tmp_path / "store"
    (tree / "sub").mkdir(parents=True)
    callee = tree / "sub" / "kern.py"
    callee.write_text("@njit\ndef f(x):\n    return x + 1\n")
    (tree / "user.py").write_text("@njit\ndef g(x):\n    return f(x)\n")
    assert drop_stale_caches(tree, str(store))
    folders = [store / UserProvidedCacheLocator.get_suitable_cache_subpath(str(d / "m.py"))
               for d in (tree, tree / "sub")]
    other = store / "elsewhere_0123"  # (another program's caches)
    for folder in [*folders, other]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "m.f-1.py311.nbi").write_bytes(b"compiled")
    assert not drop_stale_caches(tree, str(store))  # nothing changed: kept
    assert len(list(store.rglob("*.nbi"))) == 3
    callee.write_text("@njit\ndef f(x):\n    return x + 2\n")
    assert drop_stale_caches(tree, str(store))
    assert [p.parent.name for p in store.rglob("*.nbi")] == [other.name]
    assert not drop_stale_caches(tree, str(store))  # the new stamps hold
