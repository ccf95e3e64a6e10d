"""The ABCP connector: ``GET {url}/search/articles`` on an ABCP-based shop.

A profile entry (``suppliers.toml``) names the API and the *environment variables* holding the
credentials, never the credentials themselves::

    [suppliers.abc.api]
    kind = "abcp"
    url = "https://abc.public.api.abcp.ru"
    login_env = "ABC_LOGIN"
    password_env = "ABC_PASSWORD"
    deadline_s = 3.0
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from partsearch._inputs import shown
from partsearch._limits import MAX_DEADLINE_S, concurrency_problem, deadline_problem
from partsearch._money import number_kopecks, price_of, read_kopecks
from partsearch._quantity import read_quantity
from partsearch.brands import brand_key
from partsearch.errors import PartsearchError, SupplierError
from partsearch.normalize import article_key, display_article
from partsearch.online._model import LiveOffer, offer_problem, settled
from partsearch.online.connector import OfferList, SettledOffers

if TYPE_CHECKING:
    import httpx

__all__ = ["AbcpConnector"]

# ABCP ``availability`` codes for inexact stock: "+", "++", "+++" (read as at least 1, 10, 100).
_INEXACT = {-1: 1, -2: 10, -3: 100}
_ON_ORDER = -10
# ABCP's "No results" (search/articles answers it with HTTP 404)
_NO_RESULTS = "301"
# ABCP's codes sent as text ("-1", "-10"); any other text is read as a price file's quantity
_CODE = re.compile(r"\s*(-[0-9]{1,6})\s*")
_TRUE = {"1", "true", "yes", "y", "да"}
# a whole number's text, as a price file's delivery cell holds one ("48", "48.0", "48,00")
_WHOLE = re.compile(r"\s*([0-9]{1,12})(?:[.,]0+)?\s*")
# a value a rejection's reason quotes (as repr quotes text: '...', or "..." when it holds ')
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_SECRET_PARAM = re.compile(r"(userpsw|userlogin)=[^&\s'\"]*", re.IGNORECASE)
# ABCP's times (``lastUpdateTime``, "2024-05-01 10:00:00") are its servers' Moscow time, which
# has kept UTC+3 all year since 2014
_MOSCOW = timezone(timedelta(hours=3), "MSK")


def _int(value: Any, default: int | None) -> int | None:
    """A lenient integer: ABCP sends numbers as ints, floats or numeric strings."""
    if value is None or isinstance(value, bool) or value == "":
        return default
    try:
        return int(float(str(value).strip().replace(",", ".")))
    except (ValueError, OverflowError):
        return default


def _hours(value: Any, what: str) -> int | None:
    """Whole hours of ``deliveryPeriod`` (or ``deliveryPeriodMax``), as the loader reads a
    delivery cell's number (``48``, ``48.0``, its text); None when none is given (null, missing,
    empty text). A fraction, a negative number or text that is no number raises ValueError,
    as such a cell is ``bad delivery`` to the loader: read as 0, the offer ranked as the
    fastest.

    >>> _hours(48.0, "delivery"), _hours(" 72 ", "delivery"), _hours(None, "delivery")
    (48, 72, None)
    >>> _hours(2.7, "delivery")
    Traceback (most recent call last):
    ValueError: bad delivery 2.7
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value  # (past int32 hours: offer_problem's "too large")
    if isinstance(value, str) and (whole := _WHOLE.fullmatch(value)) is not None:
        return int(whole.group(1))
    raise ValueError(f"bad {what} {value!r}"[:80])


def _availability(value: Any) -> tuple[int | None, bool, bool]:
    """``(quantity, exact, on_order)`` of ABCP's ``availability``: a number (n ≥ 0 exact;
    −1/−2/−3 at least 1/10/100; −10 on order; another negative at least 1), as JSON's or as
    text, or other text read as the loader reads a price file's quantity
    (:func:`partsearch._quantity.read_quantity`: ``1 000``, ``>10``, ``под заказ``); a
    fraction or text that is no quantity raises ValueError with the reason.

    >>> _availability("1 000"), _availability(-2), _availability("-10"), _availability(None)
    ((1000, True, False), (10, False, False), (None, False, True), (None, False, False))
    """
    if value is None or isinstance(value, bool) or value == "":
        return None, False, False
    number = value
    if isinstance(value, str):
        code = _CODE.fullmatch(value)
        if code is None:
            quantity, exact, on_order, reason = read_quantity(value)
            if reason is not None:
                raise ValueError(reason)
            return quantity, exact, on_order
        number = int(code.group(1))
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, int):  # (a fraction, NaN, an object: no count of parts)
        raise ValueError(f"bad quantity {value!r}"[:80])
    if number >= 0:
        return number, True, False
    if number == _ON_ORDER:
        return None, False, True
    return _INEXACT.get(number, 1), False, False


