"""The load stage: records into the DuckDB warehouse, atomically, with history and provenance.

Publishing builds the new database beside the old one and swaps it in with one rename:
1. the old file is copied to `<db>.building-<pid>` under a shared lock (refused, with the holder named, if
   another process writes it), and the copy opened: a run reads what the database holds from it
   (`Warehouse.open_copy`: one DuckDB instance a run, where each takes some 20 ms to start);
2. the copy is brought to this version's schema (`migrate.py`), the pages' rows are staged as they
   are parsed, then the publishing steps (`publish.py`) replace the current tables, keep the score
   history, check across pages and add the run to the ledger;
3. the copy is checkpointed and closed; the old file is checked to be the one copied (another program
   may have written it since: then the copy is kept aside, never renamed over that write), and the copy
   is renamed over it.
Nobody sees the copy before the rename, so its intermediate commits are never visible: a reader with
the old file open keeps seeing the old content; a run that fails or is killed leaves the old file as
it was (what it left, `.building-*`, is removed by the next run).
The database is handled where it really is: a `--db` that is a symbolic link is followed once, so the
copy is built beside the real file and renamed over it, and the link stays a link.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.errors import DatabaseBusy, DatabaseChanged, DatabaseUnreadable, RunError
from pipeline.extract.workbook import WorkbookRow
from pipeline.warehouse import bulk, migrate, publish
from pipeline.warehouse.crosscheck import Failure
from pipeline.warehouse.fulltext import Indexing, prune
from pipeline.warehouse.ledger import Changes, Reject, RunStats
from pipeline.warehouse.lock import FileState, copy_shared, replace_if_unchanged, write_lock_holder
from pipeline.warehouse.reconcile import Reconciliation
from pipeline.warehouse.rows import Loadable, Rows, rows
from pipeline.warehouse.schema import staged_columns

log = logging.getLogger(__name__)

# The build connection's buffer pool: beyond it, staged rows spill to disk, so the memory a run takes stays
# flat as the corpus grows (docs/PERFORMANCE.md has the peak RSS of a corpus and of ten times as much).
MEMORY_LIMIT = "48MB"
# A run after a few pages changed stages little, and reads the report's data in a thread beside its checks:
# their joins need room side by side, which a reload's staging pool does not leave.
DELTA_MEMORY_LIMIT = "160MB"
# The copy is checkpointed as soon as a commit has logged 1 MB (DuckDB's default: 16 MB), so a large commit
# is written to the file at once, not logged first and written again by the final checkpoint.
# The copy is not synced to disk by DuckDB at each commit and checkpoint (`fsync_mode`): it is published only
# once whole, and `_swap` syncs it once, after its last checkpoint and before the rename that publishes it. A
# crash before then leaves the published file as it was, and the copy is removed by the next run.
BUILD_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "memory_limit": MEMORY_LIMIT,
    "threads": 1,
    "checkpoint_threshold": "1MB",
    "fsync_mode": "NONE",
}


@dataclass
class Published:
    run_id: int
    changes: Changes
    checks: list[Failure]
    reconciliation: Reconciliation | None
    search_note: str | None = None
    search_index: str = "none"  # kept (the analysis text was the same), updated in place, or built
    rejects: list[Reject] = field(default_factory=list)  # the rejects table as published
    report_data: dict | None = None  # what the report shows (report_page.gather)
    report_error: str | None = None  # why that could not be read
    report_page: bytes | None = None  # the report page, rendered before the swap (else written from the data)


class Warehouse:
    """The DuckDB file and its publishing protocol."""

    def __init__(self, path: Path):
        self.path = real_path(path)
        self.building_path = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        self.prepared: tuple[duckdb.DuckDBPyConnection, FileState] | None = None  # `open_copy`, for the build

    def clean_stale(self) -> None:
        """Remove what an interrupted run left (the run lock is held: no other run is building): its copy,
        the copy's write-ahead log and DuckDB's spill folder (`<copy>.tmp/`). Told apart by the start of
        their names, never by a glob: a database named `db[1].duckdb` is no pattern for `db1.duckdb`'s."""
        prefix = f"{self.path.name}.building-"
        try:
            names = sorted(n for n in os.listdir(self.path.parent) if n.startswith(prefix))
        except FileNotFoundError:
            return
        for stale in (self.path.parent / n for n in names):
            if self.prepared is not None and stale.name.startswith(self.building_path.name):
                continue  # this run's own copy, opened already (`open_copy`)
            log.info("removing %s left by an interrupted run", stale)
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)

    def open_read_only(self) -> duckdb.DuckDBPyConnection:
        """The published file, read-only (a shared lock: no writer can change it while it is open)."""
        holder = write_lock_holder(self.path)
        if holder is not None:
            raise self._busy(holder)
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise self._unreadable(exc) from None

    def open_copy(self) -> duckdb.DuckDBPyConnection:
        """The published file copied beside it and opened for the build that `build` then makes of it: a run reads
        what the database holds from this copy (the file as published), and builds on it with one DuckDB instance
        (each takes some 20 ms to start). `discard` removes it when no build took it over."""
        self._no_unfinished_log()
        self.clean_stale()
        self.building_path.unlink(missing_ok=True)
        try:
            with disk_full_told(self.path.parent):
                copied, holder = copy_shared(self.path, self.building_path)
        except OSError as exc:
            self._remove_copy()
            raise RunError(f"cannot copy {self.path} to build on it: {exc.strerror or exc} (check the permissions "
                           f"of {self.path} and of its folder)") from None  # fmt: skip
        if holder is not None:
            self.building_path.unlink(missing_ok=True)
            raise self._busy(holder)
        try:
            con = duckdb.connect(str(self.building_path), config=BUILD_CONFIG)
        except duckdb.Error as exc:
            self._remove_copy()
            raise self._unreadable(exc) from None
        assert copied is not None
        self.prepared = (con, copied)
        return con

    def discard(self) -> None:
        """The copy `open_copy` made, closed and removed, if no build took it over (a build that did removes it
        itself when it fails, and renames it when it publishes)."""
        if self.prepared is not None:
            con, self.prepared = self.prepared[0], None
            try:
                con.close()
            finally:
                self._remove_copy()

    def _remove_copy(self) -> None:
        for leftover in (self.building_path, Path(f"{self.building_path}.wal")):
            leftover.unlink(missing_ok=True)

    def _no_unfinished_log(self) -> None:
        if Path(str(self.path) + ".wal").exists():
            raise RunError(
                f"{self.path} has an unfinished write-ahead log ({self.path}.wal) from a process that did not "
                "close it; open it once with duckdb to recover it, then re-run"
            )

    def _busy(self, holder: int) -> DatabaseBusy:
        return DatabaseBusy(
            f"cannot open {self.path}: another process has it open for writing (held by PID {holder}). Close "
            f"that program (a DuckDB CLI or notebook opened without read-only) or open it read-only "
            f"(duckdb -readonly {self.path}), then re-run",
            holder,
        )

    def _unreadable(self, exc: duckdb.Error) -> DatabaseUnreadable:
        return DatabaseUnreadable(
            f"cannot open {self.path}: {str(exc).splitlines()[0]} (move the file aside "
            f"to build a new database, or restore it from a backup)"
        )

    def build(self, reload: bool = True, delta: bool = False) -> Build:
        return Build(self, reload, delta)


