"""The batch run: [fetch ->] store -> parse -> validate -> load, and what it did (`Outcome`).

`python -m pipeline.run` (the command line, `run.py`) calls `run(Settings(...))` (`pipeline/settings.py`), and
so may a Python caller: the same checks apply. The parse runs in worker processes, forked before this module
loads the heavy modules (DuckDB, Arrow, the loader: `workers.fork_safe`), or spawned, and then they re-import
the command-line module: those modules are imported here and not there, and here only once the workers are
starting, so that both start up at the same time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.batch.delta import Delta, choose
from pipeline.batch.freshness import content_hashes, decide, page_fingerprint
from pipeline.batch.known_hashes import KnownHashes
from pipeline.batch.one_page import Task
from pipeline.batch.prefetch import Prefetch
from pipeline.batch.records import RecordStore
from pipeline.batch.workers import PARALLEL_FROM, Parsing, Workers, fork_safe, stage, wanted
from pipeline.cli.logs import event
from pipeline.crawl import store
from pipeline.errors import RunError, UsageError
from pipeline.extract.workbook import read_workbook
from pipeline.settings import Settings
from pipeline.warehouse.ledger import Changes, Reject, RunStats
from pipeline.warehouse.lock import RunLock

if TYPE_CHECKING:
    from pipeline.crawl.fetch import CrawlResult
    from pipeline.warehouse.load import Published, Warehouse
    from pipeline.warehouse.reconcile import Reconciliation

log = logging.getLogger("pipeline.run")


@dataclass
class Outcome:
    run_id: int
    stats: RunStats
    rejects: list[Reject]
    changes: Changes
    db: Path
    checks: list = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    reconciliation_md: Path | None = None  # the reconciliation's report (markdown)
    report_html: Path | None = None  # the report people open
    report_note: str | None = None  # why the report could not be written, if it could not
    manifest_note: str | None = None  # why the record manifest could not be written, if it could not
    search_note: str | None = None
    crawl_note: str | None = None  # why the crawl stopped early, if it did
    crawl_summary: list[str] = field(default_factory=list)  # coverage per site and edition, and what the crawl saw
    notes: list[str] = field(default_factory=list)  # outputs that could not be written after the publish
    exported: list[Path] = field(default_factory=list)


def run(settings: Settings) -> Outcome:
    """The whole batch. Raises UsageError for settings that cannot work (before anything is written), RunError
    when it cannot complete (the database is then untouched)."""
    if settings.plan:  # a plan is printed, not run (`ocindex run --plan`: plan_crawl)
        raise UsageError("plan: a plan says what a crawl would request and runs nothing; call plan_crawl(settings)")
    settings.check_paths()
    started = time.monotonic()
    stats = RunStats(started_at=_now(), code_version=__version__)
    workbook = None
    if settings.workbook is not None:
        workbook = (read_workbook(settings.workbook), settings.workbook.name)
    with RunLock(settings.database, wait=settings.wait_lock), ExitStack() as held:
        fetch_failures, crawl_note, crawled = fetch_pages(settings, stats) if settings.fetch else ([], None, None)
        coverage = crawled.coverage if crawled is not None else None
        t = time.monotonic()
        refs = store.list_pages(settings.raw_dir)
        stats.pages_seen = len(refs)
        records, known = RecordStore(settings.extracted_dir), KnownHashes(settings.extracted_dir)
        early = start_early(refs, records, known, settings, held)
        fresh = decide(refs, early.hashes, records, settings.database, settings.fetch, fetch_failures, held)
        stats.inputs_sha256, reader, nothing_new = fresh.fingerprint, fresh.reader, fresh.nothing_new
        tasks: list[Task] = []
        unreadable: list[Reject] = []
        delta: Delta | None = None
        fingerprints: dict[str, str] = {}
        if not nothing_new:
            tasks, unreadable = plan(refs, fresh.hashes, records, settings.extracted_dir, settings.raw_dir)
            fingerprints = {ref.rel: page_fingerprint(ref, fresh.hashes) for ref in refs if ref.problem is None}
            delta = choose(tasks, fingerprints, reader, known)
            if delta is not None:  # a few pages changed: the others' rows stand
                tasks = delta.tasks
        event("plan", pages_seen=stats.pages_seen, to_parse=sum(t.cached is None for t in tasks),
              reused=sum(t.cached is not None for t in tasks), unchanged=len(delta.unchanged) if delta else 0,
              unreadable=len(unreadable), nothing_new=nothing_new, prefetched=early.prefetched,
              seconds=time.monotonic() - t)  # fmt: skip
        t = time.monotonic()
        with Parsing(tasks, settings.workers, early.workers, early.prefetch) as parsing:
            bundle = _prepare_report()
            try:
                if nothing_new:  # the database is current: its tables stay as they are, rejects included
                    stats.status = "unchanged"
                    stats.pages_valid = stats.pages_loaded = fresh.previous["pages_loaded"]
                    stats.finished_at = _now()
                    published = unchanged(settings, stats, workbook, fresh.warehouse, coverage)
                    records.keep_all()
                else:
                    published = load(settings, stats, parsing, records, unreadable + fetch_failures, workbook,
                                     fresh.warehouse, coverage, delta, fingerprints)  # fmt: skip
            except OSError as exc:
                # a rename names the file it replaces second: that is the one meant (not its temporary copy)
                file = exc.filename2 or exc.filename or "a file"
                raise RunError(f"{file} could not be written: {exc.strerror or exc}") from None
        rejects = published.rejects
        event("publish", run_id=published.run_id, status=stats.status, rejected=len(rejects),
              values_changed=stats.values_changed, checks_failed=len(published.checks),
              seconds=time.monotonic() - t)  # fmt: skip
        # the database is published: from here on a failure cannot be "unchanged", only told
        manifest_note = finish_records(records, known)
    outcome = Outcome(
        published.run_id,
        stats,
        rejects,
        published.changes,
        settings.database,
        published.checks,
        published.reconciliation,
        search_note=published.search_note,
        crawl_note=crawl_note,
        crawl_summary=[] if crawled is None else crawled.summary + crawled.notes,
    )
    outcome.manifest_note = manifest_note
    t = time.monotonic()
    write_outputs(outcome, settings, bundle, published)
    event("outputs", report=str(outcome.report_html), exported=len(outcome.exported), notes=len(outcome.notes),
          seconds=time.monotonic() - t)  # fmt: skip
    event("run", run_id=outcome.run_id, status=stats.status, seconds=time.monotonic() - started)
    return outcome


@dataclass
class Early:
    """The parse started before the database is opened (`start_early`), and the hashes of raw/."""

    hashes: dict[str, str]
    workers: Workers | None = None  # every page to parse: the worker processes
    prefetch: Prefetch | None = None  # a few: the process parsing them

    @property
    def prefetched(self) -> int:
        return len(self.prefetch.tasks) if self.prefetch is not None else 0


def start_early(refs: list[store.PageRef], records: RecordStore, known: KnownHashes, settings: Settings,
                held: ExitStack) -> Early:  # fmt: skip
    """Hash raw/, and start parsing before DuckDB is loaded. No record of this parser version to reuse: every page
    is parsed, and the workers start first, while raw/ is hashed and the database opened. Else the pages without a
    record of their content (a few: some pages changed) are parsed in a process forked off once raw/ is hashed
    (`prefetch.py`), while the run opens the database and works out what changed; the pages it then finds to
    parse that this process did not are parsed as before."""
    workers = None
    if not records.fresh and wanted(len(refs), settings.workers):
        workers = held.enter_context(Workers(settings.workers))
    hashes = content_hashes(refs, known)
    if workers is not None:
        return Early(hashes, workers=workers)
    todo = [ref for ref in refs if ref.problem is None and records.cached(ref.rel, hashes.get(ref.rel, "")) is None]
    if 0 < len(todo) < PARALLEL_FROM and settings.workers >= 2 and fork_safe():
        root = str(settings.raw_dir.resolve())
        try:
            tasks = [_task(ref, hashes, records, settings.extracted_dir, root) for ref in todo]
            return Early(hashes, prefetch=held.enter_context(Prefetch(tasks)))
        except OSError:  # no process to be had: the run parses them itself
            pass
    return Early(hashes)


def unchanged(settings: Settings, stats: RunStats, workbook, copy, coverage: list[dict] | None = None) -> Published:
    """A run with nothing new: its ledger row, the crawl's coverage, and with --workbook a new reconciliation.
    Built beside and swapped in as every run, so that a reader is never refused, even for a moment (written in
    place it would be quicker, but would hold the file for writing while it wrote)."""
    with warehouse_of(settings, copy) as warehouse, warehouse.build(reload=False) as build:
        # the report shows what the tables hold, which a run with nothing new does not change: it stands,
        # unless there is none or a new reconciliation is to be shown
        wanted = workbook is not None or not (settings.extracted_dir / "report.html").is_file()
        return build.publish([], stats, workbook, report_wanted=wanted, coverage=coverage)


def load(settings: Settings, stats: RunStats, parsing: Parsing, records: RecordStore, rejects: list[Reject],
         workbook, copy, coverage: list[dict] | None, delta: Delta | None,
         fingerprints: dict[str, str]) -> Published:  # fmt: skip
    """Stage the rows of the pages as they are parsed (in worker processes), while the new database is
    built beside the published one; publish it. `rejects`: the pages rejected before parsing. `delta`: only the
    pages changed are staged, the others' rows and rejects stand. `fingerprints`: of every page, by path."""
    with warehouse_of(settings, copy) as warehouse, warehouse.build(delta=delta is not None) as build:
        t = time.monotonic()
        served: dict[str, str | None] = {}
        rejects = rejects + stage(parsing, records, build, stats, served)
        if delta is not None:
            rejects += delta.kept_rejects
            stats.pages_valid += delta.served_unchanged
            records.keep(v.rel for task in delta.unchanged for v in (task, *task.older))
        rejects.sort(key=lambda r: (r.stage != "fetch", r.path))
        documents = [{"task": task, "fingerprint": fingerprints[task], "served_path": path}
                     for task, path in served.items()]  # fmt: skip
        stats.pages_loaded = stats.pages_valid
        stats.seconds_parse = time.monotonic() - t - build.seconds
        event("parse", parsed=stats.pages_parsed, valid=stats.pages_valid, rejected=len(rejects),
              seconds=stats.seconds_parse, staging_seconds=build.seconds)  # fmt: skip
        stats.finished_at = _now()
        t = time.monotonic()
        published = build.publish(
            rejects,
            stats,
            workbook,
            carry_fetch_rejects=not settings.fetch,
            documents=documents,
            changed_tasks=None if delta is None else delta.changed,
            coverage=coverage,
        )
        # the publishing steps, the checkpoint, the rename
        event("swap", search_index=published.search_index, seconds=time.monotonic() - t)
        return published


