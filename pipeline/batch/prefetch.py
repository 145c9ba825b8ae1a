"""The few pages a scheduled run must parse, parsed in a process forked off before the run loads DuckDB.

A run after one page changed spends some 80 ms importing the parser (pydantic builds its models) to parse a page
in 2 ms; in a thread of the run that import holds the GIL while the run opens the database, and DuckDB, which
takes the GIL back after each piece of a query, waits for it each time. Forked once the run knows which pages
have no record (right after hashing `raw/`), a process parses them on the other core while the run opens the
database and works out what changed, and the run itself never imports the parser. The results come back
pickled through a pipe; a child that fails or dies sends none, and the run parses the pages itself.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading

from pipeline.batch.one_page import Task, Versions, ignore_interrupts, process_versions, watch_parent


class Prefetch:
    """The child parsing `tasks` (forked at once: the caller checks `workers.fork_safe` first). A context
    manager: a child whose results were not read by then is killed on leaving it, so that none outlives the
    run. Ctrl-C is the run's to answer: the child ignores it (forked with SIGINT blocked, so none came before)."""

    def __init__(self, tasks: list[Task]):
        self.tasks = tasks
        self._lock = threading.Lock()  # the results are read in a thread of the run; the exit is the run's
        self._reaped = False
        read, write = os.pipe()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.pid = os.fork()
            if self.pid == 0:
                os.close(read)
                _parse_and_send(tasks, write, os.getppid())  # never returns
        except BaseException:  # no process: nothing to stop
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read)
            os.close(write)
            raise
        os.close(write)
        self.read: int | None = read
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is raised here
        except BaseException:
            self.__exit__()  # the caller never gets the child to stop it: stopped here
            raise

    def results(self) -> dict[Task, Versions]:
        """Each task's results, once the child has sent them; {} when it sent none (it failed or died)."""
        with self._lock:
            fd, self.read = self.read, None
        if fd is None:
            return {}
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
        self._reap(kill=False)
        try:
            found = pickle.loads(data)
        except Exception:  # nothing, or cut short: the child died
            return {}
        if not isinstance(found, list) or len(found) != len(self.tasks):  # an error: the run meets it again
            return {}
        return dict(zip(self.tasks, found, strict=True))

    def _reap(self, kill: bool) -> None:
        with self._lock:
            if self._reaped:
                return
            self._reaped = True
            if kill:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc) -> None:
        self._reap(kill=True)  # its results unread (the run failed, or found other work): it is not waited for
        with self._lock:
            fd, self.read = self.read, None
        if fd is not None:
            os.close(fd)


def _parse_and_send(tasks: list[Task], fd: int, parent: int) -> None:
    """The child: parse the pages (writing their records, as a worker does), send the results, exit. It never
    returns into the run's code, whatever happens."""
    try:
        ignore_interrupts()
        watch_parent(parent)
        try:
            data = pickle.dumps([process_versions(task) for task in tasks])
        except Exception as exc:  # the run parses the pages itself, and meets this again
            data = pickle.dumps(str(exc))
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)
