"""Which staged row of each key the current tables keep, for a whole run or for the keys a few documents touch.

Every document's rows are staged with its priority (`schema.PRIORITY`); each key of a current table keeps the
row of the document ranked first (`schema.PRIORITY_ORDER`), and the rows it outranked are kept too, in the
`staging` schema, with the documents each run loaded:
- `staging.documents`: one row per page (its newest version under raw/): its inputs' fingerprint, the version
  served and that version's priority;
- `staging.entities`: the groups (edition, entity kind, entity) each version served staged rows for: a current
  row is the work of the first in priority of the versions of its content that show its group (the same bytes
  at two URLs may show two countries: a page that prints no name takes it from its URL);
- `staging.unpicked_<table>`: the staged rows no key kept (the workbook's beside a page's, a second copy);
- `staging.written`: the run that wrote all this, and its inputs: a run by another version in between (which
  rebuilds the tables and knows nothing of this schema) makes the next run reload everything.

A run that reloads everything picks from the whole staging (`pick_all`). A run after a few pages changed
(`batch/delta.py` decides) stages those pages alone and picks again only the groups (edition, entity kind,
entity; a content for `sources`) they touched or used to touch (`repick`): the candidates of a group are the
current row (with the priority of the document that won it), the unpicked rows and the new rows, less those of
the pages gone. The result is the tables a whole reload makes (the benchmark and tests/test_delta.py compare
them). Then the staging tables are replaced by views of every document's rows (`staged_views`), so the checks
and the reconciliation read what a whole reload would have staged.
"""

from __future__ import annotations

import duckdb

from pipeline.warehouse.columns import Column, Table
from pipeline.warehouse.schema import CURRENT, PRIORITY, PRIORITY_ORDER, TABLE, columns, ddl, staged_columns

SCHEMA = "staging"
GROUP = ("edition", "entity_kind", "entity")  # a document's rows come and go together by these
PRIO = ", ".join(c.name for c in PRIORITY)

DOCUMENTS = Table(
    f"{SCHEMA}.documents",
    "The pages the current tables are made of (kept for the next run: it reloads only the pages that changed).",
    (
        Column("task", "VARCHAR NOT NULL", "The page: the path under raw/ of its newest version."),
        Column("fingerprint", "VARCHAR NOT NULL", "Digest of its versions (path, content, URL, fetch time) and code."),
        Column("served_path", "VARCHAR", "The version whose rows are loaded; NULL when none parsed."),
        Column("sha256", "VARCHAR", "SHA-256 of that version."),
        *PRIORITY,
    ),
)


ENTITIES = Table(
    f"{SCHEMA}.entities",
    "The editions and entities each version served staged rows for.",
    (
        Column("path", "VARCHAR NOT NULL", "The version (documents.served_path)."),
        Column("sha256", "VARCHAR NOT NULL", "Its content's SHA-256."),
        Column("edition", "SMALLINT NOT NULL", "Edition."),
        Column("entity_kind", "VARCHAR NOT NULL", "'country' or 'region'."),
        Column("entity", "VARCHAR NOT NULL", "Entity."),
    ),
)
WRITTEN = Table(
    f"{SCHEMA}.written",
    "The run that wrote the staging schema, and the fingerprint of its inputs (runs.inputs_sha256).",
    (
        Column("run_id", "INTEGER NOT NULL", "Run."),
        Column("inputs_sha256", "VARCHAR NOT NULL", "Its inputs' fingerprint."),
    ),
)


def unpicked(name: str) -> Table:
    return Table(
        f"{SCHEMA}.unpicked_{name}",
        f"Staged rows of `{name}` that another document's row outranked (kept for the next run's picking).",
        staged_columns(name),
    )


