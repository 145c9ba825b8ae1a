"""Anything new? The one question a scheduled run asks first, answered here top to bottom (`decide`).

A run has nothing to do when the database's latest run was made of exactly these inputs (every file under
raw/, where and when each came from, and the code: one fingerprint, kept in `runs.inputs_sha256`), the records
in extracted/ are of these files too, and no fetch failure is to be added to `rejects` or cleared. It is
decided against the database itself, never against extracted/ alone: a run into another database (`--db`)
never makes this one look current.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.batch.known_hashes import KnownHashes
from pipeline.batch.records import RecordStore, pipeline_version
from pipeline.crawl import store


@dataclass
class Freshness:
    """What the decision found: the content hash of each file, the inputs' fingerprint, the published database
    as copied for the build (when there is one), its latest run, and the answer."""

    hashes: dict[str, str]
    fingerprint: str
    reader: Any = None  # the published database as copied for the build (`Warehouse.open_copy`), open
    warehouse: Any = None  # the `Warehouse` of that copy: the build takes it over
    previous: dict = field(default_factory=dict)
    nothing_new: bool = False


def decide(refs: list[store.PageRef], hashes: dict[str, str], records: RecordStore, database: Path, fetched: bool,
           fetch_failures: list, held: ExitStack) -> Freshness:  # fmt: skip
    """Anything new? `hashes`: of the files under raw/ (`content_hashes`). `held` removes the copy of the published
    database at the end of the run if no build took it over."""
    found = Freshness(hashes, inputs_fingerprint(refs, hashes))
    if not database.exists():
        return found  # no database yet
    from pipeline.warehouse.load import Warehouse

    # copied and opened whatever the answer: every run builds on the copy (one with nothing new adds its ledger
    # row), and a run after a few pages changed reads which pages it holds (delta.py)
    found.warehouse = Warehouse(database)
    found.reader = found.warehouse.open_copy()
    held.callback(found.warehouse.discard)
    if not records.covers(hashes, readable(refs)):
        return found  # extracted/ lacks a record of a page: there is parsing to do
    found.previous = previous_run(found.reader)
    found.nothing_new = is_current(found.previous, found.fingerprint, fetched, fetch_failures) and index_present(
        found.reader, database
    )
    return found


def index_present(reader, database: Path) -> bool:
    """Whether the search index file the database names is there (deleted by hand, or never written: the
    run must write it, even with nothing new)."""
    from pipeline.warehouse.fulltext import current_state, index_usable

    state = current_state(reader)
    return state is None or index_usable(database, state)


def is_current(previous: dict, inputs_sha256: str | None, fetched: bool, fetch_failures: list) -> bool:
    """Whether the database's latest run was made of these inputs, and no fetch failure is to be added to rejects
    or cleared (a run that does not fetch keeps the last fetch's failures). A lasting failure (the same document
    failing with the same code, a known 404 say) is nothing new."""
    now = {(r.path, r.code) for r in fetch_failures}
    fetch_rejects_differ = fetched and now != previous.get("fetch_reject_keys", set())
    return previous.get("inputs_sha256") == inputs_sha256 and not fetch_rejects_differ


def readable(refs: list[store.PageRef]) -> list[str]:
    return [ref.rel for ref in refs if ref.problem is None]


def content_hashes(refs: list[store.PageRef], known: KnownHashes | None = None) -> dict[str, str]:
    """The SHA-256 of every readable file under raw/, earlier versions of a page included (`known`: those of
    files unchanged since an earlier run hashed them are not read again)."""
    sha = store.sha256_file if known is None else lambda path: known.sha256(path, store.sha256_file)
    hashes = {r.rel: sha(r.path) for ref in refs for r in (ref, *ref.older) if r.problem is None}
    return {rel: sha for rel, sha in hashes.items() if sha is not None}  # one that cannot be read is rejected


def inputs_fingerprint(refs: list[store.PageRef], hashes: dict[str, str]) -> str:
    """What the database's tables are made of: every file under raw/ (its content, or why it cannot be
    read, and where and when it came from: its `.meta.json` goes into the rows) and the code that turns
    them into tables. The database keeps it in `runs`: a run whose inputs match the database's latest run
    has nothing to do (decided against the database, not extracted/)."""
    h = hashlib.sha256(pipeline_version().encode())
    for ref in refs:
        for r in (ref, *ref.older):
            h.update(_state(r, hashes))
    return h.hexdigest()


def page_fingerprint(ref: store.PageRef, hashes: dict[str, str]) -> str:
    """What one page's rows are made of: its versions (as `inputs_fingerprint` has them) and the code. The
    database keeps it for each page it loaded (`staging.documents`): a page whose fingerprint is the same is
    not staged again by a run after a few pages changed (`delta.py`). DuckDB's version is part of the code: its
    hash function makes the sections' digest, which such a run carries forward."""
    import duckdb

    h = hashlib.sha256(f"{pipeline_version()} duckdb {duckdb.__version__}".encode())
    for r in (ref, *ref.older):
        h.update(_state(r, hashes))
    return h.hexdigest()


def _state(r: store.PageRef, hashes: dict[str, str]) -> bytes:
    state = hashes.get(r.rel, "unreadable") if r.problem is None else f"{r.problem.code}: {r.problem.message}"
    return f"{r.rel}\0{state}\0{r.url}\0{r.fetched_at}\n".encode("utf-8", "surrogateescape")


def previous_run(con) -> dict:
    """The latest run of the database open on `con` (its `runs` row by column name, and `fetch_rejects`:
    whether its rejects hold fetch failures); {} when it has no run yet or is of another shape (it is
    then rebuilt)."""
    import duckdb

    try:
        cur = con.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1")
        row = cur.fetchone()
        if row is None:
            return {}
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
        keys = con.execute("SELECT path, code FROM rejects WHERE stage = 'fetch'").fetchall()
        out["fetch_rejects"] = bool(keys)
        out["fetch_reject_keys"] = {(path, code) for path, code in keys}
        return out
    except duckdb.Error:
        return {}
