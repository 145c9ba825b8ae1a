"""Exports for people who use other tools: tables and views of the database as Parquet or CSV files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.files import write_with
from pipeline.settings import EXPORT_FORMATS
from pipeline.warehouse.schema import identifier

# How each export format (settings.EXPORT_FORMATS: the names) is written by DuckDB's COPY.
COPY_OPTIONS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
assert set(COPY_OPTIONS) == set(EXPORT_FORMATS), "a format of settings.EXPORT_FORMATS without its COPY options"


def exportable(con) -> list[str]:
    """Every base table and view of the database's main schema, by name."""
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal").fetchall()
    return sorted(name for (name,) in tables + views)


def export(db: Path, folder: Path, fmt: str, names: Sequence[str] | None = None) -> list[Path]:
    """Write tables and views (all, or `names`) to folder/<name>.<fmt>, each file replaced atomically.
    Raises KeyError for a name the database does not have."""
    import duckdb  # here, not above: the command line imports this module without loading DuckDB

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    written = []
    try:
        known = exportable(con)
        unknown = [n for n in names or () if n not in known]
        if unknown:
            raise KeyError(f"no table or view named {', '.join(unknown)} (the database has {', '.join(known)})")
        for name in names or known:
            path = folder / f"{name}.{fmt}"
            write_with(path, _copier(con, name, fmt))
            written.append(path)
    finally:
        con.close()
    return written


def _copier(con, table: str, fmt: str):
    """Write one table or view to the temporary file: the path is a bound parameter, never SQL text (a folder
    named `bob's data` is a folder, not a quote), and the name is quoted as an identifier."""

    def copy(tmp: Path) -> None:
        con.execute(f"COPY (SELECT * FROM {identifier(table)} ORDER BY ALL) TO ? {COPY_OPTIONS[fmt]}", [str(tmp)])

    return copy
