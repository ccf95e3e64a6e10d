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
