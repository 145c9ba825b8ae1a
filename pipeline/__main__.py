"""`ocindex COMMAND [OPTIONS]` (or `python -m pipeline COMMAND`): one entry point for every command.

The commands are those of `python -m pipeline.<command>`, which stay: the options and exit statuses
are theirs (`ocindex run --help`).
"""

from __future__ import annotations

import difflib
import importlib
import sys

from pipeline import __version__
from pipeline.cli.ending import finish, say

COMMANDS = {
    "run": "the whole batch: [fetch ->] parse -> validate -> load, and the report",
    "parse": "parse one saved page and print its record",
    "search": "full-text search of the analysis sections",
    "export": "write the tables as Parquet or CSV",
    "report": "(re)write the report from the database",
    "dictionary": "the data dictionary, from the database's comments",
    "sql": "one read-only SQL query, printed as a table, CSV or JSON",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()]
    return "usage: ocindex COMMAND [OPTIONS]   (ocindex COMMAND --help for its options)\n\ncommands:\n" + "\n".join(
        lines
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        say(usage(), sys.stdout if args else sys.stderr)
        return 0 if args else 2
    if args[0] == "--version":
        say(f"ocindex-pipeline {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        say(
            f"ocindex: unknown command {name!r}{hint} (the commands: {', '.join(COMMANDS)}; ocindex --help)", sys.stderr
        )
        return 2
    return int(importlib.import_module(f"pipeline.{name}").main(rest))


def cli() -> None:
    """The `ocindex` command (an entry point of the package)."""
    finish(main)


if __name__ == "__main__":
    cli()
