"""``partsearch info DIR [--json] [--brands N]``: what a catalog holds, for whoever runs it.

Per supplier: its offers, the price file's age (stale past the catalog's limit), its brands
with most offers and its last load (rows rejected by reason, or why the file could not be
read); the versions kept on disk beside the current ones (superseded, or left by a failed or
killed write) and their size; then the cross snapshot, opened as search opens it. First, when
the snapshot or offers were keyed by an older release's rules or another brand registry, what
and the remedy. Exit 0, or 1 when a supplier's last load failed, its offers cannot be served
(``offers/<CODE>/CURRENT`` missing although versions are there, or damaged) or the cross
snapshot cannot be used (damaged, or none published although snapshots are there). A damaged
record of a last load is shown as such.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from partsearch.cli._console import a_path, at_least

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``info`` subcommand to the ``partsearch`` parser."""
    p = sub.add_parser("info", help="what a catalog holds: suppliers, last loads, crosses",
                       description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("catalog", type=a_path, help="catalog directory")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--brands", type=at_least(0, "a count"), default=5, metavar="N",
                   help="show each supplier's N brands with most offers (default 5)")
    p.set_defaults(func=_info)



def _info(args: argparse.Namespace) -> int:
    from partsearch.info import catalog_info

    info = catalog_info(args.catalog, brands=args.brands)
    failed = any(s.error or (s.last_load is not None and s.last_load.error)
                 for s in info.suppliers) or (
        info.crosses is not None and info.crosses.error is not None)
    if args.json:
        sys.stdout.buffer.write(info.to_json() + b"\n")
        return 1 if failed else 0
    print(f"{info.path}")
    if info.stale_keys is not None:  # (it opens and searches: told, not failed)
        print(f"  STALE KEYS: {info.stale_keys.message}")
    for s in info.suppliers:
        if s.kind == "online":
            print(f"  {s.code}  online ({s.api[0]} {s.api[1]})" if s.api else
                  f"  {s.code}  online")
            continue
        when = "" if s.price_file_time is None else (
            f", price file {_minute(s.price_file_time)} UTC ({s.age_hours:g} h old"
            + (", stale)" if s.stale else ")"))
        print(f"  {s.code}  {s.offers:,} offers{when}" if s.error is None else
              f"  {s.code}  offers UNUSABLE: {s.error}")  # (a missing or bad pointer)
        if s.brands:
            print("      brands: " + ", ".join(f"{b} {n:,}" for b, n in s.brands))
        print(f"      last load: {_load_text(s.last_load)}" if s.damaged is None else
              f"      last load: record DAMAGED: {s.damaged}")
        if s.last_load is not None and s.last_load.first_rejected:
            line, why, text = s.last_load.first_rejected[0]
            print(f"      first rejected: line {line}: {why}: {text[:60]!r}")
    if info.merges:
        total = sum(m.bytes for m in info.merges) / (1 << 20)
        now = sum(m.current for m in info.merges)
        print(f"offers merged on disk: {len(info.merges)} ({total:,.0f} MiB), "
              f"{'one' if now else 'none'} of the current files")
    for text in _old_text(info.old_versions):
        print(text)
    print(_crosses_text(info.crosses))
    return 1 if failed else 0


def _old_text(old: Any) -> list[str]:
    """The versions on disk beside the current ones: a total, then each area's superseded
    versions and the leftovers of failed or killed writes, with their sizes."""
    if not old:
        return []
    gone = sum(v.removable for v in old)
    lines = [f"old versions on disk: {len(old):,} ({_mib(sum(v.bytes for v in old))}), "
             f"{gone:,} of them removed by the next load or build of their area"]
    for area in dict.fromkeys(v.area for v in old):
        kept = [v for v in old if v.area == area and not v.temporary]
        left = [v for v in old if v.area == area and v.temporary]
        parts = [f"{len(kept):,} superseded ({_mib(sum(v.bytes for v in kept))})"] if kept \
            else []
        if left:
            parts.append(f"{len(left):,} left by failed or killed writes "
                         f"({_mib(sum(v.bytes for v in left))})")
        lines.append(f"  {area}: " + ", ".join(parts))
    return lines


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MiB"


def _crosses_text(c: Any) -> str:
    if c is None:
        return "crosses: none built"
    if c.version is None:
        return f"crosses: UNUSABLE: {c.error}"  # (a bad or missing pointer)
    if c.error is not None:
        return (f"crosses {c.version}: DAMAGED (search, explain and verify refuse it): "
                f"{c.error}")
    return (f"crosses {c.version}: {c.parts:,} parts in {c.classes:,} classes (largest "
            f"{c.largest_class:,}), {c.crosses:,} crosses, {c.held_back:,} held back")


def _minute(iso: str | None) -> str:
    """An ISO time in UTC to the minute: ``2026-12-03 04:09``."""
    if iso is None:
        return ""
    from datetime import UTC, datetime

    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _load_text(load: Any) -> str:
    if load is None:
        return "never loaded here"
    if load.error:
        return f"FAILED {_minute(load.finished)}: {load.error}"
    text = f"{_minute(load.finished)}: {load.rows_read:,} rows, {load.rejected:,} rejected"
    if load.reasons:
        text += " (" + ", ".join(f"{k} {n:,}" for k, n in load.reasons) + ")"
    return text
