"""Supplier profiles: how to read a supplier's price file and the supplier's terms.

A ``suppliers.toml`` holds one top-level table per supplier code::

    [ALFA]
    name = "Alfa Parts"
    file = "prices/alfa.csv"          # relative to the TOML's folder
    delivery_hours = 48
    columns = { brand = "Бренд", article = "Артикул", price = "Цена" }

    [ONLINE1]
    name = "Online supplier"
    api = { kind = "abcp", url = "http://127.0.0.1:8080", login_env = "ON1_LOGIN",
            password_env = "ON1_PASSWORD" }

Every mistake (unknown key, wrong type, missing file, missing column mapping) is a
:class:`~partsearch.errors.ProfileError` naming the TOML file and the supplier code and key.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from partsearch._inputs import blank_text, shown, trimmed, user_path
from partsearch._limits import MAX_HOURS, concurrency_problem, deadline_problem
from partsearch._money import MAX_KOPECKS, MONEY, price_of
from partsearch._toml import read_toml
from partsearch.errors import ProfileError

__all__ = ["FIELDS", "MAX_CODE", "REQUIRED_FIELDS", "SupplierProfile", "checked_code",
           "code_problem", "read_profiles"]

#: what a price file that is a folder is told (a profile's ``file``, a load's, a draft's)
NOT_A_FILE = "is a directory, not a price file"
#: what a path that is there but is neither a file nor a folder is (a FIFO's read would wait
#: for a writer forever, /dev/null's give an empty file)
NOT_REGULAR = "is not a regular file (a FIFO, a device such as /dev/null, a socket)"

#: Fields of ours that a price file column may be mapped to.
FIELDS = (
    "brand", "article", "description", "price", "quantity",
    "delivery_days", "delivery_hours", "delivery_days_max", "delivery_hours_max",
    "multiplicity", "min_quantity",
)
#: Mapped columns a file supplier must have (``brand`` may be replaced by a fixed ``brand``).
REQUIRED_FIELDS = ("brand", "article", "price")

_KEYS = {
    "name", "file", "encoding", "delimiter", "quote", "skip_rows", "sheet", "columns", "brand",
    "delivery_hours", "pickup_points", "min_order_sum", "returnable", "prepayment",
    "restrictions", "stock_accuracy", "api",
}


#: the characters a supplier code may have at most (and the UTF-8 bytes: a code is a folder's
#: and a file's name in a catalog, ``offers/<CODE>/``, ``loads/<CODE>.json``, which a file
#: system takes up to 255 bytes; 300 letters failed a load at its publish, "File name too
#: long", after every file was read)
MAX_CODE, _MAX_CODE_BYTES = 64, 200


def code_problem(code: object) -> str | None:
    """What makes ``code`` no supplier code, or None: the one rule of ``suppliers.toml``'s
    tables and of every function that writes a supplier's files into a catalog
    (``publish_offers``, ``register_profiles``, ``record_load``), since a code is the name of
    its folder and files there. A code is text of at most :data:`MAX_CODE` characters, with
    no ``/`` (``"ALFA/../GAMMA"`` named GAMMA's folder), not starting with ``.`` (``".."``
    is the folder above, a ``.`` name a catalog's temporary), without white space at its ends
    or a control or invisible character (``"ALFA "``, ``"AL\x01FA"`` printed as ALFA, a
    second supplier beside it).

    >>> code_problem("ALFA"), code_problem("Альфа 2"), code_problem("Авто\u00a0Док")
    (None, None, None)
    >>> code_problem("ALFA/../GAMMA"), code_problem("ALFA ")
    ("holds '/' at character 4 (a code is a folder's name)", 'has white space or an invisible \
character at its end')
    """
    if not isinstance(code, str):
        return f"must be text, not {type(code).__name__}"
    if blank_text(code):
        return "is empty"
    if len(code) > MAX_CODE:
        return f"is {len(code)} characters long (at most {MAX_CODE})"
    if (size := len(code.encode("utf-8", "surrogatepass"))) > _MAX_CODE_BYTES:
        return f"is {size} bytes long as UTF-8 (at most {_MAX_CODE_BYTES})"
    if code.startswith("."):
        return "starts with '.' (a code is a folder's name; '.' names are the catalog's own)"
    if (at := code.find("/")) >= 0:
        return f"holds '/' at character {at} (a code is a folder's name)"
    if trimmed(code) != code:
        end = "end" if code.startswith(trimmed(code)) else "start"
        return f"has white space or an invisible character at its {end}"
    # (a control character, NUL too, an invisible format one, a line break; not every space
    # but " ": str.isprintable refused "Авто\u00a0Док", a no-break space pasted from Excel)
    at = next((i for i, char in enumerate(code) if unicodedata.category(char) in _UNSEEN), -1)
    if at >= 0:
        return (f"holds {code[at]!r} at character {at}, a control or invisible character "
                f"(a code is printed and a folder's name)")
    return None


#: the Unicode categories a code may not hold: control, format (invisible), surrogate, private
#: use, unassigned, line and paragraph separators
_UNSEEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def checked_code(code: object, what: str) -> str:
    """``code`` when it is a supplier code (:func:`code_problem`), else :class:`ProfileError`
    naming ``what`` (the function asked), the code (cut) and what is wrong."""
    if (problem := code_problem(code)) is not None:
        raise ProfileError(f"{what}: invalid supplier code {shown(code)}: {problem}")
    return code  # type: ignore[return-value]  # (a str: code_problem says so)


#: what the offers table's columns hold (``min_order_sum`` a decimal(14, 2), ``delivery_hours``
#: an int32, ``MAX_HOURS``); a position past a spreadsheet's last column (XFD) is no column
_MAX_SUM = price_of(MAX_KOPECKS)
_MAX_COLUMNS = 16384


@dataclass(frozen=True)
class SupplierProfile:
    """One supplier: where its price file is, how to read it, and its terms.

    >>> p = SupplierProfile(code="ALFA", name="Alfa", file=Path("alfa.csv"))
    >>> p.delivery_hours, p.returnable, p.is_online
    (24, True, False)
    >>> SupplierProfile(code="ZETA", name="Zeta").is_online  # no file: answered by its api
    True
    """

    code: str
    name: str
    file: Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    quote: str | None = None
    skip_rows: int | None = None
    sheet: str | int | None = None
    columns: Mapping[str, str | int] = field(default_factory=lambda: MappingProxyType({}))
    brand: str | None = None
    delivery_hours: int = 24
    pickup_points: tuple[str, ...] = ()
    min_order_sum: Decimal = Decimal(0)
    returnable: bool = True
    prepayment: bool = False
    restrictions: str | None = None
    stock_accuracy: float = 0.97
    api: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        # Read-only views so a frozen profile cannot be changed through its mappings.
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))
        if self.api is not None:
            object.__setattr__(self, "api", MappingProxyType(dict(self.api)))
        # (trimmed, as a search's pickup point is: " Г " in a profile was a point no filter
        # named; a profile registered before keeps its padding in its JSON)
        object.__setattr__(self, "pickup_points", tuple(
            trimmed(p) if isinstance(p, str) else p for p in self.pickup_points))
        if not 0.0 <= self.stock_accuracy <= 1.0 or math.isnan(self.stock_accuracy):
            raise ProfileError(f"{self.code}: stock_accuracy must be within 0..1")

    @property
    def is_online(self) -> bool:
        """True for a supplier answered through an API rather than a price file."""
        return self.file is None

    def to_json(self) -> str:
        """The profile as JSON (for ``suppliers/<CODE>.json`` in a catalog).

        >>> p = SupplierProfile(code="A", name="A")
        >>> SupplierProfile.from_json(p.to_json()) == p
        True
        """
        data = {
            "code": self.code, "name": self.name,
            "file": None if self.file is None else str(self.file),
            "encoding": self.encoding, "delimiter": self.delimiter, "quote": self.quote,
            "skip_rows": self.skip_rows, "sheet": self.sheet, "columns": dict(self.columns),
            "brand": self.brand, "delivery_hours": self.delivery_hours,
            "pickup_points": list(self.pickup_points), "min_order_sum": str(self.min_order_sum),
            "returnable": self.returnable, "prepayment": self.prepayment,
            "restrictions": self.restrictions, "stock_accuracy": self.stock_accuracy,
            "api": None if self.api is None else dict(self.api),
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> SupplierProfile:
        """Inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
            data["file"] = None if data["file"] is None else Path(data["file"])
            data["pickup_points"] = tuple(data["pickup_points"])
            data["min_order_sum"] = Decimal(data["min_order_sum"])
            return cls(**data)
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise ProfileError(f"malformed registered profile: {exc}") from exc


def read_profiles(path: str | Path) -> list[SupplierProfile]:
    """Read every supplier of a ``suppliers.toml`` (in file order).

    >>> read_profiles("suppliers.toml")  # doctest: +SKIP
    [SupplierProfile(code='ALFA', ...), SupplierProfile(code='ONLINE1', ...)]
    """
    path = user_path(path, ProfileError, "read_profiles: path", "a suppliers.toml's path")
    data, _text = read_toml(path, "supplier profiles", ProfileError)
    if not data:
        raise ProfileError("no suppliers defined", path=path)
    return [_parse(code, table, path) for code, table in data.items()]


def _parse(code: str, table: Any, path: Path) -> SupplierProfile:
    # (first: every other message names the code as it is, which this one quotes, cut)
    if (problem := code_problem(code)) is not None:
        raise ProfileError(f"invalid supplier code {shown(code)}: {problem}", path=path)

    def fail(msg: str) -> ProfileError:
        return ProfileError(f"supplier {code}: {msg}", path=path)

    if not isinstance(table, dict):
        raise fail("must be a table ([CODE])")
    unknown = set(table) - _KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}")

    def get(key: str, types: type | tuple[type, ...], default: Any = None) -> Any:
        value = table.get(key, default)
        # bool is an int subclass: `skip_rows = true` must not pass as 1.
        bad_bool = isinstance(value, bool) and bool not in (types if isinstance(types, tuple)
                                                             else (types,))
        if value is not default and (not isinstance(value, types) or bad_bool):
            raise fail(f"key {key!r} has the wrong type ({type(value).__name__})")
        return value

    name = get("name", str, code)
    file = get("file", str)
    api = get("api", dict)
    if api is not None:
        _check_api(api, fail)
    if file is None and api is None:
        raise fail("needs a 'file' or an 'api'")
    if file is not None and api is not None:
        # (its part would be listed twice, the file's offer beside the API's, and a file
        # supplier is never asked online nor an online one loaded: one supplier, one source)
        raise fail("has both a 'file' and an 'api': a supplier is a price file or an online "
                   "API; give the other its own table (its own code)")
    file_path = None
    if file is not None:
        try:
            file_path = (path.parent / file).resolve()
        except (RuntimeError, OSError, ValueError) as exc:
            # (Python's RuntimeError of a symlink loop, a traceback out of load; 3.13's
            # OSError ELOOP; ValueError of a NUL, "\u0000" in the TOML)
            why = "holds a NUL character" if isinstance(exc, ValueError) else \
                "is a symlink loop (a link that leads back to itself), no file"
            raise fail(f"key 'file': {shown(str(path.parent / file))} {why}") from exc
        if not file_path.is_file():
            raise fail(f"key 'file': {file_path} " + (
                NOT_A_FILE if file_path.is_dir() else NOT_REGULAR if file_path.exists()
                else "does not exist"))
    columns = get("columns", dict, {})
    for key, value in columns.items():
        if key not in FIELDS:
            raise fail(f"key 'columns': unknown field {key!r} (known: {', '.join(FIELDS)})")
        if isinstance(value, bool) or not isinstance(value, str | int) or (
            isinstance(value, int) and not 0 <= value < _MAX_COLUMNS
        ):
            raise fail(f"key 'columns.{key}': must be a header name or a 0-based position "
                       f"(below {_MAX_COLUMNS}, a spreadsheet's columns)")
    for pair in (("delivery_days", "delivery_hours"), ("delivery_days_max", "delivery_hours_max")):
        if set(pair) <= set(columns):
            raise fail(f"key 'columns': maps both {pair[0]} and {pair[1]} (one column is the "
                       "time, in days or in hours)")
    brand = get("brand", str)
    if file_path is not None:
        need = [f for f in REQUIRED_FIELDS if f not in columns and not (f == "brand" and brand)]
        if need:
            raise fail(f"key 'columns': missing required mapping for {', '.join(need)}")
    sheet = get("sheet", (str, int))
    if isinstance(sheet, int) and sheet < 0:  # (fastexcel's "cannot create IdxOrName from -1")
        raise fail(f"key 'sheet' must be a sheet's name or its 0-based index (0 or more), "
                   f"not {sheet}")
    skip_rows = get("skip_rows", int)
    if skip_rows is not None and skip_rows < 0:
        raise fail("key 'skip_rows' must be >= 0")
    delimiter = get("delimiter", str)
    quote = get("quote", str)
    for key, value in (("delimiter", delimiter), ("quote", quote)):
        if value is not None and len(value) != 1:
            raise fail(f"key {key!r} must be one character")
    encoding = get("encoding", str)
    if encoding is not None:
        try:
            "".encode(encoding)
        except (LookupError, ValueError) as exc:  # (ValueError: a name holding "\0")
            raise fail(f"key 'encoding': unknown encoding {encoding!r}") from exc
    hours = get("delivery_hours", int, 24)
    if not 0 <= hours <= MAX_HOURS:
        raise fail(f"key 'delivery_hours' must be within 0..{MAX_HOURS}")
    points = get("pickup_points", list, [])
    if not all(isinstance(p, str) for p in points):
        raise fail("key 'pickup_points' must be a list of strings")
    min_sum = get("min_order_sum", (int, float, str), 0)
    try:
        min_order_sum = Decimal(str(min_sum))
    except InvalidOperation as exc:
        raise fail(f"key 'min_order_sum': not a number {min_sum!r}") from exc
    # (NaN first: it is no number, and comparing it raises)
    if not min_order_sum.is_finite() or not 0 <= min_order_sum <= _MAX_SUM:
        raise fail(f"key 'min_order_sum' must be a number within 0..{_MAX_SUM}")
    # (half up in the library's own context: the caller's may round half even, or hold too
    # few digits for the sum and raise)
    min_order_sum = min_order_sum.quantize(Decimal("0.01"), ROUND_HALF_UP, MONEY)
    accuracy = float(get("stock_accuracy", (int, float), 0.97))
    if not 0.0 <= accuracy <= 1.0:
        raise fail("key 'stock_accuracy' must be within 0..1")
    return SupplierProfile(
        code=code, name=name, file=file_path, encoding=encoding, delimiter=delimiter,
        quote=quote, skip_rows=skip_rows, sheet=sheet, columns=columns, brand=brand,
        delivery_hours=hours, pickup_points=tuple(points), min_order_sum=min_order_sum,
        returnable=get("returnable", bool, True), prepayment=get("prepayment", bool, False),
        restrictions=get("restrictions", str), stock_accuracy=accuracy, api=api,
    )


