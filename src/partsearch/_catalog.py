"""The catalog directory and atomic publishing (see ARCHITECTURE.md, "The catalog directory").

A version (an offers file or a snapshot directory) is written completely under a fresh name, then
a ``CURRENT`` pointer file is replaced with ``os.replace``, which is atomic on POSIX. A reader
resolves the pointer once and opens that version; a writer killed at any moment leaves the pointer
naming the previous complete version. Old versions are removed only after a grace period, so a
reader that resolved the pointer a moment ago still finds its files.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from partsearch.errors import CatalogError, PartsearchError

POINTER = "CURRENT"
OFFERS = "offers"
CROSSES = "crosses"
SUPPLIERS = "suppliers"
LOADS = "loads"  # the last load of each supplier's file: <CODE>.json
CONFIG = "catalog.toml"
BRANDS = "brands.toml"


def check_catalog(root: Path) -> None:
    """Raise :class:`CatalogError` unless ``root`` is a catalog directory: one with any of a
    catalog's parts (offers, crosses, supplier profiles, loads, ``catalog.toml``,
    ``brands.toml``). ``Engine.open``, its ``reload`` and ``catalog_info`` all ask this."""
    if not root.is_dir():
        raise CatalogError("not a directory" if root.exists()
                           else "catalog directory not found", path=root)
    # (a mistyped path, "/" or a folder of price files opened, and every search was
    # not_found; a catalog being set up, with only its catalog.toml, is one)
    if not any((root / name).exists()
               for name in (OFFERS, CROSSES, SUPPLIERS, LOADS, CONFIG, BRANDS)):
        raise CatalogError(f"not a catalog: no offers, no cross index, no supplier "
                           f"profiles, no {CONFIG} (load suppliers or build crosses "
                           f"into it first)", path=root)


def companion(version: str, kind: str) -> str:
    """The name of a file that belongs to ``version`` (written before the pointer names the
    version, removed with it): ``v...-abc123.arrow`` -> ``v...-abc123.<kind>``."""
    return f"{_stem(version)}.{kind}"


def _stem(name: str) -> str:
    """A version's name without its suffixes: the key that groups it with its companions."""
    return name.split(".", 1)[0]


def new_version_name(suffix: str = "") -> str:
    """A fresh, sortable version name: UTC time to the microsecond plus a random tag."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    micros = int((time.time() % 1) * 1_000_000)
    return f"v{stamp}{micros:06d}-{secrets.token_hex(3)}{suffix}"


def map_file(path: Path, *, huge: bool) -> mmap.mmap:
    """A read-only mapping of the whole (non-empty) file ``path``; ``huge`` asks the kernel for
    2 MiB pages (``MADV_HUGEPAGE``; ignored where there is none).

    A search's loads land on random pages of gigabytes of mapped data: in 4 KiB pages each is
    a TLB miss, and a page walk in a virtual machine is itself several misses. With the
    advice, the page cache reads the file back in 2 MiB folios, which the kernel then maps
    whole (session 14 in benchmarks/HISTORY.md)."""
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if huge and advice is not None:
        with contextlib.suppress(OSError):  # a kernel without transparent huge pages
            buf.madvise(advice)
    return buf


def fsync_path(path: Path) -> None:
    """Flush a file, or a directory's entries, to disk."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file below ``root`` and the directories themselves."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(Path(dirpath) / name)
        fsync_path(Path(dirpath))


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_path(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):  # (a parent that is no directory: nothing there)
            tmp.unlink(missing_ok=True)
        raise write_error("cannot write", exc, path) from exc


# numpy's ``tofile`` reports a short ``fwrite`` in these words, without an errno
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")
_NEARLY_FULL = 1 << 20  # free bytes under which a short write is told as a full disk


def write_error(what: str, exc: OSError, path: Path,
                kind: type[PartsearchError] = CatalogError) -> PartsearchError:
    """The error (``kind``) for a write to ``path`` that failed with ``exc``: ``what``, then
    the OS's words (``[Errno 28] No space left on device``, ``[Errno 30] Read-only file
    system``). A short write without an errno (numpy's ``tofile``) is told as the full disk it
    is when the disk has (almost) no room left, where it had said only ``3993 requested and 496
    written``."""
    said = str(exc)
    if exc.errno is None and _SHORT_WRITE.fullmatch(said):
        free = _free_bytes(path)
        said = (f"[Errno {errno.ENOSPC}] {os.strerror(errno.ENOSPC)} (a short write: {said})"
                if free is not None and free < _NEARLY_FULL else f"a short write: {said}")
    return kind(f"{what}: {said}", path=path)


