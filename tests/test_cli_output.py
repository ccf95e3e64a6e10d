"""``partsearch``'s output: a reader that stops early, a full disk, an output that cannot hold
Cyrillic. Each is a process of its own, as a shell runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_catalog

_PROFILE = ('[A]\nfile = "a.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
            'price = "Цена" }\n')


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalog(tmp_path_factory.mktemp("out"), {
        "a.csv": "Бренд;Артикул;Цена\n" + "".join(f"MANN;W 920/{i};{100 + i}\n"
                                                 for i in range(200))}, _PROFILE)


def _run(*args: str, stdout: object = subprocess.PIPE, **env: str
         ) -> subprocess.CompletedProcess[bytes]:
    source = str(Path(__file__).resolve().parents[1] / "src")
    return subprocess.run([sys.executable, "-m", "partsearch", *args], stdout=stdout,
                          stderr=subprocess.PIPE, timeout=120,
                          env={**os.environ, "PYTHONPATH": source, **env}, check=False)


@pytest.mark.parametrize("command", [["search", "{c}", "W 920/1", "--brand", "MANN", "--all"],
                                     ["sql", "{c}", "select * from offers"]])
def test_a_table_to_a_reader_that_stops_early_exits_0(catalog: Path, command: list[str]) -> None:
    """``... | head -1``: rich's own handler ended the process with exit 1 (``not_found`` to a
    script)."""
    args = [a.format(c=catalog) for a in command]
    proc = subprocess.Popen([sys.executable, "-m", "partsearch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(
                                Path(__file__).resolve().parents[1] / "src")})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["search", "{c}", "W 920/1", "--brand", "MANN"],
                                     ["search", "{c}", "W 920/1", "--brand", "MANN", "--json"],
                                     ["info", "{c}"], ["sql", "{c}", "select 1", "--csv"]])
def test_a_full_disk_is_one_line_and_exit_2(catalog: Path, command: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        proc = _run(*(a.format(c=catalog) for a in command), stdout=full)
    assert proc.returncode == 2
    assert proc.stderr.decode() == "partsearch: error: No space left on device\n"


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_rejects_file_cut_short_by_a_full_disk_is_exit_2(tmp_path: Path) -> None:
    """The rejects were written through a Python file, whose short write (the disk full in the
    middle of the last one) Arrow took as written: a file cut short, exit 0. A file size limit
    makes the short write here: the file may take all but the last 100 bytes."""
    import errno
    import resource
    import signal

    bad = "MANN;W 0;0,00 bad price padding padding padding padding\n"
    (tmp_path / "a.csv").write_text("Бренд;Артикул;Цена\nMANN;W 920/21;90\n" + bad * 3000,
                                    encoding="utf-8")
    (tmp_path / "s.toml").write_text(_PROFILE, encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    load = ("load", str(tmp_path / "s.toml"), "--out", str(tmp_path / "cat"), "--rejects",
            str(rejects))
    assert _run(*load).returncode == 0  # (the whole file's size; numba's cache written)
    size = rejects.stat().st_size
    rejects.unlink()

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # (a write past it is EFBIG, not a kill)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size - 100, size - 100))

    source = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run([sys.executable, "-m", "partsearch", *load], capture_output=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": source},
                          preexec_fn=limited, check=False)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.startswith(f"partsearch: error: cannot write {rejects}: ")
    assert os.strerror(errno.EFBIG) in err and err.count("\n") == 1  # ("File too large")


def test_an_output_that_cannot_hold_cyrillic_gets_escapes(catalog: Path) -> None:
    """``PYTHONIOENCODING=ascii``: a raw ``UnicodeEncodeError`` traceback before."""
    proc = _run("sql", str(catalog), "select 'Фильтр' as d", PYTHONIOENCODING="ascii")
    assert proc.returncode == 0 and proc.stderr == b""
    assert b"\\u0424\\u0438\\u043b\\u044c\\u0442\\u0440" in proc.stdout


@pytest.fixture()
def stale(tmp_path: Path) -> Path:
    """A catalog whose ``brands.toml`` gained an alias since its price file was loaded."""
    catalog = write_catalog(tmp_path, {"a.csv": "Бренд;Артикул;Цена\nMANN;W 920/21;90\n"},
                            _PROFILE)
    (catalog / "brands.toml").write_text('["MANN-FILTER"]\naliases = ["MANN AG"]\n',
                                         encoding="utf-8")
    return catalog


@pytest.mark.parametrize("command", [["search", "{c}", "W 920/21", "--brand", "MANN"],
                                     ["sql", "{c}", "select count(*) from offers", "--csv"]])
def test_a_partsearch_warning_is_one_line_on_stderr(stale: Path, command: list[str]) -> None:
    """``file:line: StaleKeysWarning: ...`` and the library's line of source, before."""
    from partsearch import catalog_info

    told = catalog_info(stale).stale_keys
    assert told is not None
    proc = _run(*(a.format(c=stale) for a in command))
    assert proc.returncode == 0 and proc.stdout
    assert proc.stderr.decode() == f"partsearch: warning: {stale}: {told.message}\n"


@pytest.mark.parametrize("filters", ["error", "error::partsearch.errors.StaleKeysWarning"])
def test_a_partsearch_warning_made_an_error_is_exit_2(stale: Path, filters: str) -> None:
    """``PYTHONWARNINGS=error`` (a deploy check): a traceback, where an error is one line."""
    from partsearch import catalog_info

    told = catalog_info(stale).stale_keys
    assert told is not None
    proc = _run("search", str(stale), "W 920/21", "--brand", "MANN", PYTHONWARNINGS=filters)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == f"partsearch: error: {stale}: {told.message}\n"


def test_a_partsearch_warning_is_told_once_and_others_as_python_shows_them(
        stale: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    import argparse
    import warnings

    import partsearch.cli.search
    from partsearch import Engine, catalog_info
    from partsearch.cli import main

    def search(args: argparse.Namespace) -> int:
        Engine.open(args.catalog)
        Engine.open(args.catalog)  # (the same message again: no news)
        warnings.warn("something else", UserWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(partsearch.cli.search, "_search", search)
    shown = warnings.showwarning
    # (pytest.warns records what reaches Python's display: "always", each warning does)
    with pytest.warns(UserWarning) as caught:
        warnings.simplefilter("always")
        assert main(["search", str(stale), "W 920/21"]) == 0
    assert warnings.showwarning is shown  # (put back for the rest of the process)
    assert [(w.category, str(w.message), w.filename) for w in caught] == [
        (UserWarning, "something else", __file__)]
    told = catalog_info(stale).stale_keys
    assert told is not None
    assert capsys.readouterr().err == f"partsearch: warning: {stale}: {told.message}\n"
