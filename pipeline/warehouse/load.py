"""The load stage: records into the DuckDB warehouse, atomically, with history and provenance.

Publishing builds the new database beside the old one and swaps it in with one rename:
1. the old file is opened read-only (refused, with the holder named, if another process writes it)
   and copied to `<db>.building-<pid>`;
2. the copy is brought up to date by set operations: the current tables (scores, ranks, profiles,
   sections, sources, rejects) are replaced, score history is kept, the run is added to the ledger;
   the search index is built meanwhile on a second connection, once the sections are committed;
3. the copy is checkpointed, closed and renamed over the old file.
Nobody sees the copy before the rename, so its intermediate commits are never visible: a reader with
the old file open keeps seeing the old content; a run that fails or is killed leaves the old file as
it was (what it left, `.building-*`, is removed by the next run).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import catalog
from pipeline.warehouse.bulk import insert_rows
from pipeline.warehouse.crosscheck import Failure, run_checks
from pipeline.errors import RunError
from pipeline.ledger import Changes, Reject, RunStats
from pipeline.warehouse.reconcile import Reconciliation, reconcile
from pipeline.warehouse.rows import Loadable, rows
from pipeline.warehouse.schema import TABLE, TABLES, column_comment, columns, ddl, table_comment
from pipeline.warehouse.search import Indexing, search_table
from pipeline.warehouse.views import view_statements

log = logging.getLogger(__name__)

# The build connection's buffer pool: beyond it, staged rows spill to disk (measured on ten times the
# benchmark corpus: peak RSS 335 MB with 96 MB, 366 MB with 128 MB, in the same time).
MEMORY_LIMIT = "96MB"

# Rebuilt from raw/ (and the catalog) on every run that reloads; the others keep their rows.
REBUILT = ("scores", "ranks", "profiles", "sections", "sources", "rejects", "checks", "indicators", "countries")


@dataclass
class Published:
    run_id: int
    changes: Changes
    checks: list[Failure]
    reconciliation: Reconciliation | None
    search_note: str | None = None


def catalog_rows() -> dict[str, list[tuple]]:
    indicators = [(i.code, i.pillar, i.label, i.description, i.first_edition, n)
                  for n, i in enumerate(catalog.INDICATORS, start=1)]
    countries = [(c.iso3, c.name, list(c.variants), c.continent, c.regions[2021], c.regions[2023], c.regions[2025],
                  c.slug(2019), c.slug(2021), c.slug(2023), c.slug(2025)) for c in catalog.countries()]
    return {"indicators": indicators, "countries": countries}


PRIORITY = (("prio_entities", "SMALLINT", ""), ("prio_fetched", "VARCHAR", ""), ("prio_path", "VARCHAR", ""))


def insert(con: duckdb.DuckDBPyConnection, table: str, data: Sequence[tuple], into: str | None = None) -> None:
    """One INSERT ... SELECT over an Arrow table of the rows: set-based, no per-row round trips.

    `into` names a staging table that has the table's columns followed by the source priority."""
    cols = TABLE[table].columns + (PRIORITY if into else ())
    insert_rows(con, into or table, [(c, t.replace(" NOT NULL", "")) for c, t, _ in cols], data)


class Warehouse:
    """The DuckDB file and its publishing protocol."""

    def __init__(self, path: Path):
        self.path = path
        self.building_path = path.with_name(f"{path.name}.building-{os.getpid()}")

    def clean_stale(self) -> None:
        """Remove what an interrupted run left (the run lock is held: no other run is building): its copy,
        the copy's write-ahead log and DuckDB's spill folder (`<copy>.tmp/`)."""
        for stale in self.path.parent.glob(f"{self.path.name}.building-*"):
            log.info("removing %s left by an interrupted run", stale)
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)

    def _read_only(self):
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise RunError(_lock_message(self.path, exc)) from None

    def build(self, reload: bool = True) -> "Build":
        return Build(self, reload)


