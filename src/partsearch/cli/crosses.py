"""``partsearch crosses build|explain|verify``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from partsearch.cli._console import a_path


def register(sub: Any) -> None:
    crosses = sub.add_parser("crosses", help="build and query the cross index")
    csub = crosses.add_subparsers(dest="crosses_command", required=True)
    build = csub.add_parser("build", help="build a cross snapshot into a catalog directory")
    build.add_argument("files", nargs="+", type=a_path,
                       help="cross files (CSV, Parquet, or XLSX/XLS/ODS: the first sheet)")
    build.add_argument("--out", type=a_path, required=True, help="catalog directory")
    build.add_argument("--blacklist", type=a_path, help="CSV of crosses marked wrong")
    build.add_argument("--column", action="append", default=[], metavar="OURS=THEIRS",
                       help="map a column, e.g. --column brand_a=Brand1; repeated for one "
                       "column, each file reads the first of the names it has")
    build.add_argument("--brand-a", metavar="BRAND",
                       help="one brand for side a of every row (the files have no column)")
    build.add_argument("--brand-b", metavar="BRAND", help="the same for side b")
    build.add_argument("--maker", action="append", default=[], metavar="COLUMN=BRAND",
                       help="a wide table's column of one maker's numbers, crossed with side "
                       "a (side b then comes from these), e.g. --maker gates=GATES")
    build.add_argument("--split", metavar="SEP",
                       help="article cells hold several numbers separated by SEP, e.g. ';'")
    build.add_argument("--cell-brands", action="store_true",
                       help="a number may carry its maker in parentheses: '583 0674 (TEREX)'")
    build.add_argument("--min-side", type=int, default=3, metavar="N",
                       help="guard: smaller side of a single-source bridge to hold back "
                       "(2 or more)")
    build.add_argument("--no-guard", action="store_true", help="accept every cross")
    build.add_argument("--guard-pairs", action="store_true",
                       help="guard: also hold back two single-source crosses that alone join "
                       "two groups (a walk more: the guard takes ~1.7 times as long)")
    build.add_argument("--allow-empty", action="store_true",
                       help="publish the index even when the files give no cross (else "
                       "refused: a build replaces the whole index)")
    build.add_argument("--truth", type=a_path,
                       help="file of known-wrong crosses: print the guard's precision/recall")
    build.set_defaults(func=_build)
    explain = csub.add_parser("explain", help="why are two parts interchangeable")
    explain.add_argument("catalog", type=a_path, help="catalog directory")
    explain.add_argument("brand_a")
    explain.add_argument("article_a")
    explain.add_argument("brand_b")
    explain.add_argument("article_b")
    explain.add_argument("--json", action="store_true")
    explain.set_defaults(func=_explain)
    verify = csub.add_parser("verify", help="read every byte of the current cross snapshot "
                             "and check it against the checksums the build recorded")
    verify.add_argument("catalog", type=a_path, help="catalog directory (or a snapshot)")
    verify.set_defaults(func=_verify)


def _build(args: argparse.Namespace) -> int:
    from partsearch._memory import keep_freed_memory

    # first, before pyarrow is imported: the read's batch buffers reused, not faulted in anew
    # (this process only builds; the build hands everything back between its stages)
    keep_freed_memory()
    from partsearch.brands import catalog_registry
    from partsearch.cli._progress import progress_bar
    from partsearch.crosses import CrossIndex, GuardConfig, build_index
    from partsearch.crosses.quality import quality, read_wrong
    from partsearch.errors import CrossFileError

    def pairs(items: list[str], flag: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item in items:
            key, sep, value = item.partition("=")
            if not sep:
                raise CrossFileError(f"{flag} wants NAME=VALUE, got {item!r}")
            out.setdefault(key, []).append(value)
        return out

    def single(items: dict[str, list[str]], flag: str) -> dict[str, str]:
        for key, values in items.items():
            if len(values) > 1:
                raise CrossFileError(f"{flag} {key}=... given {len(values)} times")
        return {key: values[0] for key, values in items.items()}

    if args.min_side < 2:  # (one line, as the library's own check, which names min_side)
        raise CrossFileError(f"--min-side must be 2 or more (a bridge's smaller side has a "
                             f"part at least, and one to a single new part is how a class "
                             f"grows), not {args.min_side}")
    for flag, path in (("--blacklist", args.blacklist), ("--truth", args.truth)):
        if path is not None and not path.exists():  # (not "cross file not found": which?)
            raise CrossFileError(f"{flag} file not found", path=path)
    guard = GuardConfig(min_side=args.min_side, enabled=not args.no_guard,
                        pairs=args.guard_pairs)
    truth = None
    if args.truth:  # (read whole before the build: a mistake in it leaves the index as it was)
        truth = read_wrong(args.truth, catalog_registry(args.out))
    with progress_bar("crosses") as progress:
        report = build_index(args.files, args.out, blacklist=args.blacklist,
                             columns=pairs(args.column, "--column") or None,
                             brand_a=args.brand_a, brand_b=args.brand_b,
                             makers=single(pairs(args.maker, "--maker"), "--maker") or None,
                             guard=guard,
                             split=args.split, cell_brands=args.cell_brands,
                             allow_empty=args.allow_empty, progress=progress)
    print(f"crosses read     {report.crosses_read:>14,}")
    print(f"rows rejected    {report.rows_rejected:>14,}")
    print(f"distinct crosses {report.unique_crosses:>14,}")
    print(f"parts            {report.parts:>14,}")
    print(f"classes          {report.classes:>14,}")
    print(f"largest class    {report.largest_class:>14,}")
    print(f"held back (guard){report.held_back:>14,}   see {report.snapshot / 'held_back.csv'}")
    print(f"blacklisted      {report.blacklisted:>14,}" + (
        f"   of {report.blacklist_rows:,} blacklist rows: {report.blacklist_unmatched:,} "
        f"matched no cross, {report.blacklist_unreadable:,} unreadable"
        if args.blacklist is not None else ""))
    for note in report.blacklist_notes[:5]:  # (a typo leaves the cross it meant live)
        print(f"  blacklist: {note}")
    print(f"time             {report.seconds:>13.1f}s   "
          + ", ".join(f"{name} {sec:.1f}s" for name, sec in report.stages))
    for line in report.rejects[:5]:
        print(f"  rejected: {line}")
    if truth is not None:
        q = quality(CrossIndex.open(args.out), truth)
        print(f"guard precision  {q.precision:>14.4f}   ({q.caught} of {q.held_back} held back "
              f"are wrong)")
        print(f"guard recall     {q.recall:>14.4f}   ({q.caught} of {q.wrong} wrong crosses)")
    return 0


def _explain(args: argparse.Namespace) -> int:
    import json

    from partsearch.crosses import CrossIndex

    idx = CrossIndex.open(args.catalog)
    a = idx.lookup(args.brand_a, args.article_a)
    b = idx.lookup(args.brand_b, args.article_b)
    unknown = [{"brand": brand, "article": article, "reason": _unknown(brand, article)}
               for pid, brand, article in ((a, args.brand_a, args.article_a),
                                           (b, args.brand_b, args.article_b)) if pid is None]
    if unknown:
        for part in unknown:
            print(part["reason"], file=sys.stderr)
        if args.json:  # (a script reading stdout had nothing to parse)
            print(json.dumps({"steps": None, "held_back": [], "unknown": unknown},
                             ensure_ascii=False))
        return 1
    assert a is not None and b is not None
    steps = idx.explain(a, b)
    held = idx.held_between(a, b) if steps is None else []
    if args.json:
        # the chain, as ever; where there is none, why: the crosses between them held back
        # (a bare null said nothing the text form does)
        print(json.dumps([s.to_dict() for s in steps] if steps is not None else {
            "steps": None,
            "held_back": [{**step.to_dict(), "reason": reason} for step, reason in held],
        }, ensure_ascii=False))
        return 0 if steps is not None else 1
    if steps is None:
        print(f"{idx.brand(a)} {idx.article(a)} and {idx.brand(b)} {idx.article(b)} are not "
              "interchangeable in this index")
        for step, reason in held:
            print(f"  a cross between them was held back ({reason}): {step.brand_a} "
                  f"{step.article_a} = {step.brand_b} {step.article_b} "
                  f"[{step.kind}; {', '.join(step.sources)}]")
        return 1
    print(f"{idx.brand(a)} {idx.article(a)} = {idx.brand(b)} {idx.article(b)} "
          f"in {len(steps)} cross(es):")
    for s in steps:
        print(f"  {s.brand_a} {s.article_a}  =  {s.brand_b} {s.article_b}   "
              f"[{s.kind}; {', '.join(s.sources)}]")
    return 0


def _unknown(brand: str, article: str) -> str:
    """Why a part is not in the index: a brand or article that names nothing (an empty brand
    was told as " W 920/21: not in the cross index"), or that no cross has it."""
    from partsearch.brands import BrandRegistry
    from partsearch.errors import NormalizationError
    from partsearch.normalize import article_key

    try:
        BrandRegistry.default().canonical(brand)  # (empty in one registry is empty in all)
    except NormalizationError as exc:
        return f"{exc.message} (article {article!r})"
    try:
        article_key(article)
    except NormalizationError as exc:
        return f"{exc.message} (brand {brand!r})"
    return f"{brand} {article}: not in the cross index"


def _verify(args: argparse.Namespace) -> int:
    import time

    from partsearch.crosses import CrossIndex
    from partsearch.crosses._snapshot import verify

    started = time.perf_counter()
    snapshot = CrossIndex.open(args.catalog).path  # (the manifest and the sampled pages)
    files, read, unchecked = verify(snapshot)
    if len(unchecked) == files:
        print(f"{snapshot}: {files} files, none with a checksum of the whole file (built before "
              "there was one): only what open checks (sizes, ends, sampled pages) was checked; "
              "rebuild to check every byte")
        return 0
    print(f"{snapshot}: {files} files, {read:,} bytes read in "
          f"{time.perf_counter() - started:.1f}s: "
          + ("no damage found" if not unchecked else
             f"no damage found in the {files - len(unchecked)} with a recorded checksum"))
    if unchecked:
        print(f"  no checksum of the whole file was recorded for {', '.join(unchecked)} (built "
              "before there was one): only their sampled pages are checked; rebuild to check "
              "them all")
    return 0
