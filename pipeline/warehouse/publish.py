"""Publishing a run into the copy of the database: a list of named steps, run in order.

A run that reloads everything (RELOAD) rebuilds the current tables from the staged rows:
    catalogs -> sections (and the search index file started from them, in a thread beside the rest)
    -> current tables -> the changes no page printed -> sources -> documents -> change report -> history
    -> rejects -> views -> cross-page checks -> reconciliation -> ledger -> commit -> the report's data
    -> wait for the search index.
A run after a few pages changed (DELTA: `batch/delta.py` decides) staged those pages alone: it picks again the
groups they touch (`picking.repick`), and recomputes the changes no page printed, the change report and the
history of the entities touched; the checks, the reconciliation and the report read the whole tables (the
report's data of the tables in a thread beside the checks: the build's pool is larger then, `load.py`).
A run with nothing new only reconciles (with --workbook) and adds its ledger row.
Each step reads and writes the `Publishing` it is given; `load.Build` runs them, then swaps the file in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import catalog
from pipeline.extract.workbook import WorkbookRow
from pipeline.warehouse import bulk
from pipeline.warehouse.crosscheck import Failure, run_checks
from pipeline.warehouse.current_tables import (
    change_report,
    current_tables,
    delta_change_report,
    delta_derived_changes,
    delta_documents,
    delta_score_history,
    delta_tables,
    delta_touched,
    derived_changes,
    documents,
    score_history,
    search,
    sections_and_search,
    sources,
)
from pipeline.warehouse.fulltext import Indexing
from pipeline.warehouse.ledger import Changes, Reject, RunStats
from pipeline.warehouse.reconcile import Reconciliation, reconcile, reconcile_staged
from pipeline.warehouse.report_data import Reading, gather_run, gather_tables
from pipeline.warehouse.schema import TABLE, Column, columns
from pipeline.warehouse.views import view_statements


@dataclass
class Publishing:
    """What the steps share: the build's connection, the run's inputs, and what the steps found."""

    con: duckdb.DuckDBPyConnection
    db: Path  # the published database's path: the search index file goes beside it
    rejects: Sequence[Reject]
    stats: RunStats
    workbook: tuple[list[WorkbookRow], str] | None
    carry_fetch_rejects: bool = False  # a run that does not fetch keeps the last fetch's failures listed
    run_id: int = 0
    changes: Changes = field(default_factory=Changes)
    checks: list[Failure] = field(default_factory=list)
    reconciliation: Reconciliation | None = None
    indexing: Indexing | None = None
    search_note: str | None = None
    search_index: str = "none"  # kept (the same sections), updated (a copy, few sections changed) or built
    search_files: set[str] = field(default_factory=set)  # the index files of this build and the one before
    rejects_now: list[Reject] = field(default_factory=list)  # the rejects table as published
    report_wanted: bool = True  # False: a run with nothing new keeps the report as it is
    report_data: dict | None = None  # what the report shows (report_page.gather)
    report_error: str | None = None  # why that could not be read
    report_page: bytes | None = None  # the report written from it, when rendered before the swap
    report_reading: Reading | None = None  # the report's data of the tables, being read (start_report)
    started: float = field(default_factory=time.monotonic)
    staged_seconds: float = 0.0  # loading done before the publish (staging while the pages were parsed)
    # the pages staged: task (the newest version's path), fingerprint, served_path (None: none parsed)
    documents: list[dict] = field(default_factory=list)
    changed_tasks: list[str] = field(default_factory=list)  # DELTA: the pages changed or removed since the last run
    sections_digest: str | None = None  # DELTA: the sections' digest, from the last run's
    changed_groups: list[tuple] | None = None  # DELTA: the groups whose sections may have changed (the index's)
    coverage: list[dict] | None = None  # the crawl's coverage rows (`crawl.fetch.CrawlResult.coverage`); None: no crawl


def insert(con: duckdb.DuckDBPyConnection, table: str, data: dict[str, list]) -> None:
    bulk.insert(con, table, TABLE[table].columns, data)


def new_run(p: Publishing) -> None:
    row = p.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
    p.run_id = int(row[0]) if row else 1


def catalogs(p: Publishing) -> None:
    """The `indicators` and `countries` tables, from the catalog."""
    insert(
        p.con,
        "indicators",
        bulk.records(
            [
                {
                    "indicator": i.code,
                    "pillar": i.pillar,
                    "label": i.label,
                    "description": i.description,
                    "first_edition": i.first_edition,
                    "position": n,
                }
                for n, i in enumerate(catalog.INDICATORS, start=1)
            ]
        ),
    )
    insert(
        p.con,
        "countries",
        bulk.records(
            [
                {
                    "iso3": c.iso3,
                    "name": c.name,
                    "name_variants": list(c.variants),
                    "continent": c.continent,
                    "region": c.region,
                    **{f"region_{e}": c.workbook_regions[e] for e in catalog.GLOBAL_EDITIONS},
                    **{f"slug_{e}": c.slug(e) for e in catalog.EDITIONS},
                }
                for c in catalog.countries()
            ]
        ),
    )


def rejects(p: Publishing) -> None:
    """This run's rejects, each with the run that first found it rejected (the same path and content,
    rejected without a break); the last fetch's failures stay when this run did not fetch."""
    insert(
        p.con,
        "rejects",
        bulk.records(
            [
                {
                    "run_id": p.run_id,
                    "path": r.path,
                    "sha256": r.sha256,
                    "stage": r.stage,
                    "code": r.code,
                    "message": r.message,
                    "record": None if r.record is None else json.dumps(r.record, ensure_ascii=False),
                    "first_seen_run": p.run_id,
                    "last_seen_run": p.run_id,
                }
                for r in p.rejects
            ]
        ),
    )
    p.con.execute("""UPDATE rejects SET first_seen_run = prev.first_seen_run FROM previous_rejects prev
                     WHERE prev.path = rejects.path AND prev.sha256 IS NOT DISTINCT FROM rejects.sha256""")
    if p.carry_fetch_rejects:
        cols = ", ".join(f'"{c}"' for c in columns("rejects"))
        p.con.execute(f"INSERT INTO rejects ({cols}) SELECT {cols} FROM previous_rejects WHERE stage = 'fetch'")
    p.con.execute("DROP TABLE previous_rejects")


