"""Search latency of two checkouts, alternating, on a world `make bench-scale` built.

    python -m benchmarks.search_ab /tmp/partsearch-scale-10000000 --against /tmp/base/src

Times `Engine.search` over the scale benchmark's query mix (same queries, same seed) in fresh
processes, one run of the checkout whose `src` is `--against`, then one of this checkout (the
`src` beside this `benchmarks` package, whatever the venv installed), `--pairs` times. `--json` times `Engine.search_json` instead, `--no-brand` the
articles typed without their brands, `--typo first` (or `last`) the articles with their first
(last) character changed, not found, so the suggestions' path (`--queries 300` is enough);
without `--against`, `--json` alternates `search` and `search_json` of this checkout:

    python -m benchmarks.search_ab /tmp/partsearch-scale-10000000 --json

This machine's speed drifts by 10-20 % within an hour and 2-5x across hours, so a change is
judged by pairs run side by side, never by a figure from another hour; each line carries the machine gauge (`_scale_util.machine_gauge`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys
from pathlib import Path
from benchmarks._scale_util import machine_gauge, time_each
from benchmarks.scale import _queries, _typo, _typo_start
import partsearch
work, n, method, branded = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
typo = sys.argv[5]
brands, articles = _queries(work / "world", n, 7)
if not branded:  # typed without a brand: the brand choice first
    brands = [None] * len(articles)
if typo:
    articles = [(_typo_start if typo == "first" else _typo)(a) for a in articles]
engine = partsearch.Engine.open(work / "catalog")
search = getattr(engine, method)
lat = time_each(lambda i: search(articles[i], brand=brands[i]), len(brands))
print(json.dumps({"from": str(Path(partsearch.__file__).parents[1]), "method": method,
                  "brand": branded, "typo": typo or None,
                  "p50_us": round(lat.p50_us, 1),
                  "p99_us": round(lat.p99_us, 1), "gauge_ms": machine_gauge()["python_loop_ms"]}))
"""


def _run(work: Path, queries: int, src: Path | None, method: str, branded: bool,
         typo: str = "") -> dict[str, object]:
    env = dict(os.environ)
    root = Path(__file__).resolve().parents[1]  # the checkout of this benchmarks package
    # this checkout's own src unless told another: the venv's editable install is one
    # checkout's, and a worktree's run timed that one on both arms (session 39)
    env["PYTHONPATH"] = os.pathsep.join([str(src or root / "src"), str(root)])
    out = subprocess.run([sys.executable, "-c", _CHILD, str(work), str(queries), method,
                          "1" if branded else "0", typo], env=env,
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="a bench-scale work directory (world, catalog)")
    parser.add_argument("--against", type=Path,
                        help="the other checkout's src directory (e.g. a git worktree's)")
    parser.add_argument("--json", action="store_true", help="time Engine.search_json")
    parser.add_argument("--no-brand", action="store_true",
                        help="type the articles without their brands (the brand choice first)")
    parser.add_argument("--typo", choices=["first", "last"],
                        help="change each article's first (last) character: not found")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=5000)
    args = parser.parse_args(argv)
    if args.against is None and not args.json:
        parser.error("--against, or --json to compare search and search_json")
    arms = [(args.against, "search_json" if args.json else "search"),
            (None, "search_json" if args.json else "search")] if args.against else \
        [(None, "search"), (None, "search_json")]
    for _ in range(args.pairs):
        for src, method in arms:
            print(json.dumps(_run(args.workdir, args.queries, src, method, not args.no_brand,
                                  args.typo or "")), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