STAGING_TABLES = (DOCUMENTS, ENTITIES, WRITTEN, *(unpicked(name) for name in CURRENT))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The `staging` schema, empty (a run that reloads everything fills it again)."""
    statements = [f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", f"CREATE SCHEMA {SCHEMA}"]
    for table in STAGING_TABLES:
        statements += ddl(table)
    con.execute(";\n".join(statements))


def _cols(name: str) -> str:
    return ", ".join(f'"{c}"' for c in columns(name))


def _staged(name: str) -> str:
    return ", ".join(f'"{c.name}"' for c in staged_columns(name))


def _order(name: str) -> str:
    """How the candidates of a key are ranked (the first is kept): `sources` keeps one row per content, of the
    first path; the other tables the row of the document ranked first."""
    return "prio_path" if name == "sources" else PRIORITY_ORDER


def pick_all(con: duckdb.DuckDBPyConnection, name: str, twice: bool) -> None:
    """The current table `name` from the whole staging: one row per key, the others to `unpicked`. When no key
    is staged twice (`twice` False: no two documents show the same entity and edition) every row is kept, and
    they are copied without ranking them: ranking is the costlier path (docs/PERFORMANCE.md)."""
    if not twice:
        con.execute(f"INSERT INTO {name} ({_cols(name)}) SELECT {_cols(name)} FROM stage_{name}")
        return
    _pick(con, name, f"stage_{name}")


def _pick(con: duckdb.DuckDBPyConnection, name: str, candidates: str) -> None:
    """Rank the rows of `candidates` by key: the first of each to `name`, the others to `unpicked_<name>`. The
    ranking carries the keys and the row ids only, not the rows (whose text can be larger than memory)."""
    key = ", ".join(TABLE[name].key)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE picked AS SELECT rid, pick = 1 AS kept FROM (
        SELECT rowid AS rid, row_number() OVER (PARTITION BY {key} ORDER BY {_order(name)}) AS pick
        FROM {candidates})""")
    con.execute(f"""INSERT INTO {name} ({_cols(name)}) SELECT {_cols(name)} FROM {candidates}
                    WHERE rowid IN (SELECT rid FROM picked WHERE kept)""")
    con.execute(f"""INSERT INTO {SCHEMA}.unpicked_{name} ({_staged(name)}) SELECT {_staged(name)} FROM {candidates}
                    WHERE rowid IN (SELECT rid FROM picked WHERE NOT kept)""")
    con.execute("DROP TABLE picked")


def record_documents(con: duckdb.DuckDBPyConnection, run_id: int, inputs_sha256: str) -> None:
    """The documents this run staged (`run_documents`: task, fingerprint, served_path), each with its served
    version's content and priority as staged (`stage_sources`: one row per version served), and the groups it
    staged rows for; the run that wrote them."""
    con.execute(f"""INSERT INTO {DOCUMENTS.name} SELECT d.task, d.fingerprint, d.served_path, s.sha256, {
        ", ".join(f"s.{c.name}" for c in PRIORITY)
    }
        FROM run_documents d LEFT JOIN stage_sources s ON s.prio_path = d.served_path""")
    groups = " UNION ".join(f"SELECT prio_path, source_sha256, {', '.join(GROUP)} FROM stage_{name}"
                            for name in CURRENT if name != "sources")  # fmt: skip
    con.execute(f"INSERT INTO {ENTITIES.name} {groups}")
    con.execute(f"DELETE FROM {WRITTEN.name}")
    con.execute(f"INSERT INTO {WRITTEN.name} VALUES (?, ?)", [run_id, inputs_sha256])


# --- a run after a few pages changed -------------------------------------------------------------------------


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """What the repicking reads from the documents as the last run left them (before `update_documents`):
    `gone`, the versions whose rows go (served by a page changed or removed: `changed_tasks`), and `winners`,
    for each content and group, the version that won its rows: the first in priority of the versions of that
    content that staged rows for that group (they staged the same rows, so they won the same keys)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE gone AS SELECT served_path AS path, sha256 FROM {DOCUMENTS.name}
                    WHERE served_path IS NOT NULL AND task IN (SELECT task FROM changed_tasks)""")
    _winners(con, "winners")


def _winners(con: duckdb.DuckDBPyConnection, into: str) -> None:
    group = ", ".join(f"e.{g}" for g in GROUP)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {into} AS
        SELECT e.sha256, {group}, {", ".join(f"d.{c.name}" for c in PRIORITY)}
        FROM {ENTITIES.name} e JOIN {DOCUMENTS.name} d ON d.served_path = e.path
        QUALIFY row_number() OVER (PARTITION BY e.sha256, {group} ORDER BY {PRIORITY_ORDER}) = 1""")


def _won(alias: str, winners: str) -> str:
    """The join of a current row (`alias`) to the version that won it."""
    match = " AND ".join(f"w.{g} = {alias}.{g}" for g in GROUP)
    return f"JOIN {winners} w ON w.sha256 = {alias}.source_sha256 AND {match}"


def _current_as_staged(name: str, alias: str = "c") -> str:
    """The columns of a current row as they were staged: a derived change (publish.derived_changes) undone, and
    a content's first run not yet filled (publish.sources fills it)."""
    out = []
    for col in columns(name):
        if name == "sources" and col == "first_run":
            out.append("0 AS first_run")
        elif name == "scores" and col == "change":
            out.append(f"CASE WHEN {alias}.derived THEN NULL ELSE {alias}.change END AS change")
        elif name == "scores" and col == "derived":
            out.append("false AS derived")
        else:
            out.append(f'{alias}."{col}"')
    return ", ".join(out)


