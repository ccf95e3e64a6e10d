"""The fixture generator: deterministic by seed, and its truth matches its crosses."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from benchmarks.worldgen import build_world


def test_same_seed_same_world(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    info = build_world(a, 2000, seed=5)
    build_world(b, 2000, seed=5)
    for rel in ("crosses/crosses-000.csv", "prices/alfa.csv", "prices/beta.txt",
                "prices/gamma.xlsx", "prices/delta.zip", "suppliers.toml"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert json.loads((a / "truth" / "world.json").read_text()) == info
    assert 1900 <= info["crosses"] <= 2000


def test_truth_covers_every_cross_and_marks_wrong_ones(tmp_path: Path) -> None:
    build_world(tmp_path, 5000, seed=2)
    _, parts, same, wrong = _truth(tmp_path)
    # a cross joins two parts of one true group unless it is a planted wrong one
    assert len(same) - sum(same) == wrong
    assert parts.select("brand", "article").is_duplicated().sum() == 0


def _truth(world: Path) -> tuple[pl.DataFrame, pl.DataFrame, list[bool], int]:
    """A world's crosses, true parts, whether each cross joins one true group, and the number
    of planted wrong crosses."""
    crosses = pl.read_csv(world / "crosses" / "crosses-000.csv", infer_schema=False)
    parts = pl.read_parquet(world / "truth" / "parts-*.parquet")
    wrong = pl.read_parquet(world / "truth" / "wrong_crosses.parquet")
    group = {(r[0], r[1]): r[2] for r in parts.select("brand", "article", "group").iter_rows()}
    same = [group[(r[0], r[1])] == group[(r[2], r[3])] for r in
            crosses.select("brand_a", "article_a", "brand_b", "article_b").iter_rows()]
    return crosses, parts, same, wrong.height


def test_every_offer_of_a_true_group_describes_one_kind_of_part(tmp_path: Path) -> None:
    """Suppliers write a part's description their own way, but an oil filter's analogs are oil
    filters: the offers of one true group are all one kind, and the story's are what the source
    document says (its group 0 oil filters, group 1 fuel filters)."""
    from benchmarks._worldgen_prices import KINDS

    build_world(tmp_path, 3000, seed=4)
    kind_of = {text: k for k, texts in enumerate(KINDS) for text in texts}
    beta = pl.read_csv(tmp_path / "prices" / "beta.txt", separator="\t", infer_schema=False)
    parts = pl.read_parquet(tmp_path / "truth" / "parts-*.parquet")
    offers = beta.join(parts, left_on="Part No", right_on="article").filter(
        pl.col("brand").str.slice(0, 3) == pl.col("Brand").str.slice(0, 3))
    offers = offers.with_columns(pl.col("Name").replace_strict(kind_of).alias("kind"))
    kinds = offers.group_by("group").agg(pl.col("kind").n_unique())
    assert offers.height > 100 and kinds["kind"].max() == 1
    story = dict(offers.filter(pl.col("group") < 2).select("group", "kind").unique().iter_rows())
    assert story == {0: 0, 1: 1}


def test_a_large_world_made_by_hand_has_the_scale_benchmarks_offers(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Half the parts, the small worlds' default, is ~73M offers at 200M crosses: more memory
    than this machine has to generate them. A large world's default is the scale benchmark's,
    so the benchmark reuses it; the fixtures' (small) default is unchanged."""
    from benchmarks import worldgen

    asked: list[tuple[int, int | None]] = []
    monkeypatch.setattr(worldgen, "build_world", lambda out, crosses, seed, offers:
                        asked.append((crosses, offers)) or {})
    for crosses in ("3000", "200000000"):
        worldgen.main(["--out", str(tmp_path), "--crosses", crosses])
    worldgen.main(["--out", str(tmp_path), "--crosses", "200000000", "--offers", "5"])
    assert asked == [(3000, None), (200_000_000, 20_000_000), (200_000_000, 5)]


@pytest.mark.parametrize("crosses", [1, 2, 10, 19, 20, 25, 40, 120])
def test_a_tiny_world_is_made_with_its_wrong_share_bounded(tmp_path: Path, crosses: int) -> None:
    """1, 10 and 20 crosses failed (no group fit the room the story and three planted wrong
    crosses left); 25 gave 4 wrong crosses of 25. Now whole groups that fit, at most one wrong
    cross in twenty (the story's included), the truth still covering every cross."""
    from benchmarks.worldgen import STORY_MIN, WRONG_PER

    info = build_world(tmp_path, crosses, seed=7)
    assert 0 < info["crosses"] <= crosses
    assert info["wrong_crosses"] * WRONG_PER <= info["crosses"]
    read, _, same, wrong = _truth(tmp_path)
    assert len(same) == info["crosses"] and len(same) - sum(same) == wrong
    story = read.filter(pl.col("article_a").is_in(["W 920/21", "06A 115 561 B"]))
    assert story.height > 0 if crosses >= STORY_MIN else story.height == 0
    assert (tmp_path / "prices" / "beta.txt").stat().st_size > 0


def test_the_committed_fixture_world_is_the_generators(tmp_path: Path,
                                                       fixtures_dir: Path) -> None:
    """data/fixtures/world is `python -m benchmarks.worldgen --crosses 3000 --seed 7`, byte for
    byte: a change to the generator that moves it must regenerate it (make fixtures)."""
    build_world(tmp_path, 3000, seed=7)
    world = fixtures_dir / "world"
    files = sorted(p.relative_to(world) for p in world.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / rel).read_bytes() == (world / rel).read_bytes(), rel
