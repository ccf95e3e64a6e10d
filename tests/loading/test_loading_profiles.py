"""Supplier profiles: the TOML format, its validation, and the JSON round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from partsearch.errors import ProfileError
from partsearch.loading import SupplierProfile, read_profiles
from partsearch.loading.profiles import code_problem

GOOD = """
[ALFA]
name = "Alfa Parts"
file = "prices/alfa.csv"
encoding = "cp1251"
delimiter = ";"
quote = "'"
skip_rows = 2
delivery_hours = 48
pickup_points = ["Г", "M1"]
min_order_sum = 500
returnable = false
prepayment = true
restrictions = "no return of electrics"
stock_accuracy = 0.93
columns = { brand = "Бренд", article = "Артикул", description = "Наименование", \
price = "Цена", quantity = "Кол-во", delivery_days = "Срок" }

[ONLINE1]
name = "Online supplier"
[ONLINE1.api]
kind = "abcp"
url = "http://127.0.0.1:8080"
login_env = "ON1_LOGIN"
password_env = "ON1_PASSWORD"
deadline_s = 3.0
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "prices").mkdir(exist_ok=True)
    (tmp_path / "prices" / "alfa.csv").write_text("x")
    path = tmp_path / "suppliers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_profiles(tmp_path: Path) -> None:
    alfa, online = read_profiles(_write(tmp_path, GOOD))
    assert alfa.code == "ALFA" and alfa.name == "Alfa Parts"
    assert alfa.file == (tmp_path / "prices" / "alfa.csv").resolve()
    assert (alfa.encoding, alfa.delimiter, alfa.quote, alfa.skip_rows) == ("cp1251", ";", "'", 2)
    assert alfa.delivery_hours == 48 and alfa.pickup_points == ("Г", "M1")
    assert alfa.min_order_sum == Decimal("500.00")
    assert alfa.returnable is False and alfa.prepayment is True
    assert alfa.restrictions == "no return of electrics" and alfa.stock_accuracy == 0.93
    assert alfa.columns["delivery_days"] == "Срок"
    assert online.file is None and online.is_online
    assert online.api is not None and online.api["kind"] == "abcp"
    assert online.api["deadline_s"] == 3.0
    assert online.delivery_hours == 24 and online.returnable and not online.prepayment


def test_json_roundtrip(tmp_path: Path) -> None:
    for profile in read_profiles(_write(tmp_path, GOOD)):
        assert SupplierProfile.from_json(profile.to_json()) == profile


def test_profile_is_frozen() -> None:
    p = SupplierProfile(code="A", name="A", columns={"brand": "B"})
    with pytest.raises(AttributeError):
        p.code = "B"  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.columns["brand"] = "x"  # type: ignore[index]


