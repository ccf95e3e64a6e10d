"""The rich console the commands print tables with, and the argument types they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def a_path(text: str) -> Path:
    """An argparse type: a path, not an empty one, which ``Path`` reads as the current
    directory (``partsearch info ""``, a script's unset ``$CATALOG``, opened or wrote where it
    ran), as the library refuses ``Engine.open("")``."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (the current directory is '.')")
    return Path(text)


def at_least(least: int, noun: str) -> Callable[[str], int]:
    """An argparse type: a whole number of ``least`` or more (a page 0 or -1, or a count of -1,
    read as a slice, was taken without a word)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more, not {text!r}")
        return value
    return parse


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
