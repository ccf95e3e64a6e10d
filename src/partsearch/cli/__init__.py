"""The ``partsearch`` command: a thin shell over the library.

Each layer registers its own subcommands (``cli/load.py``, ``cli/profile.py``,
``cli/crosses.py``, ``cli/search.py``, ``cli/info.py``, ``cli/sql.py``);
a subcommand parses arguments, calls the library and prints. A :class:`PartsearchError` ends the
command with its message and exit code 2, never a traceback; a :class:`PartsearchWarning` is one
line on stderr, ``partsearch: warning: ...``, or, made an error by the user's filter (``-W
error``), ends the command as an error does.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from importlib import import_module
from typing import TextIO

from partsearch.errors import PartsearchError, PartsearchWarning

# Modules that define ``register(subparsers)``; each sets ``func`` on its parsers.
_COMMANDS = ("partsearch.cli.load", "partsearch.cli.profile", "partsearch.cli.crosses",
             "partsearch.cli.search", "partsearch.cli.info", "partsearch.cli.sql")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partsearch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(_glue_sort(sys.argv[1:] if argv is None else argv))
    func: Callable[[argparse.Namespace], int] = args.func
    if getattr(sys.stdout, "errors", None) == "strict":
        # (an output that cannot hold a character, PYTHONIOENCODING=ascii: \u0424 for it, not
        # a UnicodeEncodeError's traceback)
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        with _warnings_as_lines():
            code = func(args)
        sys.stdout.flush()  # (here, where a closed pipe is caught below, not at exit)
        return code
    except (PartsearchError, PartsearchWarning) as exc:  # (a warning the user's filter,
        # -W error or PYTHONWARNINGS=error, made an error: as an error, not a traceback)
        print(f"partsearch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader stopped early (``| head``): not an error; stdout goes nowhere from here,
        # so the interpreter's own flush at exit does not fail again
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # (the output, > /dev/full, or a file: one line, not a traceback)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        _quiet_stdout()
        with contextlib.suppress(OSError):  # (2> /dev/full too: the exit status says it)
            print(f"partsearch: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """A :class:`PartsearchWarning` as one line on stderr, ``partsearch: warning: <message>``
    as an error's, each message once (told again by a reload or a second open, it is no news
    to whoever reads the terminal), where Python showed ``file:line: StaleKeysWarning: ...``
    and the library's line of source; any other warning as Python shows it. The filters stay
    the user's (``-W``, ``PYTHONWARNINGS``): an ignored warning is not shown, an error is
    raised."""
    told: set[str] = set()
    with warnings.catch_warnings():  # (put back after: main() may run inside a program)
        python = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
            if not issubclass(category, PartsearchWarning):
                python(message, category, filename, lineno, file, line)
            elif str(message) not in told:
                told.add(str(message))
                with contextlib.suppress(OSError):  # (2> /dev/full: the warning goes unsaid)
                    print(f"partsearch: warning: {message}", file=sys.stderr, flush=True)

        warnings.showwarning = show
        yield


def _quiet_stdout() -> None:
    """Whatever is left in stdout's buffer written now, or, when stdout itself failed, stdout
    sent nowhere from here, so the interpreter's flush at exit does not fail again."""
    import os

    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _glue_sort(argv: Sequence[str]) -> list[str]:
    """``--sort -price`` as ``--sort=-price``: argparse reads a value that starts with ``-`` as
    the next option, and a descending sort is written with one."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--sort":
            value = next(args, None)
            out.append("--sort" if value is None else f"--sort={value}")
        else:
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