def rejects_now(p: Publishing) -> None:
    """The rejects table as this run leaves it: what the run reports and counts."""
    p.rejects_now = [
        Reject(path, sha, stage, code, message, None if record is None else json.loads(record))
        for path, sha, stage, code, message, record in p.con.execute(
            "SELECT path, sha256, stage, code, message, record FROM rejects ORDER BY stage = 'fetch' DESC, path"
        ).fetchall()
    ]
    p.stats.pages_rejected = len(p.rejects_now)


def stage_coverage(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """What the crawl knows of every document it expects (`crawl.fetch.CrawlResult.coverage`), staged for the
    `coverage` step to merge. `ok_now`: fetched fine in this run."""
    cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in TABLE["coverage"].columns if c.name not in _RUN_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE crawl_coverage ({cols}, ok_now BOOLEAN)")
    staged = [c for c in TABLE["coverage"].columns if c.name not in _RUN_COLUMNS]
    bulk.insert(con, "crawl_coverage", [*staged, Column("ok_now", "BOOLEAN", "")], bulk.records(rows))


_RUN_COLUMNS = ("status_since_run", "last_ok_run")  # what the coverage step fills from the run


def coverage(p: Publishing) -> None:
    """This crawl's coverage over the last one's, document by document (site, document, edition, entity): a
    document this crawl does not know keeps its row; a status unchanged keeps the run it began in; the last run
    that fetched a document fine stays until another does. A run that did not crawl leaves the table as it is."""
    if p.coverage is None:
        return
    stage_coverage(p.con, p.coverage)
    key = "o.site = c.site AND o.document = c.document AND o.edition IS NOT DISTINCT FROM c.edition"
    key += " AND o.entity = c.entity"
    plain = [c for c in columns("coverage") if c not in _RUN_COLUMNS]
    p.con.execute(f"""CREATE TEMP TABLE merged_coverage AS SELECT {", ".join(f"c.{c}" for c in plain)},
        CASE WHEN o.last_status IS NOT DISTINCT FROM c.last_status THEN coalesce(o.status_since_run, $run)
             ELSE $run END AS status_since_run,
        CASE WHEN c.ok_now THEN $run ELSE o.last_ok_run END AS last_ok_run
        FROM crawl_coverage c LEFT JOIN coverage o ON {key}""", {"run": p.run_id})  # fmt: skip
    p.con.execute(f"DELETE FROM coverage o WHERE EXISTS (SELECT 1 FROM crawl_coverage c WHERE {key})")
    cols = ", ".join(f'"{c}"' for c in columns("coverage"))
    p.con.execute(f"INSERT INTO coverage ({cols}) SELECT {cols} FROM merged_coverage")
    p.con.execute("DROP TABLE merged_coverage; DROP TABLE crawl_coverage")


def views(p: Publishing) -> None:
    for stmt in view_statements():
        p.con.execute(stmt)


def checks(p: Publishing) -> None:
    p.checks = run_checks(p.con)
    insert(
        p.con,
        "checks",
        bulk.records(
            [
                {
                    "run_id": p.run_id,
                    "check_name": f.check,
                    "edition": f.edition,
                    "entity": f.entity,
                    "item": f.item,
                    "expected": f.expected,
                    "found": f.found,
                    "pages": f.pages,
                    "message": f.message,
                }
                for f in p.checks
            ]
        ),
    )


def previous_checks(p: Publishing) -> None:
    """A run with nothing new reports the checks as the last reload left them."""
    p.checks = [
        Failure(*row)
        for row in p.con.execute(
            "SELECT check_name, edition, entity, item, expected, found, pages, message FROM checks"
        ).fetchall()
    ]


def reconciliation(p: Publishing) -> None:
    """Against `--workbook` when given; else the pages against the workbook under raw/, when one is there."""
    if p.workbook is not None:
        p.reconciliation = reconcile(p.con, p.workbook[0], p.workbook[1], p.run_id)
    else:
        p.reconciliation = reconcile_staged(p.con, p.run_id)


def ledger(p: Publishing) -> None:
    p.stats.values_changed = p.changes.count
    p.stats.seconds_load = p.staged_seconds + time.monotonic() - p.started
    stats = vars(p.stats)
    insert(p.con, "runs", bulk.records([{c: p.run_id if c == "run_id" else stats[c] for c in columns("runs")}]))


def commit(p: Publishing) -> None:
    p.con.execute("COMMIT")


def start_report(p: Publishing) -> None:
    """The current tables are final: committed, and the report's data of them read in a thread beside the rest
    of the publish, the checks included (`report_data.Reading`). DELTA only: beside a whole reload's checks, the
    two would not fit in the build's pool."""
    if not p.report_wanted:
        return
    p.con.execute("COMMIT")
    p.report_reading = Reading(p.con.cursor())
    p.con.execute("BEGIN TRANSACTION")


def report_data(p: Publishing) -> None:
    """What the report shows, read from the database as it will be published (committed): the report is
    written after the swap without opening the file again. A failure is told with the report, not fatal."""
    if not p.report_wanted:
        return
    try:
        tables = p.report_reading.wait() if p.report_reading is not None else gather_tables(p.con)
        p.report_data = {**tables, **gather_run(p.con)}
    except duckdb.Error as exc:
        p.report_error = f"{exc.__class__.__name__}: {exc}"
    p.report_reading = None  # waited for (if anything else stopped the wait, the build waits for it)


def render_report(p: Publishing) -> None:
    """The report page, rendered while the search index is still being written (it is written after the swap,
    from these bytes); left to the writing when the report's scripts are not cached yet (the first run on a
    machine builds them beside the run) or the data could not be read."""
    from pipeline.warehouse import charts
    from pipeline.warehouse.report_page import render

    bundle = charts.cached_bundle()
    if p.report_data is not None and bundle is not None:
        p.report_page = render(p.report_data, bundle).encode("utf-8")


def checkpoint(p: Publishing) -> None:
    """The copy written to its file while the search index is still being written, so that the swap has little
    left to write; when DuckDB refuses (the index's connection is reading just then), the swap does it."""
    try:
        p.con.execute("CHECKPOINT")
    except duckdb.TransactionException:
        pass


def wait_for_search_index(p: Publishing) -> None:
    if p.indexing is not None:
        p.search_note = p.indexing.wait()
        p.search_index = "updated" if p.indexing.updated else "built"
        if p.search_note:  # the database names no index file, and search says why
            p.con.execute("DELETE FROM search_index")


Step = Callable[[Publishing], None]
RELOAD: tuple[Step, ...] = (
    new_run,
    sections_and_search,  # first: the search index, the longest step, is written beside all the others
    catalogs,
    current_tables,
    derived_changes,
    sources,
    documents,
    change_report,
    score_history,
    rejects,
    rejects_now,
    coverage,
    views,
    checks,
    reconciliation,
    ledger,
    commit,
    report_data,
    render_report,
    checkpoint,
    wait_for_search_index,
)
DELTA: tuple[Step, ...] = (
    new_run,
    delta_touched,
    delta_tables,
    delta_derived_changes,
    # the current tables are final: the index and the report's data are read beside the rest from here
    search,
    start_report,
    delta_documents,
    delta_change_report,
    delta_score_history,
    rejects,
    rejects_now,
    coverage,
    checks,
    reconciliation,
    ledger,
    commit,
    report_data,
    render_report,
    checkpoint,
    wait_for_search_index,
)


def external_reconciliation(p: Publishing) -> None:
    """A run with nothing new keeps its reconciliation, unless `--workbook` asks for another one."""
    if p.workbook is not None:
        p.reconciliation = reconcile(p.con, p.workbook[0], p.workbook[1], p.run_id)


UNCHANGED: tuple[Step, ...] = (
    new_run,
    previous_checks,
    rejects_now,
    coverage,
    external_reconciliation,
    ledger,
    commit,
    report_data,
)
