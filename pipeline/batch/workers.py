"""The parse stage as the run drives it: the pages' results in page order, from worker processes when
enough pages need parsing (`Parsing`), and their rows staged into the new database as they come (`stage`).

Workers are spawned, not forked: they must not inherit the run lock (a killed run would leave it held),
and they import `pipeline.batch.one_page` and what it needs, never DuckDB or Arrow.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import Any

from pipeline.batch.one_page import Task, Versions, process_many, process_versions, start_worker
from pipeline.batch.records import RecordStore
from pipeline.warehouse.ledger import Reject, RunStats
from pipeline.warehouse.rows import Rows, concat

log = logging.getLogger("pipeline.run")

BATCH = 200  # records per staging insert: memory stays flat however many pages there are
PARALLEL_FROM = 64  # parse in worker processes when at least this many pages need parsing
CHUNK = 16  # pages per task sent to a worker
IN_FLIGHT = 8  # chunks queued or in work at a time


class Parsing:
    """The result of every task, in task order: from worker processes when enough pages need parsing
    (started at once, so that they start up while the run prepares the load), else from this process;
    if the workers die, the pages left are parsed here.

    Chunks are in flight a bounded number at a time: the workers never wait for the parent to drain a
    window, and results never pile up (memory stays flat)."""

    def __init__(self, tasks: list[Task], workers: int):
        self.tasks = tasks
        self.workers = workers
        self.pool: Any = None  # a ProcessPoolExecutor when the pages are parsed in workers
        self.broken: tuple[type[BaseException], ...] = ()  # what a pool whose worker died raises
        self.chunks = iter(range(0, len(tasks), CHUNK))
        self.in_flight: deque = deque()

    def _start(self) -> None:
        """The worker processes, when enough pages need parsing, with the first chunks handed out."""
        if sum(t.cached is None for t in self.tasks) < PARALLEL_FROM or self.workers < 2:
            return
        import multiprocessing  # here: a run with nothing to parse does not pay for importing them
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        self.broken = (BrokenProcessPool,)

        # spawn, not fork: workers must not inherit the run lock (a killed run would leave it held). Ctrl-C
        # reaches the whole process group, and the run, not each worker, answers it: workers are started
        # with SIGINT blocked (a signal mask is kept across exec), and ignore it. The run's own handler
        # stays in place meanwhile, so a Ctrl-C in that window waits for the unblock or reaches the run
        # through another of its threads: it is answered, never lost.
        # multiprocessing's resource tracker unblocks SIGINT after it starts, so it is started first.
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(),),
            )
            for _ in range(IN_FLIGHT):
                self._submit()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def _submit(self) -> None:
        assert self.pool is not None
        for i in islice(self.chunks, 1):
            self.in_flight.append(self.pool.submit(process_many, self.tasks[i : i + CHUNK]))

    def __iter__(self) -> Iterator[Versions]:
        done = 0
        try:
            while self.in_flight:
                results = self.in_flight.popleft().result()
                self._submit()
                for result in results:
                    yield result
                    done += 1
            if self.pool is not None:  # every result is in: the workers exit while the load goes on
                self.pool.shutdown(wait=False)
        except self.broken as exc:
            log.warning(
                "parse workers failed (%s); parsing the remaining %d pages in this process", exc, len(self.tasks) - done
            )
        for task in self.tasks[done:]:
            yield process_versions(task)

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
        if self.pool is not None:
            pool, self.pool = self.pool, None  # released: its queues' semaphores are removed with it
            pool.shutdown(wait=True, cancel_futures=True)


def stage(
    parsing: Parsing, records: RecordStore, build, stats: RunStats, documents: dict[str, str | None]
) -> list[Reject]:
    """Record every page's result and stage the rows of the version served in batches: nothing is held
    for the whole corpus. Returns the pages rejected; `documents` gets each page's version served (None: none),
    by the page's newest version."""
    rejects: list[Reject] = []
    batch: list[dict[str, Rows]] = []
    for versions in parsing:
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
        if len(batch) >= BATCH:
            build.add_rows(concat(batch))
            batch = []
    if batch:
        build.add_rows(concat(batch))
    return rejects
