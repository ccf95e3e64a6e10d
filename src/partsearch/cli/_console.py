"""The rich console the commands print tables with."""

from __future__ import annotations

from typing import Any


def console(**options: Any) -> Any:
    """A rich ``Console`` whose closed pipe (``| head -1``) is the ``BrokenPipeError`` that
    ``partsearch.cli.main`` reads as no error: rich's own ends the process with exit 1, which a
    script takes for ``not_found``."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(**options)
