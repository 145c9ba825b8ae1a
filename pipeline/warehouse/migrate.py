"""Bring a copy of the database to this version's schema, with as few statements as it takes.

Tables rebuilt from raw/ on every reload are dropped and created anew (after keeping what the change
report and the history need); the ledger and the history keep their rows and gain any new column;
comments are set where they differ.
"""

from __future__ import annotations

import duckdb

from pipeline.warehouse import history, picking
from pipeline.warehouse.schema import CURRENT, TABLE, TABLES, column_comment, ddl, staged_columns, table_comment

# Rebuilt from raw/ (and the catalog) on every run that reloads; the others keep their rows.
REBUILT = ("scores", "ranks", "profiles", "sections", "sources", "rejects", "checks", "indicators", "countries")


def migrate(con: duckdb.DuckDBPyConnection, reload: bool) -> None:
    """`reload`: the current tables are built again (dropped here, the previous scores, sources and rejects kept
    aside first). A run after a few pages changed keeps them, and runs `delta_statements` instead."""
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
    comments = {
        (t, c): doc
        for t, c, doc in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall()
    }
    statements: list[str] = []
    if "sections_search" in tables:  # the index of releases before 0.5 (DuckDB's fts), now a file of its own
        statements += ["DROP SCHEMA IF EXISTS fts_main_sections_search CASCADE", "DROP TABLE sections_search"]
        tables.pop("sections_search")
    if reload:
        history.keep_previous(con, lambda t, cols: all((t, c) in comments for c in cols))
        keep_previous_rejects(con, {c for t, c in comments if t == "rejects"})
        for name in REBUILT:
            statements.append(f"DROP TABLE IF EXISTS {name}")
            tables.pop(name, None)
        picking.create_schema(con)
    for table in TABLES:
        if table.name not in tables:
            statements += ddl(table)
            continue
        if tables[table.name] != table.comment:
            statements.append(table_comment(table))
        for column in table.columns:
            if (table.name, column.name) not in comments:
                statements.append(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {column.sql_type}')
            if comments.get((table.name, column.name)) != column.comment:
                statements.append(column_comment(table, column.name, column.comment))
    if statements:  # one call: a new database takes some 150 statements, cheaper together than one by one
        con.execute(";\n".join(statements))


def delta_statements() -> list[str]:
    """A run after a few pages changed (the same code made this database, batch/delta.py: its tables are of this
    shape, and no need to look): the last run's rejects kept aside, the run's own lists emptied. Run as one
    script with the staging tables (`staging_statements`): while the page is parsed in a thread of the run,
    each call back from DuckDB waits for the GIL (docs/PERFORMANCE.md)."""
    return [_keep_previous_rejects({c.name for c in TABLE["rejects"].columns}), "DELETE FROM rejects",
            "DELETE FROM checks"]  # fmt: skip


def keep_previous_rejects(con: duckdb.DuckDBPyConnection, has: set[str]) -> None:
    """The rejects as the last run left them (`previous_rejects`): how long each has been rejected, and
    the fetch failures carried to a run that does not fetch."""
    con.execute(_keep_previous_rejects(has))


def _keep_previous_rejects(has: set[str]) -> str:
    cols = ("run_id", "path", "sha256", "stage", "code", "message", "record")
    if not set(cols) <= has:
        return """CREATE TEMP TABLE previous_rejects AS SELECT 0 run_id, ''::VARCHAR path, NULL::VARCHAR sha256,
            ''::VARCHAR stage, ''::VARCHAR code, ''::VARCHAR message, NULL::JSON record, 0 first_seen_run,
            0 last_seen_run WHERE false"""
    first = "first_seen_run" if "first_seen_run" in has else "run_id"
    last = "last_seen_run" if "last_seen_run" in has else "run_id"
    return f"""CREATE TEMP TABLE previous_rejects AS
        SELECT {", ".join(cols)}, {first} AS first_seen_run, {last} AS last_seen_run FROM rejects"""


def staging_statements() -> list[str]:
    """A temporary staging table per current table: its columns, then the source's priority."""
    out = []
    for name in CURRENT:
        cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in staged_columns(name))
        out.append(f"CREATE TEMP TABLE stage_{name} ({cols})")
    return out


def create_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(";\n".join(staging_statements()))
