"""Full-text search in the analysis text: an SQLite FTS5 index (Python's own sqlite3) in a file beside the
database, with BM25 ranking, phrase queries and the matched passage (`snippet`).

Why a file of its own: FTS5 builds the index in a fraction of the time DuckDB's fts extension takes, and needs no
extension, so DuckDB is not held to an extension's release (`benchmarks/fulltext_engines.py`).

The two files are swapped together. Each build writes a new index file, `<database>.search-<id>.sqlite`,
before the database is swapped in; the database's `search_index` table names the file that holds its
sections (and their digest), so a reader that opened a database finds the index of exactly those sections.
After the swap the files of older builds go, except the one the previous database named (a reader may be
on its way to it). A run whose sections did not change keeps the file as it is.

The command is `ocindex search` (`pipeline/search.py`); `search_query.search` is the same for a Python caller.
"""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb

from pipeline.errors import PipelineError

ENGINE = "sqlite-fts5"
# How the index reads the text: Porter stemming over Unicode words, accents folded (else the index is built again).
TOKENIZE = "porter unicode61 remove_diacritics 2"
# The columns: the section's key and a hash of the row (not searched: to update in place), then the two searched.
FIELDS = ("edition", "entity_kind", "entity", "iso3", "ordinal", "row_hash", "title", "text")
KEY = slice(0, 5)
INCREMENTAL_UP_TO = 0.25  # an index is updated in place when at most this share of its sections changed
SNIPPET_WORDS = 24  # words around the match in a snippet


class SearchUnavailable(PipelineError):
    """The index cannot be searched: there is none, or its file is missing or is not the database's."""


@dataclass(frozen=True)
class IndexState:
    file: str
    engine: str
    sections_digest: str


def index_file(db: Path, build: str) -> Path:
    return db.with_name(f"{db.name}.search-{build}.sqlite")


def engine_name() -> str:
    return f"{ENGINE} ({TOKENIZE}; columns {', '.join(FIELDS)})"


ROW_HASH = "hash(edition, entity_kind, entity, iso3, ordinal, coalesce(title, ''), text)"


def sections_digest(con: duckdb.DuckDBPyConnection, where: str = "true") -> str:
    """A digest of every section's key and text (or of those `where` holds for, on `sections` as `c`): equal
    digests, equal sections (for keeping an index). The count, and the exclusive or of the rows' hashes: the
    digest of a few rows replaced follows from the old one (`replaced_digest`)."""
    row = con.execute(f"SELECT count(*), coalesce(bit_xor({ROW_HASH}), 0) FROM sections c WHERE {where}").fetchone()
    assert row is not None
    return f"{row[0]}:{row[1]:016x}"


def replaced_digest(digest: str, removed: str, added: str) -> str:
    """The digest of the sections of `digest` with the rows of digest `removed` replaced by those of `added`."""
    (n, x), (rn, rx), (an, ax) = ((int(c), int(h, 16)) for c, h in (d.split(":") for d in (digest, removed, added)))
    return f"{n - rn + an}:{x ^ rx ^ ax:016x}"


