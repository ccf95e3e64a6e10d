"""Online suppliers: asked over HTTP at search time, under a deadline, never trusted blindly.

>>> from partsearch.online import connector_from_api
>>> api = {"kind": "abcp", "url": "https://x.example", "login_env": "X_L", "password_env": "X_P"}
>>> connector_from_api("x", api, {"X_L": "me", "X_P": "pw"}).code
'x'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from partsearch.errors import SupplierError
from partsearch.online._model import LiveOffer, SupplierOutcome
from partsearch.online._resilience import CircuitBreaker, TTLCache
from partsearch.online.abcp import AbcpConnector
from partsearch.online.connector import Connector, OfferList
from partsearch.online.live import LiveSuppliers

__all__ = [
    "AbcpConnector",
    "CircuitBreaker",
    "Connector",
    "LiveOffer",
    "LiveSuppliers",
    "OfferList",
    "SupplierOutcome",
    "TTLCache",
    "connector_from_api",
]


def connector_from_api(
    code: str, api: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> Connector:
    """A connector for a profile's ``api`` table, chosen by ``api["kind"]`` (today: ``abcp``).

    Credentials are read from the environment variables the table names (``env`` overrides
    ``os.environ``, for tests). Unknown kinds raise :class:`SupplierError`.
    """
    kind = api.get("kind")
    if kind == "abcp":
        return AbcpConnector.from_api_config(code, api, env)
    raise SupplierError(f"supplier {code}: unknown api kind {kind!r} (known: 'abcp')")