#: the keys of an ``api`` table every connector reads (``online.abcp``), with their checks;
#: an ABCP table has no others, another kind (a shop's own connector) may
_API_KEYS = ("kind", "url", "login_env", "password_env", "deadline_s", "max_concurrency",
             "use_online_stocks")
#: the keys an ABCP connector cannot do without (``online.abcp.AbcpConnector.from_api_config``)
_ABCP_REQUIRED = ("url", "login_env", "password_env")
#: a key naming a credential itself, not the environment variable holding it (``login``,
#: ``api_key``, ``client_secret``, ``access_token``; not ``user_agent``, ``max_tokens``, nor
#: an OAuth connector's ``token_url``: a token is the key's last word)
_SECRET = re.compile(r"^(api_?key|key|auth|login|user(name)?|userlogin|pass(wd|word)?|pwd|psw"
                     r"|userpsw)$|(^|_)(password|secret)(_|$)|(^|_)token$", re.IGNORECASE)


def _check_api(api: dict[str, Any], fail: Callable[[str], ProfileError]) -> None:
    """An ``api`` table's mistakes, at load time rather than at the first live search: an
    unknown key of ABCP's (a key of another kind's close to one of the common keys, a typo,
    too), a kind that is no name, a URL that is not http(s), a deadline or concurrency that is
    not positive (a deadline past ``MAX_DEADLINE_S`` too), a credential written into the file,
    and a key ABCP needs left out. The kind ``abcp`` is read in any case (and kept as
    ``abcp``)."""
    import difflib
    from urllib.parse import parse_qs, urlsplit

    kind = api.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise fail("key 'api': 'kind' must be a string naming the connector")
    if kind.lower() == "abcp":
        # (the shipped kind, however written: "ABCP" would otherwise pass here as a shop's
        # own kind and fail at every live search as an unknown one)
        kind = api["kind"] = "abcp"
    for key in api:
        if _SECRET.search(key) and not key.endswith("_env"):
            raise fail(f"key 'api.{key}': credentials come from the named environment "
                       f"variables, never from the file ({key}_env = \"VARIABLE\")")
        if key in _API_KEYS:
            continue
        close = difflib.get_close_matches(key, _API_KEYS, n=1, cutoff=0.8)
        if kind == "abcp" or close:
            hint = f" (did you mean {close[0]!r}?)" if close else \
                f" (known: {', '.join(_API_KEYS)})"
            raise fail(f"key 'api': unknown key {key!r}{hint}")
    url = api.get("url")
    if url is not None:
        try:
            parts = urlsplit(url) if isinstance(url, str) else None
        except ValueError:  # ("https://[::1": urllib's "Invalid IPv6 URL")
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail(f"key 'api.url': must be an http(s) URL, not {shown(url)}")
        if parts.username or parts.password or any(
                _SECRET.search(k) for k in parse_qs(parts.query)):
            raise fail("key 'api.url': credentials come from the named environment "
                       "variables, never from the file")
    for key in ("login_env", "password_env"):
        value = api.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise fail(f"key 'api.{key}': must name an environment variable")
    # (the rules LiveSuppliers holds a shop's own connector to as well)
    for key, problem in (("deadline_s", deadline_problem), ("max_concurrency",
                                                           concurrency_problem)):
        value = api.get(key)
        if value is not None and (why := problem(value)) is not None:
            raise fail(f"key 'api.{key}': {why}, not {value!r}")
    stocks = api.get("use_online_stocks")
    if stocks is not None and not isinstance(stocks, bool):
        raise fail("key 'api.use_online_stocks': must be true or false")
    if kind == "abcp":
        missing = [key for key in _ABCP_REQUIRED if key not in api]
        if missing:
            raise fail(f"key 'api': missing {', '.join(map(repr, missing))} (an 'abcp' api "
                       f"needs {', '.join(_ABCP_REQUIRED)})")