def _free_bytes(path: Path) -> int | None:
    """The bytes an unprivileged writer may still take on ``path``'s disk (its nearest
    existing folder's), or None when not even that can be asked."""
    for where in (path, *path.parents):
        try:
            st = os.statvfs(where)
        except OSError:
            continue
        return st.f_bavail * st.f_frsize
    return None


def write_pointer(area: Path, version: str) -> None:
    """Publish ``version`` (a name inside ``area``) as the current one."""
    if not (area / version).exists():
        raise CatalogError(f"cannot publish missing version {version!r}", path=area)
    write_atomic(area / POINTER, (version + "\n").encode())


def read_pointer(area: Path) -> str | None:
    """The current version's name in ``area``, or None when nothing was published yet."""
    try:
        raw = (area / POINTER).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CatalogError(f"cannot read pointer: {exc}", path=area / POINTER) from exc
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:  # (was its traceback, from every command)
        name = None
    # (a NUL or another control character was told as a path's error, at the version's files)
    if not name or "/" in name or name.startswith(".") or not name.isprintable():
        said = raw.strip() if name is None else name
        raise CatalogError(f"pointer names an invalid version {said!r}", path=area / POINTER)
    return name


#: what :func:`collect_garbage` keeps of an area: the current version, the ``KEEP`` newest and
#: anything younger than ``GRACE_S`` seconds
KEEP, GRACE_S = 2, 600.0


def old_entries(area: Path, *, keep: int = KEEP) -> list[tuple[Path, bool]]:
    """Every entry of ``area`` but its pointer and its current version (with its companions),
    in name order, each with whether :func:`collect_garbage` removes it once it is older than
    the grace period: a temporary (a name starting with ``.``), or a version not among the
    ``keep`` newest."""
    current = read_pointer(area)
    entries = sorted((p for p in area.iterdir() if p.name != POINTER), key=lambda p: p.name)
    stems = sorted({_stem(p.name) for p in entries if not p.name.startswith(".")})
    newest = set(stems[max(len(stems) - keep, 0):])
    out = []
    for path in entries:
        if path.name.startswith("."):
            out.append((path, True))
        elif current is None or _stem(path.name) != _stem(current):
            out.append((path, _stem(path.name) not in newest))
    return out


def collect_garbage(area: Path, *, keep: int = KEEP, grace_s: float = GRACE_S) -> list[str]:
    """Remove old versions in ``area``, each with its companions: never the current one, never
    the ``keep`` newest, never one younger than ``grace_s`` seconds (a reader may have just
    resolved it), and every leftover temporary (a name starting with ``.``) older than the
    grace period.
    """
    now = time.time()
    removed: list[str] = []
    for path, removable in old_entries(area, keep=keep):
        if not removable:
            continue
        try:
            if now - path.stat().st_mtime < grace_s:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path.name)
        except FileNotFoundError:
            continue
    return removed


def unpublished(area: Path) -> list[str]:
    """The versions in ``area`` when its pointer is missing although versions are there (a
    pointer deleted by hand, or lost with a disk's last writes): none of them is current, and
    what they hold is served by nothing until the area is published again; else none."""
    if (area / POINTER).exists():
        return []
    try:
        return sorted({_stem(p.name) for p in area.iterdir()
                       if not p.name.startswith(".") and p.name != POINTER})
    except OSError:  # (no such area, or no directory)
        return []


def missing_pointer(area: Path, versions: list[str], what: str, remedy: str) -> str:
    """The words for an area whose pointer is missing although ``versions`` are there
    (``what``: ``no offers are``)."""
    return (f"{area / POINTER}: missing, so {what} published although "
            f"{', '.join(versions)} {'is' if len(versions) == 1 else 'are'} there: {remedy}")


def version_stem(name: str) -> str:
    """The version an entry of an area belongs to, a temporary's too (``.v...-abc.arrow.tmp``
    -> ``v...-abc``): what ``partsearch info`` counts as one."""
    return _stem(name.lstrip("."))
