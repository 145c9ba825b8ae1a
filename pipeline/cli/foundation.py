"""What every command shares: its parser (prog `ocindex NAME`, no abbreviated options, a usage error as one
line with the nearest option), the options every command that reads the database has (`--db`, `-q`,
`--log-format`), and the one place where errors become messages and exit statuses (`run_command`).

Exit statuses: 2 a usage error, 3 could not complete (the database unchanged), 75 the database is held by
another run or program (the message names its PID), 130 interrupted; a command's own statuses (0, and 1 for
`run --strict` or `parse` of a page with an error) are its own.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from pipeline import DEFAULT_DB
from pipeline.cli.ending import say
from pipeline.errors import CTRL_C, DatabaseBusy, DatabaseChanged, PipelineError, UsageError

USAGE, FAILED, BUSY, INTERRUPTED = 2, 3, 75, 130


class Parser(argparse.ArgumentParser):
    """A command's options: no abbreviation (`--str` is not `--strict`), and a usage error raised as one line
    naming the nearest option."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}{self._nearest(message)} (see {self.prog} --help)")

    def _nearest(self, message: str) -> str:
        if "unrecognized arguments" not in message:
            return ""
        known = [o for a in self._actions for o in a.option_strings]
        for word in message.split(":", 1)[-1].split():
            close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.6)
            if close:
                return f"; did you mean {close[0]}?"
        return ""


def command(name: str, description: str, database: bool = True) -> Parser:
    """A command's parser, prog `ocindex NAME`; `database`: it reads the database (`--db`, and the output options
    every such command has)."""
    p = Parser(prog=f"ocindex {name}", description=description)
    if database:
        p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the DuckDB file (default: {DEFAULT_DB})")
        p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success; problems go to stderr")
        p.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="json: a failure as one JSON object on stderr")  # fmt: skip
    return p


def existing_db(path: Path) -> Path:
    """The database a command reads: it must be there (else a usage error saying how to make it)."""
    if not path.is_file():
        raise UsageError(f"{path} is not a database file; make it with `ocindex run` (python -m pipeline.run) first")
    return path


def open_db(path: Path):
    """The database a command reads, open read-only: held for writing by another program, DatabaseBusy
    naming its PID (exit 75); not a DuckDB file, a usage error."""
    from pipeline.errors import DatabaseUnreadable
    from pipeline.warehouse.load import Warehouse

    try:
        return Warehouse(existing_db(path)).open_read_only()
    except DatabaseUnreadable as exc:
        raise UsageError(str(exc)) from None


def logs_beside_db(argv: list[str] | None) -> Callable[[], Path]:
    """Where a command that reads the database puts an unexpected error's log: beside the database (`--db`)."""
    args = list(sys.argv[1:] if argv is None else argv)

    def folder() -> Path:
        for i, arg in enumerate(args):
            if arg.startswith("--db="):
                return Path(arg[5:]).parent
            if arg == "--db" and i + 1 < len(args):
                return Path(args[i + 1]).parent
        return DEFAULT_DB.parent

    return folder


def run_command(name: str, body: Callable[[], int], log_format: str = "text",
                logs_to: Callable[[], Path] = lambda: Path("extracted")) -> int:  # fmt: skip
    """Run a command's body; its errors as one line (or one JSON object) on stderr and an exit status. No
    traceback reaches the terminal: an unexpected one goes to a log file (in `logs_to()`/logs), named in the
    message."""
    try:
        answer_ctrl_c()
        return body()
    except UsageError as exc:
        return failed(name, USAGE, "usage_error", str(exc), log_format)
    except DatabaseChanged as exc:  # the build is kept aside: the message says where, and what to do
        return failed(name, BUSY, "database_changed", str(exc), log_format)
    except DatabaseBusy as exc:
        return failed(name, BUSY, "busy", f"the database is busy, nothing was done; try again later: {exc}", log_format)
    except PipelineError as exc:
        return failed(name, FAILED, "failed", f"did not complete, the database is unchanged: {exc}", log_format)
    except KeyboardInterrupt:
        return failed(name, INTERRUPTED, "interrupted", "interrupted; the database is as it was", log_format)
    except Exception as exc:  # the last resort: a message and a log file, never a traceback on the terminal
        if interrupted(exc):
            return failed(name, INTERRUPTED, "interrupted", "interrupted; the database is as it was", log_format)
        where = last_resort(exc, logs_to(), name)
        return failed(name, FAILED, "failed", f"did not complete ({exc.__class__.__name__}: {str(exc)[:200]}); the "
                      f"database is unchanged; the details are in {where}", log_format)  # fmt: skip


def answer_ctrl_c() -> None:
    """Ctrl-C raises KeyboardInterrupt through a handler of the command's own, which also notes it
    (errors.CTRL_C): a library may swallow the interrupt (DuckDB does, in an import it tries), and the run
    must not then go on to publish."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is (
        signal.default_int_handler
    ):
        signal.signal(signal.SIGINT, _raise_interrupt)


def _raise_interrupt(signum: int, frame: object) -> None:
    CTRL_C.set()
    raise KeyboardInterrupt


def interrupted(exc: BaseException) -> bool:
    """Whether an error stands for Ctrl-C: DuckDB turns a KeyboardInterrupt that arrives during a query into
    its own error, with the interrupt as its cause."""
    if CTRL_C.is_set():  # an error that follows a swallowed Ctrl-C (a half-done import) is the Ctrl-C's
        return True
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt) or type(seen).__name__ == "InterruptException":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def failed(name: str, code: int, status: str, message: str, log_format: str) -> int:
    """A command that did not complete: one line on stderr (with --log-format json, a JSON event there), and its
    exit status."""
    if log_format == "json":
        from pipeline.cli.logs import event

        event(f"{name}_failed", logging.ERROR, command=name, status=status, message=message, exit_code=code)
    else:
        say(f"ocindex {name}: {message}", sys.stderr)
    return code


def log_format_of(argv: list[str] | None) -> str:
    """The log format asked for, before the options are parsed (a usage error is told in it too)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--log-format=json" or (arg == "--log-format" and args[i + 1 : i + 2] == ["json"]):
            from pipeline.cli.logs import setup

            if not logging.getLogger().handlers:
                setup(False, False, "json")
            return "json"
    return "text"


def last_resort(exc: BaseException, extracted: Path, name: str) -> str:
    """Where the traceback of an unexpected error went (a log file, never the terminal)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for folder in (extracted / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"pipeline-{name}-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return "(no writable folder for the log)"