def real_path(path: Path) -> Path:
    """Where the database really is: every symbolic link on the way followed (a link's target may not
    exist yet). The copy is built in that folder and renamed over that file, and the run lock is taken
    beside it, whichever name a run was given; renaming over the link would turn it into a file and
    leave the real database behind."""
    return Path(os.path.realpath(path))


# How the system says a disk is full (ENOSPC, EDQUOT), as DuckDB quotes it in its messages.
DISK_FULL = (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT))


def disk_full(exc: BaseException) -> bool:
    """Whether an error means the disk is full. DuckDB says so in the system's words, or, when its spill
    folder (beside the copy) outgrows max_temp_directory_size, which defaults to the disk's free space, as
    an out-of-memory error whose advice (fewer threads, more memory) does not apply."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    spill_full = isinstance(exc, duckdb.OutOfMemoryException) and "max_temp_directory_size" in text
    return spill_full or any(words in text for words in DISK_FULL)


@contextmanager
def disk_full_told(folder: Path) -> Iterator[None]:
    """A full disk while the copy is built, as one line naming the folder (a RunError: the published file is
    untouched) instead of DuckDB's message."""
    try:
        yield
    except (duckdb.Error, OSError) as exc:
        if not disk_full(exc):
            raise
        raise RunError(
            f"the disk holding {folder} is full (the new database is built there, beside the old one); free "
            "some space on it, or choose a database on another disk (--db), then run again"
        ) from None


