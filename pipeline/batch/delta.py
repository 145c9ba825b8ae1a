"""A run after a few pages changed: only those pages are staged, and the database is brought up to date around
them (`publish.DELTA`) instead of being rebuilt from every page.

The database keeps, for each page it loaded, the fingerprint of what made its rows (`staging.documents`:
`freshness.page_fingerprint`, the code's version included). A page whose fingerprint is the same, and whose
record extracted/ still holds, is unchanged: its rows stand, and so do its rejects. The others (new, changed,
and those gone from raw/) are the delta. When it is more than DELTA_UP_TO of the pages, or the database has no
such list (a database of another version, or none), the run reloads everything as before.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

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


def choose(tasks: list[Task], fingerprints: dict[str, str], reader) -> Delta | None:
    """The delta of this run against the database open on `reader` (read-only), or None for a whole reload."""
    import duckdb

    if reader is None or not tasks:
        return None
    try:
        loaded = {task: (fingerprint, served) for task, fingerprint, served in reader.execute(
            "SELECT task, fingerprint, served_path FROM staging.documents").fetchall()}  # fmt: skip
    except duckdb.Error:  # a database made before this list was kept
        return None
    unchanged = [t for t in tasks if _unchanged(t, fingerprints, loaded)]
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


def _unchanged(task: Task, fingerprints: dict[str, str], loaded: dict[str, tuple[str, str | None]]) -> bool:
    """Loaded from these very versions by this code, and its records are in extracted/ (a page whose record is
    missing is parsed again, and its record written)."""
    found = loaded.get(task.rel)
    if found is None or found[0] != fingerprints.get(task.rel):
        return False
    served = found[1]
    versions = [v for v in (task, *task.older) if v.rel == task.rel or v.rel == served]
    return all(v.cached is not None and os.path.isfile(os.path.join(v.folder, v.cached)) for v in versions)
