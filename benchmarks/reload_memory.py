"""What a serving engine pays to pick up one published file, on a world `make bench-scale` built.

    python -m benchmarks.reload_memory /tmp/partsearch-scale-200000000

An engine opens the catalog as a web worker does (mapping the merge another engine wrote),
answers a search, then the scale benchmark's 1M-row supplier file is loaded and published by
another process (`partsearch load` would be), and the engine reloads and searches again. Prints
one JSON line: the reload's seconds, and the engine process's resident and anonymous (private,
not backed by a file) memory in MiB after the open and after the reload (`/proc/self/
smaps_rollup`). Run `make bench-scale` first: it writes the supplier file and its profile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

_PUBLISH = ("from partsearch.loading import load_suppliers; import sys; "
            "load_suppliers(sys.argv[1], sys.argv[2], supplier='BENCHCSV')")


def _memory_mib() -> dict[str, int]:
    out = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            name, *value = line.split()
            if name in ("Rss:", "Anonymous:"):
                out[name[:-1].lower() + "_mib"] = int(value[0]) // 1024
    return out


def main(argv: list[str] | None = None) -> int:
    import partsearch
    from partsearch.search._merged import wait

    work = Path((argv if argv is not None else sys.argv[1:])[0])
    catalog, toml = work / "catalog", work / "bench_suppliers.toml"

    def publish() -> None:
        subprocess.run([sys.executable, "-c", _PUBLISH, str(toml), str(catalog)], check=True)

    publish()
    first = partsearch.Engine.open(catalog)  # writes the merge of this set of files
    wait()
    del first
    engine = partsearch.Engine.open(catalog)  # maps it, as every later worker does
    engine.search("OC 90", brand="MAHLE")
    opened = _memory_mib()
    publish()
    t = time.perf_counter()
    engine.reload()
    reload_s = time.perf_counter() - t
    engine.search("OC 90", brand="MAHLE")
    reloaded = _memory_mib()
    print(json.dumps({"reload_s": round(reload_s, 3),
                      **{f"open_{k}": v for k, v in opened.items()},
                      **{f"reload_{k}": v for k, v in reloaded.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
