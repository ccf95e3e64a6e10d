"""``catalog.toml`` as ``Engine.open`` reads it: a file it cannot read is a ``CatalogError``
naming the file (and the line, where there is one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from partsearch import CatalogError
from partsearch.search._config import CatalogConfig


def test_a_config_that_is_not_utf8_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_bytes('default_level = "guest"\n# уровни цен\n'.encode("cp1251"))
    with pytest.raises(CatalogError, match=r"not UTF-8 \(byte 0xf3\)") as err:
        CatalogConfig.load(tmp_path)
    assert (err.value.path, err.value.line) == (str(path), 2)
    assert str(err.value).startswith(f"{path}:2: cannot read catalog config")


def test_a_config_toml_cannot_parse_names_its_line(tmp_path: Path) -> None:
    """tomllib's "(at line N, column M)" is the error's line, where it was None; as the
    supplier profiles' file."""
    from partsearch import ProfileError
    from partsearch.loading import read_profiles

    path = tmp_path / "catalog.toml"
    for text, line in (("[levels.guest", 1), ('default_level = "guest"\n[levels.x\n', 2)):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError, match="cannot read catalog config") as err:
            CatalogConfig.load(tmp_path)
        assert (err.value.path, err.value.line) == (str(path), line)
    profiles = tmp_path / "suppliers.toml"
    profiles.write_text('[A]\nfile = "a.csv"\n\ncolumns = {\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"cannot read supplier profiles") as perr:
        read_profiles(profiles)
    assert (perr.value.path, perr.value.line) == (str(profiles), 4)


def test_a_utf8_config_with_cyrillic_is_read(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text('# уровни цен\ndefault_level = "wholesale"\n',
                                           encoding="utf-8")
    assert CatalogConfig.load(tmp_path).default_level == "wholesale"


def test_a_config_saved_with_a_bom_is_read(tmp_path: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM" failed "Invalid statement (at line 1, column 1)",
    where nothing shows; a mistake below it still names its line."""
    path = tmp_path / "catalog.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'default_level = "wholesale"\n')
    assert CatalogConfig.load(tmp_path).default_level == "wholesale"
    path.write_bytes(b"\xef\xbb\xbf" + b'default_level = "wholesale"\n[levels.x\n')
    with pytest.raises(CatalogError, match="cannot read catalog config") as err:
        CatalogConfig.load(tmp_path)
    assert err.value.line == 2
