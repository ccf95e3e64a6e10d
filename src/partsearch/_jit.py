"""numba's ``njit`` for the package's kernels, with its disk cache kept from outliving the code.

numba caches a compiled function together with every function it calls, compiled into it, and
checks only the stamp of the function's own file. A kernel changed in one module therefore left
its callers in other modules running the old kernel from their caches: in session 23 the JSON
answer priced offers with a ranking kernel two edits old, where the values answer, whose caller
lived in the changed file, was right. An editable install updated by ``git pull`` would do the
same in production. So the first kernel module imported compares a digest of every module that
compiles kernels with the one its caches were written for, and drops them all when it differs:
a few milliseconds, once a process, beside numba's own import.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from numba import njit, types
from numba.core.extending import intrinsic

__all__ = ["drop_stale_caches", "njit", "prefetch"]

_STAMP = "njit-sources.sha256"


def drop_stale_caches(root: Path, cache_dir: str | None = None) -> bool:
    """Remove numba's caches (``*.nbi``, ``*.nbc``) of the modules under ``root`` when a module
    there that compiles kernels (holds ``@njit``) changed since they were written; whether it
    did. ``cache_dir`` is numba's ``NUMBA_CACHE_DIR`` when one is set: numba then keeps every
    cache there, a folder per source folder, and none beside the sources (dropping only those
    beside them left a changed ranking kernel's callers running the old one, an outside
    audit's mutants found). A place that cannot be written is left as it is (numba then
    caches elsewhere, by full path)."""
    digest = hashlib.sha256()
    folders = set()
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"@njit" in text:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + text + b"\0")
            folders.add(path.parent)
    places = [(root / "__pycache__" / _STAMP, [root])]
    if cache_dir:
        from numba.core.caching import UserProvidedCacheLocator as Locator

        mine = hashlib.sha1(str(root).encode()).hexdigest()[:16]  # (one stamp a source tree)
        places.append((Path(cache_dir) / f"{_STAMP}.{mine}", [
            Path(cache_dir) / Locator.get_suitable_cache_subpath(  # type: ignore[no-untyped-call]
                str(folder / "_.py"))
            for folder in sorted(folders)]))
    dropped = False
    for stamp, where in places:
        dropped |= _drop(stamp, where, digest.hexdigest())
    return dropped


def _drop(stamp: Path, where: list[Path], digest: str) -> bool:
    """Remove the caches under ``where`` unless ``stamp`` holds ``digest``, then write it."""
    with contextlib.suppress(OSError):
        if stamp.read_text() == digest:
            return False
    try:
        for folder in where:
            for cache in [*folder.rglob("*.nbi"), *folder.rglob("*.nbc")]:
                cache.unlink(missing_ok=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}")
        tmp.write_text(digest)
        os.replace(tmp, stamp)
    except OSError:
        return False
    return True


def _prefetch_typing(typingctx: Any, arr: Any, index: Any) -> Any:
    """``prefetch(arr, i)``: ask the processor to start loading ``arr[i]``'s cache line (for
    writing, kept in every cache level), and go on. A loop over random places in a table
    larger than the caches names the place it will need some steps ahead, so those misses
    overlap its work instead of each waiting in turn. A hint: an index out of range is not
    an error (nothing is read), and the compiled code's result is the same without it."""
    from llvmlite import ir

    sig = types.void(arr, index)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]))
        # (write, locality 3: every cache level, data cache)
        builder.call(fn, [builder.bitcast(builder.gep(data, [args[1]]), byte_ptr),
                          ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


prefetch: Any = intrinsic(_prefetch_typing)


def _numba_cache_dir() -> str | None:
    from numba.core import config

    found = getattr(config, "CACHE_DIR", "")  # (set from NUMBA_CACHE_DIR as numba imports)
    return str(found) if found else None


drop_stale_caches(Path(__file__).resolve().parent, _numba_cache_dir())
