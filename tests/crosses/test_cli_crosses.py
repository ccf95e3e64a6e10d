"""The ``partsearch crosses`` commands, end to end."""

from __future__ import annotations

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