BAD = [
    ('[A]\nname = "a"\nfile = "prices/alfa.csv"\ncolor = 1\n'
     'columns = {brand="b", article="a", price="p"}', "unknown keys"),
    ('[A]\nname = 5\nfile = "prices/alfa.csv"\n'
     'columns = {brand="b", article="a", price="p"}', "'name' has the wrong type"),
    ('[A]\nfile = "prices/missing.csv"\ncolumns = {brand="b", article="a", price="p"}',
     "does not exist"),
    ('[A]\nfile = "prices"\ncolumns = {brand="b", article="a", price="p"}',
     "prices is a directory, not a price file"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a"}',
     "missing required mapping for price"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {article="a", price="p"}',
     "missing required mapping for brand"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a", price="p", x="y"}',
     "unknown field 'x'"),
    ('[A]\nfile = "prices/alfa.csv"\nstock_accuracy = 1.5\n'
     'columns = {brand="b", article="a", price="p"}', "stock_accuracy"),
    ('[A]\nfile = "prices/alfa.csv"\nskip_rows = true\n'
     'columns = {brand="b", article="a", price="p"}', "'skip_rows' has the wrong type"),
    ('[A]\napi = { kind = 3 }', "'kind' must be a string"),
    ('[A]\nname = "no file, no api"', "needs a 'file' or an 'api'"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a", price="p"}\n'
     'api = { kind = "abcp", url = "https://x.example", login_env = "L", password_env = "P" }',
     "has both a 'file' and an 'api'"),
    ('[A]\nfile = "prices/alfa.csv"\ndelimiter = ";;"\n'
     'columns = {brand="b", article="a", price="p"}', "one character"),
    ("A = 1", "must be a table"),
    ('[A]\nfile = "prices/alfa.csv"\nencoding = "cp1251\\u0000"\n'
     'columns = {brand="b", article="a", price="p"}', "'encoding': unknown encoding"),
    # an api table's mistakes, found when it is read, not at the first live search
    *((f'[A]\napi = {{ kind = "abcp", url = "https://x.example", {extra} }}', message)
      for extra, message in (
          ('login = "plainuser", password_env = "P"', "'api.login': credentials come from"),
          ('login_env = "L", password = "plainpw"', "'api.password': credentials come from"),
          ('token = "t0k3n"', "'api.token': credentials come from"),
          ('deadlin_s = 2.0', "unknown key 'deadlin_s' (did you mean 'deadline_s'?)"),
          ('timeout = 2.0', "unknown key 'timeout' (known: kind, url"),
          ("deadline_s = -1", "'api.deadline_s': must be a positive number"),
          ("deadline_s = nan", "'api.deadline_s': must be a positive number"),
          ('deadline_s = "3"', "'api.deadline_s': must be a positive number"),
          # (a supplier that never answers held every search without a deadline for good)
          ("deadline_s = 1e9", "'api.deadline_s': must be a positive number of seconds, at "
                               "most 60, not 1000000000.0"),
          ("deadline_s = 60.5", "'api.deadline_s': must be a positive number"),
          ("deadline_s = inf", "'api.deadline_s': must be a positive number"),
          ("max_concurrency = 0", "'api.max_concurrency': must be a whole number"),
          ('use_online_stocks = "yes"', "'api.use_online_stocks': must be true or false"),
          ('login_env = ""', "'api.login_env': must name an environment variable"))),
    ('[A]\napi = { kind = "abcp", url = "ftp://x.example" }', "'api.url': must be an http(s)"),
    # (urllib's ValueError, "Invalid IPv6 URL", out of read_profiles)
    ('[A]\napi = { kind = "abcp", url = "https://[::1" }', "'api.url': must be an http(s)"),
    ('[A]\napi = { kind = "abcp", url = "https://me:pw@x.example" }', "'api.url': credentials"),
    ('[A]\napi = { kind = "abcp", url = "https://x.example/?userpsw=pw" }',
     "'api.url': credentials"),
    ('[A]\napi = { kind = "" }', "'kind' must be a string naming"),
    # what ABCP cannot do without, found when read rather than at every live search
    ('[A]\napi = { kind = "abcp", login_env = "L", password_env = "P" }',
     "key 'api': missing 'url' (an 'abcp' api needs url, login_env, password_env)"),
    ('[A]\napi = { kind = "abcp", url = "https://x.example", password_env = "P" }',
     "key 'api': missing 'login_env'"),
    ('[A]\napi = { kind = "abcp", url = "https://x.example" }',
     "key 'api': missing 'login_env', 'password_env'"),
    ('[A]\napi = { kind = "ABCP", url = "https://x.example", login_env = "L" }',
     "key 'api': missing 'password_env'"),  # the shipped kind in any case
    ('[A]\napi = { kind = "Abcp", url = "https://x.example", login_env = "L", '
     'password_env = "P", timeout = 2 }', "unknown key 'timeout' (known: kind, url"),
    ('[A]\napi = { kind = "myshop", max_concurency = 2 }',  # another kind's typo too
     "unknown key 'max_concurency' (did you mean 'max_concurrency'?)"),
    ('[A]\napi = { kind = "myshop", secret = "s" }', "'api.secret': credentials come from"),
    # values the offers table cannot hold: refused before anything loads
    *((f'[A]\napi = {{ kind = "myshop" }}\nmin_order_sum = {v}', "'min_order_sum' must be")
      for v in ("nan", "inf", "-1", "1e20", '"1e13"', "1000000000000")),
    ('[A]\napi = { kind = "myshop" }\nmin_order_sum = "x"', "'min_order_sum': not a number"),
    ('[A]\napi = { kind = "myshop" }\ndelivery_hours = 99999999999', "'delivery_hours' must be"),
    ('[A]\nfile = "prices/alfa.csv"\n'
     'columns = {brand="b", article="a", price=99999999999}', "'columns.price': must be"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a", price="p", '
     'delivery_days="d", delivery_hours="h"}', "maps both delivery_days and delivery_hours"),
    ('[A]\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a", price="p", '
     'delivery_days_max=4, delivery_hours_max=5}', "maps both delivery_days_max and"),
    ("[A\n", "cannot read"),
    # (passed, then the load failed: "invalid parameters: cannot create IdxOrName from -1")
    ('[A]\nfile = "prices/alfa.csv"\nsheet = -1\ncolumns = {brand="b", article="a", price="p"}',
     "key 'sheet' must be a sheet's name or its 0-based index (0 or more), not -1"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_profiles(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as err:
        read_profiles(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    if message != "cannot read":
        assert "A" in str(err.value)


_TABLE = '\nfile = "prices/alfa.csv"\ncolumns = {brand="b", article="a", price="p"}\n'


@pytest.mark.parametrize(("code", "why"), [
    ('"AL/FA"', "invalid supplier code 'AL/FA': holds '/' at character 2"),
    ('".A"', "invalid supplier code '.A': starts with '.'"),
    ('".."', "invalid supplier code '..': starts with '.'"),
    # (printed as ALFA: a second supplier beside ALFA that no one could tell apart)
    ('"AL\\u0001FA"', "invalid supplier code 'AL\\x01FA': holds '\\x01' at character 2, a "
                      "control or invisible character"),
    ('"AL\\u200bFA"', "holds '\\u200b' at character 2, a control or invisible character"),
    ('"ALFA "', "invalid supplier code 'ALFA ': has white space or an invisible character "
                "at its end"),
    ('" ALFA"', "has white space or an invisible character at its start"),
    ('" "', "invalid supplier code ' ': is empty"),
    ('""', "invalid supplier code '': is empty"),
    # (refused when the TOML is read, cut as a message cuts a value: it failed the load at
    # its publish, "File name too long", after every file was read)
    ('"' + "A" * 300 + '"', "'" + "A" * 79 + "…(300 characters): is 300 characters long (at "
                            "most 64)"),
    ('"' + "Ж" * 65 + '"', "is 65 characters long (at most 64)"),
])
def test_a_code_that_is_no_folder_name_is_refused_saying_why(tmp_path: Path, code: str,
                                                             why: str) -> None:
    # (before its file is looked at: the file named is not there)
    path = _write(tmp_path, f"[{code}]{_TABLE.replace('alfa.csv', 'missing.csv')}")
    with pytest.raises(ProfileError) as err:
        read_profiles(path)
    assert why in err.value.message and err.value.path == str(path)
    assert len(err.value.message) < 300


@pytest.mark.parametrize("code", ["ALFA", "Альфа 2", "A-1_B.2", "Ж" * 64, "AL FA",
                                  # (spaces other than " " inside: a no-break one pasted from
                                  # Excel, a thin one; refused as "invisible" for a while)
                                  "Авто\u00a0Док", "Шина\u2009Плюс", "№1 «Авто» & Co."])
def test_a_code_of_up_to_64_printable_characters_is_read(tmp_path: Path, code: str) -> None:
    path = _write(tmp_path, f'["{code}"]{_TABLE}')
    assert read_profiles(path)[0].code == code
    assert code_problem(code) is None


def test_the_code_rule_says_what_is_no_code() -> None:
    assert code_problem(5) == "must be text, not int"
    assert code_problem("A\x00B") is not None and code_problem("A\ud800") is not None
    assert code_problem("😀" * 60) == "is 240 bytes long as UTF-8 (at most 200)"


def test_an_api_deadline_of_up_to_a_minute_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, '[A]\napi = { kind = "myshop", deadline_s = 60 }\n'
                            '[B]\napi = { kind = "myshop", deadline_s = 0.05 }\n')
    assert [p.api["deadline_s"] for p in read_profiles(path)] == [60, 0.05]


def test_the_abcp_kind_is_read_in_any_case(tmp_path: Path) -> None:
    """``kind = "ABCP"`` passed as a shop's own kind and failed every live search as unknown."""
    from partsearch.online import AbcpConnector, connector_from_api

    path = _write(tmp_path, '[A]\napi = { kind = "ABCP", url = "https://x.example", '
                            'login_env = "L", password_env = "P" }')
    (profile,) = read_profiles(path)
    assert profile.api is not None and profile.api["kind"] == "abcp"
    assert isinstance(connector_from_api("A", {**profile.api, "kind": "ABCP"},
                                         {"L": "me", "P": "pw"}), AbcpConnector)


def test_another_connector_kind_keeps_its_own_keys(tmp_path: Path) -> None:
    # a shop's own connector kind (registered by the shop): only the common keys are checked
    path = _write(tmp_path, '[A]\napi = { kind = "myshop", url = "https://x.example", '
                            'region = "msk", token_env = "MYSHOP_TOKEN", deadline_s = 2, '
                            'user_agent = "partsearch", max_tokens = 5, '
                            'token_url = "https://x.example/oauth/token", token_ttl_s = 600 }')
    (profile,) = read_profiles(path)
    assert profile.api is not None and profile.api["region"] == "msk"
    for key in ("client_secret", "access_token", "secret_key"):
        path = _write(tmp_path, f'[A]\napi = {{ kind = "myshop", {key} = "s" }}')
        with pytest.raises(ProfileError, match=rf"'api\.{key}': credentials come from"):
            read_profiles(path)


def test_fixed_brand_replaces_brand_column(tmp_path: Path) -> None:
    text = '[M]\nfile = "prices/alfa.csv"\nbrand = "MOBIL"\ncolumns = {article="a", price="p"}'
    (profile,) = read_profiles(_write(tmp_path, text))
    assert profile.brand == "MOBIL"


def test_a_file_that_is_a_symlink_loop_is_the_profiles_error(tmp_path: Path) -> None:
    """pathlib's RuntimeError, "Symlink loop from ...", was a traceback out of load."""
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "alfa.csv").symlink_to(tmp_path / "prices" / "b.csv")
    (tmp_path / "prices" / "b.csv").symlink_to(tmp_path / "prices" / "alfa.csv")
    path = tmp_path / "suppliers.toml"
    path.write_text(f"[ALFA]{_TABLE}", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        read_profiles(path)
    assert err.value.path == str(path)
    assert err.value.message.startswith("supplier ALFA: key 'file': ")
    assert "alfa.csv' is a symlink loop" in err.value.message
    path.write_text(f"[ALFA]{_TABLE}".replace("alfa.csv", "al\\u0000fa.csv"), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"supplier ALFA: key 'file': .* holds a NUL"):
        read_profiles(path)


def test_profiles_saved_with_a_bom_are_read(tmp_path: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM" failed "Invalid statement (at line 1, column 1)"."""
    path = _write(tmp_path, "")
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert [p.code for p in read_profiles(path)] == ["ALFA", "ONLINE1"]


@pytest.mark.parametrize("make", ["fifo", "devnull"])
def test_a_price_file_that_is_no_regular_file_is_told_as_such(tmp_path: Path, make: str) -> None:
    """A FIFO or /dev/null as the file: "does not exist", which it does."""
    import os

    price = tmp_path / "alfa.csv"
    if make == "fifo":
        os.mkfifo(price)
    else:
        price.symlink_to("/dev/null")
    toml = tmp_path / "s.toml"
    toml.write_text('[A]\nfile = "alfa.csv"\ncolumns = {brand="b", article="a", price="p"}\n')
    with pytest.raises(ProfileError, match=r"(alfa\.csv|null) is not a regular file"):
        read_profiles(toml)
