"""The current tables of a run (scores, ranks, profiles, sections, sources) and what follows from them: the
search index of the sections, the changes no page printed, the change report and the score history. Publishing
steps (`publish.py`), each given the run's `Publishing`.

A run that reloads everything picks every key from the whole staging; a run after a few pages changed (DELTA)
picks again only the groups those pages touch (`picking.py`), and recomputes what follows for the entities
touched alone (`touched_entities`): the other entities' rows are as the last run left them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from pipeline.warehouse import bulk, history, picking
from pipeline.warehouse.crosscheck import staged_twice
from pipeline.warehouse.fulltext import (
    Indexing,
    current_state,
    engine_name,
    index_file,
    index_usable,
    new_build_id,
    record_state,
    replaced_digest,
    sections_digest,
)
from pipeline.warehouse.schema import CURRENT, Column, previous_edition_sql

if TYPE_CHECKING:
    from pipeline.warehouse.publish import Publishing


def sections_and_search(p: Publishing) -> None:
    """The sections, and the search index file of them (`search`)."""
    pick_current(p.con, "sections")
    search(p)


def search(p: Publishing) -> None:
    """The search index file of the sections, started in a thread beside the rest (the database is swapped in
    only once both are done, so a failure in either leaves the published database as it was). When the
    sections are those the last index holds (same digest, same engine), its file stands. After a few pages
    changed (DELTA), the digest follows from the last one, and the index compares only the groups touched."""
    digest = p.sections_digest or sections_digest(p.con)
    state = current_state(p.con)
    usable = state is not None and index_usable(p.db, state)
    if state is not None:
        p.search_files.add(state.file)
        if state.sections_digest == digest and state.engine == engine_name() and usable:
            p.search_index = "kept"
            return
    path = index_file(p.db, new_build_id())
    p.search_files.add(path.name)
    # the last index, updated in place if it can be (`update_index` checks its engine, and that it is there)
    previous = None if state is None else p.db.parent / state.file
    p.con.execute("COMMIT")  # the sections, for the index's own connection to read
    # only the groups touched are compared when the last file is known to hold the last sections
    # a reload's sections are a table made anew (no row deleted): read by ranges (see `fulltext.Sections`)
    p.indexing = Indexing(path, p.con.cursor(), digest, previous, p.changed_groups if usable else None,
                          ranges=p.changed_groups is None)  # fmt: skip
    p.con.execute("BEGIN TRANSACTION")
    record_state(p.con, path.name, digest)


def current_tables(p: Publishing) -> None:
    for name in ("scores", "ranks", "profiles"):
        pick_current(p.con, name)


def derived_changes(p: Publishing, scope: str = "") -> None:
    """A change no page printed (a workbook row's: the workbook prints none) is this score minus the previous
    edition's score of the same entity and indicator, flagged `derived` as derived ranks are. A page's row,
    its printed change or its `n/a`, is never touched; with no previous score the change stays NULL.
    `scope`: a condition on `scores` (the entities a DELTA run touched)."""
    p.con.execute(f"""UPDATE scores SET change = scores.score - prev.score, derived = true
        FROM scores prev
        WHERE scores.source_ref IS NOT NULL AND scores.change IS NULL {scope}
          AND prev.edition = {previous_edition_sql("scores.edition")} AND prev.entity_kind = scores.entity_kind
          AND prev.entity = scores.entity AND prev.indicator = scores.indicator""")


def pick_current(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """The staged rows of a current table, one per key: those of the page ranked first (see rows.py); the
    others are kept aside for the next run (`picking`)."""
    picking.pick_all(con, name, staged_twice(con, name))


def sources(p: Publishing) -> None:
    """One row per page content; a content loaded before keeps the run that first loaded it."""
    picking.pick_all(p.con, "sources", staged_twice(p.con, "sources"))
    p.con.execute(
        """UPDATE sources SET first_run = coalesce(
                       (SELECT p.first_run FROM previous_sources p WHERE p.sha256 = sources.sha256), ?)""",
        [p.run_id],
    )


def documents(p: Publishing) -> None:
    """The pages this run loaded, for the next run (`staging.documents`)."""
    _run_documents(p)
    picking.record_documents(p.con, p.run_id, p.stats.inputs_sha256 or "")


def _run_documents(p: Publishing) -> None:
    p.con.execute("CREATE OR REPLACE TEMP TABLE run_documents (task VARCHAR, fingerprint VARCHAR, served_path VARCHAR)")
    bulk.insert(p.con, "run_documents", picking.DOCUMENTS.columns[:3], bulk.records(p.documents))


# --- a run after a few pages changed (DELTA) -----------------------------------------------------------------

_TOUCHED = "EXISTS (SELECT 1 FROM touched_entities t WHERE t.entity_kind = {a}.entity_kind AND t.entity = {a}.entity)"


def delta_touched(p: Publishing) -> None:
    """What the pages changed or removed touch: the groups of each table (`picking.touched`), and the entities
    (`touched_entities`) with their scores as they are before (`previous_scores`, for the change report)."""
    p.con.execute("CREATE OR REPLACE TEMP TABLE changed_tasks (task VARCHAR)")
    bulk.insert(p.con, "changed_tasks", (Column("task", "VARCHAR", ""),), {"task": p.changed_tasks})
    picking.prepare(p.con)
    picking.touched(p.con)
    p.con.execute("""CREATE TEMP TABLE touched_entities AS SELECT DISTINCT entity_kind, entity FROM touched_scores""")
    history.keep_previous_of(p.con, _TOUCHED.format(a="s"))


def delta_tables(p: Publishing) -> None:
    """The groups touched, picked again; the sections' digest from the last one (the digests of the rows that
    went and came), a content's first run, the derived changes of the entities touched undone (redone next)."""
    state, groups = current_state(p.con), picking.in_group("sections", "c")
    removed = None if state is None else sections_digest(p.con, groups)
    for name in CURRENT:
        picking.repick(p.con, name)
    if state is not None and removed is not None:
        p.sections_digest = replaced_digest(state.sections_digest, removed, sections_digest(p.con, groups))
        p.changed_groups = p.con.execute("SELECT edition, entity_kind, entity FROM touched_sections").fetchall()
    p.con.execute(
        f"""UPDATE sources SET first_run = coalesce((SELECT f.first_run FROM first_runs f
                                                     WHERE f.sha256 = sources.sha256), ?)
            WHERE {picking.in_group("sources", "sources")}""",
        [p.run_id],
    )
    # a derived change of an entity touched is derived again: the score it is measured against may be new
    p.con.execute(f"UPDATE scores SET change = NULL, derived = false WHERE derived AND {_TOUCHED.format(a='scores')}")


def delta_documents(p: Publishing) -> None:
    """The pages loaded as this run leaves them, and every document's rows as a reload would have staged them
    (`picking.staged_views`: the checks and the reconciliation read them)."""
    _run_documents(p)
    picking.update_documents(p.con, p.run_id, p.stats.inputs_sha256 or "")
    picking.staged_views(p.con)


def delta_derived_changes(p: Publishing) -> None:
    derived_changes(p, "AND " + _TOUCHED.format(a="scores"))


def delta_change_report(p: Publishing) -> None:
    p.con.execute(f"CREATE TEMP VIEW scores_touched AS SELECT * FROM scores s WHERE {_TOUCHED.format(a='s')}")
    p.changes = history.changes(p.con, current="scores_touched")


def delta_score_history(p: Publishing) -> None:
    history.record_history(p.con, p.run_id, within=_TOUCHED)
    p.con.execute("DROP TABLE previous_scores")


def change_report(p: Publishing) -> None:
    p.changes = history.changes(p.con)


def score_history(p: Publishing) -> None:
    history.record_history(p.con, p.run_id)
    history.drop_previous(p.con)