def _group(name: str) -> tuple[str, ...]:
    return ("sha256",) if name == "sources" else GROUP


def touched(con: duckdb.DuckDBPyConnection) -> None:
    """`touched_<table>` for each current table: the groups the pages gone served rows to, or the new pages
    stage rows to."""
    statements = []
    for name in CURRENT:
        group = ", ".join(_group(name))
        sha = "sha256" if name == "sources" else "source_sha256"
        statements.append(f"""CREATE OR REPLACE TEMP TABLE touched_{name} AS
            SELECT {group} FROM {name} WHERE {sha} IN (SELECT sha256 FROM gone)
            UNION SELECT {group} FROM {SCHEMA}.unpicked_{name} WHERE prio_path IN (SELECT path FROM gone)
            UNION SELECT {group} FROM stage_{name}""")
    con.execute(";\n".join(statements))


def in_group(name: str, alias: str) -> str:
    match = " AND ".join(f"t.{g} = {alias}.{g}" for g in _group(name))
    return f"EXISTS (SELECT 1 FROM touched_{name} t WHERE {match})"


def _current_with_priority(name: str, winners: str) -> str:
    """The current rows of `name` as staged, each with the priority of the version that won it (`winners`); a
    content's row in `sources` names its version, whose priority is its own."""
    if name == "sources":
        return f"""SELECT {_current_as_staged(name)}, {", ".join(f"d.{c.name}" for c in PRIORITY)}
            FROM sources c JOIN {DOCUMENTS.name} d ON d.served_path = c.path"""
    return f"""SELECT {_current_as_staged(name)}, {", ".join(f"w.{c.name}" for c in PRIORITY)}
        FROM {name} c {_won("c", winners)}"""


def repick(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Pick the touched groups of `name` again (`touched` first): from the current rows (of documents not gone,
    with the priority of the document that won them), the unpicked rows (of documents not gone) and the new rows
    (`stage_<name>`). The candidates are those of a few groups: ranked whole, in one script of statements."""
    staged = _staged(name)
    current = _current_with_priority(name, "winners")
    rank = f"row_number() OVER (PARTITION BY {', '.join(TABLE[name].key)} ORDER BY {_order(name)})"
    # ranked once, as the candidates are gathered (a window costs a few milliseconds however few the rows)
    script = [
        f"""CREATE OR REPLACE TEMP TABLE candidates AS SELECT *, {rank} AS pick FROM (
        SELECT * FROM ({current}) c WHERE {in_group(name, "c")} AND prio_path NOT IN (SELECT path FROM gone)
        UNION ALL SELECT {staged} FROM {SCHEMA}.unpicked_{name} u
            WHERE {in_group(name, "u")} AND prio_path NOT IN (SELECT path FROM gone)
        UNION ALL SELECT {staged} FROM stage_{name})"""
    ]
    if name == "sources":  # a content loaded before keeps the run that first loaded it
        script.append(f"""CREATE OR REPLACE TEMP TABLE first_runs AS SELECT sha256, first_run FROM sources c
                           WHERE {in_group(name, "c")}""")
    script += [
        f"DELETE FROM {name} c WHERE {in_group(name, 'c')}",
        f"DELETE FROM {SCHEMA}.unpicked_{name} u WHERE {in_group(name, 'u')}",
        f"INSERT INTO {name} ({_cols(name)}) SELECT {_cols(name)} FROM candidates WHERE pick = 1",
        f"INSERT INTO {SCHEMA}.unpicked_{name} ({staged}) SELECT {staged} FROM candidates WHERE pick > 1",
    ]
    con.execute(";\n".join(script))


def update_documents(con: duckdb.DuckDBPyConnection, run_id: int, inputs_sha256: str) -> None:
    """The documents as this run leaves them: the pages changed or removed out, the pages staged in."""
    con.execute(f"DELETE FROM {ENTITIES.name} WHERE path IN (SELECT path FROM gone)")
    con.execute(f"DELETE FROM {DOCUMENTS.name} WHERE task IN (SELECT task FROM changed_tasks)")
    record_documents(con, run_id, inputs_sha256)


def staged_views(con: duckdb.DuckDBPyConnection) -> None:
    """Every document's rows as a whole reload would have staged them, under the staging tables' names
    (`stage_<table>`, now views): the current rows with the priority of the document that won them, and the
    unpicked rows. The cross-page checks and the reconciliation read them."""
    _winners(con, "winners_now")
    for name in CURRENT:
        con.execute(f"DROP TABLE stage_{name}")
        con.execute(f"""CREATE TEMP VIEW stage_{name} AS {_current_with_priority(name, "winners_now")}
                        UNION ALL SELECT {_staged(name)} FROM {SCHEMA}.unpicked_{name}""")