def _price(value: Any) -> Decimal:
    """Roubles to the kopeck: text read as the price-file loader reads a price's text
    (:func:`partsearch._money.read_kopecks`: ``1\u00a0298,00``, ``1.234,56``, ``12,345.67``,
    ``850 руб.``; half up; zero, negative, ``1e3`` or above ``MAX_KOPECKS`` no price), a JSON
    number as the number it is, by the same rule (:func:`partsearch._money.number_kopecks`:
    ``1e3`` is 1000.00, as a shop's ``Decimal("1E+3")`` is; ``1e30`` too large).

    >>> _price("1 234,505"), _price(99), _price(401.5), _price(1e3)
    (Decimal('1234.51'), Decimal('99.00'), Decimal('401.50'), Decimal('1000.00'))
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"bad price {value!r}")
    kopecks, reason = (read_kopecks(value) if isinstance(value, str) else
                       number_kopecks(value))
    if kopecks is None:
        raise ValueError(reason)
    return price_of(kopecks)


def _updated(value: Any) -> str | None:
    """``lastUpdateTime`` as ISO 8601 with its offset (Moscow time when it names none); text
    that is no time is kept as sent (the search shows no time for it).

    >>> _updated("2024-05-01 10:00:00"), _updated("yesterday"), _updated("")
    ('2024-05-01T10:00:00+03:00', 'yesterday', None)
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=_MOSCOW)
    return when.isoformat(timespec="seconds")


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _probability(value: Any) -> float | None:
    """``deliveryProbability``, a percentage, as 0..1; one outside 0..100 % is outside 0..1,
    which every connector's offer is rejected for (``offer_problem``), where it was capped
    (150 % shown as 1.0, a sure delivery). None, text that is no number or NaN: none given.

    >>> _probability(97), _probability("85,5"), _probability(150), _probability("n/a")
    (0.97, 0.855, 1.5, None)
    """
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        pct = float(str(value).replace(",", "."))
    except ValueError:
        return None
    if math.isnan(pct):
        return None
    return pct / 100.0


