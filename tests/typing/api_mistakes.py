"""A user's mistakes that the public API's annotations must let ``mypy --strict`` catch (run by
``tests/test_typing.py``; never imported). Each wrong line carries the ``type: ignore`` of the
error it must give: strict mypy reports an ignore that silences nothing, so a mistake that an
``Any`` or a too-wide annotation lets through fails the test."""

from __future__ import annotations

from partsearch import Engine, Filters, SearchOptions, SearchResult


def mistakes(engine: Engine, result: SearchResult) -> None:
    steps = engine.explain("MANN", "W 920/21", "KNECHT", "OC 90")
    print(steps[0].no_such_field)  # type: ignore[attr-defined]
    print(result.online[0].no_such_field)  # type: ignore[attr-defined]
    print(result.supplier_crosses[0].no_such_field)  # type: ignore[attr-defined]
    result.filters[0][1].upper()  # type: ignore[union-attr]
    rows: int = engine.sql("select 1")  # type: ignore[assignment]
    if engine.index is not None:
        held: int = engine.index.held_back()  # type: ignore[assignment]
        print(held)
    print(rows)
    # the live search's options are the search's, by name and type
    engine.search_live_sync("W 920/21", "MANN", levle="guest")  # type: ignore[call-arg]
    engine.search_live_sync("W 920/21", "MANN", analogs_limit="20")  # type: ignore[arg-type]
    engine.iter_live("W 920/21", "MANN", show_all="false")  # type: ignore[arg-type]
    pending = engine.search_live("W 920/21", "MANN", on_update=5)  # type: ignore[arg-type]
    print(pending)
    bad: SearchOptions = {"sort": "price"}  # type: ignore[typeddict-item]
    print(bad)
    # what README documents and nothing wider: text is not a sort, nor 1 a flag or a page
    engine.search("W 920/21", "MANN", sort="price")  # type: ignore[arg-type]
    engine.search("W 920/21", "MANN", sort={"column": "price"})  # type: ignore[arg-type]
    engine.search("W 920/21", "MANN", analogs_limit=20.0)  # type: ignore[arg-type]
    engine.search("W 920/21", "MANN", show_all=1)  # type: ignore[arg-type]
    Filters(in_stock="yes")  # type: ignore[arg-type]
    Filters(max_delivery_hours="48")  # type: ignore[arg-type]
    offer_count: str = result.online[0].offer_count  # type: ignore[assignment]
    print(offer_count)