class Build:
    """A new version of the database, built beside the published one and swapped in by `publish`.

    with warehouse.build() as b:
        b.add(records)           # any number of times: rows go to staging tables
        b.publish(rejects, stats)
    Leaving the block without publishing (an exception) discards the copy; the old file is untouched."""

    def __init__(self, warehouse: Warehouse, reload: bool, delta: bool = False):
        self.wh = warehouse
        self.reload = reload
        self.delta = delta  # only the pages changed are staged (publish.DELTA)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.seconds = 0.0  # time spent loading, for the run ledger
        self.indexing: Indexing | None = None
        self.copied: FileState | None = None  # the published file as copied; None when there was none

    def __enter__(self) -> Build:
        with disk_full_told(self.wh.path.parent):
            return self._open()

    def _open(self) -> Build:
        path, building = self.wh.path, self.wh.building_path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.wh._no_unfinished_log()
        if self.wh.prepared is None and path.exists():
            self.wh.open_copy()  # not copied by the run already (a caller of `build` alone)
        if self.wh.prepared is not None:  # the copy, opened (`Warehouse.open_copy`): this build's now
            (self.con, self.copied), self.wh.prepared = self.wh.prepared, None
            if self.delta:
                self.con.execute(f"SET memory_limit = '{DELTA_MEMORY_LIMIT}'")
        else:  # no database yet: a new one
            building.unlink(missing_ok=True)
            # a bounded buffer pool: the staging tables spill to disk rather than grow with the corpus; one
            # thread, as each DuckDB thread keeps its own allocation caches (twice the memory with two)
            self.con = duckdb.connect(str(building), config=BUILD_CONFIG)
        try:
            if self.delta:  # one script: see `migrate.delta_statements`
                self.con.execute(";\n".join(["BEGIN TRANSACTION", *migrate.delta_statements(),
                                              *migrate.staging_statements()]))  # fmt: skip
            elif self.reload:  # else nothing is new: this very code made the database (runs.inputs_sha256)
                self.con.execute("BEGIN TRANSACTION")
                migrate.migrate(self.con, self.reload)
                migrate.create_staging(self.con)
            else:
                self.con.execute("BEGIN TRANSACTION")
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self

    def add(self, loadables: Iterable[Loadable]) -> None:
        self.add_rows(rows(loadables))

    def add_rows(self, table_rows: dict[str, Rows]) -> None:
        """Stage rows built by `rows.rows` (in the parse workers), by table and column name."""
        assert self.con is not None
        t = time.monotonic()
        with disk_full_told(self.wh.path.parent):
            for name, data in table_rows.items():
                bulk.insert(self.con, f"stage_{name}", staged_columns(name), data)
        self.seconds += time.monotonic() - t

    def publish(
        self,
        rejects: Sequence[Reject],
        stats: RunStats,
        workbook: tuple[list[WorkbookRow], str] | None = None,
        carry_fetch_rejects: bool = False,
        report_wanted: bool = True,
        documents: list[dict] | None = None,
        changed_tasks: list[str] | None = None,
        coverage: list[dict] | None = None,
    ) -> Published:
        """Run the publishing steps (`publish.RELOAD`, or `publish.UNCHANGED` for a run with nothing new),
        then swap the new file in. `workbook`: (rows, name) to reconcile with. `carry_fetch_rejects`: keep
        the last fetch's failures in rejects (this run did not fetch). `documents`: the pages staged (task,
        fingerprint, served_path); `changed_tasks`: with `delta`, the pages changed or removed since the last run;
        `coverage`: the crawl's coverage rows (None: the run did not crawl)."""
        assert self.con is not None
        p = publish.Publishing(
            self.con,
            self.wh.path,
            rejects,
            stats,
            workbook,
            carry_fetch_rejects=carry_fetch_rejects,
            staged_seconds=self.seconds,
            report_wanted=report_wanted,
            documents=documents or [],
            changed_tasks=changed_tasks or [],
            coverage=coverage,
        )
        steps = publish.DELTA if self.delta else publish.RELOAD if self.reload else publish.UNCHANGED
        with disk_full_told(self.wh.path.parent):
            try:
                for step in steps:
                    step(p)
            finally:
                self.indexing = p.indexing
                if p.report_reading is not None:  # a step failed after it started: it ends before the connection
                    p.report_reading.thread.join()
            self._swap()
        if p.search_files:  # older builds' index files go; this one's and the one before stay
            prune(self.wh.path, p.search_files)
        return Published(
            p.run_id,
            p.changes,
            p.checks,
            p.reconciliation,
            search_note=p.search_note,
            search_index=p.search_index,
            rejects=p.rejects_now,
            report_data=p.report_data,
            report_error=p.report_error,
            report_page=p.report_page,
        )

    def _swap(self) -> None:
        """Checkpoint and close the copy, make it durable, and rename it over the published file if that is
        still the file copied (else DatabaseChanged: the copy is kept aside)."""
        assert self.con is not None
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = None
        _fsync(self.wh.building_path)
        replace_if_unchanged(self.wh.building_path, self.wh.path, self.copied)
        _fsync_dir(self.wh.path.parent)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.indexing is not None and exc_type is not None and not issubclass(exc_type, DatabaseChanged):
            self.indexing.discard()  # not published: its index goes too (a build kept aside keeps its own)
        if self.con is not None:
            try:
                self.con.close()
            finally:
                self.con = None
        if exc_type is not None:
            self.wh.building_path.unlink(missing_ok=True)
            Path(f"{self.wh.building_path}.wal").unlink(missing_ok=True)  # DuckDB's log of the copy, if it kept one


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
