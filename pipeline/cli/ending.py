"""How every command ends: its status, its output written if it can be, and nothing printed by Python itself.

`python -m pipeline.<command>` and `ocindex <command>` end through `finish(main)`, and print through `say`.
A command's status never depends on whether its output could be written: a reader that went away (`| head`),
a closed stdout (`>&-`) or a full disk (`> /dev/full`) cost the output, not the status (a run's database is
published by the time it prints its summary); the loss is told on stderr when stderr can be written.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn, TextIO

# A shell's status for a command whose reader went away (128 + SIGPIPE), as `yes | head -1` gives `yes`: the
# status of a command that prints (search, sql...) when its reader goes away. A run and a parse keep their own
# (`keep_status`): their work is done by then, and a scheduler acts on it.
BROKEN_PIPE = 141
_state = {"keep": False, "reader_gone": False}


def keep_status() -> None:
    """This command's status is its own even when its reader goes away (`run`, `parse`)."""
    _state["keep"] = True


def setup_streams() -> None:
    """Text that the terminal's encoding cannot show (a page name under LC_ALL=C) is escaped, never an error."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass  # closed, or not a text stream: `say` copes


def say(text: str, stream: TextIO | None = None) -> bool:
    """Write a line to stdout (or `stream`); False when it could not be written (stdout closed, full, or its
    reader gone), which is told on stderr when possible. Never raises."""
    out = sys.stdout if stream is None else stream
    try:
        if out is None:
            raise OSError("closed")
        out.write(text + "\n")
        out.flush()
        return True
    except (OSError, ValueError) as exc:
        if out is sys.stdout:
            drop_stdout()
            _state["reader_gone"] = _state["reader_gone"] or isinstance(exc, BrokenPipeError)
            if not isinstance(exc, BrokenPipeError):
                _tell(f"the output could not be written ({getattr(exc, 'strerror', None) or exc}); the command's "
                      "status is its own")  # fmt: skip
        return False


def _tell(text: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def drop_stdout() -> None:
    """What is left to print on stdout goes nowhere (its reader went away, it is closed or full)."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        sys.stdout = os.fdopen(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    except OSError:
        pass


def finish(main: Callable[[], int]) -> NoReturn:
    """Run a command and end the process with its status, without Python's teardown of its modules (everything
    is closed and joined by then: a run with nothing new ends sooner)."""
    setup_streams()
    try:
        code = main()
    except BrokenPipeError:
        drop_stdout()
        _state["reader_gone"] = True
    if _state["reader_gone"] and not _state["keep"]:
        code = BROKEN_PIPE
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(code)
