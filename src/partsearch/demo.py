"""``make demo``: build a catalog from the bundled fixtures and run real searches over it.

The fixtures (``data/fixtures/world``) are a small synthetic world made by
``benchmarks/worldgen.py``: a cross base with planted wrong crosses and four suppliers' price
files in the real formats. The demo drafts one supplier's profile from its file, loads them
all, builds the cross index, then searches the example of the shop's handbook: MANN W 920/21,
whose analogs include FILTRON OP 520 but not FILTRON PS 842 (a fuel filter that one wrong cross
tried to merge in), typed with its brand and as a buyer pastes it; it ends with what the
catalog holds (``partsearch info``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from partsearch.cli import main as cli

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "world"


def main() -> int:
    if not (FIXTURES / "suppliers.toml").exists():
        print(f"fixtures not found in {FIXTURES}; run `make fixtures`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="partsearch-demo-") as tmp:
        catalog = Path(tmp) / "catalog"
        crosses = sorted(str(p) for p in (FIXTURES / "crosses").iterdir())
        steps = [
            ["profile", str(FIXTURES / "prices" / "gamma.xlsx"), "--code", "GAMMA"],
            ["load", str(FIXTURES / "suppliers.toml"), "--out", str(catalog)],
            ["crosses", "build", *crosses, "--out", str(catalog), "--truth",
             str(FIXTURES / "truth" / "wrong_crosses.parquet")],
            ["search", str(catalog), "W 920/21", "--brand", "MANN"],
            ["search", str(catalog), "OC90"],
            ["search", str(catalog), "MANN W 920/21"],
            ["search", str(catalog), "06A 115 561 B", "--brand", "VW", "--level", "wholesale"],
            ["crosses", "explain", str(catalog), "MANN", "W 920/21", "KNECHT", "OC 90"],
            ["info", str(catalog), "--brands", "3"],
        ]
        try:
            for argv in steps:
                print(f"\n$ partsearch {' '.join(a if ' ' not in a else repr(a) for a in argv)}")
                code = cli(argv)
                if code not in (0, 1):
                    return code
        finally:
            from partsearch.search._merged import wait

            wait()  # (a search's engine writes the merged offers on a thread: done before cleanup)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
