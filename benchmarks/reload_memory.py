"""What a serving engine pays to pick up one published file, on a world `make bench-scale` built.

    python -m benchmarks.reload_memory /tmp/partsearch-scale-200000000

An engine opens the catalog as a web worker does (mapping the merge another engine wrote),
answers a search, then the scale benchmark's 1M-row supplier file is loaded and published by
another process (`partsearch load` would be), and the engine reloads and searches again; then
a worker started after the publish opens the catalog in a process of its own. Prints one JSON
line: the reload's seconds, the engine process's resident and anonymous (private, not backed
by a file) memory in MiB after the open and after the reload (`/proc/self/smaps_rollup`), and
the new worker's open seconds and memory (``restart_*``). Then three more suppliers publish
the same file, a worker restarts (merging every file: a compaction's work, written to disk),
one more publishes, and the first engine reloads again (``busy_*``: it maps that worker's
merge, where it once merged everything itself). The extra suppliers are removed at the end.
Run `make bench-scale` first: it writes the supplier file and its profile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

_PUBLISH = ("from partsearch.loading import load_suppliers; import sys; "
            "load_suppliers(sys.argv[1], sys.argv[2], supplier=sys.argv[3])")
_MORE = ("BENCHCSV2", "BENCHCSV3", "BENCHCSV4", "BENCHCSV5")


_RESTART = ("import json, sys, time; t = time.perf_counter(); import partsearch; "
            "from benchmarks.reload_memory import _memory_mib; "
            "e = partsearch.Engine.open(sys.argv[1]); s = time.perf_counter() - t; "
            "e.search('OC 90', brand='MAHLE'); "
            "print(json.dumps({'open_s': round(s, 3), **_memory_mib()}))")


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

    def publish(supplier: str = "BENCHCSV", profiles: Path = toml) -> None:
        subprocess.run([sys.executable, "-c", _PUBLISH, str(profiles), str(catalog), supplier],
                       check=True)

    def restart() -> dict[str, float]:
        out = subprocess.run([sys.executable, "-c", _RESTART, str(catalog)], check=True,
                             capture_output=True, text=True).stdout
        return dict(json.loads(out))

    publish()
    first = partsearch.Engine.open(catalog)  # writes the merge of these files (or maps an older)
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
    restarted = restart()
    more = work / "bench_more_suppliers.toml"
    profile = toml.read_text("utf-8").split("\n\n")[0]  # [BENCHCSV]'s section
    more.write_text("\n\n".join(profile.replace("[BENCHCSV]", f"[{code}]") for code in _MORE),
                    "utf-8")
    try:
        for code in _MORE[:-1]:
            publish(code, more)
        restart()  # merges every file, and writes the merge
        publish(_MORE[-1], more)
        t = time.perf_counter()
        engine.reload()
        busy_s = time.perf_counter() - t
        engine.search("OC 90", brand="MAHLE")
        busy = _memory_mib()
    finally:
        for code in _MORE:
            shutil.rmtree(catalog / "offers" / code, ignore_errors=True)
        more.unlink()
    print(json.dumps({"reload_s": round(reload_s, 3),
                      **{f"open_{k}": v for k, v in opened.items()},
                      **{f"reload_{k}": v for k, v in reloaded.items()},
                      **{f"restart_{k}": v for k, v in restarted.items()},
                      "busy_reload_s": round(busy_s, 3),
                      **{f"busy_{k}": v for k, v in busy.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
