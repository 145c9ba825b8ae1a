"""The parse stage as the run drives it: the pages' results in page order, from worker processes when
enough pages need parsing (`Parsing`), and their rows staged into the new database as they come (`stage`).

Workers are forked before the run loads DuckDB (spawned when that cannot be: `fork_safe`); they never hold the
run lock (a killed run would leave it held), and import `pipeline.batch.one_page` and what it needs, never DuckDB
or Arrow.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import Any

from pipeline.batch.forked_pool import ForkedPool
from pipeline.batch.one_page import Task, Versions, process_many, process_versions, start_worker
from pipeline.batch.prefetch import Prefetch
from pipeline.batch.records import RecordStore
from pipeline.warehouse.ledger import Reject, RunStats
from pipeline.warehouse.rows import Rows, concat

log = logging.getLogger("pipeline.run")

BATCH = 200  # records per staging insert: memory stays flat however many pages there are
# The records staged once the last result is in wait for nothing else: the batch is cut short when this many
# pages are left, so that the last insert is small (an insert of 200 records takes 20 ms, of 48 some 6 ms).
TAIL = 48
PARALLEL_FROM = 64  # parse in worker processes when at least this many pages need parsing
CHUNK = 16  # pages per task sent to a worker
IN_FLIGHT = 8  # chunks queued or in work at a time


class Workers:
    """The parse worker processes, started before the pages to parse are known when a run can tell early that it
    will parse many (no record of this parser version to reuse): they start up while the run lists and hashes
    raw/ and opens the database. Forked when that is safe (`ForkedPool`: the parser imported once, by the first
    worker), else spawned (`SpawnedPool`). A context manager: the processes are shut down on leaving it, however
    the run ends."""

    def __init__(self, count: int):
        self.pool: ForkedPool | SpawnedPool | None = ForkedPool(count) if fork_safe() else SpawnedPool(count)
        self.broken: tuple[type[BaseException], ...] = self.pool.broken  # what a pool whose worker died raises

    def submit(self, tasks: list[Task]) -> Any:
        assert self.pool is not None
        return self.pool.submit(tasks)

    def done(self) -> None:
        """Every result is in: the workers exit while the load goes on."""
        if self.pool is not None:
            self.pool.done()

    def close(self) -> None:
        """Shut the workers down and wait for them. Interrupted (Ctrl-C), the pool is kept: the next close, the
        caller's on its way out, waits for them again, so that none outlives the run."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SpawnedPool:
    """Worker processes spawned through `ProcessPoolExecutor` (a caller that has loaded DuckDB, or runs threads,
    cannot fork): they hold no run lock (they never had it), and import the parser each."""

    def __init__(self, count: int):
        import multiprocessing  # here: a run with nothing to parse does not pay for importing them
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool
        from multiprocessing import resource_tracker

        self.broken: tuple[type[BaseException], ...] = (BrokenProcessPool,)
        self.executor: Any = None
        # Ctrl-C reaches the whole process group, and the run, not each worker, answers it: workers are started
        # with SIGINT blocked (the mask is inherited, and kept across exec), and ignore it. The run's own handler
        # stays in place meanwhile, so a Ctrl-C in that window waits for the unblock or reaches the run
        # through another of its threads: it is answered, never lost.
        # multiprocessing's resource tracker (of the spawned workers' semaphores) unblocks SIGINT after it
        # starts, so it is started first
        resource_tracker.ensure_running()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            try:
                self.executor = ProcessPoolExecutor(
                    max_workers=count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=start_worker,
                    initargs=(os.getpid(),),
                )
                # the processes are started as work is submitted: something for each, so that all start now
                for _ in range(count):
                    self.executor.submit(int)
            except BrokenProcessPool:
                pass  # a worker died at once: the first pages handed out say so, and the run parses them itself
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is raised here
        except BaseException:
            self.close()
            raise

    def submit(self, tasks: list[Task]) -> Any:
        return self.executor.submit(process_many, tasks)

    def done(self) -> None:
        self.executor.shutdown(wait=False)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None  # released: its queues' semaphores are removed with it


def fork_safe() -> bool:
    """Whether this process may be forked: it runs one thread (a thread of DuckDB or of Arrow would be copied
    without its owner, holding its locks), and has not loaded DuckDB. A run forks its workers before it loads
    DuckDB; a caller that has loaded it, or runs threads, spawns them."""
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: no way to count the threads of C libraries
        return False
    return threads == 1 and "duckdb" not in sys.modules and "pyarrow" not in sys.modules


def wanted(to_parse: int, workers: int) -> bool:
    """Whether pages are parsed in worker processes: enough of them, and more than one worker allowed."""
    return to_parse >= PARALLEL_FROM and workers >= 2


