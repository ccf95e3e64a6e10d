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

from numba import njit

__all__ = ["drop_stale_caches", "njit"]

_STAMP = "njit-sources.sha256"


def drop_stale_caches(root: Path) -> bool:
    """Remove numba's caches (``*.nbi``, ``*.nbc``) under ``root`` when a module there that
    compiles kernels (holds ``@njit``) changed since they were written; whether it did. A tree
    that cannot be written is left as it is (numba then caches elsewhere, by full path)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        text = path.read_bytes()
        if b"@njit" in text:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + text + b"\0")
    stamp = root / "__pycache__" / _STAMP
    with contextlib.suppress(OSError):
        if stamp.read_text() == digest.hexdigest():
            return False
    try:
        for cache in [*root.rglob("*.nbi"), *root.rglob("*.nbc")]:
            cache.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        tmp = stamp.with_name(f".{_STAMP}.{os.getpid()}")
        tmp.write_text(digest.hexdigest())
        os.replace(tmp, stamp)
    except OSError:
        return False
    return True


drop_stale_caches(Path(__file__).resolve().parent)
