"""The ``partsearch crosses`` commands, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partsearch.cli import main


def test_build_then_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crosses = tmp_path / "x.csv"
    crosses.write_text("brand_a;article_a;brand_b;article_b;source\n"
                       "MANN;W 920/21;VAG;06A115561B;tecdoc\n"
                       "KNECHT;OC 90;VW;06A 115 561 B;tecdoc\n",
                       encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "crosses read" in out and "parts                         3" in out
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W92021", "KNECHT",
                 "OC-90"]) == 0
    out = capsys.readouterr().out
    assert "in 2 cross(es)" in out and "VAG 06A115561B" in out and "tecdoc" in out
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W92021", "KNECHT",
                 "OC-91"]) == 1


def test_build_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crosses", "build", str(tmp_path / "none.csv"), "--out", str(tmp_path)]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_explain_names_a_held_back_cross(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["brand_a,article_a,brand_b,article_b,source"]
    rows += [f"VAG,1K0 000 00{i},MANN,W {i}/1,tecdoc" for i in range(4)]
    rows += [f"VAG,1K0 000 00{i},MANN,W {i}/2,emex" for i in range(4)]
    rows += [f"MANN,W {i}/1,MANN,W {i}/2,emex" for i in range(4)]
    rows += ["MANN,W 0/1,MANN,W 3/2,forum"]  # the one wrong record joins two groups
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", str(tmp_path / "c"),
                 "--min-side", "2"]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W 0/1", "MANN",
                 "W 3/2"]) == 1
    out = capsys.readouterr().out
    assert "held back (guard" in out and "forum" in out
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W 0/1", "MANN",
                 "W 3/2", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"steps": None, "held_back": [{
        "brand_a": "MANN-FILTER", "article_a": "W 0/1", "brand_b": "MANN-FILTER",
        "article_b": "W 3/2", "sources": ["forum"], "kind": "cross",
        "reason": "guard: single-source bridge between groups"}]}
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W 0/1", "VAG",
                 "1K0 000 000", "--json"]) == 0  # (a chain: the list it always was)
    assert [s["sources"] for s in json.loads(capsys.readouterr().out)] == [["tecdoc"]]


def test_build_with_split_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crosses = tmp_path / "x.csv"
    crosses.write_text("brand_a,article_a,brand_b,article_b\n"
                       "TOYOTA,13568-09041; 13568-79095,GATES,T199; T199RB\n", encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c"),
                 "--split", ";"]) == 0
    out = capsys.readouterr().out
    assert "crosses read                  4" in out and "parts                         4" in out
    assert main(["crosses", "explain", str(tmp_path / "c"), "TOYOTA", "13568-79095", "GATES",
                 "T199RB"]) == 0


def test_build_with_a_fixed_brand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crosses = tmp_path / "gates.csv"
    crosses.write_text("oem_brand;oem;gates\nTOYOTA;13568-09041;T199\n", encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c"),
                 "--column", "brand_a=oem_brand", "--column", "article_a=oem",
                 "--brand-b", "Gates", "--column", "article_b=gates"]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(tmp_path / "c"), "TOYOTA", "13568-09041", "GATES",
                 "T199"]) == 0
    assert "[cross; gates]" in capsys.readouterr().out


def test_build_a_wide_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crosses = tmp_path / "belts.csv"
    crosses.write_text("oem_brand,oem,gates,dayco\nTOYOTA,13568-09041,T199,95199\n"
                       "TOYOTA,13568-69075,T240,\n", encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c"),
                 "--column", "brand_a=oem_brand", "--column", "article_a=oem",
                 "--maker", "gates=GATES", "--maker", "dayco=DAYCO"]) == 0
    assert "crosses read                  3" in capsys.readouterr().out
    assert main(["crosses", "explain", str(tmp_path / "c"), "GATES", "T199", "DAYCO",
                 "95199"]) == 0
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c"),
                 "--maker", "gates"]) == 2
    assert "--maker wants NAME=VALUE" in capsys.readouterr().err


def test_build_with_makers_in_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crosses = tmp_path / "oe.csv"
    crosses.write_text("brand,article,oe\nMANN,W 712/1,583 0674 (TEREX) | 1K0 127 177 (VW)\n",
                       encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c"), "--column",
                 "brand_a=brand", "--column", "article_a=article", "--column", "article_b=oe",
                 "--split", " | ", "--cell-brands"]) == 0
    assert "rows rejected                 0" in capsys.readouterr().out
    assert main(["crosses", "explain", str(tmp_path / "c"), "TEREX", "5830674", "VAG",
                 "1K0127177"]) == 0


def test_build_files_with_different_headers_through_alternative_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A column given several names: each file reads the first it has, so two exports with
    their own headers build into one index; a file with none of them is named, with the
    field and the names tried."""
    (tmp_path / "oe.csv").write_text("aftermarket_brand,aftermarket_article,oem_brand,oem_number\n"
                                     "BOSCH,1 457 433 315,VAG,03C 129 620 B\n", encoding="utf-8")
    (tmp_path / "mann.csv").write_text("shop_manufacturer,shop_manu_nr,oem_brand,oem_number\n"
                                       "Mann & Hummel,C 3083/1,VW,03C129620B\n",
                                       encoding="utf-8")
    columns = ["--column", "brand_a=aftermarket_brand", "--column", "brand_a=shop_manufacturer",
               "--column", "article_a=aftermarket_article", "--column", "article_a=shop_manu_nr",
               "--column", "brand_b=oem_brand", "--column", "article_b=oem_number"]
    files = [str(tmp_path / "oe.csv"), str(tmp_path / "mann.csv")]
    assert main(["crosses", "build", *files, "--out", str(tmp_path / "c"), *columns]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "C 3083/1", "BOSCH",
                 "1457433315"]) == 0
    assert "in 2 cross(es)" in capsys.readouterr().out
    # one name per column, as before: the second file has no aftermarket_brand
    assert main(["crosses", "build", *files, "--out", str(tmp_path / "d"),
                 *columns[:2], *columns[4:6], *columns[8:]]) == 2
    err = capsys.readouterr().err
    assert "mann.csv:1: missing column(s) 'aftermarket_brand' (brand_a)" in err
    assert main(["crosses", "build", *files, "--out", str(tmp_path / "d"), *columns,
                 "--column", "brand_a=x"]) == 0  # a third name, never needed
    capsys.readouterr()
    (tmp_path / "other.csv").write_text("maker,number,oem_brand,oem_number\n", encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "other.csv"), "--out", str(tmp_path / "e"),
                 *columns]) == 2
    assert "other.csv:1: missing column(s) 'aftermarket_brand' or 'shop_manufacturer' " \
        "(brand_a), 'aftermarket_article' or 'shop_manu_nr' (article_a)" in capsys.readouterr().err


