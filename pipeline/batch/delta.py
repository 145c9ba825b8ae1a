"""A run after a few pages changed: only those pages are staged, and the database is brought up to date around
them (`publish.DELTA`) instead of being rebuilt from every page.

The database keeps, for each page it loaded, the fingerprint of what made its rows (`staging.documents`:
`freshness.page_fingerprint`, the code's version included). A page whose fingerprint is the same, and whose
record extracted/ still holds as written, is unchanged: its rows stand, and so do its rejects. The others (new,
changed, and those gone from raw/) are the delta. When it is more than DELTA_UP_TO of the pages, or the
database has no such list, or another version's run came after the one that wrote it (`staging.written`), the
run reloads everything as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.batch.known_hashes import KnownHashes
from pipeline.batch.one_page import Task
from pipeline.warehouse.ledger import Reject

DELTA_UP_TO = 0.25  # a larger share of pages changed: a whole reload is as quick, and simpler


@dataclass
class Delta:
    tasks: list[Task]  # the pages to stage: new, or changed
    changed: list[str]  # the pages (their newest version's path) whose rows go: changed, or gone from raw/
    unchanged: list[Task]  # the pages whose rows stand
    kept_rejects: list[Reject]  # the last run's rejects of the pages unchanged
    served_unchanged: int  # of those, the pages with rows


def choose(tasks: list[Task], fingerprints: dict[str, str], reader, known: KnownHashes | None = None) -> Delta | None:
    """The delta of this run against the database open on `reader` (read-only), or None for a whole reload.
    `known`: the hashes of record files unchanged since an earlier run hashed them."""
    import duckdb

    if reader is None or not tasks:
        return None
    try:
        written = reader.execute("""SELECT w.inputs_sha256 = r.inputs_sha256 FROM staging.written w,
                                    (SELECT inputs_sha256 FROM runs ORDER BY run_id DESC LIMIT 1) r""").fetchone()
        if not written or not written[0]:  # another version's run came since: its tables are not these pages'
            return None
        loaded = {task: (fingerprint, served) for task, fingerprint, served in reader.execute(
            "SELECT task, fingerprint, served_path FROM staging.documents").fetchall()}  # fmt: skip
    except duckdb.Error:  # a database made before this list was kept
        return None
    unchanged = [t for t in tasks if _unchanged(t, fingerprints, loaded, known)]
    same = {t.rel for t in unchanged}
    todo = [t for t in tasks if t.rel not in same]
    changed = sorted({t.rel for t in todo if t.rel in loaded} | (loaded.keys() - {t.rel for t in tasks}))
    if not unchanged or len({t.rel for t in todo} | set(changed)) > DELTA_UP_TO * len(tasks):
        return None
    versions = {v.rel for t in unchanged for v in (t, *t.older)}
    try:
        rows = reader.execute("SELECT path, sha256, stage, code, message, record FROM rejects WHERE stage <> 'fetch'")
        kept = [Reject(path, sha, stage, code, message, None if record is None else json.loads(record))
                for path, sha, stage, code, message, record in rows.fetchall() if path in versions]  # fmt: skip
    except duckdb.Error:
        return None
    served = sum(loaded[t.rel][1] is not None for t in unchanged)
    return Delta(todo, changed, unchanged, kept, served)


def _unchanged(task: Task, fingerprints: dict[str, str], loaded: dict[str, tuple[str, str | None]],
               known: KnownHashes | None) -> bool:  # fmt: skip
    """Loaded from these very versions by this code, and its records are in extracted/ as written (a page whose
    record is missing or was edited is parsed again, and its record written again, as a reload does)."""
    found = loaded.get(task.rel)
    if found is None or found[0] != fingerprints.get(task.rel):
        return False
    served = found[1]
    return all(_record_intact(v, known) for v in (task, *task.older) if v.rel == task.rel or v.rel == served)


def _record_intact(task: Task, known: KnownHashes | None) -> bool:
    if task.cached is None:
        return False
    path = os.path.join(task.folder, task.cached)
    sha = _sha256(Path(path)) if known is None else known.sha256(path, _sha256)
    return sha is not None and sha == task.cached_sha256


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
