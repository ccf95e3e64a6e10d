"""Online suppliers: asked over HTTP at search time, under a deadline, never trusted blindly.

>>> from partsearch.online import connector_from_api
>>> api = {"kind": "abcp", "url": "https://x.example", "login_env": "X_L", "password_env": "X_P"}
>>> connector_from_api("x", api, {"X_L": "me", "X_P": "pw"}).code
'x'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from partsearch._inputs import shown
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
    "ConnectorFactory",
    "LiveOffer",
    "LiveSuppliers",
    "OfferList",
    "SupplierOutcome",
    "TTLCache",
    "connector_from_api",
]

#: Builds a connector from ``(supplier code, the profile's api table, environment or None)``;
#: passed to ``Engine.open(catalog, connectors={kind: factory})`` for a shop's own ``api.kind``.
ConnectorFactory = Callable[[str, Mapping[str, Any], Mapping[str, str] | None], Connector]


def connector_from_api(
    code: str,
    api: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    *,
    kinds: Mapping[str, ConnectorFactory] | None = None,
    delivery_hours: int = 24,
) -> Connector:
    """A connector for a profile's ``api`` table, chosen by ``api["kind"]`` in any case: one of
    ``kinds`` (a shop's own, by kind name; one named ``abcp`` replaces the shipped), else the
    shipped ``abcp``.

    Credentials are read from the environment variables the table names (``env`` overrides
    ``os.environ``, for tests). ``delivery_hours`` is the supplier profile's, which the shipped
    ``abcp`` gives an item that states no delivery. Unknown kinds raise :class:`SupplierError`.

    >>> class Mine:
    ...     code, deadline_s, max_concurrency = "m", 1.0, 1
    ...     async def search(self, client, article, brand): return []
    >>> connector_from_api("m", {"kind": "myshop"}, kinds={"myshop": lambda c, a, e: Mine()}).code
    'm'
    """
    if not isinstance(api, Mapping):  # (None, a kind's name alone: AttributeError)
        raise SupplierError(f"supplier {code}: api must be a table such as {{ kind = \"abcp\", "
                            f"url = ... }}, not {shown(api)}")
    kind = api.get("kind")
    factory = None
    if isinstance(kind, str) and kinds:
        # a kind is read in any case, as "abcp" is: a shop's "ABCP" factory replaces the shipped
        factory = kinds.get(kind) or next(
            (f for name, f in kinds.items() if name.casefold() == kind.casefold()), None)
    if factory is not None:
        return factory(code, api, env)
    if isinstance(kind, str) and kind.lower() == "abcp":  # (as the profiles read it)
        return AbcpConnector.from_api_config(code, api, env, delivery_hours=delivery_hours)
    known = ", ".join(repr(k) for k in sorted({"abcp", *(kinds or {})}))
    raise SupplierError(f"supplier {code}: unknown api kind {shown(kind)} (known: {known})")