def test_both_real_cross_files_build_in_one_command(
        realdata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's two real files, as they are, in one build: each names its columns its own
    way, and a MANN filter meets a BOSCH filter through a shared VAG number."""
    files = [realdata / "autonahariya-a11y+tecdoc-data" / "oe_crosses_flat.csv",
             realdata / "Motorlink+TECDOC-REPO" / "mann_filter_oe_numbers_flat.csv"]
    assert main(["crosses", "build", *map(str, files), "--out", str(tmp_path / "c"),
                 "--column", "brand_a=aftermarket_brand", "--column", "brand_a=shop_manufacturer",
                 "--column", "article_a=aftermarket_article",
                 "--column", "article_a=shop_manu_nr",
                 "--column", "brand_b=oem_brand", "--column", "article_b=oem_number"]) == 0
    out = capsys.readouterr().out
    read = int(next(line for line in out.splitlines() if line.startswith("crosses read"))
               .split()[-1].replace(",", ""))
    assert read > 60_000
    # the 1,464 records of oe_crosses_flat.csv with two EANs in their quoted ``ean`` cell, a
    # line break between them, are crosses (each was rejected as two broken lines: 3,608)
    rejected = int(next(line for line in out.splitlines() if line.startswith("rows rejected"))
                   .split()[-1].replace(",", ""))
    assert rejected < 100
    assert main(["crosses", "explain", str(tmp_path / "c"), "BOSCH", "0 986 424 735",
                 "TOYOTA", "04465 02061"]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(tmp_path / "c"), "Mann & Hummel", "C 3083/1",
                 "BOSCH", "1 457 433 315"]) == 0
    out = capsys.readouterr().out
    assert "in 2 cross(es)" in out and "VAG 03C 129 620 B" in out
    assert "mann_filter_oe_numbers_flat" in out and "oe_crosses_flat" in out


def test_a_maker_column_given_twice_is_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``--column`` repeated gives a column alternative names; ``--maker`` repeated for one
    column would give it two brands, which no table means."""
    (tmp_path / "x.csv").write_text("brand_a,article_a,gates\nTOYOTA,13568-09041,T199\n",
                                    encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", str(tmp_path / "c"),
                 "--maker", "gates=GATES", "--maker", "gates=DAYCO"]) == 2
    assert "--maker gates=... given 2 times" in capsys.readouterr().err