@contextmanager
def warehouse_of(settings: Settings, copy: Warehouse | None = None) -> Iterator[Warehouse]:
    """The run's database, what an interrupted run left beside it removed; a DuckDB error while it is
    built is a RunError (the published file is untouched). `copy`: the published file copied and opened already
    (`Warehouse.open_copy`)."""
    import duckdb

    from pipeline.warehouse.load import Warehouse

    warehouse = copy if copy is not None else Warehouse(settings.database)
    warehouse.clean_stale()
    try:
        yield warehouse
    except duckdb.Error as exc:
        raise RunError(f"the database {settings.database} could not be written: {exc}") from None


def write_outputs(outcome: Outcome, settings: Settings, bundle, published: Published) -> None:
    """The files written from the published database: the reconciliation report, the report people
    open (from what the publish read for it, or why it could not), the exports. The database is
    published by now: a file that cannot be written is told in a note, and the run stands."""
    import duckdb

    from pipeline.warehouse.reconcile import write_report
    from pipeline.warehouse.to_files import export

    if outcome.reconciliation is not None:
        try:
            outcome.reconciliation_md = write_report(outcome.reconciliation, settings.extracted_dir)
        except OSError as exc:
            outcome.notes.append(f"the reconciliation report could not be written: {_why(exc)}")
    if bundle is not None:
        bundle.join()  # the first run on a machine: the report's scripts, built beside the run
    outcome.report_html, outcome.report_note = html_report(published, settings.extracted_dir / "report.html")
    for fmt in settings.export:
        try:
            outcome.exported += export(settings.database, settings.extracted_dir / "export", fmt)
        except (OSError, duckdb.Error) as exc:
            outcome.notes.append(f"the {fmt} export could not be written: {_why(exc)}")