class Build:
    """A new version of the database, built beside the published one and swapped in by `publish`.

    with warehouse.build() as b:
        b.add(records)           # any number of times: rows go to staging tables
        b.publish(rejects, stats)
    Leaving the block without publishing (an exception) discards the copy; the old file is untouched."""

    def __init__(self, warehouse: Warehouse, reload: bool):
        self.wh = warehouse
        self.reload = reload
        self.con: duckdb.DuckDBPyConnection | None = None
        self.seconds = 0.0  # time spent loading, for the run ledger
        self.search_note: str | None = None  # why full-text search is unavailable, if it is
        self.indexing: Indexing | None = None

    def __enter__(self) -> "Build":
        path, building = self.wh.path, self.wh.building_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if Path(str(path) + ".wal").exists():
            raise RunError(f"{path} has an unfinished write-ahead log ({path}.wal) from a process that did not "
                           "close it; open it once with duckdb to recover it, then re-run")
        building.unlink(missing_ok=True)
        if path.exists():
            con = self.wh._read_only()  # a shared lock: no writer can change the file while it is copied
            try:
                shutil.copyfile(path, building)
            finally:
                con.close()
        # a bounded buffer pool: the staging tables spill to disk rather than grow with the corpus; one
        # thread, as each DuckDB thread keeps its own allocation caches (measured: 528 MB RSS with two
        # threads against 250 MB with one, staging 300 MB of text)
        self.con = duckdb.connect(str(building), config={"memory_limit": MEMORY_LIMIT, "threads": 1})
        try:
            self.con.execute("BEGIN TRANSACTION")
            self._schema()
            for name in ("scores", "ranks", "profiles", "sections", "sources"):
                cols = ", ".join(f'"{c}" {t.replace(" NOT NULL", "")}' for c, t, _ in TABLE[name].columns + PRIORITY)
                self.con.execute(f"CREATE TEMP TABLE stage_{name} ({cols})")
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self

    def _schema(self) -> None:
        """Bring the copy to this version's schema with as few statements as it takes. Tables rebuilt from
        raw/ on every reload are dropped and created anew (after keeping what the change report and the
        history need); the ledger and the history keep their rows and gain any new column; comments
        are set where they differ."""
        con = self.con
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
        comments = {(t, c): doc for t, c, doc in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()}
        if self.reload:
            has = lambda t, cols: all((t, c) in comments for c in cols)
            keep = ("edition", "entity_kind", "entity", "indicator", "score", "change")
            con.execute(f"CREATE TEMP TABLE previous_scores AS SELECT {', '.join(keep)} FROM "
                        + ("scores" if has("scores", keep) else
                           "(SELECT 0::SMALLINT edition, ''::VARCHAR entity_kind, ''::VARCHAR entity, ''::VARCHAR indicator, "
                           "0::DECIMAL(4,2) score, 0::DECIMAL(4,2) change) WHERE false"))
            con.execute("CREATE TEMP TABLE previous_sources AS SELECT sha256, first_run FROM "
                        + ("sources" if has("sources", ("sha256", "first_run")) else
                           "(SELECT ''::VARCHAR sha256, 0 first_run) WHERE false"))
            for name in REBUILT:
                con.execute(f"DROP TABLE IF EXISTS {name}")
                tables.pop(name, None)
        for table in TABLES:
            if table.name not in tables:
                for stmt in ddl(table):
                    con.execute(stmt)
                continue
            if tables[table.name] != table.comment:
                con.execute(table_comment(table))
            for column, typ, doc in table.columns:
                if (table.name, column) not in comments:
                    con.execute(f'ALTER TABLE {table.name} ADD COLUMN "{column}" {typ.replace(" NOT NULL", "")}')
                if comments.get((table.name, column)) != doc:
                    con.execute(column_comment(table, column, doc))

    def add(self, loadables: Iterable[Loadable]) -> None:
        self.add_rows(rows(loadables))

    def add_rows(self, table_rows: dict[str, list[tuple]]) -> None:
        """Stage rows built by `rows.rows` (in the parse workers)."""
        t = time.monotonic()
        for name, data in table_rows.items():
            insert(self.con, name, data, into=f"stage_{name}")
        self.seconds += time.monotonic() - t

    def publish(self, rejects: Sequence[Reject], stats: RunStats, workbook=None) -> "Published":
        """Commit the run and swap the new file in. `workbook`: (rows, name) to reconcile with."""
        con = self.con
        t = time.monotonic()
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
        changes = Changes()
        indexing = None
        if self.reload:
            for name, data in catalog_rows().items():
                insert(con, name, data)
            # The search index is built on its own connection, beside the rest of this publish: the sections
            # are loaded and committed first so that it sees them. The file is swapped in only once both
            # are done, so a failure in either still leaves the published database as it was.
            _pick(con, "sections")
            search_table(con)
            con.execute("COMMIT")
            indexing = self.indexing = Indexing(con)
            con.execute("BEGIN TRANSACTION")
            for name in ("scores", "ranks", "profiles"):
                _pick(con, name)
            cols = ", ".join(f'"{c}"' for c in columns("sources"))
            con.execute(f"""INSERT INTO sources ({cols})
                SELECT {cols} FROM stage_sources s
                QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY prio_path) = 1""")
            con.execute("""UPDATE sources SET first_run = coalesce(
                             (SELECT p.first_run FROM previous_sources p WHERE p.sha256 = sources.sha256), ?)""",
                        [run_id])
            changes = _changes(con)
            _history(con, run_id)
            con.execute("DROP TABLE previous_scores")
            con.execute("DROP TABLE previous_sources")
            insert(con, "rejects", [(run_id, r.path, r.sha256, r.stage, r.code, r.message,
                                     None if r.record is None else json.dumps(r.record, ensure_ascii=False))
                                    for r in rejects])
            for stmt in view_statements():
                con.execute(stmt)
            failures = run_checks(con)
            insert(con, "checks", [(run_id, f.check, f.edition, f.entity, f.item, f.expected, f.found, f.pages,
                                    f.message) for f in failures])
        else:
            failures = [Failure(*row) for row in con.execute(
                "SELECT check_name, edition, entity, item, expected, found, pages, message FROM checks").fetchall()]
        reconciliation = reconcile(con, workbook[0], workbook[1], run_id) if workbook else None
        stats.values_changed = changes.count
        stats.seconds_load = self.seconds + time.monotonic() - t
        insert(con, "runs", [tuple(run_id if c == "run_id" else getattr(stats, c) for c in columns("runs"))])
        con.execute("COMMIT")
        if indexing is not None:
            self.search_note = indexing.wait()
        con.execute("CHECKPOINT")
        con.close()
        self.con = None
        _fsync(self.wh.building_path)
        os.replace(self.wh.building_path, self.wh.path)
        _fsync_dir(self.wh.path.parent)
        return Published(run_id, changes, failures, reconciliation, self.search_note)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.indexing is not None and exc_type is not None:
            try:  # the index thread uses the file: let it finish before the file goes
                self.indexing.wait()
            except BaseException:  # noqa: S110 - the error that ended the run is the one to report
                pass
        if self.con is not None:
            try:
                self.con.close()
            finally:
                self.con = None
        if exc_type is not None:
            self.wh.building_path.unlink(missing_ok=True)