def current_state(con: duckdb.DuckDBPyConnection) -> IndexState | None:
    """The index the database names (its `search_index` row), or None."""
    try:
        row = con.execute("SELECT file, engine, sections_digest FROM search_index LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else IndexState(*row)


class IndexUnreadable(SearchUnavailable):
    """The index file cannot be opened or read: gone meanwhile, or damaged."""


def open_checked(db: Path, state: IndexState) -> sqlite3.Connection:
    """The index file `state` names, beside the real database file (`load.real_path`: the run wrote it there),
    opened read-only (it never changes once written) and checked to be of this engine and these sections."""
    path = Path(os.path.realpath(db)).parent / state.file

    def unreadable(exc: sqlite3.Error) -> IndexUnreadable:
        return IndexUnreadable(f"the search index {path} cannot be read ({exc}); run `ocindex run` to build it again")

    try:
        index = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise unreadable(exc) from None
    try:
        found = dict(index.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as exc:
        index.close()
        raise unreadable(exc) from None
    problem = None
    if found.get("engine") != engine_name():
        problem = (f"the search index {path} was made by another version of this tool; run `ocindex run` to build "
                   "it again (nothing else changes)")  # fmt: skip
    elif found.get("sections_digest") != state.sections_digest:
        problem = f"the search index {path} is not of {db}'s sections; run `ocindex run` again"
    if problem:
        index.close()
        raise SearchUnavailable(problem)
    return index


def index_usable(db: Path, state: IndexState) -> bool:
    """Whether the index file `state` names opens and holds those sections (a damaged or missing file is
    written again by the next run, even one with nothing else new)."""
    try:
        open_checked(db, state).close()
    except SearchUnavailable:
        return False
    return True


def record_state(con: duckdb.DuckDBPyConnection, file: str, digest: str) -> None:
    con.execute("DELETE FROM search_index")
    con.execute(
        "INSERT INTO search_index (file, engine, sections, sections_digest, built_at) VALUES (?, ?, ?, ?, ?)",
        [file, engine_name(), int(digest.split(":")[0]), digest, datetime.now(UTC).replace(tzinfo=None)],
    )


class Sections:
    """The sections as the index takes them (FIELDS in order), in batches on a connection of their own."""

    BATCH = 2000
    COLUMNS = f"edition, entity_kind, entity, iso3, ordinal, {ROW_HASH}::VARCHAR"

    def __init__(self, cursor: duckdb.DuckDBPyConnection, groups: list[tuple] | None = None, ranges: bool = False):
        """`groups`: (edition, entity kind, entity) of the only sections that may have changed since the index
        was last written; None: any may have. `ranges`: by ranges of row ids, a query each (no transaction keeps the
        build from checkpointing); only for a table made anew by this run (a checkpoint renumbers after deletes)."""
        self.cursor, self.groups, self.ranges = cursor, groups, ranges
        self.where = "true" if groups is None else "list_contains($groups, [edition::VARCHAR, entity_kind, entity])"
        self._groups = {(str(e), k, n) for e, k, n in groups or ()}

    def holds(self, key: tuple) -> bool:
        """Whether a section of this key is one `keys` and `rows` read."""
        return self.groups is None or (str(key[0]), key[1], key[2]) in self._groups

    def keys(self) -> dict[tuple, str]:
        """Each section's key and row hash."""
        return {tuple(r[KEY]): r[5] for r in self._read(f"SELECT {self.COLUMNS} FROM sections WHERE {self.where}")}

    def rows(self, only: set[tuple] | None = None) -> Iterator[tuple]:
        """Every section (or those whose key is in `only`), whole."""
        found = self._read(f"SELECT {self.COLUMNS}, coalesce(title, ''), text FROM sections WHERE {self.where}")
        return (row for row in found if only is None or tuple(row[KEY]) in only)

    def _read(self, sql: str) -> Iterator[tuple]:
        params: dict = {} if self.groups is None else {"groups": [[str(e), k, n] for e, k, n in self.groups]}
        if not self.ranges:
            result = self.cursor.execute(sql, params)
            while batch := result.fetchmany(self.BATCH):
                yield from batch
            return
        (last,) = self.cursor.execute("SELECT coalesce(max(rowid), -1) FROM sections").fetchone() or (-1,)
        for start in range(0, last + 1, self.BATCH):
            yield from self.cursor.execute(
                f"{sql} AND rowid >= $start AND rowid < $stop ORDER BY rowid",
                {**params, "start": start, "stop": start + self.BATCH},
            ).fetchall()


class Indexing:
    """Write the index file of the sections in a thread, on a connection of its own to the build (which must have
    committed them): sqlite3 and DuckDB let go of the GIL, so the index is built beside the rest of the publish.
    With `previous` (the index file of the database before), a copy of it is brought up to date when few sections
    changed, else a new one is built. `wait` raises what the build raised; `discard` removes the file."""

    def __init__(self, path: Path, cursor: duckdb.DuckDBPyConnection, digest: str, previous: Path | None = None,
                 groups: list[tuple] | None = None, ranges: bool = False):  # fmt: skip
        """`groups`, `ranges`: see `Sections` (`groups`: changed since `previous` was written)."""
        self.path = path
        self.error: BaseException | None = None
        self.updated: bool | None = None  # whether the previous index was updated in place (else built anew)
        self.thread = threading.Thread(target=self._run, args=(cursor, digest, previous, groups, ranges), name="index")
        self.thread.start()

    def _run(self, cursor: duckdb.DuckDBPyConnection, digest: str, previous: Path | None, groups, ranges) -> None:
        try:
            sections = Sections(cursor, groups, ranges)
            self.updated = previous is not None and update_index(previous, self.path, sections, digest)
            if not self.updated:
                write_index(self.path, Sections(cursor, ranges=ranges).rows(), digest)
        except BaseException as exc:  # handed to wait()
            self.error = exc
        finally:
            cursor.close()

    def wait(self) -> str | None:
        """None when the file is written; why there is no index when this Python's SQLite lacks FTS5."""
        self.thread.join()
        if isinstance(self.error, sqlite3.OperationalError) and "no such module: fts5" in str(self.error):
            return f"this Python's SQLite has no FTS5 module ({self.error})"
        if isinstance(self.error, sqlite3.OperationalError) and "disk is full" in str(self.error):
            raise OSError(errno.ENOSPC, f"writing the search index {self.path}: {self.error}")
        if self.error is not None:
            raise self.error
        return None

    def discard(self) -> None:
        self.thread.join()
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)


def write_index(path: Path, rows: Iterable[tuple], digest: str) -> None:
    """The FTS5 index of the sections, written to a temporary name, made durable, then renamed to `path`."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")  # a new file, renamed into place only when whole
        con.execute("PRAGMA synchronous = OFF")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", [("sections_digest", digest), ("engine", engine_name())])
        unindexed = ", ".join(f"{f} UNINDEXED" for f in FIELDS[:-2])
        con.execute(f"CREATE VIRTUAL TABLE sections USING fts5({unindexed}, title, text, tokenize = '{TOKENIZE}')")
        # segments merged eight at a time (FTS5's default: four), and not all into one at the end: built a fifth
        # quicker and smaller, and searched as fast (docs/PERFORMANCE.md); the ranking is the same either way
        con.execute("INSERT INTO sections (sections, rank) VALUES ('automerge', 8)")
        con.executemany(INSERT, ((i, *row) for i, row in enumerate(rows, start=1)))
        con.commit()
    finally:
        con.close()
    _durable_rename(tmp, path)


INSERT = f"INSERT INTO sections (rowid, {', '.join(FIELDS)}) VALUES (?, {', '.join('?' * len(FIELDS))})"


def update_index(previous: Path, path: Path, sections: Sections, digest: str) -> bool:
    """A copy of the `previous` index file brought to the sections now (those that changed deleted, the new
    ones added) and renamed to `path`; False, with nothing written, when that is not worth it (more than
    INCREMENTAL_UP_TO of the sections changed) or the file is not an index of this engine. BM25 reads the
    index's totals, which an update keeps exact: the same sections give the same scores either way."""
    import shutil

    tmp = path.with_name(path.name + ".tmp")
    try:
        shutil.copyfile(previous, tmp)
    except OSError:
        return False
    con = sqlite3.connect(tmp)
    try:
        try:  # a previous file that is damaged, or not an index of this engine: a new one is built instead
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            if dict(con.execute("SELECT key, value FROM meta").fetchall()).get("engine") != engine_name():
                return False
            held = {tuple(r[1:6]): (r[0], r[6]) for r in _held(con, sections.groups) if sections.holds(r[1:6])}
            top = con.execute("SELECT coalesce(max(rowid), 0) FROM sections").fetchone()[0]
        except sqlite3.Error:
            return False
        wanted = sections.keys()
        gone = [rowid for key, (rowid, h) in held.items() if wanted.get(key) != h]
        new = {key for key, h in wanted.items() if key not in held or held[key][1] != h}
        if len(gone) + len(new) > INCREMENTAL_UP_TO * max(int(digest.split(":")[0]), 1):
            return False
        con.executemany("DELETE FROM sections WHERE rowid = ?", [(rowid,) for rowid in gone])
        con.executemany(INSERT, ((top + i, *r) for i, r in enumerate(sections.rows(new), start=1)))
        con.execute("UPDATE meta SET value = ? WHERE key = 'sections_digest'", [digest])
        con.commit()
    finally:
        con.close()
    _durable_rename(tmp, path)
    return True


def _held(con: sqlite3.Connection, groups: list[tuple] | None) -> list[tuple]:
    """The rowid, key and row hash of the index's sections, of `groups` only (None: all): a few groups are read
    through a condition on the index's table, rather than every row's key read into Python."""
    sql = f"SELECT rowid, {', '.join(FIELDS[KEY])}, row_hash FROM sections"
    if groups is None or len(groups) > GROUPS_READ_APART:
        return con.execute(sql).fetchall()
    rows = ", ".join("(?, ?, ?)" for _ in groups)
    return con.execute(f"{sql} WHERE (edition, entity_kind, entity) IN (VALUES {rows})",
                       [v for group in groups for v in group]).fetchall()  # fmt: skip


GROUPS_READ_APART = 500  # more groups than this: every key is read, and those of the groups kept


def _durable_rename(tmp: Path, path: Path) -> None:
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def prune(db: Path, keep: set[str]) -> None:
    """Remove the index files of older builds beside `db`, but those named in `keep`."""
    prefix = f"{db.name}.search-"
    try:
        names = os.listdir(db.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name not in keep and (name.endswith(".sqlite") or name.endswith(".tmp")):
            try:
                os.unlink(db.parent / name)
            except OSError:
                pass


def new_build_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