def _why(exc: BaseException) -> str:
    filename = getattr(exc, "filename", None)
    return f"{filename}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror and filename else str(exc)


def plan(refs, hashes, records: RecordStore, extracted: Path, raw: Path) -> tuple[list[Task], list[Reject]]:
    """A task per readable page (with its record when an unchanged page has one, and its earlier
    versions to fall back on), a reject per page that cannot be read."""
    tasks, rejects = [], []
    for ref in refs:
        if ref.problem is not None:
            rejects.append(Reject(ref.rel, None, "read", ref.problem.code, f"{ref.rel}: {ref.problem.message}", None))
            continue
        tasks.append(_task(ref, hashes, records, extracted, str(raw.resolve())))
    return tasks, rejects


def _task(ref: store.PageRef, hashes, records: RecordStore, extracted: Path, root: str) -> Task:
    sha256 = hashes.get(ref.rel)
    entry = None if sha256 is None else records.cached(ref.rel, sha256)
    return Task(str(ref.path), ref.rel, ref.url, ref.fetched_at, sha256, str(extracted),
                entry.file if entry else None, entry.record_sha256 if entry else None,
                tuple(_task(older, hashes, records, extracted, root) for older in ref.older), root)  # fmt: skip


def _prepare_report():
    try:
        from pipeline.warehouse.report_page import prepare_bundle

        return prepare_bundle()
    except ImportError:
        return None  # told when the report is written


