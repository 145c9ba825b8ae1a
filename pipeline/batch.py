"""The batch run: [fetch ->] store -> parse -> validate -> load, and what it did (`Outcome`).

`python -m pipeline.run` (the command line, `run.py`) calls `run(Settings(...))`. The parse runs in
worker processes; they are spawned and re-import the command-line module, which is why the heavy
modules (DuckDB, Arrow, the loader) are imported here and not there.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import duckdb

from pipeline import __version__, store
from pipeline.catalog import GLOBAL_EDITIONS
from pipeline.errors import RunError
from pipeline.export import export
from pipeline.load import Changes, Reject, RunStats, Warehouse
from pipeline.lock import RunLock
from pipeline.reconcile import Reconciliation, write_report
from pipeline.records import RecordStore
from pipeline.work import DEFAULT_WORKERS, Result, Task, process, process_many
from pipeline.workbook import read_workbook

log = logging.getLogger("pipeline.run")

BATCH = 200          # records per staging insert: memory stays flat however many pages there are
PARALLEL_FROM = 64   # parse in worker processes when at least this many pages need parsing
CHUNK = 16           # pages per task sent to a worker
IN_FLIGHT = 8        # chunks queued or in work at a time


@dataclass
class Settings:
    raw_dir: Path = Path("raw")
    extracted_dir: Path = Path("extracted")
    db: Path = Path("extracted/ocindex.duckdb")
    fetch: bool = False
    base_url: str = "https://ocindex.net"
    editions: tuple[int, ...] = GLOBAL_EDITIONS
    countries: tuple[str, ...] = ()
    workbook: Path | None = None
    strict: bool = False
    exports: tuple[str, ...] = ()
    workers: int = DEFAULT_WORKERS
    fetch_options: dict = field(default_factory=dict)


@dataclass
class Outcome:
    run_id: int
    stats: RunStats
    rejects: list[Reject]
    changes: Changes
    db: Path
    checks: list = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    report: Path | None = None
    search_note: str | None = None
    exported: list[Path] = field(default_factory=list)


def run(settings: Settings) -> Outcome:
    """The whole batch. Raises RunError when it cannot complete (the database is then untouched)."""
    started = time.monotonic()
    stats = RunStats(started_at=_now(), code_version=__version__)
    workbook = None
    if settings.workbook is not None:
        workbook = (read_workbook(settings.workbook), settings.workbook.name)
    with RunLock(settings.db):
        fetch_failures: list[Reject] = []
        if settings.fetch:
            t = time.monotonic()
            stats.pages_fetched, stats.pages_not_modified, fetch_failures = fetch_pages(settings)
            stats.seconds_fetch = time.monotonic() - t
        refs = store.list_pages(settings.raw_dir)
        stats.pages_seen = len(refs)
        warehouse = Warehouse(settings.db)
        warehouse.clean_stale()
        records = RecordStore(settings.extracted_dir)
        hashes = {ref.rel: store.sha256_file(ref.path) for ref in refs if ref.problem is None}
        nothing_new = records.unchanged(hashes) and settings.db.exists() and not fetch_failures
        rejects: list[Reject] = []
        try:
            with warehouse.build(reload=not nothing_new) as build:
                t = time.monotonic()
                if nothing_new:
                    for rel in hashes:
                        records.keep(rel)
                    rejects = previous_rejects(settings.db)
                    stats.status = "unchanged"
                    stats.pages_valid = stats.pages_seen - len(rejects)
                else:
                    rejects = parse_all(refs, hashes, records, build, stats, settings.workers, settings.extracted_dir)
                stats.pages_rejected = len(rejects)
                stats.pages_loaded = stats.pages_seen - len(rejects)
                rejects = fetch_failures + rejects
                stats.seconds_parse = time.monotonic() - t - build.seconds
                stats.finished_at = _now()
                published = build.publish(rejects, stats, workbook)
            records.finish()  # only once the database holds what the manifest says
        except duckdb.Error as exc:
            raise RunError(f"the database {settings.db} could not be written: {exc}") from None
        except OSError as exc:
            raise RunError(f"{exc.filename or 'a file'} could not be written: {exc.strerror or exc}") from None
    log.debug("run took %.2f s", time.monotonic() - started)
    outcome = Outcome(published.run_id, stats, rejects, published.changes, settings.db, published.checks,
                      published.reconciliation, search_note=published.search_note)
    if outcome.reconciliation is not None:
        outcome.report = write_report(outcome.reconciliation, settings.extracted_dir)
    for fmt in settings.exports:
        outcome.exported += export(settings.db, settings.extracted_dir / "export", fmt)
    return outcome


def parse_all(refs, hashes, records: RecordStore, build, stats: RunStats, workers: int,
              extracted: Path) -> list[Reject]:
    """Parse every page (reusing unchanged records) in worker processes, write the records to
    extracted/, and stage the good pages' rows in batches: nothing is held for the whole corpus."""
    rejects: list[Reject] = []
    tasks = []
    for ref in refs:
        if ref.problem is not None:
            rejects.append(Reject(ref.rel, None, "read", "outside_raw" if "outside" in ref.problem else "unreadable",
                                  f"{ref.rel}: {ref.problem}", None))
            continue
        tasks.append(Task(str(ref.path), ref.rel, ref.url, ref.fetched_at, hashes[ref.rel], str(extracted),
                          records.cached(ref.rel, hashes[ref.rel])))
    batch: dict[str, list[tuple]] = {}
    pages_in_batch = 0

    def handle(result: Result) -> None:
        nonlocal batch, pages_in_batch
        stats.pages_parsed += result.parsed
        records.add(result.rel, result.sha256, result.file)
        if result.reject is not None:
            stage, code, message, record = result.reject
            rejects.append(Reject(result.rel, result.sha256, stage, code, message, record))
            return
        stats.pages_valid += 1
        for table, table_rows in result.rows.items():
            batch.setdefault(table, []).extend(table_rows)
        pages_in_batch += 1
        if pages_in_batch >= BATCH:
            build.add_rows(batch)
            batch, pages_in_batch = {}, 0

    done = 0
    if sum(t.cached is None for t in tasks) >= PARALLEL_FROM and workers > 1:
        try:
            # spawn, not fork: workers must not inherit the run lock (a killed run would leave it held)
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                # chunks in flight, a bounded number at a time: the workers never wait for the parent
                # to drain a window, and results never pile up (memory stays flat)
                chunks = iter(range(0, len(tasks), CHUNK))
                in_flight = deque(pool.submit(process_many, tasks[i:i + CHUNK]) for i in islice(chunks, IN_FLIGHT))
                while in_flight:
                    results = in_flight.popleft().result()
                    for i in islice(chunks, 1):
                        in_flight.append(pool.submit(process_many, tasks[i:i + CHUNK]))
                    for result in results:
                        handle(result)
                        done += 1
        except BrokenProcessPool as exc:
            log.warning("parse workers failed (%s); parsing the remaining %d pages in this process",
                        exc, len(tasks) - done)
    for task in tasks[done:]:
        handle(process(task))
    if batch:
        build.add_rows(batch)
    return sorted(rejects, key=lambda r: r.path)


def previous_rejects(db: Path) -> list[Reject]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT path, sha256, stage, code, message, record FROM rejects WHERE stage <> 'fetch' "
                           "ORDER BY path").fetchall()
    finally:
        con.close()
    return [Reject(p, s, st, c, m, None if r is None else json.loads(r)) for p, s, st, c, m, r in rows]


def fetch_pages(settings: Settings) -> tuple[int, int, list[Reject]]:
    from pipeline.fetch import crawl
    result = crawl(settings)
    failures = [Reject(url, None, "fetch", code, message, None) for url, code, message in result.failures]
    return result.fetched, result.not_modified, failures


def _now() -> str:
    """UTC, without an offset: the database's timestamps are UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds")