def test_explain_reads_brands_with_the_catalogs_registry(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "c"
    catalog.mkdir()
    (catalog / "brands.toml").write_text('["KNECHT"]\naliases = ["KN", "KNECHT FILTER"]\n',
                                         encoding="utf-8")
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 920/21,KN,OC 90\n", encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", str(catalog)]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(catalog), "MANN", "W 920/21", "KNECHT FILTER",
                 "OC 90"]) == 0
    assert "MANN-FILTER W 920/21  =  KNECHT OC 90" in capsys.readouterr().out


def test_verify_reads_every_byte_and_finds_what_open_does_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Open checks a file's ends and a few pages of its middle; ``crosses verify`` reads all
    of every file against the checksums the build recorded, and finds a byte open cannot."""
    import json

    from partsearch.crosses import CrossIndex
    from partsearch.crosses._snapshot import verify

    rows = ["brand_a,article_a,brand_b,article_b,source"]
    rows += [f"MANN,W {i},BOSCH,0 451 {i:06d},tecdoc" for i in range(30_000)]
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    catalog = tmp_path / "c"
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", str(catalog)]) == 0
    capsys.readouterr()
    assert main(["crosses", "verify", str(catalog)]) == 0
    out = capsys.readouterr().out
    assert "27 files" in out and "no damage found" in out and "no checksum" not in out
    snapshot = CrossIndex.open(catalog).path
    target = snapshot / "part_hash.npy"
    data = bytearray(target.read_bytes())
    assert len(data) > 3 * 64 * 1024
    at = 64 * 1024 + 100  # past the first 64 KiB, before the first page sampled in the middle
    data[at] ^= 0x01
    target.write_bytes(bytes(data))
    CrossIndex.open(catalog)  # open cannot see it
    assert main(["crosses", "verify", str(catalog)]) == 2
    assert "part_hash.npy: snapshot file is damaged (checksum" in capsys.readouterr().err
    data[at] ^= 0x01
    target.write_bytes(bytes(data))
    # a snapshot from before the build recorded whole-file checksums: said so
    manifest = snapshot / "manifest.json"
    meta = json.loads(manifest.read_text())
    meta["checks"]["edge_a.npy"].pop("all")
    manifest.write_text(json.dumps(meta))
    assert main(["crosses", "verify", str(catalog)]) == 0
    out = capsys.readouterr().out
    assert "in the 26 with a recorded checksum" in out and "recorded for edge_a.npy" in out
    # a snapshot from before every checksum: nothing to read it against, so not read
    del meta["checks"]
    manifest.write_text(json.dumps(meta))
    assert verify(snapshot)[1:] == (0, list(meta["files"]))
    assert main(["crosses", "verify", str(catalog)]) == 0
    assert "27 files, none with a checksum of the whole file" in capsys.readouterr().out


def test_files_of_two_shapes_join_one_index_through_a_flat_export(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's way to put differently shaped files into one index: a build replaces the
    index and its options apply to every file, so each shape is built apart and exported."""
    (tmp_path / "mahle.csv").write_text("ArticleNo,OE\nOC 90,06A 115 561 B; 06A115561\n",
                                        encoding="utf-8")
    (tmp_path / "flat.csv").write_text("brand_a;article_a;brand_b;article_b;source\n"
                                       "MANN;W 920/21;VAG;06A115561B;tecdoc\n", encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "mahle.csv"), "--out", str(tmp_path / "m"),
                 "--brand-a", "KNECHT", "--column", "article_a=ArticleNo", "--brand-b", "VAG",
                 "--column", "article_b=OE", "--split", ";"]) == 0
    capsys.readouterr()
    query = ("select pa.brand as brand_a, article(pa.part) as article_a, pb.brand as brand_b, "
             "article(pb.part) as article_b, unnest(c.sources) as source, c.kind from crosses c "
             "join parts pa on pa.part = c.part_a join parts pb on pb.part = c.part_b "
             "where c.state <> 'blacklisted'")
    assert main(["sql", str(tmp_path / "m"), query, "--csv"]) == 0
    (tmp_path / "m.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "m.csv"), str(tmp_path / "flat.csv"),
                 "--out", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert main(["crosses", "explain", str(tmp_path / "c"), "MANN", "W 920/21", "KNECHT",
                 "OC 90"]) == 0
    out = capsys.readouterr().out
    assert "in 2 cross(es)" in out and "mahle" in out and "tecdoc" in out


def test_explain_of_an_unknown_part_says_why_and_prints_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` had printed nothing on stdout for a part not in the index, and an empty brand
    was told as " W 920/21: not in the cross index"."""
    crosses = tmp_path / "x.csv"
    crosses.write_text("brand_a,article_a,brand_b,article_b\nMANN,W 920/21,KNECHT,OC 90\n",
                       encoding="utf-8")
    assert main(["crosses", "build", str(crosses), "--out", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    cat = str(tmp_path / "c")
    assert main(["crosses", "explain", cat, "MANN", "W 920/21", "NOSUCH", "X1", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"steps": None, "held_back": [], "unknown": [
        {"brand": "NOSUCH", "article": "X1", "reason": "NOSUCH X1: not in the cross index"}]}
    assert "NOSUCH X1: not in the cross index" in err
    assert main(["crosses", "explain", cat, "", "W 920/21", "KNECHT", ".", "--json"]) == 1
    out, err = capsys.readouterr()
    assert [u["reason"] for u in json.loads(out)["unknown"]] == [
        "brand '' is empty (article 'W 920/21')",
        "article '.' has no letters or digits (brand 'KNECHT')"]
    assert main(["crosses", "explain", cat, " ", "W 920/21", "KNECHT", "OC 90"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "brand ' ' is empty (article 'W 920/21')\n"


@pytest.mark.parametrize("value", ["1", "0", "-1"])
def test_a_min_side_below_2_is_refused_in_one_line(tmp_path: Path, value: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Every bridge's smaller side has a part: below 2, the guard held back every
    single-source cross (exit 0), and a shop's analogs went with them."""
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 920/21,KNECHT,OC 90\n", encoding="utf-8")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", str(tmp_path / "c"),
                 "--min-side", value]) == 2
    err = capsys.readouterr().err
    assert "--min-side must be 2 or more" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c" / "crosses").exists()


@pytest.mark.parametrize("option", ["--truth", "--blacklist"])
@pytest.mark.parametrize("bad", ["missing", "a list column"])
def test_a_bad_input_file_fails_before_the_build(tmp_path: Path, option: str, bad: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A ``--truth`` file was read after the build had published: the command said it failed
    (exit 2) and the catalog's index had changed all the same; then its header alone was
    checked first, and a file with the right header but a column it cannot read (a list of
    numbers) still failed after publishing. A missing file said "cross file not found",
    naming neither option."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 920/21,KNECHT,OC 90\n", encoding="utf-8")
    (tmp_path / "y.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 920/21,BOSCH,F 026 407 001\n", encoding="utf-8")
    given = tmp_path / "given.parquet"
    if bad == "a list column":
        pq.write_table(pa.table({"brand_a": ["MANN"], "article_a": [[1, 2]],
                                 "brand_b": ["BOSCH"], "article_b": ["F 026 407 001"]}), given)
    out = str(tmp_path / "c")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", out]) == 0
    current = (tmp_path / "c" / "crosses" / "CURRENT").read_text()
    capsys.readouterr()
    assert main(["crosses", "build", str(tmp_path / "y.csv"), "--out", out,
                 option, str(given)]) == 2
    captured = capsys.readouterr()
    assert captured.err == ("partsearch: error: " + (
        f"{given}: {option} file not found" if bad == "missing" else
        f"{given}: column 'article_a' holds list<element: int64>, not text or numbers") + "\n")
    assert "crosses read" not in captured.out  # (no build published)
    assert (tmp_path / "c" / "crosses" / "CURRENT").read_text() == current


@pytest.mark.parametrize("body", ["", "MANN,,KNECHT,\n"], ids=["header only", "all rejected"])
def test_a_build_that_reads_no_cross_keeps_the_index(tmp_path: Path, body: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A cross export cut short at its header replaced the whole index with an empty one
    (exit 0), every analog of the shop gone; it is refused unless ``--allow-empty``."""
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 920/21,KNECHT,OC 90\n", encoding="utf-8")
    (tmp_path / "cut.csv").write_text("brand_a,article_a,brand_b,article_b\n" + body,
                                      encoding="utf-8")
    out = str(tmp_path / "c")
    assert main(["crosses", "build", str(tmp_path / "x.csv"), "--out", out]) == 0
    current = (tmp_path / "c" / "crosses" / "CURRENT").read_text()
    capsys.readouterr()
    assert main(["crosses", "build", str(tmp_path / "cut.csv"), "--out", out]) == 2
    err = capsys.readouterr().err
    assert f"no cross read from {tmp_path / 'cut.csv'}: " in err
    assert ("no data rows" if not body else "every row rejected (1; the first: ") in err
    assert (tmp_path / "c" / "crosses" / "CURRENT").read_text() == current
    assert main(["crosses", "explain", out, "MANN", "W 920/21", "KNECHT", "OC 90"]) == 0
    assert main(["crosses", "build", str(tmp_path / "cut.csv"), "--out", out,
                 "--allow-empty"]) == 0
    assert (tmp_path / "c" / "crosses" / "CURRENT").read_text() != current


@pytest.mark.parametrize("damage", [
    "no crosses built", "CURRENT missing", "CURRENT not UTF-8", "CURRENT with a NUL",
    "a file damaged", "manifest not JSON", "version folder gone", "no such directory",
    "a file, not a directory"])
def test_explain_json_of_a_snapshot_that_cannot_be_opened_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    """As every command's error, with --json or not (search --json, info --json): one line
    on stderr naming the file, exit 2, nothing on stdout for a script to take for an answer
    (--json prints JSON for answers: a chain, or none and why). A pointer of bytes that are
    no UTF-8 was a traceback; a path that is not there was "no cross snapshot published"."""
    crosses = tmp_path / "x.csv"
    crosses.write_text("brand_a,article_a,brand_b,article_b\nMANN,W 920/21,KNECHT,OC 90\n",
                       encoding="utf-8")
    catalog = tmp_path / "c"
    assert main(["crosses", "build", str(crosses), "--out", str(catalog)]) == 0
    area = catalog / "crosses"
    version = area / (area / "CURRENT").read_text("utf-8").strip()
    named = {"no crosses built": catalog, "CURRENT missing": catalog,
             "CURRENT not UTF-8": area / "CURRENT", "CURRENT with a NUL": area / "CURRENT",
             "a file damaged": version / "part_hash.npy",
             "manifest not JSON": version / "manifest.json", "version folder gone": version,
             "no such directory": tmp_path / "nowhere", "a file, not a directory": crosses}
    target = catalog
    if damage == "no crosses built":
        import shutil

        shutil.rmtree(area)
        (catalog / "catalog.toml").write_text("", "utf-8")
    elif damage == "CURRENT missing":
        (area / "CURRENT").unlink()
    elif damage.startswith("CURRENT"):
        (area / "CURRENT").write_bytes(b"\xff\xfe" if "UTF-8" in damage else b"v1\x00x")
    elif damage == "a file damaged":
        with open(version / "part_hash.npy", "r+b") as fh:
            fh.write(b"\x00" * 16)
    elif damage == "manifest not JSON":
        (version / "manifest.json").write_text("{", "utf-8")
    elif damage == "version folder gone":
        import shutil

        shutil.rmtree(version)
    else:
        target = named[damage]
    capsys.readouterr()
    assert main(["crosses", "explain", str(target), "MANN", "W 920/21", "KNECHT", "OC 90",
                 "--json"]) == 2
    said = capsys.readouterr()
    assert said.out == ""
    why = {"no crosses built": "no cross snapshot published here",
           "CURRENT missing": "no cross snapshot published here",
           "CURRENT not UTF-8": "invalid version b'\\xff\\xfe'",
           "CURRENT with a NUL": "invalid version 'v1\\x00x'", "a file damaged": "damaged",
           "manifest not JSON": "unreadable manifest", "version folder gone": "no manifest",
           "no such directory": "directory not found",
           "a file, not a directory": "not a directory"}[damage]
    assert said.err.startswith(f"partsearch: error: {named[damage]}: ") and why in said.err
    assert said.err.count("\n") == 1 and "Traceback" not in said.err


def test_build_with_guard_pairs_explains_the_pair(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """``--guard-pairs``: two single-source records between two groups of four are held back,
    and ``explain`` says why the parts are not interchangeable."""
    rows = ["brand_a,article_a,brand_b,article_b,source"]
    for g in "AB":  # two groups of four parts, each a cycle with a chord, two sources a cross
        rows += [f"{g},{i},{g},{(i + 1) % 4},s{i % 2}" for i in range(4)] + [f"{g},0,{g},2,s0"]
    rows += ["A,0,B,0,forum", "A,2,B,2,shop"]
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ["crosses", "build", str(tmp_path / "x.csv"), "--out", str(tmp_path / "c")]
    assert main(argv) == 0
    assert main(["crosses", "explain", str(tmp_path / "c"), "A", "1", "B", "1"]) == 0
    capsys.readouterr()
    assert main([*argv, "--guard-pairs"]) == 0
    assert "held back (guard)             2" in capsys.readouterr().out
    assert main(["crosses", "explain", str(tmp_path / "c"), "A", "0", "B", "0"]) == 1
    assert "held back (guard: single-source pair between groups)" in capsys.readouterr().out
