"""One page's work in the parse stage, run in worker processes: read, parse and validate (or reuse the
record of an unchanged page), write the record to extracted/, build the page's table rows.

Light to import (no DuckDB, no Arrow): each worker starts fast and stays small. The parser itself is
imported by the first page parsed, so the parent process, which only hands pages out, never loads it.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.batch.records import write_record
from pipeline.extract.issues import stage_of
from pipeline.files import MAX_PAGE_BYTES
from pipeline.warehouse.ledger import Reject
from pipeline.warehouse.rows import Loadable, Rows, rows

if TYPE_CHECKING:
    from pipeline.extract.models import Record


@dataclass(frozen=True)
class Task:
    path: str
    rel: str
    url: str | None
    fetched_at: str | None
    sha256: str | None  # None when not hashed yet (nothing to reuse): parsing hashes it
    folder: str  # the extracted folder
    cached: str | None = None  # record file written for this content by this parser version
    cached_sha256: str | None = None  # the SHA-256 that record file had when written
    older: tuple[Task, ...] = ()  # earlier versions of the same URL, newest first: served if this one fails
    root: str = ""  # the raw folder, resolved: a page is read only from inside it


@dataclass
class Result:
    rel: str
    sha256: str
    file: str
    parsed: bool
    rows: dict[str, Rows] | None  # by table and column; None when rejected
    reject: Reject | None = None
    record_sha256: str = ""  # of the record file, for the manifest


def process(task: Task) -> Result:
    record = _cached(task)
    parsed = record is None
    if record is None:
        record = _parse(task)
    errors = [i for i in record.issues if i.severity == "error"]
    if parsed or not task.cached:
        json_line = record.model_dump_json(exclude_defaults=True, warnings=False).encode() + b"\n"
        file, record_sha256 = write_record(Path(task.folder), task.rel, json_line, bool(errors))
    else:
        file, record_sha256 = task.cached, task.cached_sha256 or ""
    sha256 = record.source.sha256
    if errors:
        from pipeline.extract.document import as_data

        issues = [i.model_dump() for i in errors]
        return Result(task.rel, sha256, file, parsed, None, reject_for(task.rel, sha256, issues, as_data(record)),
                      record_sha256)  # fmt: skip
    return Result(
        task.rel, sha256, file, parsed, rows([Loadable(record, task.rel, task.fetched_at)]), None, record_sha256
    )


@dataclass
class Versions:
    """A page's results: its newest version, and when that is rejected, its earlier versions in turn
    until one parses (the last good copy wins)."""

    results: list[Result]

    @property
    def served(self) -> Result | None:
        """The version whose rows are loaded: the last one tried, if it parsed."""
        return self.results[-1] if self.results[-1].reject is None else None

    @property
    def rejects(self) -> list[Reject]:
        """The newer versions rejected in favour of the one served; the newest alone when none parses
        (the earlier versions were superseded long ago: they are not listed again)."""
        listed = self.results[:-1] if self.served is not None else self.results[:1]
        return [r.reject for r in listed if r.reject is not None]


def process_versions(task: Task) -> Versions:
    versions = Versions([process(task)])
    for older in task.older:
        if versions.served is not None:
            break
        versions.results.append(process(older))
    served = versions.served
    if served is not None:
        for reject in versions.rejects:
            reject.message += f"\n{reject.path}: an earlier copy of the page is served instead: {served.rel}"
    return versions


def process_many(tasks: list[Task]) -> list[Versions]:
    return [process_versions(t) for t in tasks]


def start_worker(parent: int) -> None:
    """A parse worker's start (the pool's initializer, given the run's pid): watch the run, load the
    parser before the first page comes, and tune the garbage collector for parsing (`tune_gc`). Ctrl-C is the
    run's to answer: the worker ignores it (it started with SIGINT blocked, so none came before)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent)
    load_parser()


