"""The pipeline's exceptions. They become messages and exit codes only at the command line."""

from __future__ import annotations

import threading

# Set by the command line's Ctrl-C handler. A KeyboardInterrupt can be swallowed by a library that catches
# every error of an import it tries (DuckDB's lazy pyarrow import does); publishing checks this first.
CTRL_C = threading.Event()


def stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if the interrupt itself was swallowed."""
    if CTRL_C.is_set():
        raise KeyboardInterrupt


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class PageError(PipelineError):
    """A line of a page cannot be read as what the grammar expects there."""

    def __init__(self, code: str, message: str, line: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class TokenError(PageError):
    """A score token (`5.170.12`) or rank line is malformed."""


class UnreadablePage(PageError):
    """The bytes of a page are not a text or HTML page at all (empty, binary, too large)."""


class UsageError(PipelineError):
    """A command was called with arguments that cannot work."""


class RunError(PipelineError):
    """A run could not complete; the database is left as it was."""


class DatabaseBusy(RunError):
    """Another process holds the database: another run (its lock file), or a program that has the file
    open for writing. `pid` names it when known."""

    def __init__(self, message: str, pid: int | None = None):
        super().__init__(message)
        self.pid = pid


class DatabaseChanged(DatabaseBusy):
    """Another program wrote the database while a run built its new copy: the copy is kept aside, never
    swapped in over that write."""


class DatabaseUnreadable(RunError):
    """The database file exists but DuckDB cannot open it (not a DuckDB file, a damaged header)."""
