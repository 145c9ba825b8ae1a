"""Exports for people who use other tools: every table of the database as Parquet or CSV files."""

from __future__ import annotations

from pathlib import Path

from pipeline.files import write_with

FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}


def export(db: Path, folder: Path, fmt: str) -> list[Path]:
    """Write every base table to folder/<table>.<fmt>, each file replaced atomically."""
    import duckdb  # here, not above: the command line reads FORMATS without loading DuckDB

    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    written = []
    try:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            path = folder / f"{table}.{fmt}"
            write_with(path, _copier(con, table, fmt))
            written.append(path)
    finally:
        con.close()
    return written


def _copier(con, table: str, fmt: str):
    def copy(tmp: Path) -> None:
        con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{tmp}' {FORMATS[fmt]}")

    return copy