def ignore_interrupts() -> None:
    """In a process forked off the run with SIGINT blocked: Ctrl-C is the run's to answer, and this process ignores
    it (none came before: it was blocked)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def load_parser() -> None:
    """Import the parser before the first page comes, and tune the garbage collector for parsing."""
    import pipeline.extract.document  # noqa: F401

    tune_gc()


def tune_gc() -> None:
    """The parser allocates many small objects that die young, beside a large heap that lives as long as
    the process (modules, the catalog, the parser's caches): that heap is frozen out of the collector's
    scans, and young objects are collected less often (docs/PERFORMANCE.md has what it saves)."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Started in each worker (the pool's initializer, given the run's pid): end the worker when the run
    that started it is gone. A run killed with SIGKILL cannot stop its workers, and they would otherwise
    wait for work for ever (each holds its own end of the task queue, so it never reads end-of-file).
    The pid comes from the run: a worker may start after the run has already died."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _cached(task: Task) -> Record | None:
    """The stored record of an unchanged page, when its bytes are those written, it fits the record's model, it
    is of this page as fetched from this URL, and it holds to the index's arithmetic again: a record edited,
    truncated or replaced (its manifest's hash edited too) is parsed again, never trusted."""
    if not task.cached:
        return None
    from pydantic import ValidationError

    from pipeline.extract.models import Record
    from pipeline.extract.validate import recheck

    try:
        data = (Path(task.folder) / task.cached).read_bytes()
        if hashlib.sha256(data).hexdigest() != task.cached_sha256:
            return None
        record = Record.model_validate_json(data)
    except (OSError, ValueError, ValidationError):
        return None
    if record.source.sha256 != task.sha256 or record.source.url != task.url or not recheck(record):
        return None
    return record


def _parse(task: Task) -> Record:
    # imported here (in sys.modules after the first page: a dictionary lookup) so that the parent never loads it
    from pipeline.extract.document import read_document, refused

    try:
        data, size = read_page(Path(task.path), task.root)
    except OSError as exc:
        return refused(task.rel, task.url, task.sha256 or EMPTY_SHA256, "unreadable",
                       f"{task.rel}: cannot be read ({exc.strerror or exc}); check its permissions")  # fmt: skip
    except OutsideRaw as exc:
        return refused(task.rel, task.url, task.sha256 or EMPTY_SHA256, "outside_raw", f"{task.rel}: {exc}")
    if size > MAX_PAGE_BYTES:
        return refused(task.rel, task.url, task.sha256 or EMPTY_SHA256, "too_large",
                       f"{task.rel}: the file is {size:,} bytes, over the {MAX_PAGE_BYTES:,}-byte limit for one "
                       "page; it is not read")  # fmt: skip
    sha256 = hashlib.sha256(data).hexdigest()
    if task.sha256 and sha256 != task.sha256:
        return refused(task.rel, task.url, task.sha256, "changed_during_run",
                       f"{task.rel}: the file changed while the run read raw/ (its bytes are not those listed); the "
                       "next run reads it again")  # fmt: skip
    return read_document(data, path=task.rel, url=task.url, sha256=sha256)


class OutsideRaw(Exception):
    """A page that leads out of the raw folder at the moment it is read."""


def read_page(path: Path, root: str) -> tuple[bytes, int]:
    """A page's bytes (`MAX_PAGE_BYTES` + 1 at most) and its size, read from inside the raw folder only: the file
    is opened without following a link, a link (listed inside the raw folder) only after its target is checked
    again, at the moment it is read."""
    if root and path.is_symlink():
        real = os.path.realpath(path)
        if not Path(real).is_relative_to(root):
            raise OutsideRaw(f"leads outside the raw folder (to {real}) now; only files inside {root} are read")
        path = Path(real)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read(MAX_PAGE_BYTES + 1), os.fstat(fd).st_size


EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def reject_for(rel: str, sha256: str | None, errors: list[dict], record: dict | None) -> Reject:
    """The reject of a page with errors: its stage, its first error's code, every error with its line."""
    message = "\n".join(
        f"{rel}" + (f" line {e['line']}" if e["line"] else "") + f": [{e['code']}] {e['message']}" for e in errors
    )
    return Reject(rel, sha256, stage_of(errors), errors[0]["code"], message, record)
