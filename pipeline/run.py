"""The batch run: [fetch ->] store -> parse -> validate -> load, then a summary.

python -m pipeline.run                       # every page under raw/ -> extracted/ -> extracted/ocindex.duckdb
python -m pipeline.run --fetch               # crawl ocindex.net into raw/ first (polite defaults)

Exit status: 0 when the run completed (rejected pages included, they are listed; --strict makes a
rejected page exit 1); 2 for a usage error; 3 when the run could not complete, and then the database
is left as it was.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
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
from pipeline.errors import PipelineError, RunError, UsageError
from pipeline.export import FORMATS, export
from pipeline.load import Changes, Reject, RunStats, Warehouse
from pipeline.lock import RunLock
from pipeline.reconcile import Reconciliation, write_report
from pipeline.records import RecordStore
from pipeline.work import Result, Task, process, process_many
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
    workers: int = max(1, min(2, os.cpu_count() or 1))
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


# --- command line -----------------------------------------------------------------------------

def summary(outcome: Outcome) -> str:
    s = outcome.stats
    lines = [f"run {outcome.run_id} {s.status}: {s.pages_seen} page(s) seen, {s.pages_parsed} parsed, "
             f"{s.pages_loaded} loaded, {s.pages_rejected} rejected"
             + (f"; fetched {s.pages_fetched}, {s.pages_not_modified} not modified" if s.pages_fetched or s.pages_not_modified else "")]
    ch = outcome.changes
    if outcome.run_id > 1 and s.status != "unchanged":
        if ch.count == 0 and not ch.added_entities and not ch.removed_entities:
            lines.append("changes since the previous run: none")
        else:
            lines.append(f"changes since the previous run: {len(ch.added_entities)} entities added, "
                         f"{len(ch.removed_entities)} removed, {len(ch.changed_values)} values changed")
            for e in ch.added_entities[:20]:
                lines.append(f"  + {e[2]} ({e[1]}, {e[0]})")
            for e in ch.removed_entities[:20]:
                lines.append(f"  - {e[2]} ({e[1]}, {e[0]})")
            for ed, _, ent, ind, os_, oc, ns, nc in ch.changed_values[:50]:
                lines.append(f"  ~ {ent} {ed} {ind}: {_sc(os_, oc)} -> {_sc(ns, nc)}")
            if len(ch.changed_values) > 50:
                lines.append(f"  ... and {len(ch.changed_values) - 50} more (see the score_history table)")
    for r in outcome.rejects:
        lines.append(f"rejected {r.path}: [{r.stage}/{r.code}] {r.message.splitlines()[0]}")
    if outcome.checks:
        lines.append(f"cross-page checks: {len(outcome.checks)} failed (see the checks table)")
        for f in outcome.checks[:30]:
            lines.append(f"  [{f.check}] {f.message}")
        if len(outcome.checks) > 30:
            lines.append(f"  ... and {len(outcome.checks) - 30} more")
    if outcome.reconciliation is not None:
        lines.extend(outcome.reconciliation.summary_lines())
        lines.append(f"reconciliation report: {outcome.report}")
    if outcome.search_note:
        lines.append(f"note: full-text search is not available: {outcome.search_note}")
    if outcome.exported:
        lines.append(f"exported {len(outcome.exported)} tables to {outcome.exported[0].parent}/")
    lines.append(f"database: {outcome.db}")
    return "\n".join(lines)


def _sc(score, change) -> str:
    return "none" if score is None else f"{score}" + ("" if change is None else f" ({change:+})")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline.run", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--raw-dir", type=Path, default=Path("raw"), help="folder of raw pages")
    p.add_argument("--extracted-dir", type=Path, default=Path("extracted"), help="folder for records and reports")
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: EXTRACTED_DIR/ocindex.duckdb)")
    p.add_argument("--fetch", action="store_true", help="crawl the site into the raw folder first")
    p.add_argument("--base-url", default="https://ocindex.net", help="site to crawl")
    p.add_argument("--editions", default=",".join(map(str, GLOBAL_EDITIONS)), help="editions to crawl, comma-separated")
    p.add_argument("--countries", default="", help="countries to crawl: ISO3 codes or slugs, comma-separated (default: all 193)")
    p.add_argument("--workbook", type=Path, default=None, help="cross-check the database against the official workbook (.xlsx)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any page is rejected or a cross-page check fails")
    p.add_argument("--export", action="append", choices=sorted(FORMATS), default=[],
                   help="also write every table to EXTRACTED_DIR/export/ in this format (repeatable)")
    p.add_argument("--workers", type=int, default=Settings.workers, help="processes that parse in parallel")
    p.add_argument("-v", "--verbose", action="store_true", help="log each step")
    try:
        from pipeline.fetch import add_arguments
        add_arguments(p)
    except ImportError:
        pass
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        editions = tuple(int(e) for e in args.editions.split(",") if e.strip())
    except ValueError:
        raise UsageError(f"--editions {args.editions!r}: expected years like 2021,2023,2025") from None
    bad = [e for e in editions if e not in GLOBAL_EDITIONS]
    if bad:
        raise UsageError(f"--editions: {bad} not crawlable; choose among {', '.join(map(str, GLOBAL_EDITIONS))}")
    fetch_options = {k[6:]: v for k, v in vars(args).items() if k.startswith("fetch_") and v is not None}
    return Settings(raw_dir=args.raw_dir, extracted_dir=args.extracted_dir,
                    db=args.db or args.extracted_dir / "ocindex.duckdb", fetch=args.fetch, base_url=args.base_url,
                    editions=editions, countries=tuple(c.strip() for c in args.countries.split(",") if c.strip()),
                    workbook=args.workbook, strict=args.strict, exports=tuple(args.export), workers=max(1, args.workers),
                    fetch_options=fetch_options)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("pipeline.fetch").setLevel(logging.INFO)  # the crawl's progress lines
    try:
        settings = settings_from(args)
        if not settings.raw_dir.is_dir() and not settings.fetch:
            raise UsageError(f"the raw folder {settings.raw_dir} does not exist (use --raw-dir, or --fetch to crawl)")
        outcome = run(settings)
    except UsageError as exc:
        print(f"pipeline.run: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"pipeline.run: the run did not complete, the database is unchanged: {exc}", file=sys.stderr)
        return 3
    print(summary(outcome))
    return 1 if settings.strict and (outcome.rejects or outcome.checks) else 0


if __name__ == "__main__":
    sys.exit(main())