_KEY = "edition, entity_kind, entity, indicator"


def _pick(con, name: str) -> None:
    """The staged rows of a current table, one per key: those of the page ranked first (see rows.py)."""
    key = ", ".join(TABLE[name].key)
    cols = ", ".join(f'"{c}"' for c in columns(name))
    con.execute(f"""INSERT INTO {name} ({cols}) SELECT {cols} FROM (
        SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY prio_entities, prio_fetched DESC, prio_path) AS pick
        FROM stage_{name}) WHERE pick = 1""")


def _changes(con) -> Changes:
    ch = Changes()
    ent = "SELECT DISTINCT edition, entity_kind, entity FROM {}"
    ch.added_entities = con.execute(f"{ent.format('scores')} EXCEPT {ent.format('previous_scores')} ORDER BY ALL").fetchall()
    ch.removed_entities = con.execute(f"{ent.format('previous_scores')} EXCEPT {ent.format('scores')} ORDER BY ALL").fetchall()
    ch.changed_values = con.execute(f"""
        SELECT n.edition, n.entity_kind, n.entity, n.indicator, o.score, o.change, n.score, n.change
        FROM scores n JOIN previous_scores o USING ({_KEY})
        WHERE n.score IS DISTINCT FROM o.score OR n.change IS DISTINCT FROM o.change
        ORDER BY ALL""").fetchall()
    ch.added_values = con.execute(f"SELECT count(*) FROM (SELECT {_KEY} FROM scores EXCEPT SELECT {_KEY} FROM previous_scores)").fetchone()[0]
    ch.removed_values = con.execute(f"SELECT count(*) FROM (SELECT {_KEY} FROM previous_scores EXCEPT SELECT {_KEY} FROM scores)").fetchone()[0]
    return ch


def _history(con, run_id: int) -> None:
    """Close history rows whose value is no longer current; open rows for values new in this run."""
    con.execute("""
        UPDATE score_history h SET replaced_run = ?
        WHERE h.replaced_run IS NULL AND NOT EXISTS (
            SELECT 1 FROM scores s WHERE (s.edition, s.entity_kind, s.entity, s.indicator) = (h.edition, h.entity_kind, h.entity, h.indicator)
              AND s.score = h.score AND s.change IS NOT DISTINCT FROM h.change)""", [run_id])
    con.execute("""
        INSERT INTO score_history
        SELECT s.edition, s.entity_kind, s.entity, s.iso3, s.indicator, s.score, s.change, s.source_sha256, ?, NULL
        FROM scores s WHERE NOT EXISTS (
            SELECT 1 FROM score_history h WHERE h.replaced_run IS NULL
              AND (s.edition, s.entity_kind, s.entity, s.indicator) = (h.edition, h.entity_kind, h.entity, h.indicator))""",
                [run_id])


def _lock_message(path: Path, exc: Exception) -> str:
    text = str(exc)
    holder = ""
    if "PID" in text:
        holder = " (held by " + text[text.index("PID"):].split(")")[0].strip() + ")"
    return (f"cannot open {path}: another process has it open for writing{holder}. Close that program "
            f"(a DuckDB CLI or notebook opened without read-only) or open it read-only "
            f"(duckdb -readonly {path}), then re-run. [{exc.__class__.__name__}]"
            if "lock" in text.lower() else f"cannot open {path}: {text}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:
        pass