class AbcpConnector:
    """An ABCP shop's ``search/articles`` API.

    ``deadline_s`` is how long a live search waits for this supplier; ``use_online_stocks`` asks
    ABCP to include its own online suppliers (slower, more offers); ``delivery_hours`` is the
    delivery of an item that states none (no ``deliveryPeriod``): the supplier profile's.

    >>> c = AbcpConnector("abc", "https://abc.example/", "me", "s3cr3t")
    >>> c
    AbcpConnector(code='abc', url='https://abc.example', login='***', password='***')
    """

    def __init__(
        self,
        code: str,
        url: str,
        login: str,
        password: str,
        *,
        deadline_s: float = 3.0,
        use_online_stocks: bool = True,
        max_concurrency: int = 4,
        delivery_hours: int = 24,
    ) -> None:
        self.code = code
        self.url = url.rstrip("/")
        self.deadline_s = float(deadline_s)
        self.use_online_stocks = use_online_stocks
        self.max_concurrency = int(max_concurrency)
        self.delivery_hours = int(delivery_hours)
        self._login = login
        self._password = password
        # each credential as a whole token: not beside a letter or digit (the longer first,
        # so that one holding the other is masked whole)
        secrets = sorted({x for x in (login, password) if x}, key=len, reverse=True)
        self._secrets = re.compile(
            "|".join(rf"(?<![^\W_]){re.escape(x)}(?![^\W_])" for x in secrets) or r"(?!)")
        self._check_request()

    def _params(self, article: str, brand: str | None) -> dict[str, str]:
        """The query parameters of a request for ``article`` (of ``brand``)."""
        params = {
            "userlogin": self._login,
            # ABCP usually expects md5(password) here; the profile supplies whatever the shop
            # wants sent, so it is passed through as given (hashing would break plain setups).
            "userpsw": self._password,
            "number": article,
            "useOnlineStocks": "1" if self.use_online_stocks else "0",
        }
        if brand is not None:
            params["brand"] = brand
        return params

    def _check_request(self) -> None:
        """Refuse, as the connector is built, what would fail every request before it went out:
        a URL httpx cannot request (a no-break space in the host, ``https://[::1``, no host),
        credentials a URL cannot carry (a lone surrogate, as ``os.environ`` gives for bytes
        that are not UTF-8), or the two past httpx's URL length with the longest query a live
        search sends. Met at search time, each failed every search as an uncounted query's
        fault, and nobody looked at the profile; now the supplier is unavailable, saying why.
        What is left to a request's URL is the query's text, which ``unsendable`` has checked
        (no lone surrogate, at most ``MAX_QUERY_CHARS``) and httpx percent-encodes."""
        import httpx

        from partsearch.online.live import MAX_QUERY_CHARS

        try:
            url = httpx.URL(self.url)
        except (httpx.InvalidURL, UnicodeEncodeError) as exc:
            raise SupplierError(f"supplier {self.code}: url {shown(self.url)} cannot be "
                                f"requested: {self._redact(str(exc))[:120]}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise SupplierError(f"supplier {self.code}: url {shown(self.url)} is no http(s) URL "
                                f"with a host")
        longest = "\U0010ffff" * MAX_QUERY_CHARS  # (12 characters each, percent-encoded)
        try:
            httpx.URL(f"{self.url}/search/articles", params=self._params(longest, longest))
        except UnicodeEncodeError:  # (never quoted: it is a credential's)
            raise SupplierError(f"supplier {self.code}: the login or password cannot be sent: "
                                f"it holds a character that is no text (a lone surrogate, as "
                                f"an environment variable of bytes that are not UTF-8 "
                                f"gives)") from None
        except httpx.InvalidURL:
            raise SupplierError(f"supplier {self.code}: url {shown(self.url)} with the login "
                                f"and password makes a request URL longer than httpx takes "
                                f"(65,536 characters)") from None

    def __repr__(self) -> str:
        return f"AbcpConnector(code={self.code!r}, url={self.url!r}, login='***', password='***')"

    @classmethod
    def from_api_config(
        cls, code: str, api: Mapping[str, Any], env: Mapping[str, str] | None = None, *,
        delivery_hours: int = 24,
    ) -> AbcpConnector:
        """Build from a profile's ``api`` table; credentials come from the named env variables.
        ``delivery_hours`` is the profile's (an item stating no delivery gets it).

        >>> api = {"kind": "abcp", "url": "https://x.example", "login_env": "X_LOGIN",
        ...        "password_env": "X_PASSWORD", "deadline_s": 2.5}
        >>> c = AbcpConnector.from_api_config("x", api, {"X_LOGIN": "me", "X_PASSWORD": "pw"})
        >>> c.deadline_s
        2.5
        """
        env = os.environ if env is None else env
        url = api.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SupplierError(f"supplier {code}: api.url must be an http(s) URL")
        creds: list[str] = []
        for key in ("login_env", "password_env"):
            var = api.get(key)
            if not isinstance(var, str) or not var:
                raise SupplierError(f"supplier {code}: api.{key} must name an environment variable")
            value = env.get(var)
            if not value:
                # Name the variable, never a value.
                raise SupplierError(f"supplier {code}: environment variable {var} is not set")
            creds.append(value)
        try:
            deadline = float(api.get("deadline_s", 3.0))
            conc = int(api.get("max_concurrency", 4))
        except (TypeError, ValueError):
            raise SupplierError(f"supplier {code}: bad deadline_s or max_concurrency") from None
        # (the one rule of a profile's api table and of any connector; nan, inf: waited for
        # for good)
        if deadline_problem(deadline) or concurrency_problem(conc):
            raise SupplierError(f"supplier {code}: deadline_s must be a positive number of "
                                f"seconds, at most {MAX_DEADLINE_S:g}, and max_concurrency "
                                f"a whole number >= 1")
        return cls(
            code,
            url,
            creds[0],
            creds[1],
            deadline_s=deadline,
            use_online_stocks=bool(api.get("use_online_stocks", True)),
            max_concurrency=conc,
            delivery_hours=delivery_hours,
        )

    def _redact(self, text: str) -> str:
        """Strip credentials from text that may quote the request URL (httpx errors do) or echo
        them (a supplier's ``errorMessage``): the URL's credential parameters, and the login
        and the password where either stands as a whole token, never inside another word (a
        login ``a`` made "negative price" "neg***tive price").

        >>> AbcpConnector("abc", "https://abc.example", "a", "pw")._redact(
        ...     "Wrong login a for a password: pw (userpsw=pw&x=1)")
        'Wrong login *** for *** password: *** (userpsw=***&x=1)'
        """
        return self._secrets.sub("***", _SECRET_PARAM.sub(r"\1=***", text))

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        """Ask ABCP for ``article`` (of ``brand`` if given); returns an :class:`OfferList`."""
        import httpx

        try:
            response = await client.get(f"{self.url}/search/articles",
                                        params=self._params(article, brand))
            body = await response.aread()
        except httpx.HTTPError as exc:
            reason = self._redact(str(exc))[:200]
            raise SupplierError(f"network error: {type(exc).__name__}: {reason}") from None
        if response.status_code != 200:
            # ABCP sends its errors with 4xx statuses too: the body says what went wrong
            error = self._error(_json_or_none(body))
            if error is not None and error[0] == _NO_RESULTS:
                return OfferList()
            said = f": supplier error {error[0]}: {error[1]}" if error is not None else ""
            raise SupplierError(f"HTTP {response.status_code}{said}")
        return self.parse(body)

    def _error(self, data: Any) -> tuple[str, str] | None:
        """An ``{errorCode, errorMessage}`` answer's code and message (redacted), else None."""
        if not isinstance(data, dict) or "errorCode" not in data:
            return None
        return (str(data.get("errorCode"))[:20],
                self._redact(str(data.get("errorMessage", "")))[:200])

    def parse(self, body: bytes | str) -> OfferList:
        """Turn an answer body into offers, each checked and settled as every connector's
        offer is (so :class:`~partsearch.online.LiveSuppliers` does not check them again);
        malformed items are dropped with a reason naming the item."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SupplierError(f"malformed answer: not JSON ({type(exc).__name__})") from None
        error = self._error(data)
        if error is not None:
            if error[0] == _NO_RESULTS:  # the supplier has nothing for this article: an answer
                return OfferList()
            raise SupplierError(f"supplier error {error[0]}: {error[1]}")
        if not isinstance(data, list):
            raise SupplierError(f"malformed answer: expected a list, got {type(data).__name__}")
        offers: list[LiveOffer] = []
        rejected: list[str] = []
        for i, item in enumerate(data):
            try:
                offers.append(self._offer(item))
            except (ValueError, TypeError, PartsearchError) as exc:
                # the reason's words are ours: only the supplier's values it quotes are
                # masked (a password "price" made "negative price" "negative ***")
                reason = _QUOTED.sub(lambda m: self._redact(m.group()), str(exc))
                rejected.append(f"item {i}: {reason[:120]}")
        return SettledOffers(offers, rejected)

    def _offer(self, item: Any) -> LiveOffer:
        if not isinstance(item, dict):
            raise ValueError("not an object")
        number, brand_raw = item.get("number"), item.get("brand")
        if number in (None, "") or isinstance(number, bool | dict | list):
            raise ValueError("no number")
        if not isinstance(brand_raw, str) or not brand_raw.strip():
            raise ValueError("no brand")
        article = display_article(number)
        # keyed by its number as every connector's offer is (``_model.settled``): ABCP's
        # ``numberFix`` is its own cleaning of it, a key the search does not make
        key = article_key(article)
        quantity, exact, on_order = _availability(item.get("availability"))
        packing = _int(item.get("packing"), 1) or 1
        # none stated: the profile's delivery_hours, as for a price file's empty cell
        period = _hours(item.get("deliveryPeriod"), "delivery")
        if period is None:
            period = self.delivery_hours
        period_max = _hours(item.get("deliveryPeriodMax"), "guaranteed delivery")
        updated = item.get("lastUpdateTime")
        item_key = item.get("itemKey")
        offer = LiveOffer(
            supplier=self.code,
            brand=brand_key(brand_raw),
            brand_raw=brand_raw,
            article=article,
            article_key=key,
            description=str(item.get("description") or ""),
            price=_price(item.get("price")),
            quantity=quantity,
            quantity_exact=exact,
            on_order=on_order,
            multiplicity=max(packing, 1),
            delivery_hours=period,
            # 0 is ABCP's "not given"; one shorter than the expected time is none, as every
            # connector's is (``settled``, below)
            delivery_hours_max=period_max or None,
            returnable=not _truthy(item.get("noReturn")),
            item_key=None if item_key in (None, "") else str(item_key),
            updated=_updated(updated),
            probability=_probability(item.get("deliveryProbability")),
            # ABCP gives no original/analog classification: the requester compares brand+article.
            supplier_class=None,
        )
        # (a row a price file could not carry: 10**30 in stock overflowed the search)
        problem = offer_problem(offer)
        if problem is not None:
            raise ValueError(problem)
        return settled(offer)