class Parsing:
    """The result of every task, in task order: from worker processes when enough pages need parsing
    (started at once, so that they start up while the run prepares the load, or earlier: `early`), else from
    this process; if the workers die, the pages left are parsed here.

    Chunks are in flight a bounded number at a time: the workers never wait for the parent to drain a
    window, and results never pile up (memory stays flat)."""

    def __init__(self, tasks: list[Task], workers: int, early: Workers | None = None,
                 prefetch: Prefetch | None = None):  # fmt: skip
        self.tasks = tasks
        self.workers = workers
        self.early = early  # workers started before the tasks were known (the caller shuts them down)
        self.prefetch = prefetch  # the few pages to parse, forked off before DuckDB was loaded (the caller's too)
        self.pool: Workers | None = None
        self.broken: tuple[type[BaseException], ...] = ()  # what a pool whose worker died raises
        self.chunks = iter(range(0, len(tasks), CHUNK))
        self.in_flight: deque = deque()
        self.ahead: Ahead | None = None  # the pages processed in this process, in a thread

    def _start(self) -> None:
        """The worker processes, when enough pages need parsing, with the first chunks handed out; else a thread
        of this process that processes the pages while the run copies and opens the database."""
        if not wanted(sum(t.cached is None for t in self.tasks), self.workers):
            if self.early is not None:
                self.early.close()  # started in vain: a run that found few pages to parse after all
            if self.tasks:
                self.ahead = Ahead(self.tasks, self.prefetch)
            return
        self.pool = self.early if self.early is not None else Workers(self.workers)
        self.broken = self.pool.broken
        try:
            for _ in range(IN_FLIGHT):
                self._submit()
        except self.broken as exc:  # a worker died before any page was handed out (started early, say)
            self._workers_failed(exc, len(self.tasks))

    def _submit(self) -> None:
        assert self.pool is not None
        for i in islice(self.chunks, 1):
            self.in_flight.append(self.pool.submit(self.tasks[i : i + CHUNK]))

    def __iter__(self) -> Iterator[Versions]:
        if self.ahead is not None:
            yield from self.ahead
            return
        done = 0
        try:
            while self.in_flight:
                results = self.in_flight.popleft().result()
                self._submit()
                for result in results:
                    yield result
                    done += 1
            if self.pool is not None:  # every result is in: the workers exit while the load goes on
                self.pool.done()
        except self.broken as exc:
            self._workers_failed(exc, len(self.tasks) - done)
        for task in self.tasks[done:]:
            yield process_versions(task)

    def _workers_failed(self, exc: BaseException, left: int) -> None:
        """A worker died: the pages left are parsed in this process."""
        log.warning("parse workers failed (%s); parsing the remaining %d pages in this process", exc, left)
        self.in_flight.clear()
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def __enter__(self) -> Parsing:
        """Start the workers (they start up while the run prepares the load). A Ctrl-C that arrives while they
        start (it waits for SIGINT to be unblocked) shuts them down here: the block that would is not entered."""
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.ahead is not None:
            self.ahead.stop()
        if self.pool is not None:
            self.pool.close()
            self.pool = None


class Ahead:
    """The pages of a run with few to parse, processed in a thread of this process, in order: those parsed by a
    `Prefetch` already come from it, the others are parsed here (the parser imported and the pages read while
    the run prepares the load). A bounded queue between them: results never pile up. `stop` ends the thread
    early (the run failed)."""

    def __init__(self, tasks: list[Task], prefetch: Prefetch | None = None):
        self.count = len(tasks)
        self.results: queue.Queue = queue.Queue(maxsize=CHUNK)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(tasks, prefetch), name="parse", daemon=True)
        self.thread.start()

    def _run(self, tasks: list[Task], prefetch: Prefetch | None) -> None:
        try:
            done = prefetch.results() if prefetch is not None else {}
            for task in tasks:
                found = done.get(task)
                if not self._put(found if found is not None else process_versions(task)):
                    return
        except BaseException as exc:  # handed to the run, which raises it
            self._put(exc)

    def _put(self, item: Versions | BaseException) -> bool:
        while not self.stopped.is_set():
            try:
                self.results.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Versions]:
        for _ in range(self.count):
            item = self.results.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        self.stopped.set()


def stage(
    parsing: Parsing, records: RecordStore, build, stats: RunStats, documents: dict[str, str | None]
) -> list[Reject]:
    """Record every page's result and stage the rows of the version served in batches: nothing is held
    for the whole corpus. Returns the pages rejected; `documents` gets each page's version served (None: none),
    by the page's newest version."""
    rejects: list[Reject] = []
    batch: list[dict[str, Rows]] = []
    left = len(parsing.tasks)
    for versions in parsing:
        left -= 1
        for result in versions.results:
            stats.pages_parsed += result.parsed
            records.add(result.rel, result.sha256, result.file, result.record_sha256)
        rejects += versions.rejects
        served = versions.served
        documents[versions.results[0].rel] = None if served is None else served.rel
        if served is None:
            continue
        stats.pages_valid += 1
        assert served.rows is not None
        batch.append(served.rows)
        if len(batch) >= BATCH or (left <= TAIL and len(batch) > TAIL):
            build.add_rows(concat(batch))
            batch = []
    if batch:
        build.add_rows(concat(batch))
    return rejects
