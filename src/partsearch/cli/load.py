"""``partsearch load suppliers.toml --out DIR [--supplier CODE] [--rejects FILE]``.

Loads every file supplier of the TOML into the catalog ``DIR`` and prints, per supplier, the rows
read, offers, rejected rows (with the first reasons) and the time. Exit 0 when every file loaded,
2 when any supplier's file could not be read or gave no offer (its old offers stay published).
A ``--rejects`` file that cannot be written is exit 2 before anything is loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from partsearch.cli._console import a_path

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``load`` subcommand to the ``partsearch`` parser."""
    parser = sub.add_parser("load", help="load supplier price files into a catalog",
                            description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("profiles", type=a_path, help="suppliers.toml")
    parser.add_argument("--out", type=a_path, required=True, help="catalog directory")
    parser.add_argument("--supplier", help="load only this supplier code")
    parser.add_argument("--rejects", type=Path, help="write all rejected rows here (CSV, utf-8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, print the per-supplier summary, write the rejects file; 2 if any file failed."""
    from partsearch.loading import keep_freed_memory

    keep_freed_memory()  # first: before polars is imported (this process only loads files)
    from partsearch.loading import load_suppliers

    # tried first: a path that cannot be written (no such folder, a directory) fails the
    # command before any supplier's offers are published, not after all of them
    with _writable(args.rejects) if args.rejects is not None else contextlib.nullcontext():
        with ExitStack() as bar:
            progress = _progress_bar(bar) if sys.stdout.isatty() else None
            reports = load_suppliers(args.profiles, args.out, supplier=args.supplier,
                                     progress=progress)
        failed = 0
        for r in reports:
            if r.error is not None:
                failed += 1
                print(f"{r.supplier}: FAILED {r.error}", file=sys.stderr)
                continue
            print(f"{r.supplier}: {r.rows_read} rows read, {r.offers.num_rows} offers, "
                  f"{r.rejected.num_rows} rejected, {r.seconds:.2f} s"
                  + (f", read as {r.encoding} (detected)" if r.encoding else ""))
            for rejected in r.first_rejected():
                print(f"    {rejected}")
            for member in r.skipped:
                print(f"    skipped {member}")
    if args.rejects is not None and not _write_rejects(args.rejects, reports):
        return 2
    if not reports:
        print("no file suppliers to load")
    return 2 if failed else 0


@contextlib.contextmanager
def _writable(path: Path) -> Iterator[None]:
    """``path`` tried for writing (opened to append, so its old content stays until the rejects
    are written), and a file this made removed again when the load ends in an error (nothing
    half-done is left). Its OSError (``No such file or directory``, ``Is a directory``) is the
    command's error."""
    created = not os.path.lexists(path)
    open(path, "ab").close()
    try:
        yield
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _write_rejects(path: Path, reports: list[Any]) -> bool:
    """Every report's rejected rows as CSV into ``path``; False, said on stderr, when the write
    fails (a full disk)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from partsearch.loading import REJECTED_SCHEMA

    tables = [r.rejected for r in reports if r.rejected.num_rows]
    table = pa.concat_tables(tables) if tables else REJECTED_SCHEMA.empty_table()
    sys.stdout.flush()  # (the summary before the rows, for --rejects /dev/stdout)
    try:
        # by its path: Arrow's own file raises on a short write (a full disk), where it takes
        # a Python file's short write as written and the file was left cut short, exit 0
        pacsv.write_csv(table, str(path))
    except OSError as exc:
        print(f"partsearch: error: cannot write {path}: {exc}", file=sys.stderr)
        return False
    return True


def _progress_bar(stack: ExitStack) -> Callable[[str, int, int], None]:
    from rich.progress import Progress

    bar = stack.enter_context(Progress(transient=True))
    task = bar.add_task("loading", total=None)

    def update(code: str, done: int, total: int) -> None:
        bar.update(task, completed=done, total=total, description=f"loading {code}".strip())

    return update
