"""A synthetic auto-parts world at any scale, deterministic by seed.

    python -m benchmarks.worldgen --out DIR --crosses N [--seed S] [--offers M]

writes

    DIR/crosses/crosses-NNN.{csv|parquet}   brand_a, article_a, brand_b, article_b, source, kind
    DIR/prices/...                           four price files in the real formats (see below)
    DIR/suppliers.toml                       the supplier profiles for them (+ one online supplier)
    DIR/truth/parts-NNN.parquet              brand, article, group, is_oem   (the true classes)
    DIR/truth/wrong_crosses.parquet          brand_a, article_a, brand_b, article_b (planted errors)
    DIR/truth/world.json                     seed, sizes

The world: true groups of interchangeable parts with heavy-tailed sizes (most groups hold a handful
of parts, a few hold thousands); most groups have an OEM number (a car maker's) crossed to each
aftermarket part (a TecDoc-like star), extra crosses between aftermarket parts from other sources,
duplicates from a second source, superseded OEM numbers (``replacement``), then a known share of
wrong crosses between unrelated groups. Brands are drawn Zipf-like; each brand writes its articles
in its own format (``W 920/21``, ``0 451 103 316``, ``06A 115 561 B``, ``90915-YZZD4``, ...).

Price files: ALFA (cp1251, ``;``, two preamble rows, decimal commas, quirky quantities, delivery in
days, brand spellings like ``MANN`` / ``VW`` / ``KYB``), BETA (UTF-8 with BOM, tab, hours), GAMMA
(XLSX, three preamble rows, numeric articles stored as numbers), DELTA (a zip holding a ``'``-quoted
CSV whose descriptions hold ``;``, plus a readme). Each file also carries a few bad rows (zero
price, empty article) so a load has something to reject.

Everything is vectorized (numpy/polars); a 200M-cross world takes minutes, not hours.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

OEM_BRANDS = ["VAG", "TOYOTA", "BMW", "MERCEDES-BENZ", "HYUNDAI", "FORD", "RENAULT", "NISSAN",
              "GENERAL MOTORS", "KIA", "HONDA", "MAZDA", "VOLVO", "PEUGEOT", "LADA"]
AFTER_BRANDS = ["MANN-FILTER", "BOSCH", "FILTRON", "KNECHT", "MAHLE", "FEBI BILSTEIN", "LEMFÖRDER",
                "KAYABA", "SACHS", "TRW", "SKF", "GATES", "NGK", "DENSO", "VALEO", "BREMBO", "ATE",
                "TEXTAR", "MONROE", "MEYLE", "SWAG", "HELLA", "INA", "CORTECO", "ELRING", "DELPHI",
                "MOOG", "CTR", "BLUE PRINT", "JAPANPARTS", "STELLOX", "SAKURA", "HENGST FILTER",
                "UFI", "PURFLUX", "NIPPARTS", "FENOX", "PATRON", "MAXGEAR", "ASHIKA"]
# How a brand writes its articles: a format name and letter prefixes (see _render).
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "MANN-FILTER": ("slash", ("W", "HU", "C", "CU", "WK")),
    "FILTRON": ("spaced", ("OP", "AP", "PP", "K", "OE")),
    "KNECHT": ("spaced", ("OC", "LX", "KL", "LA")),
    "MAHLE": ("spaced", ("OC", "LX", "KL", "OX")),
    "BOSCH": ("bosch", ("0",)),
    "VAG": ("vag", ("06A", "1K0", "5Q0", "03L", "8E0")),
    "TOYOTA": ("toyota", ("90915", "04152", "17801", "04465")),
    "FEBI BILSTEIN": ("digits", ("",)),
    "MERCEDES-BENZ": ("mb", ("A",)),
    "BMW": ("digits", ("11",)),
    "LEMFÖRDER": ("dashed", ("",)),
}
_SOURCES_GOOD = ["tecdoc", "emex", "armtek", "autoeuro", "oem-catalog"]
_SOURCES_WEAK = ["forum", "supplier-x", "manager-note"]
_QTY = ["3", "12", ">10", "10+", "есть", "+", "++", "под заказ", "4-7", "1", "25", "больше 100",
        "<5", "2 шт"]
_SPELL = {"MANN-FILTER": "MANN", "VAG": "VW", "KAYABA": "KYB", "LEMFÖRDER": "LEMFORDER",
          "FEBI BILSTEIN": "FEBI", "MERCEDES-BENZ": "MB", "GENERAL MOTORS": "GM"}


_OFFSET = {"slash": 60_000, "spaced": 20, "bosch": 450_000_000, "vag": 115_000, "toyota": 40_000,
           "mb": 1_802_609, "digits": 10_000, "dashed": 3_000_000}


def _render(brand: str, n: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Articles of ``brand`` for distinct non-negative integers ``n`` (distinct n -> distinct keys)."""
    fmt, prefixes = FORMATS.get(brand, ("generic", (brand[:2].upper() + "-",)))
    pfx = pl.Series(np.array(prefixes)[n % len(prefixes)])
    # the prefix takes part of n, so (prefix, m) stays injective
    m = n // len(prefixes) * 7 + _OFFSET.get(fmt, 100)
    s = pl.Series(m)
    z = lambda w: s.cast(pl.String).str.zfill(w)  # noqa: E731
    frame = pl.DataFrame({"p": pfx, "m": s, "z3": z(3), "z6": z(6), "z9": z(9), "z7": z(7)})
    p, mm = pl.col("p"), pl.col("m")
    # offsets make the numbers look like the brand's real range (W 712/..., 0 451 ...)
    if fmt == "slash":  # W 920/21
        expr = pl.format("{} {}/{}", p, (mm // 100 + 1).cast(pl.String),
                         (mm % 100).cast(pl.String).str.zfill(2))
    elif fmt == "spaced":  # OC 90
        expr = pl.format("{} {}", p, mm.cast(pl.String))
    elif fmt == "bosch":  # 0 451 103 316
        z9 = pl.col("z9")
        expr = pl.format("0 {} {} {}", z9.str.slice(0, 3), z9.str.slice(3, 3), z9.str.slice(6))
    elif fmt == "vag":  # 06A 115 561 B; the letter suffix follows m's parity, so keys stay unique
        frame = frame.with_columns(sfx=pl.Series(np.where(m % 2 == 0, "", " B")))
        z6 = pl.col("z6")
        expr = pl.format("{} {} {}{}", p, z6.str.slice(0, 3), z6.str.slice(3), pl.col("sfx"))
    elif fmt == "toyota":  # 90915-YZZD4 (base-36 tail)
        alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        digits = [alphabet[(m // 36**k) % 36] for k in range(4, -1, -1)]
        tail = pl.Series(np.char.add(np.char.add(np.char.add(digits[0], digits[1]),
                                                 np.char.add(digits[2], digits[3])), digits[4]))
        big = pl.Series((m // 36**5).astype(str))
        frame = frame.with_columns(t=tail, b=big)
        expr = pl.when(pl.col("b") == "0").then(pl.format("{}-{}", p, pl.col("t"))) \
            .otherwise(pl.format("{}-{}{}", p, pl.col("b"), pl.col("t")))
    elif fmt == "mb":  # A 000 180 26 09
        z9 = pl.col("z9")
        expr = pl.format("A {} {} {} {}", z9.str.slice(0, 3), z9.str.slice(3, 3),
                         z9.str.slice(6, 2), z9.str.slice(8))
    elif fmt == "digits":  # 49627 (FEBI), 11427512300 (BMW)
        expr = pl.format("{}{}", p, mm.cast(pl.String))
    elif fmt == "dashed":  # 30 561 01 -> 3056101
        z7 = pl.col("z7")
        expr = pl.format("{} {} {}", z7.str.slice(0, 2), z7.str.slice(2, 3), z7.str.slice(5))
    else:
        expr = pl.format("{}{}", p, mm.cast(pl.String))
    out = frame.select(expr.alias("a")).to_series()
    return out.alias("article")


def _zipf_choice(rng: np.random.Generator, k: int, size: int, a: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** a
    return rng.choice(k, size=size, p=weights / weights.sum())


def _parts(rng: np.random.Generator, sizes: np.ndarray,
           counters: dict[str, int]) -> pl.DataFrame:
    """One row per part: brand, article, group, pos (0 = the group's anchor), is_oem.
    ``counters`` holds each brand's next article number, so chunks never reuse an article."""
    n_groups = sizes.size
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    group = np.repeat(np.arange(n_groups, dtype=np.int64), sizes)
    pos = np.arange(total, dtype=np.int64) - offsets[group]
    has_oem = rng.random(n_groups) < 0.7
    oem_brand = _zipf_choice(rng, len(OEM_BRANDS), n_groups, 1.0)
    after = _zipf_choice(rng, len(AFTER_BRANDS), total)
    # a superseded OEM number: pos 1 of an OEM group, same car maker
    superseded = has_oem & (rng.random(n_groups) < 0.15) & (sizes >= 3)
    is_oem = (has_oem[group] & (pos == 0)) | (superseded[group] & (pos == 1))
    names = np.array(AFTER_BRANDS + OEM_BRANDS, dtype=object)
    brand_idx = np.where(is_oem, len(AFTER_BRANDS) + oem_brand[group], after)
    brand = names[brand_idx]
    frame = pl.DataFrame({"brand": brand.astype(str), "group": group, "pos": pos, "is_oem": is_oem})
    frame = frame.with_columns(n=pl.int_range(pl.len()).over("brand").cast(pl.Int64))
    articles = pl.Series("article", [None] * total, dtype=pl.String)
    for b in frame["brand"].unique().to_list():
        mask = (frame["brand"] == b).to_numpy()
        n = frame["n"].to_numpy()[mask] + counters.get(b, 0)
        counters[b] = counters.get(b, 0) + int(mask.sum())
        rendered = _render(b, n, rng)
        # a generated article must not be one of the story's (W 920/21 ...): re-number those
        taken = {_key(a) for g, sb, a, _ in STORY if sb == b}
        clash = np.isin(_keys(rendered), list(taken))
        if clash.any():
            rendered = rendered.scatter(np.flatnonzero(clash),
                                        _render(b, n[clash] + 10**8, rng))
        articles = articles.scatter(np.flatnonzero(mask), rendered)
    return frame.with_columns(articles).select("brand", "article", "group", "pos", "is_oem")


def _key(article: str) -> str:
    return "".join(ch for ch in article.upper() if ch.isalnum())


def _keys(articles: pl.Series) -> np.ndarray:
    return articles.str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "").to_numpy()


def _group_sizes(rng: np.random.Generator, target_crosses: int) -> np.ndarray:
    # draw generously (about 1.75 crosses per part); build_world keeps whole groups up to the target
    mean_size = 6.0
    n = max(8, int(target_crosses / (1.2 * (mean_size - 1))) + 8)
    sizes = 2 + np.floor(rng.pareto(1.7, n) * 3).astype(np.int64)
    return np.minimum(sizes, 3000)


def _true_crosses(rng: np.random.Generator, parts: pl.DataFrame) -> pl.DataFrame:
    group = parts["group"].to_numpy()
    pos = parts["pos"].to_numpy()
    is_oem = parts["is_oem"].to_numpy()
    idx = np.arange(group.size)
    anchor = idx - pos
    member = pos >= 1
    a, b = anchor[member], idx[member]
    kind = np.where(is_oem[b], "replacement", np.where(is_oem[a], "oem", "analog"))
    source = np.where(kind == "replacement", "oem-catalog", "tecdoc")
    frames = [(a, b, source, kind)]
    extra = (pos >= 2) & (rng.random(group.size) < 0.5)
    eb = idx[extra]
    ea = anchor[extra] + 1 + np.floor(rng.random(eb.size) * (pos[extra] - 1)).astype(np.int64)
    # weak sources also assert good crosses: a source is not wrong by name
    extra_sources = np.array([*_SOURCES_GOOD[1:4], "supplier-x"])
    frames.append((ea, eb, extra_sources[rng.integers(0, 4, eb.size)],
                   np.full(eb.size, "analog")))
    dup = member & (rng.random(group.size) < 0.25)
    frames.append((anchor[dup], idx[dup], np.array(_SOURCES_GOOD[1:4])[rng.integers(0, 3, dup.sum())],
                   np.full(int(dup.sum()), "analog")))
    ia = np.concatenate([f[0] for f in frames])
    ib = np.concatenate([f[1] for f in frames])
    swap = rng.random(ia.size) < 0.5  # a cross file has no preferred direction
    ia, ib = np.where(swap, ib, ia), np.where(swap, ia, ib)
    return pl.DataFrame({"ia": ia, "ib": ib, "source": np.concatenate([f[2] for f in frames]),
                         "kind": np.concatenate([f[3] for f in frames]),
                         "group": group[np.concatenate([f[1] for f in frames])]})


def _wrong_crosses(rng: np.random.Generator, parts: pl.DataFrame, n: int) -> pl.DataFrame:
    """Crosses between parts of different groups, each from one weak source."""
    group = parts["group"].to_numpy()
    sizes = np.bincount(group)
    eligible = np.flatnonzero(sizes[group] >= 3)
    ia = eligible[rng.integers(0, eligible.size, n * 2)]
    ib = eligible[rng.integers(0, eligible.size, n * 2)]
    keep = group[ia] != group[ib]
    ia, ib = ia[keep][:n], ib[keep][:n]
    # most wrong crosses come from weak sources, some from good ones
    pool = np.array([*_SOURCES_WEAK, *_SOURCES_WEAK, "emex", "armtek"])
    return pl.DataFrame({"ia": ia, "ib": ib,
                         "source": pool[rng.integers(0, pool.size, ia.size)],
                         "kind": np.full(ia.size, "analog")})


STORY = [  # (group, brand, article, is_oem): the example of the source document, and its neighbours
    (0, "VAG", "06A 115 561 B", True), (0, "MANN-FILTER", "W 920/21", False),
    (0, "FILTRON", "OP 520", False), (0, "KNECHT", "OC 90", False), (0, "MAHLE", "OC 90", False),
    (0, "BOSCH", "0 451 103 316", False), (0, "VAG", "06A 115 561", True),
    (1, "FILTRON", "PS 842", False), (1, "MANN-FILTER", "WK 842/2", False),
    (1, "BOSCH", "0 450 905 316", False), (1, "KNECHT", "KL 145", False),
    (2, "FILTRON", "OP 520/1T", False), (2, "MANN-FILTER", "W 920/80", False),
]
STORY_CROSSES = [  # (i, j, source, kind) into STORY
    (0, 1, "tecdoc", "oem"), (0, 2, "tecdoc", "oem"), (0, 3, "tecdoc", "oem"),
    (0, 4, "tecdoc", "oem"), (0, 5, "tecdoc", "oem"), (1, 2, "emex", "analog"),
    (1, 2, "armtek", "analog"), (3, 4, "autoeuro", "analog"), (6, 0, "oem-catalog", "replacement"),
    (7, 8, "tecdoc", "analog"), (8, 9, "tecdoc", "analog"), (7, 9, "emex", "analog"),
    (9, 10, "armtek", "analog"), (11, 12, "tecdoc", "analog"),
]
STORY_WRONG = [(2, 7, "forum", "analog")]  # OP 520 (oil) = PS 842 (fuel): an "also buy" mix-up


CHUNK_CROSSES = 10_000_000  # a world is generated chunk by chunk, so memory stays bounded


def build_world(out: Path, crosses: int, seed: int, offers: int | None = None) -> dict[str, Any]:
    for sub in ("crosses", "prices", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    counters: dict[str, int] = {}
    samples, wrongs = [], []
    totals = {"crosses": 0, "wrong_crosses": 0, "parts": 0, "groups": 0}
    n_offers = offers
    group_base = 0
    for i, start in enumerate(range(0, crosses, CHUNK_CROSSES)):
        target = min(CHUNK_CROSSES, crosses - start)
        rng = np.random.default_rng([seed, i])
        allx, wrong, truth = _chunk(rng, target, counters, story=i == 0, group_base=group_base)
        group_base = int(truth["group"].max()) + 1
        if crosses <= 100_000:
            allx.write_csv(out / "crosses" / f"crosses-{i:03d}.csv")
        else:
            allx.write_parquet(out / "crosses" / f"crosses-{i:03d}.parquet", compression="zstd")
        truth.write_parquet(out / "truth" / f"parts-{i:03d}.parquet")
        wrongs.append(wrong)
        totals["crosses"] += allx.height
        totals["wrong_crosses"] += wrong.height
        totals["parts"] += truth.height
        totals["groups"] += int(truth["group"].n_unique())
        # offers are drawn per chunk, in proportion; the story's parts lead the first sample
        want = (offers if offers is not None else max(400, truth.height // 2) * crosses
                // max(target, 1)) * target // max(crosses, 1)
        picks = rng.integers(len(STORY) if i == 0 else 0, truth.height, max(want, 1))
        sample = truth[picks]
        samples.append(pl.concat([truth.head(len(STORY)), sample]) if i == 0 else sample)
        del allx, truth
    pl.concat(wrongs).write_parquet(out / "truth" / "wrong_crosses.parquet")
    from benchmarks._worldgen_prices import write_prices

    offered = pl.concat(samples)
    n_offers = offered.height
    write_prices(out, offered, n_offers, np.random.default_rng([seed, 999]), in_order=True)
    info = {"seed": seed, "requested_crosses": crosses, "requested_offers": offers, **totals,
            "offers": n_offers}
    (out / "truth" / "world.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def _chunk(rng: np.random.Generator, crosses: int, counters: dict[str, int], *, story: bool,
           group_base: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One chunk of the world: its crosses (named, wrong ones interleaved), its wrong crosses,
    and its parts (brand, article, group, is_oem)."""
    n_wrong = max(3, int(crosses * 0.001))
    sizes = _group_sizes(rng, crosses)
    parts = _parts(rng, sizes, counters)
    parts = parts.with_columns(pl.col("group") + 3 + group_base)
    shift = 0
    if story:
        frame = pl.DataFrame(STORY, schema=["group", "brand", "article", "is_oem"], orient="row")
        frame = frame.with_columns(pos=pl.lit(0, pl.Int64), group=pl.col("group").cast(pl.Int64))
        parts = pl.concat([frame.select(parts.columns), parts])
        shift = len(STORY)
    good = _true_crosses(rng, parts[shift:]).with_columns(pl.col("ia") + shift,
                                                          pl.col("ib") + shift)
    # keep whole groups, in group order, up to the target: a cut group would be split in the truth
    per_group = good.group_by("group").len().sort("group")
    room = crosses - n_wrong - (len(STORY_CROSSES) + len(STORY_WRONG) if story else 0)
    last = per_group.filter(pl.col("len").cum_sum() <= max(room, 0))["group"].max()
    last = last if last is not None else -1
    good = good.filter(pl.col("group") <= last).drop("group")
    parts = pl.concat([parts[:shift], parts[shift:].filter(pl.col("group") <= last)])
    wrong = _wrong_crosses(rng, parts[shift:], n_wrong).with_columns(
        pl.col("ia") + shift, pl.col("ib") + shift)
    cols = ["ia", "ib", "source", "kind"]
    cast = [pl.col("ia").cast(pl.Int64), pl.col("ib").cast(pl.Int64)]
    if story:
        good = pl.concat([pl.DataFrame(STORY_CROSSES, schema=cols, orient="row")
                          .with_columns(cast), good])
        wrong = pl.concat([pl.DataFrame(STORY_WRONG, schema=cols, orient="row")
                           .with_columns(cast), wrong])
    # interleave the wrong crosses at random places, as they arrive in a real base
    allx = pl.concat([good, wrong]).with_columns(
        o=pl.Series(rng.permutation(good.height + wrong.height))).sort("o").drop("o")
    brand, article = parts["brand"], parts["article"]

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        ia, ib = frame["ia"].to_numpy(), frame["ib"].to_numpy()
        return pl.DataFrame({"brand_a": brand.gather(ia), "article_a": article.gather(ia),
                             "brand_b": brand.gather(ib), "article_b": article.gather(ib),
                             "source": frame["source"], "kind": frame["kind"]})

    used = np.unique(np.concatenate([allx["ia"].to_numpy(), allx["ib"].to_numpy()]))
    truth = parts[used].select("brand", "article", "group", "is_oem")
    return named(allx), named(wrong).drop("source", "kind"), truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--crosses", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--offers", type=int, default=None)
    args = parser.parse_args(argv)
    info = build_world(args.out, args.crosses, args.seed, args.offers)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