def finish_records(records: RecordStore, known: KnownHashes | None = None) -> str | None:
    """Write the manifest once the database holds what it says; if it cannot be written, the next run
    parses every page again (nothing is wrong in the database): told, not fatal. The hashes known go too."""
    if known is not None:
        known.save()
    try:
        records.finish()
        return None
    except OSError as exc:
        return (
            f"{exc.filename or 'the manifest'} could not be written ({exc.strerror or exc}); the database was "
            "updated, and the next run will parse every page again"
        )


def html_report(published: Published, path: Path) -> tuple[Path | None, str | None]:
    """Write the report of what the publish gathered (`Published.report_data`, or why it could not be read:
    `report_error`); the run stands even when it cannot be written (the reason is told)."""
    from pipeline.files import write_atomic
    from pipeline.warehouse.report_page import write_gathered

    if published.report_data is None and published.report_error is None and path.is_file():
        return path, None  # a run with nothing new: the report stands
    if published.report_data is None:
        return None, published.report_error or "the report's data was not read"
    try:
        if published.report_page is not None:  # rendered while the search index was written
            write_atomic(path, published.report_page)
            return path, None
        return write_gathered(published.report_data, path), None
    except (OSError, ImportError) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"


def fetch_pages(settings: Settings, stats: RunStats) -> tuple[list[Reject], str | None, CrawlResult]:
    """Crawl into the raw folder (counts into `stats`): the documents that could not be fetched, why the
    crawl stopped early (if it did), and what it did (its coverage and summary)."""
    from pipeline.crawl.fetch import CrawlPlan, crawl

    t = time.monotonic()
    settings.raw_dir.mkdir(parents=True, exist_ok=True)  # a crawl that saves nothing still has a raw folder
    crawled = crawl(
        CrawlPlan(settings.base_url, settings.editions, settings.countries, settings.raw_dir, settings.politeness)
    )
    stats.pages_fetched = crawled.fetched
    stats.pages_not_modified = crawled.not_modified + crawled.same_text
    stats.seconds_fetch = time.monotonic() - t
    event("fetch", fetched=crawled.fetched, not_modified=crawled.not_modified, same_text=crawled.same_text,
          requests=crawled.requests, failed=len(crawled.failures), stopped=crawled.stopped is not None,
          seconds=stats.seconds_fetch)  # fmt: skip
    failures = [Reject(url, None, "fetch", code, message, None) for url, code, message in crawled.failures]
    return failures, crawled.stopped, crawled


def plan_crawl(settings: Settings) -> str:
    """`--plan`: what a crawl would request and why, from robots.txt and the sitemaps only (nothing is written)."""
    from pipeline.crawl.fetch import CrawlPlan, crawl

    plan = CrawlPlan(settings.base_url, settings.editions, settings.countries, settings.raw_dir, settings.politeness,
                     dry_run=True)  # fmt: skip
    crawled = crawl(plan)
    due = sum(line.startswith("request") for line in crawled.plan)
    lines = [*crawled.plan, *(f"note: {n}" for n in crawled.notes)]
    lines += [f"{url}: [{code}] {message}" for url, code, message in crawled.failures]
    lines.append(f"plan: {due} request(s), {len(crawled.plan) - due} skipped; the scout made {crawled.requests} "
                 "request(s) (robots.txt and sitemaps)")  # fmt: skip
    return "\n".join(lines)


def _now() -> str:
    """UTC, without an offset: the database's timestamps are UTC."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")
